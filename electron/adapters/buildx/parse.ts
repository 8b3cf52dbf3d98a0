import { z } from 'zod';
import type { Builder, BuilderNode, BuildxInfo, NodeStatus } from '../../common/domain';
import { NODE_STATUSES } from '../../common/domain';
import { appError } from '../../common/errors';
import { parseJsonObjects } from '../../common/json-stream';

/** Oldest buildx BuildDeck supports: the first with `ls --format json`. */
export const MIN_BUILDX = '0.13.0';

export type SemVer = readonly [number, number, number];

export function parseSemVer(text: string): SemVer | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const atLeast = (v: SemVer, min: string) => compareSemVer(v, parseSemVer(min) as SemVer) >= 0;

/**
 * `docker buildx version` prints `github.com/docker/buildx v0.29.1 <rev>` upstream and
 * `github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4` in Debian's build.
 */
export function parseBuildxVersion(output: string, command: string): BuildxInfo {
  const token = output.trim().split(/\s+/)[1] ?? '';
  const semver = parseSemVer(token);
  if (!semver) {
    throw appError('INTERNAL', 'Could not read the buildx version.', {
      hint: 'Run `docker buildx version` yourself; if it prints a version, report this with the raw output.',
      details: { raw: output.slice(0, 2000) },
    });
  }
  return {
    version: semver.join('.'),
    command,
    // Feature table: docs/buildkit-facts.md (measured on 0.13.1 and 0.29.1).
    features: {
      lsJson: atLeast(semver, '0.13.0'),
      history: atLeast(semver, '0.20.0'),
      duJson: atLeast(semver, '0.28.0'),
      callTargets: atLeast(semver, '0.15.0'),
      bakeAllow: atLeast(semver, '0.19.0'),
      bakePrintLazyOutputs: atLeast(semver, '0.30.0'),
    },
  };
}

export function isSupportedBuildx(info: BuildxInfo): boolean {
  return atLeast(parseSemVer(info.version) as SemVer, MIN_BUILDX);
}

// Loose on purpose: buildx adds fields between versions; we read what we know and keep going.
const rawNode = z
  .object({
    Name: z.string().optional(),
    Endpoint: z.string().optional(),
    Status: z.string().optional(),
    Version: z.string().optional(),
    Platforms: z.array(z.string()).nullish(),
    Err: z.string().optional(),
  })
  .loose();

const rawBuilder = z
  .object({
    Name: z.string(),
    Driver: z.string().optional(),
    Current: z.boolean().optional(),
    Dynamic: z.boolean().optional(),
    LastActivity: z.string().optional(),
    Err: z.string().optional(),
    Nodes: z.array(rawNode).nullish(),
  })
  .loose();

/** buildx prints the zero time for "never used". */
const NEVER = /^0001-01-01/;

export function toNodeStatus(raw: string | undefined): NodeStatus {
  const s = (raw ?? '').trim().toLowerCase();
  return (NODE_STATUSES as readonly string[]).includes(s) ? (s as NodeStatus) : 'unknown';
}

export interface LsParseResult {
  builders: Builder[];
  /** Whether the output said which builder is current (0.13.1 does not; see parseLsTableCurrent). */
  hasCurrent: boolean;
}

/**
 * Both `ls --format json` shapes: 0.29 prints one object per builder (with `Current`); 0.13.1 prints
 * one object per table row, i.e. each builder once per node plus once, without `Current`.
 * Objects are de-duplicated by Name, keeping buildx's order.
 */
export function parseLsJson(output: string): LsParseResult {
  const { objects, rest } = parseJsonObjects(output);
  const garbage = rest.filter((line) => !/^Cannot load builder/i.test(line));
  if (objects.length === 0 && garbage.length > 0) {
    throw appError('INTERNAL', 'buildx ls printed something BuildDeck does not understand.', {
      hint: 'Check `docker buildx ls --format json`; report this with the raw output below.',
      details: { raw: output.slice(0, 8000) },
    });
  }
  const byName = new Map<string, Builder>();
  let hasCurrent = false;
  for (const obj of objects) {
    const parsed = rawBuilder.safeParse(obj);
    if (!parsed.success) {
      throw appError('INTERNAL', 'buildx ls printed a builder in an unexpected shape.', {
        hint: 'Report this with the raw output below.',
        details: { raw: JSON.stringify(obj).slice(0, 4000), issues: parsed.error.issues.slice(0, 5) },
      });
    }
    const b = parsed.data;
    if (byName.has(b.Name)) continue;
    if (b.Current !== undefined) hasCurrent = true;
    const nodes: BuilderNode[] = (b.Nodes ?? [])
      .filter((n) => n.Name || n.Endpoint)
      .map((n) => ({
        name: n.Name ?? '',
        endpoint: n.Endpoint ?? '',
        status: toNodeStatus(n.Status ?? (n.Err ? 'error' : undefined)),
        ...(n.Version ? { buildkitVersion: n.Version } : {}),
        platforms: n.Platforms ?? [],
        pinnedPlatforms: [],
        ...(n.Err ? { error: n.Err } : {}),
      }));
    byName.set(b.Name, {
      name: b.Name,
      driver: b.Driver ?? '',
      current: b.Current ?? false,
      contextBuilder: false,
      dynamic: b.Dynamic ?? false,
      ...(b.LastActivity && !NEVER.test(b.LastActivity) ? { lastActivity: b.LastActivity } : {}),
      nodes,
      ...(b.Err ? { error: b.Err } : {}),
    });
  }
  return { builders: [...byName.values()], hasCurrent };
}

/** The table form marks the current builder with `*` after its name: `default*   docker`. */
export function parseLsTableCurrent(table: string): string | undefined {
  for (const line of table.split('\n').slice(1)) {
    const m = /^([A-Za-z][\w.-]*)\*\s/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * `buildx inspect NAME` text (same layout in 0.13 and 0.29): how builders that only buildx can reach
 * (kubernetes, ssh:// engines, TLS contexts) are listed, one bounded process per builder.
 */
export function parseInspectText(text: string): Builder {
  const lines = text.split('\n');
  const field = (line: string): [string, string] | undefined => {
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line);
    return m ? [m[1] as string, (m[2] as string).trim()] : undefined;
  };
  let name = '';
  let driver = '';
  let lastActivity: string | undefined;
  let error: string | undefined;
  const nodes: BuilderNode[] = [];
  let node: BuilderNode | undefined;
  let inNodes = false;
  for (const line of lines) {
    if (line.startsWith(' ')) continue; // labels, GC policy details
    const kv = field(line);
    if (!kv) continue;
    const [key, value] = kv;
    if (key === 'Nodes') {
      inNodes = true;
      continue;
    }
    if (!inNodes) {
      if (key === 'Name') name = value;
      else if (key === 'Driver') driver = value;
      else if (key === 'Last Activity') lastActivity = value;
      else if (key === 'Error') error = value;
      continue;
    }
    if (key === 'Name') {
      node = { name: value, endpoint: '', status: 'unknown', platforms: [], pinnedPlatforms: [] };
      nodes.push(node);
    } else if (node) {
      if (key === 'Endpoint') node.endpoint = value;
      else if (key === 'Status') node.status = toNodeStatus(value);
      else if (key === 'BuildKit version' || key === 'Buildkit') node.buildkitVersion = value;
      else if (key === 'Error') node.error = value;
      else if (key === 'Platforms') {
        const all = value
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        node.platforms = all.map((p) => p.replace(/\*$/, ''));
        node.pinnedPlatforms = all.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
      }
    }
  }
  if (!name) {
    throw appError('INTERNAL', 'buildx inspect printed something BuildDeck does not understand.', {
      details: { raw: text.slice(0, 8000) },
    });
  }
  return {
    name,
    driver,
    current: false,
    contextBuilder: false,
    dynamic: false,
    ...(lastActivity ? { lastActivity: toIsoTime(lastActivity) } : {}),
    nodes,
    ...(error ? { error } : {}),
  };
}

/** `2026-11-27 06:19:34 +0000 UTC` → ISO 8601. */
function toIsoTime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})/.exec(text);
  return m ? new Date(`${m[1]}T${m[2]}${m[3]}:${m[4]}`).toISOString() : text;
}

/** Platforms in buildx's instance store are OCI objects: {os, architecture, variant}. */
export function formatPlatform(p: {
  os?: string | undefined;
  architecture?: string | undefined;
  variant?: string | undefined;
}): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}
