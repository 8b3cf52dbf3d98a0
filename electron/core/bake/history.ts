import type { BakeHistoryEntry, BakeRequest, BakeSnapshot } from '../../common/contracts/bake';
import { appError } from '../../common/errors';
import { summarizeBake } from '../../common/progress';
import type { EventBus } from '../events';
import type { BakeHistoryStorePort } from './ports';
import type { BakeRecorder } from './service';

type BakeDb = { store: BakeHistoryStorePort } | { unavailable: string };

/**
 * Bake history: each bake BuildDeck ran is ONE entry with its targets inside (result, steps,
 * digest and the BuildKit ref of each target's build, so the target's own BuildKit record can be
 * found). Kept in its own tables next to build history; the same retention settings apply.
 */
export class BakeHistory implements BakeRecorder {
  private startBake: ((request: BakeRequest) => Promise<{ bakeId: string }>) | undefined;

  constructor(
    /**
     * The store, or why the database could not be opened (bakes still run, history says why it is
     * missing); a function when the database opens on first use (the CLI's verbs that never need it).
     */
    private readonly source: BakeDb | (() => BakeDb),
    private readonly events: EventBus,
    private readonly options: { retention?: () => { maxCount: number; maxAgeDays: number }; now?: () => number } = {},
  ) {}

  private get db(): BakeDb {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  private get store(): BakeHistoryStorePort {
    if ('store' in this.db) return this.db.store;
    throw appError('INTERNAL', `Bake history is unavailable: ${this.db.unavailable}`, {
      hint: 'Check that the data folder is writable and not on a network share, then restart BuildDeck.',
    });
  }

  /** Wired after construction: bake needs the recorder, rerun needs bake. */
  connect(startBake: (request: BakeRequest) => Promise<{ bakeId: string }>): void {
    this.startBake = startBake;
  }

  started(bakeId: string, request: BakeRequest, s: BakeSnapshot): void {
    if (!('store' in this.db)) return;
    this.store.insertStarted({
      bakeId,
      request,
      projectDir: s.info?.projectDir ?? request.projectDir,
      builder: s.info?.builder ?? '',
      driver: s.info?.driver ?? '',
      requested: request.targets,
      targets: s.info?.targets.map((t) => t.name) ?? [],
      startedAt: s.startedAt ?? Date.now(),
    });
    this.events.emit('bake.historyChanged', { bakeId, reason: 'started' });
  }

  finished(bakeId: string, _request: BakeRequest, s: BakeSnapshot): void {
    if (!('store' in this.db)) return;
    const summary = summarizeBake(s);
    this.store.finish(bakeId, {
      status: s.status,
      finishedAt: s.finishedAt ?? Date.now(),
      durationMs: s.result?.durationMs ?? 0,
      ...(summary.error !== undefined && s.status === 'failed' ? { error: summary.error } : {}),
      results: summary.targets.map((t) => ({
        target: t.target,
        status: t.status,
        ...(t.ref ? { ref: t.ref } : {}),
        ...(t.digest ? { digest: t.digest } : {}),
        ...(t.imageName ? { imageName: t.imageName } : {}),
        platforms: t.platforms.map((p) => p.platform),
        steps: t.platforms.reduce((n, p) => n + p.steps, 0),
        cachedSteps: t.platforms.reduce((n, p) => n + p.cachedSteps, 0),
        durationMs: t.durationMs,
        ...(t.error !== undefined ? { error: t.error } : {}),
      })),
      summary,
    });
    this.events.emit('bake.historyChanged', { bakeId, reason: 'finished' });
    this.enforceRetention();
  }

  enforceRetention(): string[] {
    const policy = this.options.retention?.();
    if (!policy || !('store' in this.db)) return [];
    const now = this.options.now?.() ?? Date.now();
    const deleted = this.store.prune({ keep: policy.maxCount, olderThan: now - policy.maxAgeDays * 86_400_000 });
    for (const bakeId of deleted) this.events.emit('bake.historyChanged', { bakeId, reason: 'deleted' });
    return deleted;
  }

  list(filter: { projectDir?: string | undefined; limit: number; before?: number | undefined }) {
    return this.store.list(filter);
  }

  get(bakeId: string): BakeHistoryEntry {
    const entry = this.store.get(bakeId);
    if (!entry) {
      throw appError('INVALID_INPUT', `No bake ${bakeId} in history.`, {
        hint: 'It may have been deleted; refresh the list.',
        details: { field: 'bakeId' },
      });
    }
    return entry;
  }

  delete(bakeId: string): { deleted: boolean } {
    if (this.store.get(bakeId)?.item.status === 'running') {
      throw appError('INVALID_INPUT', 'This bake is still running.', {
        hint: 'Cancel it first, or wait for it to finish.',
        details: { field: 'bakeId' },
      });
    }
    const deleted = this.store.delete(bakeId);
    if (deleted) this.events.emit('bake.historyChanged', { bakeId, reason: 'deleted' });
    return { deleted };
  }

  rerun(bakeId: string): Promise<{ bakeId: string }> {
    const entry = this.get(bakeId);
    if (!this.startBake) throw new Error('bake history is not connected to bake');
    return this.startBake(entry.request);
  }
}
