import type { BuildSnapshot, LogLine } from '../../../../electron/common/contracts/builds';
import { LOG_CHUNK, prependChunks } from '../../../../electron/common/progress';
import { invoke } from '../../api/client';

/**
 * Loads back, in the background, the build-log lines a flood of output left at the core.
 *
 * While a build prints faster than anyone reads, its window gets the core's log tails instead of
 * every line (`eventsForWindows`); the lines before a tail are `held` at the core. Once the flood
 * has been over for a moment, this pages them back in, newest first, so the log and its search
 * are whole again, as if every line had come live. Only lines a flood held: a window that joined a
 * long build late (the tail from `builds.get`) pages on scroll as before. Step logs page on scroll.
 */

/** No sync for this long: the flood is over (the core sends a batch every 50 ms while it lasts). */
const QUIET_MS = 400;
/** Lines per `builds.logs` call (~0.4 MB of JSON): one call's parse stays well inside a frame's slack. */
const PAGE = 16 * LOG_CHUNK;
/** Pause between calls, so a long backfill never holds the page's main thread for long. */
const BETWEEN_MS = 30;

export interface BackfillStore {
  /** The build's snapshot as the store shows it now. */
  snapshot(buildId: string): BuildSnapshot | undefined;
  /**
   * Replaces the snapshot's log if the store still shows `base`; false when it moved on (the
   * store's reduction of live batches must never be overwritten) and the caller should retry.
   */
  replaceLog(buildId: string, base: BuildSnapshot, log: BuildSnapshot['log']): boolean;
}

interface State {
  timer?: ReturnType<typeof setTimeout>;
  running: boolean;
}

export class LogBackfill {
  private readonly builds = new Map<string, State>();

  constructor(private readonly store: BackfillStore) {}

  /** A batch with a `logSync` was applied to this build: (re)start the quiet wait. */
  flooded(buildId: string): void {
    const state = this.builds.get(buildId) ?? { running: false };
    this.builds.set(buildId, state);
    clearTimeout(state.timer);
    state.timer = setTimeout(() => void this.run(buildId), QUIET_MS);
  }

  /** The build is no longer followed. */
  forget(buildId: string): void {
    clearTimeout(this.builds.get(buildId)?.timer);
    this.builds.delete(buildId);
  }

  private async run(buildId: string): Promise<void> {
    const state = this.builds.get(buildId);
    if (!state || state.running) return;
    state.running = true;
    try {
      const base = this.store.snapshot(buildId);
      const list = base?.log;
      const held = list?.held ?? 0;
      if (!base || !list || held <= 0 || list.length >= base.limits.maxLogLines) return;
      const start = list.dropped;
      const from = Math.max(start - held, start - PAGE, start - (base.limits.maxLogLines - list.length));
      const aligned = from + ((start - from) % LOG_CHUNK);
      if (aligned >= start) return;
      const r = await invoke('builds.logs', { buildId, from: aligned, limit: start - aligned });
      // A failed page (the build left the core, its head dropped at the line cap) ends the backfill;
      // the log view still offers "load earlier" for whatever is left.
      if (!r.ok || r.value.lines.length !== start - aligned) return;
      const chunks: LogLine[][] = [];
      for (let i = 0; i < r.value.lines.length; i += LOG_CHUNK) chunks.push(r.value.lines.slice(i, i + LOG_CHUNK));
      const now = this.store.snapshot(buildId);
      // Another flood or a refetch moved the list's start: this page no longer joins it (a flood
      // starts the wait again by itself).
      if (!now || now.log.dropped !== start) return;
      // Refused: a live batch is waiting for the frame; the next call after the pause asks again.
      this.store.replaceLog(buildId, now, prependChunks(now.log, chunks));
      this.again(buildId, state);
    } finally {
      state.running = false;
    }
  }

  private again(buildId: string, state: State): void {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => void this.run(buildId), BETWEEN_MS);
  }
}
