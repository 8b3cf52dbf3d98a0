import { JsonObjectSplitter } from '../../electron/common/json-stream';

/**
 * What buildx's own rawjson says about each target of a bake, read straight from the stream and
 * independently of BuildDeck's parser, attributor and reducer: per target, the frontend steps
 * (`[... n/m]` names, one per vertex digest) and how many of them BuildKit reported cached.
 * With one target buildx prints no target prefix, so every step is that target's.
 */
export function stepsPerTarget(
  raw: string,
  targets: readonly string[],
): Record<string, { steps: number; cached: number; byPlatform: Record<string, { steps: number; cached: number }> }> {
  const seen = new Map<string, { target: string; platform: string; cached: boolean }>();
  const single = targets.length === 1 ? targets[0] : undefined;
  const splitter = new JsonObjectSplitter(
    (json) => {
      const status = JSON.parse(json) as { vertexes?: { digest: string; name?: string; cached?: boolean }[] };
      for (const v of status.vertexes ?? []) {
        const m = /^\[([^\]]*)\]/.exec(v.name ?? '');
        if (!m) continue;
        const tokens = (m[1] as string).split(' ');
        if (!/^\d+\/\d+$/.test(tokens.at(-1) ?? '')) continue;
        const target = single ?? tokens[0] ?? '';
        if (!targets.includes(target)) continue;
        const rest = single ? tokens : tokens.slice(1);
        const platform = rest.length > 1 && /^[a-z]+\/[a-z0-9]+/.test(rest[0] ?? '') ? (rest[0] as string) : 'default';
        const key = `${target}\0${v.digest}`;
        const prev = seen.get(key);
        seen.set(key, {
          target,
          platform: prev?.platform ?? platform,
          cached: (prev?.cached ?? false) || v.cached === true,
        });
      }
    },
    () => undefined,
    true,
  );
  splitter.push(raw);
  splitter.end();
  const out: ReturnType<typeof stepsPerTarget> = {};
  for (const t of targets) out[t] = { steps: 0, cached: 0, byPlatform: {} };
  for (const { target, platform, cached } of seen.values()) {
    const t = out[target] as {
      steps: number;
      cached: number;
      byPlatform: Record<string, { steps: number; cached: number }>;
    };
    t.steps++;
    if (cached) t.cached++;
    const p = (t.byPlatform[platform] ??= { steps: 0, cached: 0 });
    p.steps++;
    if (cached) p.cached++;
  }
  return out;
}
