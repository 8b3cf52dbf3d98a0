import { useCallback, useMemo, useRef, useState } from 'react';
import type { LogLine, LogList } from '../../../../../electron/common/contracts/builds';
import { LOG_CHUNK, prependChunks } from '../../../../../electron/common/progress';
import { invoke } from '../../../api/client';

/** Lines one `builds.logs` (`bake.logs`) call asks for: whole chunks, so pages stitch onto the list's chunks. */
export const LOG_PAGE = 4 * LOG_CHUNK;

/** The earlier lines of a paged log: how many are still at the core, and how to load them. */
export interface OlderLines {
  /** Lines the core holds before the first one here. */
  count: number;
  loading: boolean;
  error?: string | undefined;
  /** Loads the previous page (no-op while one is loading or none is left). */
  load: () => void;
}

interface Loaded {
  /** Which log (build id + step id) these pages belong to. */
  key: string;
  /** Absolute number of the first loaded line; the pages end where the live list starts. */
  start: number;
  end: number;
  chunks: LogLine[][];
}

/**
 * `builds.get` sends a long log's tail only (the rest is `held` at the core, counted in `dropped`).
 * This keeps the pages loaded so far in front of the live list and loads the one before them on
 * request: the log view asks when its first row comes into view. Pages are whole chunks ending at
 * the list's first line (absolute numbers are chunk-aligned), so the result is an ordinary LogList
 * and the view, its search and its line numbers need nothing else. When the live list's start
 * moves (a refetch, the line cap), the pages no longer join it and are dropped.
 */
/**
 * Whose log: a build's (`builds.logs`), one bake target's (`bake.logs`) or an attached History
 * record's stream (`history.streamLogs`).
 */
export type LogSource = { buildId: string } | { bakeId: string; target: string } | { streamId: string };

function fetchPage(source: LogSource, step: string | undefined, from: number, limit: number) {
  const range = { ...(step ? { step } : {}), from, limit };
  if ('bakeId' in source) return invoke('bake.logs', { bakeId: source.bakeId, target: source.target, ...range });
  if ('streamId' in source) return invoke('history.streamLogs', { streamId: source.streamId, ...range });
  return invoke('builds.logs', { buildId: source.buildId, ...range });
}

/** A source as plain values (callers pass a fresh object each render): its kind, then its ids. */
function sourceKey(source: LogSource): [kind: 'build' | 'bake' | 'stream', id: string, target: string] {
  if ('bakeId' in source) return ['bake', source.bakeId, source.target];
  if ('streamId' in source) return ['stream', source.streamId, ''];
  return ['build', source.buildId, ''];
}

function sourceOf(kind: 'build' | 'bake' | 'stream', id: string, target: string): LogSource {
  if (kind === 'bake') return { bakeId: id, target };
  return kind === 'stream' ? { streamId: id } : { buildId: id };
}

export function usePagedLog(
  source: LogSource,
  step: string | undefined,
  list: LogList,
): { list: LogList; older?: OlderLines | undefined } {
  const [kind, id, target] = sourceKey(source);
  const key = `${kind}\u0000${id}\u0000${target}\u0000${step ?? ''}`;
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const inFlight = useRef<string | undefined>(undefined);

  const pages = loaded && loaded.key === key && loaded.end === list.dropped ? loaded : undefined;
  const firstHeld = list.dropped - (list.held ?? 0);
  const start = pages?.start ?? list.dropped;
  const remaining = Math.max(0, start - firstHeld);

  const combined = useMemo<LogList>(() => (pages ? prependChunks(list, pages.chunks) : list), [pages, list]);

  const load = useCallback(() => {
    if (remaining <= 0 || inFlight.current !== undefined) return;
    const from = Math.max(firstHeld, start - LOG_PAGE);
    const ask = `${key}@${from}`;
    inFlight.current = ask;
    // Deferred: the view asks while rendering its first row.
    queueMicrotask(() => {
      setLoading(true);
      void fetchPage(sourceOf(kind, id, target), step, from, start - from).then((r) => {
        inFlight.current = undefined;
        setLoading(false);
        if (!r.ok) {
          setError(r.error.message);
          return;
        }
        setError(undefined);
        setLoaded((prev) => {
          const base = prev && prev.key === key && prev.start === start ? prev : undefined;
          if (!base && start !== list.dropped) return prev;
          const chunks: LogLine[][] = [];
          for (let i = 0; i < r.value.lines.length; i += LOG_CHUNK) chunks.push(r.value.lines.slice(i, i + LOG_CHUNK));
          return { key, start: from, end: base?.end ?? start, chunks: [...chunks, ...(base?.chunks ?? [])] };
        });
      });
    });
  }, [remaining, firstHeld, start, key, kind, id, target, step, list.dropped]);

  if ((list.held ?? 0) <= 0) return { list };
  return { list: combined, older: { count: remaining, loading, error, load } };
}
