import type { LogList } from '../../../../../electron/common/contracts/builds';
import { logLineAt } from '../../../../../electron/common/progress';
import { stripAnsi, type AnsiSegment } from './ansi';

/**
 * Incremental search over an append-only, head-capped LogList. Matches are kept as absolute line
 * numbers (`dropped + index`), so new lines are scanned once and dropped head chunks just fall off.
 */
export interface SearchState {
  query: string;
  /** Absolute number of the next line to scan. */
  scanned: number;
  /** Absolute line numbers containing the query, ascending. */
  matches: number[];
  /** Absolute number of the first line scanned: earlier lines paged in later mean a rescan. */
  start?: number;
}

export const emptySearch = (query = ''): SearchState => ({ query, scanned: 0, matches: [] });

/** Scans what is new since `prev` (or everything when the query or list changed shape). */
export function updateSearch(prev: SearchState, list: LogList, query: string): SearchState {
  // No query: nothing to scan or keep. The same object while it stays empty, so the log view (which
  // stores this state) does not render twice for every batch of a streaming build.
  if (query === '') return prev.query === '' && prev.matches.length === 0 ? prev : emptySearch();
  const needle = query.toLowerCase();
  let state = prev.query === query ? prev : emptySearch(query);
  const end = list.dropped + list.length;
  // The list was replaced by a shorter one (another step's log): start over.
  // ... or earlier lines were paged in before it (paged-log.ts): scan them too.
  if (state.scanned > end || list.dropped < (state.start ?? 0)) state = emptySearch(query);
  const kept =
    state.matches.length > 0 && (state.matches[0] ?? 0) < list.dropped
      ? state.matches.filter((m) => m >= list.dropped)
      : state.matches;
  const from = Math.max(state.scanned, list.dropped);
  if (from >= end && kept === state.matches && state.start === list.dropped) return state;
  const matches = kept === state.matches ? state.matches.slice() : kept;
  for (let abs = from; abs < end; abs++) {
    const line = logLineAt(list, abs - list.dropped);
    if (line && stripAnsi(line.text).toLowerCase().includes(needle)) matches.push(abs);
  }
  return { query, scanned: end, matches, start: list.dropped };
}

export interface MarkedSegment extends AnsiSegment {
  mark: boolean;
}

/** Cuts styled segments where the query occurs (case-insensitive) so the hits can be highlighted. */
export function markSegments(segments: readonly AnsiSegment[], query: string): MarkedSegment[] {
  if (!query) return segments.map((s) => ({ ...s, mark: false }));
  const text = segments.map((s) => s.text).join('');
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const ranges: [number, number][] = [];
  for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + Math.max(1, needle.length))) {
    ranges.push([at, at + needle.length]);
  }
  if (ranges.length === 0) return segments.map((s) => ({ ...s, mark: false }));
  const out: MarkedSegment[] = [];
  let offset = 0;
  for (const seg of segments) {
    const start = offset;
    const end = offset + seg.text.length;
    offset = end;
    let pos = start;
    for (const [a, b] of ranges) {
      if (b <= pos || a >= end) continue;
      if (a > pos) out.push({ text: text.slice(pos, a), style: seg.style, mark: false });
      const to = Math.min(b, end);
      out.push({ text: text.slice(Math.max(a, pos), to), style: seg.style, mark: true });
      pos = to;
    }
    if (pos < end) out.push({ text: text.slice(pos, end), style: seg.style, mark: false });
  }
  return out;
}

/** The log as plain text (ANSI removed), for copying. */
export function logText(list: LogList): string {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const line = logLineAt(list, i);
    if (line) out.push(stripAnsi(line.text));
  }
  return out.join('\n');
}
