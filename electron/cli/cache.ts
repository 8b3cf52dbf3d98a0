import './one-shot';
import { parseArgs } from 'node:util';
import { humanSize, type CachePruneResult, type CacheRecord, type CacheUsage } from '../common/contracts/cache';
import { createCacheUsage } from '../composition/cache-usage';
import { parseDuration } from '../common/cache/values';
import { matchesFilters } from '../core/cache/plan';
import { goTemplate, humanDuration, printError, table, type TemplateField } from './format';

/**
 * `builddeck cache du|prune`: the cache commands from a terminal. Each is one contract command
 * (cache.usage, cache.prune); --json prints its output exactly as the contract types it, sizes in
 * bytes. Text output prints sizes the way `docker buildx du` does, so they can be compared.
 */
export const CACHE_USAGE_LINES = `  cache du           Build cache of a builder: totals, per type, every record
  cache prune        Remove cache records by filter (preview first with --dry-run)`;

const USAGE = `Usage:
  builddeck cache du [--builder B] [--verbose] [--json]
                     [--format json|table|pretty|TEMPLATE] [--filter until=24h|type=T|description~=S]...
  builddeck cache prune [--builder B] [--until 24h] [--type T]... [--description S] [--all]
                        [--filter until=24h|type=T|description~=S]... [-f|--force] [--verbose]
                        [--reserved-space SIZE] [--max-used-space SIZE] [--min-free-space SIZE]
                        [--dry-run] [--json]

du       Totals follow \`docker buildx du\` (size = sum of every record; reclaimable = not in use,
         shared records included); "reclaimable private" is \`docker system df\`'s figure.
         --format      buildx's output: json (one record per line, buildx's keys; Mutable is null
                       where the engine does not say), table, pretty, or {{.ID}}-style fields
                       (ID, Parents, CreatedAt, Mutable, Reclaimable, Shared, Size, Description,
                       UsageCount, LastUsedAt, Type)
         --filter      only records that match, as prune's --filter
prune    Filters combine (AND); --type may repeat (any of). Without a filter, --all is required.
         --until       only records unused for this long (30m, 24h, 7d)
         --type        regular, source.local, source.git.checkout, exec.cachemount, frontend, internal
         --description only records whose description contains this text
         --all         also shared, internal and frontend records
         --reserved-space/--keep-storage, --max-used-space, --min-free-space  storage limits (512MB, 10GB)
         --filter      buildx's spelling of the same filters (until=, type=, description~=)
         --dry-run     list what would be removed, remove nothing
         -f, --force   do not ask. From a terminal, a prune first lists what it would remove and asks
                       (as buildx asks); it then removes exactly those records. Piped or with --json
                       it asks nothing (a filter or --all is the consent, as before).
         A prune removes exactly the records the same command with --dry-run lists.
Sizes in --json output are bytes. Exit codes: 0 success, 1 failure, 2 usage error or invalid input.`;

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function recordRows(records: readonly CacheRecord[], now: number): string[][] {
  const rows = [['ID', 'TYPE', 'SIZE', 'LAST USED', 'FLAGS', 'DESCRIPTION']];
  for (const r of records) {
    const flags = [r.inUse ? 'in-use' : '', r.shared ? 'shared' : '', r.mutable ? 'mutable' : '']
      .filter(Boolean)
      .join(',');
    rows.push([r.id, r.type, humanSize(r.size), ago(r.lastUsedAt, now), flags || '-', oneLine(r.description, 60)]);
  }
  return rows;
}

export function formatUsage(u: CacheUsage, now = Date.now()): string {
  const t = u.totals;
  const approx = u.precision.size === 'exact' ? '' : ' (sizes as buildx rounds them)';
  const head = table([
    ['Builder', `${u.builder} (${u.driver}, via ${u.source})${approx}`],
    ['Records', String(t.records)],
    ['Total', humanSize(t.size)],
    ['Private', humanSize(t.private)],
    ['Shared', humanSize(t.shared)],
    ['Reclaimable', `${humanSize(t.reclaimable)} (private only: ${humanSize(t.reclaimablePrivate)})`],
    ['In use', humanSize(t.inUse)],
  ]);
  const types = table([
    ['TYPE', 'RECORDS', 'SIZE', 'RECLAIMABLE'],
    ...u.byType.map((b) => [b.type, String(b.records), humanSize(b.size), humanSize(b.reclaimable)]),
  ]);
  const sorted = [...u.records].sort((a, b) => b.size - a.size || a.id.localeCompare(b.id));
  return [head, '', types, '', u.records.length ? table(recordRows(sorted, now)) : 'No cache records.'].join('\n');
}

export function formatPrune(p: CachePruneResult, now = Date.now()): string {
  const lines: string[] = [];
  const n = p.planned.records.length;
  if (p.dryRun) {
    lines.push(
      `Dry run on ${p.builder}: would remove ${n} record${n === 1 ? '' : 's'}, ${humanSize(p.planned.size)}${p.exact ? '' : ' at most'}.`,
    );
  } else {
    const f = p.freed;
    const freed = f
      ? `${f.ids.length} record${f.ids.length === 1 ? '' : 's'}, ${humanSize(f.size)}${f.sizeExact ? '' : ' (as buildx rounds it)'}`
      : 'nothing';
    lines.push(`Pruned ${p.builder}: the builder removed ${freed}.`);
    if (f && f.notRemoved.length > 0)
      lines.push(
        `${f.notRemoved.length} planned record(s) were not removed (used or built on meanwhile): ${f.notRemoved.join(', ')}`,
      );
  }
  if (n > 0) lines.push('', table(recordRows(p.planned.records, now)));
  if (p.notes.length > 0) lines.push('', ...p.notes.map((note) => `note: ${note}`));
  return lines.join('\n');
}

function parse(argv: string[], prune: boolean) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      builder: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      // buildx's: the records are always listed (--verbose).
      verbose: { type: 'boolean' },
      filter: { type: 'string', multiple: true },
      ...(prune ? {} : { format: { type: 'string' } }),
      ...(prune
        ? {
            until: { type: 'string' },
            type: { type: 'string', multiple: true },
            description: { type: 'string' },
            all: { type: 'boolean' },
            'reserved-space': { type: 'string' },
            'keep-storage': { type: 'string' },
            'max-used-space': { type: 'string' },
            'min-free-space': { type: 'string' },
            'dry-run': { type: 'boolean', default: false },
            force: { type: 'boolean', short: 'f' },
          }
        : {}),
    },
  });
}

/**
 * `docker buildx prune --filter KEY=VALUE` onto the flags BuildDeck has for the same filters
 * (until, type, description); buildx's other keys are refused by name.
 */
export function pruneFilterFlags(filters: readonly string[]): { until?: string; type: string[]; description?: string } {
  const out: { until?: string; type: string[]; description?: string } = { type: [] };
  for (const f of filters) {
    const m = /^([a-z-]+)(~?=)(.*)$/.exec(f);
    const [key, , value = ''] = m ? m.slice(1) : [];
    if (key === 'until' && m?.[2] === '=') {
      if (out.until !== undefined) throw new Error(`--filter ${f}: until is given twice`);
      out.until = value;
    } else if (key === 'type' && m?.[2] === '=') out.type.push(value);
    // BuildKit's `description=` is an exact match, `~=` contains: BuildDeck's filter is the latter.
    else if (key === 'description' && m?.[2] === '~=') out.description = value;
    else if (key === 'description')
      throw new Error(
        `--filter ${f}: BuildDeck matches descriptions by what they contain: write description~=${value}`,
      );
    else
      throw new Error(
        `--filter ${f}: BuildDeck filters by until=, type= and description= (id, inuse, shared, private, mutable and parents filters are not supported)`,
      );
  }
  return out;
}

/** `du --filter` (and the flags prune shares with it), applied to the records read. */
function duFilter(
  v: Record<string, string | string[] | boolean | undefined>,
): (r: CacheRecord, now: number) => boolean {
  const f = pruneFilterFlags(Array.isArray(v['filter']) ? v['filter'] : []);
  const untilMs = f.until === undefined ? undefined : parseDuration(f.until);
  if (f.until !== undefined && untilMs === undefined)
    throw new Error(`--filter until=${f.until}: not a duration (30m, 24h, 7d)`);
  const filters = {
    all: true,
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(f.type.length > 0 ? { types: f.type } : {}),
    ...(f.description !== undefined ? { description: f.description } : {}),
  };
  return (r, now) => matchesFilters(r, filters, now);
}

/** Go's time.Time.String() for a UTC time: `2026-12-02 15:24:13.868 +0000 UTC` (zero time when unknown). */
function goTimeString(iso: string | null): string {
  if (!iso) return '0001-01-01 00:00:00 +0000 UTC';
  const t = new Date(iso).toISOString(); // 2026-12-02T15:24:13.868Z
  const frac = t.slice(20, 23).replace(/0+$/, '');
  return `${t.slice(0, 10)} ${t.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

const DU_FIELDS = (now: number, isTable: boolean): Record<string, TemplateField<CacheRecord>> => ({
  // In a table buildx marks mutable records' ids and shared records' sizes with `*`.
  ID: { header: 'ID', value: (r) => `${r.id}${isTable && r.mutable === true ? '*' : ''}` },
  Parents: { header: 'PARENTS', value: (r) => (r.parents.length > 0 ? `[${r.parents.join(' ')}]` : '[]') },
  CreatedAt: { header: 'CREATED AT', value: (r) => goTimeString(r.createdAt) },
  Mutable: { header: 'MUTABLE', value: (r) => String(r.mutable ?? '') },
  Reclaimable: { header: 'RECLAIMABLE', value: (r) => String(!r.inUse) },
  Shared: { header: 'SHARED', value: (r) => String(r.shared) },
  Size: { header: 'SIZE', value: (r) => `${humanSize(r.size)}${isTable && r.shared ? '*' : ''}` },
  Description: { header: 'DESCRIPTION', value: (r) => r.description },
  UsageCount: { header: 'USAGE COUNT', value: (r) => String(r.usageCount) },
  LastUsedAt: {
    header: 'LAST ACCESSED',
    value: (r) => (r.lastUsedAt ? `${humanDuration(now - Date.parse(r.lastUsedAt))} ago` : ''),
  },
  Type: { header: 'TYPE', value: (r) => r.type },
});

type DuFields = ReturnType<typeof DU_FIELDS>;

/** One record as `docker buildx du --format json` prints it (Go's formatter: keys sorted). */
function duRecordJson(r: CacheRecord, f: DuFields): string {
  const text = (k: string) => f[k]?.value(r) ?? '';
  return JSON.stringify({
    CreatedAt: text('CreatedAt'),
    Description: r.description,
    ID: r.id,
    LastUsedAt: text('LastUsedAt'),
    Mutable: r.mutable,
    Parents: r.parents.length > 0 ? r.parents : null,
    Reclaimable: !r.inUse,
    Shared: r.shared,
    Size: humanSize(r.size),
    Type: r.type,
    UsageCount: r.usageCount,
  });
}

/** buildx's pretty form (`du --verbose` there): one block per record. */
function duPretty(r: CacheRecord, f: DuFields): string {
  const text = (k: string) => f[k]?.value(r) ?? '';
  return [
    `ID:           ${r.id}`,
    ...(r.parents.length > 0 ? ['Parents:', ...r.parents.map((p) => ` - ${p}`)] : []),
    `Created at:   ${text('CreatedAt')}`,
    `Mutable:      ${text('Mutable')}`,
    `Reclaimable:  ${text('Reclaimable')}`,
    `Shared:       ${text('Shared')}`,
    `Size:         ${text('Size')}`,
    ...(r.description ? [`Description:  ${r.description}`] : []),
    `Usage count:  ${r.usageCount}`,
    ...(r.lastUsedAt ? [`Last used:    ${text('LastUsedAt')}`] : []),
    ...(r.type ? [`Type:         ${r.type}`] : []),
    '',
  ].join('\n');
}

/**
 * `builddeck du --format ...` as `docker buildx du --format ...` prints it, over BuildDeck's read
 * of the builder (exact sizes where buildx rounds). The summary follows the table and pretty forms
 * when nothing is filtered, as buildx's does.
 */
export function buildxDu(
  u: CacheUsage,
  format: string,
  keep: ((r: CacheRecord, now: number) => boolean) | undefined,
  now: number,
): string {
  const records = keep ? u.records.filter((r) => keep(r, now)) : u.records;
  const filtered = keep !== undefined;
  const summary = () => {
    const t = u.totals;
    return table([
      ...(t.shared > 0
        ? [
            ['Shared:', humanSize(t.shared)],
            ['Private:', humanSize(t.size - t.shared)],
          ]
        : []),
      ['Reclaimable:', humanSize(t.reclaimable)],
      ['Total:', humanSize(t.size)],
    ]);
  };
  if (format === 'json' || format === 'pretty') {
    const fields = DU_FIELDS(now, false);
    if (format === 'json') return records.map((r) => duRecordJson(r, fields)).join('\n');
    const blocks = records.map((r) => duPretty(r, fields)).join('\n');
    return filtered ? blocks : `${blocks}\n${summary()}`;
  }
  const template = format === 'table' ? 'table {{.ID}}\\t{{.Reclaimable}}\\t{{.Size}}\\t{{.LastUsedAt}}' : format;
  const isTable = template.startsWith('table ');
  const text = goTemplate(template, records, DU_FIELDS(now, isTable), (m) => new Error(m));
  return format === 'table' && !filtered ? `${text}\n\n${summary()}` : text;
}

/** Asks on the terminal; yes only for y/yes (buildx's rule: anything else, or end of input, is no). */
async function confirmed(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    const answer = await Promise.race([rl.question(question), closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Runs `builddeck cache ...`; returns the exit code. */
export async function runCacheCli(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--help' || verb === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (verb !== 'du' && verb !== 'prune') {
    process.stderr.write(`builddeck: unknown command "cache${verb ? ` ${verb}` : ''}"\n\n${USAGE}\n`);
    return 2;
  }
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(rest, verb === 'prune').values;
    const v = values as Record<string, string | string[] | boolean | undefined>;
    if (Array.isArray(v['filter'])) {
      const f = pruneFilterFlags(v['filter']);
      if (
        (f.until !== undefined && v['until'] !== undefined) ||
        (f.description !== undefined && v['description'] !== undefined)
      )
        throw new Error('give each filter once: as --until/--description or as --filter, not both');
      if (f.until !== undefined) v['until'] = f.until;
      if (f.description !== undefined) v['description'] = f.description;
      if (f.type.length > 0) v['type'] = [...((v['type'] as string[] | undefined) ?? []), ...f.type];
    }
  } catch (err) {
    process.stderr.write(`builddeck: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const json = values.json;
  if (verb === 'du') {
    // Only the cache service, not the whole core (composition/cache-usage.ts).
    const reader = createCacheUsage({ oneShot: true });
    try {
      const r = await reader.usage(values.builder === undefined ? {} : { builder: values.builder });
      if (!r.ok) return printError(r.error, { json });
      const v = values as Record<string, string | string[] | boolean | undefined>;
      const format = typeof v['format'] === 'string' ? v['format'] : undefined;
      if (format === undefined && !Array.isArray(v['filter'])) {
        process.stdout.write(json ? `${JSON.stringify(r.value, null, 2)}\n` : `${formatUsage(r.value)}\n`);
        return 0;
      }
      let out: string;
      try {
        if (json) throw new Error("--json prints BuildDeck's whole usage: use --format json for buildx's records");
        out = buildxDu(r.value, format ?? 'table', Array.isArray(v['filter']) ? duFilter(v) : undefined, Date.now());
      } catch (err) {
        process.stderr.write(`builddeck: ${(err as Error).message}\n`);
        return 2;
      }
      if (out) process.stdout.write(`${out}\n`);
      return 0;
    } finally {
      reader.dispose();
    }
  }
  const { createCore } = await import('../composition/create-core');
  const core = createCore({ oneShot: true });
  try {
    const v = values as Record<string, string | string[] | boolean | undefined>;
    const filters: Record<string, unknown> = {};
    const put = (key: string, flag: string) => {
      if (v[flag] !== undefined) filters[key] = v[flag];
    };
    put('until', 'until');
    put('type', 'type');
    put('description', 'description');
    put('all', 'all');
    put('reservedSpace', 'reserved-space');
    put('keepStorage', 'keep-storage');
    put('maxUsedSpace', 'max-used-space');
    put('minFreeSpace', 'min-free-space');
    const input: Record<string, unknown> = {
      ...(values.builder === undefined ? {} : { builder: values.builder }),
      filters,
      dryRun: v['dry-run'] === true,
    };
    if (!input['dryRun'] && v['force'] !== true && !json && process.stdin.isTTY) {
      // A person at a terminal: show what goes and ask, as `docker buildx prune` asks without -f.
      const preview = await core.router.callUnchecked('cache.prune', { ...input, dryRun: true });
      if (!preview.ok) return printError(preview.error, { json });
      const plan = preview.value;
      const n = plan.planned.records.length;
      // The preview's own text, its first line ("Dry run on ...") said for what is about to happen.
      const details = formatPrune(plan).split('\n').slice(1).join('\n');
      if (n === 0) {
        process.stdout.write(`Nothing to remove on ${plan.builder}.${details ? `\n${details}` : ''}\n`);
        return 0;
      }
      const size = `${humanSize(plan.planned.size)}${plan.exact ? '' : ' at most'}`;
      process.stdout.write(
        `This removes ${n} record${n === 1 ? '' : 's'} from ${plan.builder}, ${size}:${details}\n\n`,
      );
      const question = `Remove ${n === 1 ? 'this record' : `these ${n} records`} from ${plan.builder}? [y/N] `;
      if (!(await confirmed(question))) {
        process.stdout.write('Nothing removed.\n');
        return 0;
      }
      // Exactly what was shown: records that appeared while the question was open stay.
      input['onlyIds'] = plan.planned.records.map((r) => r.id);
    }
    // Flag values are the user's text: the router's validation names the bad one.
    const r = await core.router.callUnchecked('cache.prune', input);
    if (!r.ok) return printError(r.error, { json });
    const p = r.value;
    process.stdout.write(json ? `${JSON.stringify(p, null, 2)}\n` : `${formatPrune(p)}\n`);
    return 0;
  } finally {
    await core.dispose();
  }
}
