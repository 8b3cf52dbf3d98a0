import { z } from 'zod';
import type { CacheRecord } from '../../common/contracts/cache';

export { humanSize } from '../../common/contracts/cache';
import { appError } from '../../common/errors';
import { parseJsonObjects } from '../../common/json-stream';

/**
 * Parsers for `docker buildx du` and `docker buildx prune --verbose` output, measured on buildx 0.13.1
 * and 0.29.1 (fixtures in test/fixtures/buildx/du-*). buildx formats what BuildKit sends with
 * go-units: sizes as HumanSize (decimal units, 4 significant digits) and last use as HumanDuration
 * ("3 hours ago"). Both are read back as precisely as they allow; see parseHumanSize/parseAgo.
 */

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;

/** "12.29kB" → 12290, "0B" → 0, "3.118MB*" → 3118000 (the table marks shared sizes with '*'). */
export function parseHumanSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([kMGTPEZY]?B)\*?\s*$/.exec(text);
  if (!m) return undefined;
  const power = (DECIMAL_UNITS as readonly string[]).indexOf(m[2] as string);
  return power < 0 ? undefined : Math.round(Number(m[1]) * 1000 ** power);
}

const HOUR = 3_600_000;

/**
 * "3 hours ago" → the youngest age (ms) go-units' HumanDuration could have printed it for. Taking the
 * youngest keeps `until` safe: a record is never judged older than it might be.
 */
export function parseAgo(text: string): number | undefined {
  const t = text.trim().replace(/\s+ago$/, '');
  if (/^Less than a second$/i.test(t)) return 0;
  if (/^About a minute$/i.test(t)) return 60_000;
  if (/^About an hour$/i.test(t)) return HOUR;
  const m = /^(\d+) (second|minute|hour|day|week|month|year)s?$/i.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch ((m[2] as string).toLowerCase()) {
    case 'second':
      return n * 1000;
    case 'minute':
      return n * 60_000;
    // HumanDuration rounds hours to the nearest one, then counts days, weeks and months in whole hours.
    case 'hour':
      return Math.max(0, (n - 0.5) * HOUR);
    case 'day':
      return Math.max(0, (24 * n - 0.5) * HOUR);
    case 'week':
      return Math.max(0, (168 * n - 0.5) * HOUR);
    case 'month':
      return Math.max(0, (720 * n - 0.5) * HOUR);
    default:
      return 8760 * n * HOUR;
  }
}

/** Go's time.String(): "2026-11-27 06:37:08.842694094 +0000 UTC" → ISO 8601 (ms precision). */
export function parseGoTime(text: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))? ([+-]\d{2})(\d{2})/.exec(text.trim());
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  const ms = Date.parse(`${m[1]}T${m[2]}.${frac}${m[4]}:${m[5]}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function lastUsedFrom(text: string | undefined, readAt: number): string | null {
  if (!text) return null;
  const age = parseAgo(text);
  return age === undefined ? null : new Date(readAt - age).toISOString();
}

function unreadable(what: string, raw: string, extra: Record<string, unknown> = {}) {
  return appError('INTERNAL', `buildx ${what} printed something BuildDeck does not understand.`, {
    hint: `Run \`docker buildx ${what}\` yourself; report this with the raw output below.`,
    details: { raw: raw.slice(0, 8000), ...extra },
  });
}

// buildx >= 0.28: `du --format json`, one object per record (NDJSON).
const rawDuJson = z
  .object({
    ID: z.string().min(1),
    Parents: z.array(z.string()).nullish(),
    CreatedAt: z.string().optional(),
    Mutable: z.boolean().optional(),
    Reclaimable: z.boolean().optional(),
    Shared: z.boolean().optional(),
    Size: z.string().optional(),
    Description: z.string().optional(),
    UsageCount: z.number().optional(),
    LastUsedAt: z.string().optional(),
    Type: z.string().optional(),
  })
  .loose();

export function parseDuJson(stdout: string, readAt: number): CacheRecord[] {
  const { objects, rest } = parseJsonObjects(stdout);
  if (objects.length === 0 && rest.some((l) => l.trim())) throw unreadable('du --format json', stdout);
  return objects.map((obj) => {
    const parsed = rawDuJson.safeParse(obj);
    if (!parsed.success)
      throw unreadable('du --format json', JSON.stringify(obj), { issues: parsed.error.issues.slice(0, 5) });
    const r = parsed.data;
    const size = r.Size === undefined ? 0 : parseHumanSize(r.Size);
    if (size === undefined) throw unreadable('du --format json', JSON.stringify(obj), { field: 'Size' });
    return {
      id: r.ID,
      type: r.Type || 'regular',
      description: (r.Description ?? '').trimEnd(),
      size,
      createdAt: r.CreatedAt ? parseGoTime(r.CreatedAt) : null,
      lastUsedAt: lastUsedFrom(r.LastUsedAt, readAt),
      usageCount: r.UsageCount ?? 0,
      shared: r.Shared ?? false,
      inUse: r.Reclaimable === undefined ? false : !r.Reclaimable,
      mutable: r.Mutable ?? null,
      parents: r.Parents ?? [],
    };
  });
}

const VERBOSE_KEYS = new Set([
  'ID',
  'Parent',
  'Parents',
  'Created at',
  'Mutable',
  'Reclaimable',
  'Shared',
  'Size',
  'Description',
  'Usage count',
  'Last used',
  'Type',
]);

interface VerboseBlock {
  fields: Map<string, string>;
  parents: string[];
}

/**
 * `du --verbose` / `prune --verbose` blocks, in both layouts: 0.13.1 separates key and value with tabs
 * and joins parents on one `Parent:` line with commas; 0.29.1 pads with spaces and lists `Parents:`
 * as ` - id` lines. A record starts at its `ID:` line, not at a blank line: a multi-line description
 * (a heredoc RUN) carries its own newlines and even blank lines. The closing summary (Shared, Private,
 * Reclaimable, Total) is the last blank-line-separated group holding `Total:`.
 */
function verboseBlocks(text: string): { records: VerboseBlock[]; summary: Map<string, string> | undefined } {
  const lines = text.replace(/\s+$/, '').split('\n');
  let summary: Map<string, string> | undefined;
  const lastBlank = lines.map((l) => l.trim()).lastIndexOf('');
  const tail = lines.slice(lastBlank + 1);
  const summaryLine = /^(Shared|Private|Reclaimable|Total):\s*(.*)$/;
  if (tail.length > 0 && tail.every((l) => summaryLine.test(l)) && tail.some((l) => l.startsWith('Total:'))) {
    summary = new Map(tail.map((l) => summaryLine.exec(l)).map((m) => [m?.[1] ?? '', (m?.[2] ?? '').trim()]));
    lines.length = lastBlank + 1;
  }
  const records: VerboseBlock[] = [];
  let block: VerboseBlock | undefined;
  let lastKey = '';
  for (const line of lines) {
    const kv = /^([A-Za-z][A-Za-z ]*?):[ \t]*(.*)$/.exec(line);
    const key = kv?.[1];
    if (key && VERBOSE_KEYS.has(key)) {
      const value = (kv[2] ?? '').trim();
      if (key === 'ID') {
        block = { fields: new Map(), parents: [] };
        records.push(block);
      }
      lastKey = key;
      if (!block) continue;
      if (key === 'Parent')
        block.parents.push(
          ...value
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        );
      else block.fields.set(key, value);
      continue;
    }
    if (!block) continue;
    const item = /^\s*-\s+(\S+)\s*$/.exec(line);
    if (item && lastKey === 'Parents') block.parents.push(item[1] as string);
    else if (lastKey === 'Description')
      block.fields.set('Description', `${block.fields.get('Description') ?? ''}\n${line}`);
  }
  for (const b of records) {
    const d = b.fields.get('Description');
    if (d !== undefined) b.fields.set('Description', d.replace(/\s+$/, ''));
  }
  return { records, summary };
}

export interface VerboseSummary {
  total?: number;
  reclaimable?: number;
  shared?: number;
  private?: number;
}

export function parseDuVerbose(stdout: string, readAt: number): { records: CacheRecord[]; summary: VerboseSummary } {
  const blocks = verboseBlocks(stdout);
  if (blocks.records.length === 0 && !blocks.summary && stdout.trim()) throw unreadable('du --verbose', stdout);
  const summary: VerboseSummary = {};
  if (blocks.summary) {
    const read = (k: string) => {
      const v = blocks.summary?.get(k);
      return v === undefined ? undefined : parseHumanSize(v);
    };
    for (const [key, field] of [
      ['Total', 'total'],
      ['Reclaimable', 'reclaimable'],
      ['Shared', 'shared'],
      ['Private', 'private'],
    ] as const) {
      const v = read(key);
      if (v !== undefined) summary[field] = v;
    }
  }
  const records = blocks.records.map((b): CacheRecord => {
    const f = b.fields;
    const id = f.get('ID') ?? '';
    const size = parseHumanSize(f.get('Size') ?? '0B');
    if (!id || size === undefined) throw unreadable('du --verbose', stdout, { field: id ? 'Size' : 'ID', id });
    return {
      id,
      type: f.get('Type') || 'regular',
      description: f.get('Description') ?? '',
      size,
      createdAt: parseGoTime(f.get('Created at') ?? ''),
      lastUsedAt: lastUsedFrom(f.get('Last used'), readAt),
      usageCount: Number(f.get('Usage count') ?? 0) || 0,
      shared: f.get('Shared') === 'true',
      inUse: f.get('Reclaimable') === 'false',
      mutable: f.has('Mutable') ? f.get('Mutable') === 'true' : null,
      parents: b.parents,
    };
  });
  return { records, summary };
}

/** `prune --verbose`: the removed records (same blocks as du, without Type) and buildx's `Total:`. */
export function parsePruneVerbose(stdout: string): { removed: { id: string; size: number }[]; total: number } {
  const { records, summary } = parseDuVerbose(stdout, Date.now());
  const total = summary.total ?? records.reduce((s, r) => s + r.size, 0);
  return { removed: records.map((r) => ({ id: r.id, size: r.size })), total };
}
