import type { BuildSnapshot, BuildSummary, Step } from '../contracts/builds';

/** What is read off a snapshot (never reduced into it): the summary line and a step's running time. */

/** The CLI's last line / `build.finished` payload. Platform entries are the platform lanes. */
export function summarizeBuild(s: BuildSnapshot): BuildSummary {
  const platforms = s.lanes
    .filter((l) => l.kind === 'platform')
    .map((l) => ({
      platform: l.key,
      ok: l.summary.ok,
      steps: l.summary.steps,
      cachedSteps: l.summary.cachedSteps,
      cacheHitRatio: l.summary.cacheHitRatio,
      durationMs: l.summary.wallMs,
      ...(l.summary.error ? { error: l.summary.error } : {}),
    }));
  return {
    type: 'summary',
    buildId: s.buildId,
    status: s.status,
    ok: s.result?.ok ?? false,
    cancelled: s.result?.cancelled ?? false,
    digest: s.result?.digest ?? null,
    ...(s.result?.imageId ? { imageId: s.result.imageId } : {}),
    imageName: s.result?.imageName ?? null,
    durationMs: s.result?.durationMs ?? 0,
    platforms,
    ...(s.error && !s.result?.ok ? { error: s.error.message } : {}),
  };
}

/** Milliseconds a step has run: its duration once complete, else up to `now`. */
export function stepElapsedMs(step: Step, now: number): number | undefined {
  if (step.durationMs !== undefined) return step.durationMs;
  return step.startedAt === undefined ? undefined : Math.max(0, now - step.startedAt);
}
