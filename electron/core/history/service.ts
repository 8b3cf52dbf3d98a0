import type { BuildRequest, BuildSecret, BuildSnapshot } from '../../common/contracts/builds';
import type { HistoryEntry, HistoryStep } from '../../common/contracts/history';
import { appError } from '../../common/errors';
import { logLines, summarizeBuild } from '../../common/progress';
import type { BuildFsPort, BuildRecorder, FinishedExtra, StartedBuildRecord } from '../builds/ports';
import type { EventBus } from '../events';
import { recordContext } from './context-hashes';
import type { BuildkitHistoryPort, HistoryFilter, HistoryLogRows, HistoryStorePort } from './ports';

export interface HistoryOptions {
  /** Combined-log lines kept per build (the tail). */
  maxLogLines: number;
  /** And at most this many UTF-8 bytes of them (the log cap setting; read at each finish). */
  maxLogChars: number | (() => number);
  /** Retention (settings; read at each finish): whichever limit is reached first. */
  retention?: () => { maxCount: number; maxAgeDays: number };
  now?: () => number;
  /** Reads and hashes the context a build sends (for `history.why`); none: nothing is hashed. */
  fs?: BuildFsPort;
  /** buildx's local state: the ref of a failed build (buildx writes no metadata file then). */
  buildkit?: BuildkitHistoryPort;
  /**
   * A running build's log is saved once no line has come for this long (none: only at its finish).
   * The finish then rewrites it only if lines came since: a build's output usually ends well before
   * buildx exports and exits, so what is left after buildx's exit is the row and its steps.
   */
  logQuietMs?: number;
}

/** A running build's log, saved while it runs (HistoryOptions.logQuietMs). */
interface LogSave {
  latest?: BuildSnapshot;
  /** Lines ever appended (`length + dropped`) in `latest`, and what was saved: count and byte cap. */
  seen: number;
  saved?: { lines: number; maxChars: number };
  /** No save before this (epoch ms): ten times the last save's duration after it. */
  notBefore: number;
  timer?: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Records every build (the builds service calls `started`/`finished`) and serves the History view.
 * Requests are stored without secrets; only their ids are kept so a rerun can ask for them.
 */
export class HistoryService implements BuildRecorder {
  private startBuild: ((request: BuildRequest) => Promise<{ buildId: string }>) | undefined;
  /** Background work (hashing, ref lookups) still running: tests and dispose wait for it. */
  private readonly pending = new Set<Promise<void>>();
  private readonly contexts = new Map<string, string>();
  private readonly logSaves = new Map<string, LogSave>();

  constructor(
    private readonly store: HistoryStorePort,
    private readonly events: EventBus,
    private readonly options: HistoryOptions,
  ) {}

  /** Wired after construction: builds needs the recorder, rerun needs builds. */
  connect(startBuild: (request: BuildRequest) => Promise<{ buildId: string }>): void {
    this.startBuild = startBuild;
  }

  started(record: StartedBuildRecord): void {
    this.store.insertStarted({
      buildId: record.buildId,
      request: { ...record.request, secrets: [] },
      secretIds: record.secretIds,
      builder: record.builder,
      driver: record.driver,
      platforms: record.platforms,
      startedAt: record.startedAt,
    });
    this.events.emit('history.changed', { buildId: record.buildId, reason: 'started' });
    if (this.options.logQuietMs !== undefined) this.logSaves.set(record.buildId, { seen: 0, notBefore: 0 });
  }

  /** Re-arms the quiet timer when lines came; the timer saves the log (a record, never a gate). */
  progressed(buildId: string, s: BuildSnapshot): void {
    const save = this.logSaves.get(buildId);
    const quietMs = this.options.logQuietMs;
    if (!save || quietMs === undefined) return;
    save.latest = s;
    const lines = s.log.length + s.log.dropped;
    if (lines === save.seen) return;
    save.seen = lines;
    clearTimeout(save.timer);
    // Each save rewrites the kept log (up to the byte cap): a build whose output pauses often spends
    // at most a tenth of its time on them.
    save.timer = setTimeout(
      () => {
        save.timer = undefined;
        const snapshot = save.latest;
        if (!snapshot) return;
        const maxChars = this.maxLogChars();
        const lines = snapshot.log.length + snapshot.log.dropped;
        const t = Date.now();
        try {
          this.store.saveLogs(buildId, this.keptLogs(snapshot, maxChars));
          save.saved = { lines, maxChars };
        } catch {
          // history is a record, not a gate: the finish writes the log as before
        }
        save.notBefore = Date.now() + 10 * (Date.now() - t);
      },
      Math.max(quietMs, save.notBefore - Date.now()),
    );
    save.timer.unref?.();
  }

  private maxLogChars(): number {
    return typeof this.options.maxLogChars === 'function' ? this.options.maxLogChars() : this.options.maxLogChars;
  }

  /** The log's tail within maxLogLines and the byte cap (logCapBytes: UTF-8 bytes, as SQLite stores the text). */
  private keptLogs(s: BuildSnapshot, maxChars: number): HistoryLogRows {
    const all = logLines(s.log);
    let kept = all.slice(-this.options.maxLogLines);
    let bytes = 0;
    let from = kept.length;
    const size = (i: number) => Buffer.byteLength(kept[i]?.text ?? '');
    while (from > 0 && bytes + size(from - 1) <= maxChars) bytes += size(--from);
    kept = kept.slice(from);
    return {
      lines: kept.map((l) => ({ step: l.step, stream: l.stream, text: l.text })),
      truncated: kept.length < all.length || s.log.dropped > 0,
    };
  }

  contextSent(buildId: string, context: { contextDir: string; dockerfile: string }): void {
    const fs = this.options.fs;
    this.contexts.set(buildId, context.contextDir);
    if (!fs) return;
    this.background(async () => {
      const recorded = await recordContext(fs, context.contextDir, context.dockerfile);
      this.store.saveContext(buildId, recorded);
    });
  }

  /** Resolves when background recording (hashes, refs) is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private background(work: () => Promise<void>): void {
    const p = work()
      .catch(() => undefined) // history is a record, not a gate
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /**
   * buildx writes no metadata file for a failed build, so its ref is found in buildx's local state:
   * the record of this context on this builder written since the build started that no other
   * BuildDeck build claims.
   */
  private findRef(buildId: string, builder: string, startedAt: number): void {
    const buildkit = this.options.buildkit;
    const contextDir = this.contexts.get(buildId);
    if (!buildkit || !contextDir) return;
    this.background(async () => {
      const refs = await buildkit.refsSince(startedAt - 2000, contextDir);
      const mine = refs.find((r) => r.ref.startsWith(`${builder}/`) && !this.store.findByRef(r.ref));
      if (mine) this.store.setRef(buildId, mine.ref);
    });
  }

  finished(buildId: string, s: BuildSnapshot, extra: FinishedExtra = {}): void {
    const summary = summarizeBuild(s);
    const maxChars = this.maxLogChars();
    const save = this.logSaves.get(buildId);
    this.logSaves.delete(buildId);
    clearTimeout(save?.timer);
    // Saved while it ran, and no line since (nor a new cap): the stored log is this one.
    const saved = save?.saved?.lines === s.log.length + s.log.dropped && save.saved.maxChars === maxChars;
    const steps: HistoryStep[] = Object.values(s.steps)
      .sort((a, b) => a.order - b.order)
      .map((st) => ({
        id: st.id,
        lane: st.lane,
        name: st.name,
        state: st.state,
        cached: st.cached,
        isStep: st.isStep,
        ...(st.startedAt !== undefined ? { startedAt: st.startedAt } : {}),
        ...(st.durationMs !== undefined ? { durationMs: st.durationMs } : {}),
        ...(st.error ? { error: st.error } : {}),
      }));
    const platformSteps = summary.platforms.reduce((n, p) => n + p.steps, 0);
    const platformCached = summary.platforms.reduce((n, p) => n + p.cachedSteps, 0);
    this.store.finish(buildId, {
      status: s.status,
      finishedAt: s.finishedAt ?? Date.now(),
      durationMs: s.result?.durationMs ?? 0,
      digest: s.result?.digest,
      imageName: s.result?.imageName,
      ref: s.result?.ref,
      error: s.status === 'failed' ? s.error?.message : undefined,
      steps: platformSteps,
      cachedSteps: platformCached,
      summary,
      stepRows: steps,
      logs: saved ? undefined : this.keptLogs(s, maxChars),
      ...(s.error && s.status === 'failed'
        ? {
            failure: {
              message: s.error.message,
              ...(s.error.file ? { file: s.error.file } : {}),
              ...(s.error.line !== undefined ? { line: s.error.line } : {}),
              snippet: s.error.snippet,
              lastLogLines: s.error.lastLogLines,
            },
          }
        : {}),
    });
    if (extra.materials) this.store.saveMaterials(buildId, extra.materials);
    if (!s.result?.ref && s.info) this.findRef(buildId, s.info.builder, s.startedAt ?? 0);
    this.contexts.delete(buildId);
    this.events.emit('history.changed', { buildId, reason: 'finished' });
    this.enforceRetention();
  }

  /** Applies the retention settings; also run once at start-up. Returns the ids deleted. */
  enforceRetention(): string[] {
    const policy = this.options.retention?.();
    if (!policy) return [];
    const now = this.options.now?.() ?? Date.now();
    const deleted = this.store.prune({ keep: policy.maxCount, olderThan: now - policy.maxAgeDays * 86_400_000 });
    for (const id of deleted) this.events.emit('history.changed', { buildId: id, reason: 'deleted' });
    return deleted;
  }

  list(filter: HistoryFilter) {
    return this.store.list(filter);
  }

  get(buildId: string): HistoryEntry {
    const entry = this.store.get(buildId);
    if (!entry) {
      throw appError('INVALID_INPUT', `No build ${buildId} in history.`, {
        hint: 'It may have been deleted; refresh the list.',
        details: { field: 'buildId' },
      });
    }
    return entry;
  }

  delete(buildId: string): { deleted: boolean } {
    const entry = this.store.get(buildId);
    if (entry?.item.status === 'running') {
      throw appError('INVALID_INPUT', 'This build is still running.', {
        hint: 'Cancel it first, or wait for it to finish.',
        details: { field: 'buildId' },
      });
    }
    const deleted = this.store.delete(buildId);
    if (deleted) this.events.emit('history.changed', { buildId, reason: 'deleted' });
    return { deleted };
  }

  async rerun(buildId: string, secrets: BuildSecret[] | undefined): Promise<{ buildId: string }> {
    const entry = this.get(buildId);
    const missing = entry.secretIds.filter((id) => !(secrets ?? []).some((s) => s.id === id));
    if (missing.length > 0) {
      throw appError('INVALID_INPUT', `This build used secrets that BuildDeck does not store: ${missing.join(', ')}.`, {
        hint: 'Give each secret again (a file or an environment variable) to re-run.',
        details: { field: 'secrets', missing },
      });
    }
    if (!this.startBuild) throw new Error('history is not connected to builds');
    return this.startBuild({ ...entry.request, secrets: secrets ?? [] });
  }
}
