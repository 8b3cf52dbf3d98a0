import type { HistoryRecordItem } from '../common/contracts/history';
import { goDurationMs } from '../common/validation';
import { goTemplate, humanDuration } from './format';

/**
 * `docker buildx history`'s flags, read as BuildDeck's history verbs take them: buildx's `--filter
 * KEY=VALUE` (status, ref, startedAt, completedAt, duration), `--format json|table|TEMPLATE` for
 * `ls`, and `^N` for the Nth most recent finished record. Pure: the verbs apply them to the merged
 * list the contract returns (as buildx itself filters locally on a BuildKit without filters).
 */

export class HistoryFlagError extends Error {}

/** buildx's filter keys; `repository` needs the record's git source, which the list does not carry. */
const FILTER = /^(ref|repository|status|startedAt|completedAt|duration)(!=|<=|>=|=|<|>)(.*)$/s;

/** A `--filter` value written as buildx writes one (else it is BuildDeck's text filter). */
export const isBuildxFilter = (value: string) => FILTER.test(value);

/** buildx's status words -> the statuses BuildDeck's records carry. */
const STATUS: Record<string, readonly string[]> = {
  completed: ['succeeded'],
  error: ['failed', 'interrupted'],
  canceled: ['cancelled'],
  running: ['running'],
};

export type RecordMatch = (item: HistoryRecordItem) => boolean;

/** One buildx `--filter` as a predicate over records; `now` anchors `startedAt>1h` ("within the last hour"). */
export function buildxFilter(value: string, now: number): RecordMatch {
  const m = FILTER.exec(value);
  if (!m)
    throw new HistoryFlagError(
      `--filter ${value}: write KEY=VALUE (status, ref) or KEY<VALUE (startedAt, completedAt, duration)`,
    );
  const [, key, op, v = ''] = m;
  if (key === 'repository')
    throw new HistoryFlagError(
      "--filter repository=...: the list does not carry a record's git source; use --folder DIR (the build context) or --filter TEXT.",
    );
  if (key === 'status' || key === 'ref') {
    if (op !== '=' && op !== '!=') throw new HistoryFlagError(`--filter ${value}: ${key} takes = or !=`);
    if (key === 'status') {
      const statuses = STATUS[v];
      if (!statuses) throw new HistoryFlagError(`--filter ${value}: status is completed, error, canceled or running`);
      return op === '=' ? (i) => statuses.includes(i.status) : (i) => !statuses.includes(i.status);
    }
    // buildx compares the record's ID (the last part of builder/node/ID): = contains, != differs.
    const id = (i: HistoryRecordItem) => (i.ref ?? i.id).split('/').at(-1) ?? '';
    return op === '=' ? (i) => id(i).includes(v) : (i) => id(i) !== v;
  }
  if (op === '=' || op === '!=')
    throw new HistoryFlagError(`--filter ${value}: ${key} takes <, <=, > or >= (e.g. ${key}>1h)`);
  const compare = (a: number, b: number) => (op === '>=' ? a >= b : op === '<=' ? a <= b : op === '>' ? a > b : a < b);
  if (key === 'duration') {
    const d = goDurationMs(v);
    if (d === undefined) throw new HistoryFlagError(`--filter ${value}: give a duration such as 30s, 2m or 1h30m`);
    // A running record has no duration yet: buildx compares 0.
    return (i) => compare(i.status === 'running' ? 0 : (i.durationMs ?? 0), d);
  }
  const ago = goDurationMs(v);
  const at = ago !== undefined ? now - ago : Date.parse(v);
  if (Number.isNaN(at))
    throw new HistoryFlagError(`--filter ${value}: give a time (RFC 3339) or how long ago (1h, 30m)`);
  return key === 'startedAt'
    ? (i) => compare(i.startedAt, at)
    : (i) => compare(i.status === 'running' ? 0 : (i.finishedAt ?? 0), at);
}

// ---------------------------------------------------------------------------------------------
// --format

const STATUS_WORD = (i: HistoryRecordItem) =>
  i.status === 'running' ? 'Running' : i.status === 'succeeded' ? 'Completed' : 'Error';

/**
 * One record as `buildx history ls --format json` prints it (keys in Go's order: sorted). Only
 * BuildKit's records have a ref; BuildDeck's own rows without one are not printed in this form.
 */
export function buildxRecordJson(i: HistoryRecordItem): string | undefined {
  if (!i.ref) return undefined;
  const iso = (t: number) => new Date(t).toISOString();
  return JSON.stringify({
    cached_steps: i.counts.cached,
    ...(i.finishedAt !== undefined && i.status !== 'running' ? { completed_at: iso(i.finishedAt) } : {}),
    completed_steps: i.counts.completed,
    created_at: iso(i.startedAt),
    name: buildxName(i),
    ref: i.ref,
    status: STATUS_WORD(i),
    total_steps: i.counts.total,
  });
}

/**
 * The name as buildx prints it: empty for a record nothing names (BuildDeck's lists show its ID
 * there instead, which buildx prints in its own column).
 */
function buildxName(i: HistoryRecordItem): string {
  return i.ref !== undefined && i.name === i.ref.split('/').at(-1) ? '' : i.name;
}

/** The fields a `--format` template may name, as buildx's `ls` names them, and their headers. */
const FIELDS: Record<string, { header: string; value: (i: HistoryRecordItem, now: number) => string }> = {
  Ref: { header: 'BUILD ID', value: (i) => (i.ref ?? i.id).split('/').at(-1) ?? '' },
  FullRef: { header: 'REF', value: (i) => i.ref ?? i.id },
  Name: { header: 'NAME', value: buildxName },
  Status: { header: 'STATUS', value: STATUS_WORD },
  CreatedAt: { header: 'CREATED AT', value: (i, now) => `${humanDuration(now - i.startedAt)} ago` },
  Duration: {
    header: 'DURATION',
    value: (i, now) => {
      const ms = i.status === 'running' ? now - i.startedAt : (i.durationMs ?? 0);
      // buildx's formatDuration: `4.2s` under a minute, else `3m  7s`.
      const text =
        ms < 60_000
          ? `${(ms / 1000).toFixed(1)}s`
          : `${Math.floor(ms / 60_000)}m ${String(Math.floor(ms / 1000) % 60).padStart(2)}s`;
      return `${text}${i.status === 'running' ? '+' : ''}`;
    },
  },
};

/** A `--format` template over records, with buildx's `history ls` fields (Ref, FullRef, Name, Status, CreatedAt, Duration). */
export function formatTemplate(format: string, items: readonly HistoryRecordItem[], now: number): string {
  const fields = Object.fromEntries(
    Object.entries(FIELDS).map(([k, f]) => [k, { header: f.header, value: (i: HistoryRecordItem) => f.value(i, now) }]),
  );
  return goTemplate(format, items, fields, (m) => new HistoryFlagError(m));
}

/** `^N`: the Nth most recent finished BuildKit record before the newest (`^0` is the newest), as buildx counts. */
export function offsetOf(ref: string): number | undefined {
  const m = /^\^(\d{1,4})$/.exec(ref);
  return m ? Number(m[1]) : undefined;
}

/** What `^N` counts: the finished BuildKit records among `items` (newest first). */
export function finishedRecords(items: readonly HistoryRecordItem[]): HistoryRecordItem[] {
  return items.filter((i) => i.ref && i.status !== 'running');
}

/** The record `^N` names among `items` (newest first), or undefined when there are not that many. */
export function recordAtOffset(items: readonly HistoryRecordItem[], n: number): HistoryRecordItem | undefined {
  return finishedRecords(items)[n];
}
