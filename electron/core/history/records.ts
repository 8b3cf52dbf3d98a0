import type { BakeHistoryItem } from '../../common/contracts/bake';
import type { BuildLogPage, BuildSnapshot } from '../../common/contracts/builds';
import type {
  CacheMissExplanation,
  HistoryCapabilities,
  HistoryNotice,
  HistoryRecordDetails,
  HistoryRecordItem,
  RecordBuilderState,
} from '../../common/contracts/history';
import { AppException, appError } from '../../common/errors';
import { logLines } from '../../common/progress';
import type { BuildFsPort } from '../builds/ports';
import type { EventBus } from '../events';
import { BuildkitRows, HISTORY_VERSIONS, type BuilderView, type BuildkitRowsDeps } from './buildkit-rows';
import { LiveStreams } from './live-streams';
import { OpenedFiles } from './opened-files';
import type { DockerbuildReaderPort, HistoryStorePort } from './ports';
import { RecordReader, type Resolved } from './record-reader';
import { detailsOf, itemFromOwn, itemFromRow, matchesText, mergeItems, stepsOf } from './record-model';
import { baseName } from '../../common/validation';
import { withBakes } from './bake-rows';
import { RecordsPoller } from './records-poller';
import { describedRows, type RowSummaries } from './row-summaries';
import type { HistoryService } from './service';
import { explainCacheMiss, type RunEvidence } from './why';
import { joinPath } from '../../common/validation';

export { HISTORY_VERSIONS } from './buildkit-rows';

export interface RecordsOptions {
  /** Bound for each builder's `history ls` / `inspect`. */
  callTimeoutMs: () => number;
  /** Gap between polls while a History view holds a watch lease (a `history ls` takes ~1 s itself). */
  watchedIntervalMs: number;
  /** Poll interval while a window listens without a lease; doubles while nothing changes, up to `idleMaxMs`. */
  idleIntervalMs: number;
  idleMaxMs: number;
  /** Builders are re-listed at most this often by the poller (`buildx ls` dials every builder). */
  buildersEveryMs: number;
  /** Finished records' replayed events kept in memory (details, logs, why and attach share them). */
  replayCache: number;
  /** Files opened with `history.open` kept in memory. */
  maxOpenFiles: number;
}

export const DEFAULT_RECORDS_OPTIONS: RecordsOptions = {
  callTimeoutMs: () => 15_000,
  watchedIntervalMs: 400,
  idleIntervalMs: 30_000,
  idleMaxMs: 120_000,
  buildersEveryMs: 15_000,
  replayCache: 24,
  maxOpenFiles: 8,
};

/** The rows' ports (buildx, BuildKit, builders, engine, clock) and what the records add. */
export interface RecordsDeps extends BuildkitRowsDeps {
  store: HistoryStorePort;
  history: HistoryService;
  reader: DockerbuildReaderPort;
  fs: BuildFsPort;
  events: EventBus;
  /** The bakes BuildDeck ran, newest first (rows of the list, their targets' records under them). */
  bakes?: (() => BakeHistoryItem[]) | undefined;
}

/**
 * Every build record: BuildKit's (per builder, any client; buildkit-rows.ts, polled by
 * records-poller.ts) merged with BuildDeck's, plus records read from `.dockerbuild` files
 * (opened-files.ts). One record's snapshot comes from record-reader.ts, a running one's live
 * stream from live-streams.ts. This class answers the `history.*` record commands from them.
 */
export class RecordsService {
  private readonly rows: BuildkitRows;
  private readonly files: OpenedFiles;
  private readonly streams: LiveStreams;
  private readonly poller: RecordsPoller;
  private readonly reader: RecordReader;
  private readonly summaries: RowSummaries;

  constructor(
    private readonly deps: RecordsDeps,
    private readonly options: RecordsOptions = DEFAULT_RECORDS_OPTIONS,
  ) {
    this.rows = new BuildkitRows(deps, options);
    this.files = new OpenedFiles(deps, options.maxOpenFiles);
    this.streams = new LiveStreams(deps);
    this.poller = new RecordsPoller(
      {
        rows: this.rows,
        events: deps.events,
        clock: deps.clock,
        ...(deps.recordEvents ? { recordEvents: deps.recordEvents } : {}),
      },
      options,
    );
    this.summaries = describedRows(this.rows, deps, options.callTimeoutMs);
    this.reader = new RecordReader(
      { ...deps, rows: this.rows, files: this.files, streams: this.streams, summaries: this.summaries },
      options,
    );
  }

  capabilities(): Promise<HistoryCapabilities> {
    return this.rows.capabilities();
  }

  watch(seconds: number): { until: number; intervalMs: number } {
    return this.poller.watch(seconds);
  }

  // ------------------------------------------------------------------------------------------
  // The merged list

  private async allItems(refresh: boolean): Promise<{ items: HistoryRecordItem[]; notices: HistoryNotice[] }> {
    // While a window listens the poller keeps the rows current (every ~0.4 s while History is on
    // screen), so a filter change or an event refetch answers from them at once instead of waiting
    // 1-3 s for another round of `history ls`. Without a poller (the CLI) every call reads.
    const fresh = this.poller.active && this.rows.lastReadAt > 0;
    const notices: HistoryNotice[] =
      refresh || !fresh ? await this.rows.readAndKeepNotices(refresh) : this.rows.notices;
    const views = this.rows.views();
    const viewOf = new Map(views.map((b) => [b.name, b]));
    const now = this.deps.clock.now();
    const byRef = new Map<string, HistoryRecordItem>();
    // The CLI has no poller to describe rows in the background: one call per node, awaited.
    if (!this.poller.active) await this.summaries.describeNow([...this.rows.entries()].flatMap(([, e]) => e.rows));
    for (const [builder, { rows }] of this.rows.entries()) {
      for (const row of rows) {
        const local = await this.rows.localStateOf(row, true);
        byRef.set(row.ref, itemFromRow(row, local, viewOf.get(builder)?.driver, now, this.summaries.of(row.ref)));
      }
      if (this.poller.active) this.summaries.want(rows);
    }
    const own = this.deps.store.list({ limit: 100_000 }).items;
    const counts =
      own.length > 0
        ? this.deps.store.stepCounts()
        : new Map<string, { total: number; completed: number; cached: number }>();
    const items: HistoryRecordItem[] = [];
    const buildxOld = notices.some(
      (n) => n.kind === 'buildx-too-old' && n.requiredVersion === HISTORY_VERSIONS.records,
    );
    for (const o of own) {
      const view = viewOf.get(o.builder);
      const state = this.stateOf(view, buildxOld);
      const ownItem = itemFromOwn(
        o,
        counts.get(o.buildId) ?? { total: o.steps, completed: o.steps, cached: o.cachedSteps },
        state,
      );
      const bk = o.ref ? byRef.get(o.ref) : undefined;
      if (bk && o.ref) {
        byRef.delete(o.ref);
        items.push(mergeItems(bk, ownItem));
      } else {
        items.push(ownItem);
      }
    }
    items.push(...byRef.values());
    items.push(...withBakes(items, this.deps.bakes, (b) => this.stateOf(viewOf.get(b), buildxOld)));
    items.push(...this.files.items());
    items.sort((a, b) => b.startedAt - a.startedAt || a.id.localeCompare(b.id));
    return { items, notices };
  }

  /** The builder of a record BuildDeck keeps: as listed, or gone (a clean list) or unknown. */
  private stateOf(view: BuilderView | undefined, buildxOld: boolean): RecordBuilderState {
    if (buildxOld) return 'unsupported';
    if (view) return view.state;
    return this.rows.listedCleanly() ? 'removed' : 'unreachable';
  }

  async records(input: {
    builder?: string | undefined;
    status?: HistoryRecordItem['status'] | undefined;
    folder?: string | undefined;
    text?: string | undefined;
    origin: 'all' | 'builddeck' | 'external';
    limit: number;
    before?: number | undefined;
    refresh: boolean;
  }) {
    const { items, notices } = await this.allItems(input.refresh);
    const matching = items.filter(
      (i) =>
        (!input.builder || i.builder === input.builder) &&
        (!input.status || i.status === input.status) &&
        (!input.folder || i.source.contextDir === input.folder) &&
        (input.origin === 'all' || i.origin === input.origin) &&
        (!input.text || matchesText(i, input.text)),
    );
    const page = matching.filter((i) => input.before === undefined || i.startedAt < input.before).slice(0, input.limit);
    return {
      items: page,
      total: matching.length,
      notices,
      facets: {
        builders: [...new Set(items.map((i) => i.builder).filter(Boolean))].sort(),
        folders: [...new Set(items.map((i) => i.source.contextDir).filter((f): f is string => !!f))].sort(),
      },
      refreshedAt: this.rows.lastReadAt,
    };
  }

  async details(id: string, builder?: string): Promise<HistoryRecordDetails> {
    const r = await this.reader.resolve(id, builder);
    if (r.row) await this.rows.localStateOf(r.row);
    const gaps: string[] = [];
    const { snapshot, facts } = await this.reader.snapshotFor(r, 'details', gaps);
    const item = this.reader.itemOf(r);
    const ownContext = r.own ? this.deps.store.getContext(r.own.item.buildId) : undefined;
    let disk: string | undefined;
    if (!facts?.error?.source?.text && ownContext?.dockerfileText === undefined && item.source.contextDir) {
      const df = item.source.dockerfile ?? 'Dockerfile';
      const path = /^([A-Za-z]:)?[\\/]/.test(df) ? df : joinPath(item.source.contextDir, df);
      disk = await this.deps.fs.readText(path, 256 * 1024);
      if (disk !== undefined)
        gaps.push('The Dockerfile shown is the file as it is now; it may have changed since this build.');
    }
    return detailsOf({
      item,
      facts,
      snapshot,
      own: r.own,
      ownContext,
      diskDockerfile: disk,
      gaps,
      now: this.deps.clock.now(),
    });
  }

  async logs(id: string, builder: string | undefined, step: string | undefined, limit: number) {
    const r = await this.reader.resolve(id, builder);
    const gaps: string[] = [];
    const { snapshot } = await this.reader.snapshotFor(r, 'logs', gaps);
    if (!snapshot) {
      throw appError('INVALID_INPUT', `The logs of ${id} cannot be read now.`, {
        hint: gaps[0] ?? 'Try again later.',
        details: { field: 'id' },
      });
    }
    const all = logLines(snapshot.log).filter((l) => !step || l.step === step);
    const lines = all
      .slice(-limit)
      .map((l) => ({ step: l.step, stream: l.stream, text: l.text, ...(l.at !== undefined ? { at: l.at } : {}) }));
    return { lines, truncated: all.length > limit || snapshot.log.dropped > 0 };
  }

  // ------------------------------------------------------------------------------------------
  // Runs and why

  private keyOf(item: HistoryRecordItem) {
    const dockerfile = item.source.dockerfile ? baseName(item.source.dockerfile) : 'Dockerfile';
    const where = item.source.contextDir ?? item.source.url ?? item.name;
    return {
      key: `${where}|${dockerfile}|${item.source.target ?? ''}`,
      ...(item.source.contextDir ? { contextDir: item.source.contextDir } : {}),
      name: item.name,
      dockerfile,
      ...(item.source.target ? { target: item.source.target } : {}),
    };
  }

  private async sameBuild(id: string, builder: string | undefined) {
    const r = await this.reader.resolve(id, builder);
    if (r.row) await this.rows.localStateOf(r.row);
    const item = this.reader.itemOf(r);
    const build = this.keyOf(item);
    const { items } = await this.allItems(false);
    const runs = items.filter((i) => this.keyOf(i).key === build.key);
    if (!runs.some((i) => i.id === item.id)) runs.push(item);
    runs.sort((a, b) => a.startedAt - b.startedAt);
    return { r, item, build, runs };
  }

  async runs(id: string, builder: string | undefined, limit: number) {
    const { build, runs } = await this.sameBuild(id, builder);
    return {
      build,
      runs: runs.slice(-limit).map((i) => ({
        id: i.id,
        startedAt: i.startedAt,
        ...(i.durationMs !== undefined ? { durationMs: i.durationMs } : {}),
        status: i.status,
        cacheHitRatio: i.cacheHitRatio,
        counts: i.counts,
        builder: i.builder,
      })),
    };
  }

  private async evidence(r: Resolved, id: string): Promise<RunEvidence> {
    const gaps: string[] = [];
    const { snapshot, facts } = await this.reader.snapshotFor(r, 'why', gaps);
    const ctx = r.own ? this.deps.store.getContext(r.own.item.buildId) : undefined;
    const req = r.own?.request;
    const materials = facts?.materials.length ? facts.materials : ctx?.materials;
    return {
      id,
      steps: snapshot ? stepsOf(snapshot) : [],
      buildArgs:
        facts?.buildArgs ?? (req ? Object.entries(req.buildArgs).map(([name, value]) => ({ name, value })) : undefined),
      materials,
      noCache: facts?.noCache ?? req?.noCache,
      noCacheFilter: facts?.noCacheFilter,
      files: ctx?.files,
      filesTruncated: ctx?.truncated,
      source: facts ? (r.file ? 'the .dockerbuild record' : "BuildKit's record") : "BuildDeck's record",
    };
  }

  async why(id: string, against: string | undefined, builder: string | undefined): Promise<CacheMissExplanation> {
    const { r, item, runs } = await this.sameBuild(id, builder);
    let earlier: Resolved | undefined;
    if (against) earlier = await this.reader.resolve(against, builder);
    else {
      const prev = runs.filter((i) => i.startedAt < item.startedAt && i.status !== 'running' && i.id !== item.id).pop();
      if (prev) earlier = await this.reader.resolve(prev.id);
    }
    const current = await this.evidence(r, item.id);
    return explainCacheMiss(current, earlier ? await this.evidence(earlier, earlier.id) : undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Live attach

  async attach(id: string, builder?: string): Promise<{ streamId: string; snapshot: BuildSnapshot; done: boolean }> {
    const r = await this.reader.resolve(id, builder);
    if (r.row?.status === 'running' && r.builder && r.bkId) {
      if (this.rows.builderState(r.builder) !== 'available') await this.rows.builderViews(true);
      const stream = this.reader.follow({ ...r, builder: r.builder, bkId: r.bkId });
      return { streamId: stream.id, snapshot: stream.snapshot, done: stream.done };
    }
    const streamId = this.streams.newId();
    const gaps: string[] = [];
    const { snapshot } = await this.reader.snapshotFor(r, streamId, gaps);
    if (!snapshot) {
      throw appError('INVALID_INPUT', `The progress of ${id} cannot be read now.`, {
        hint: gaps[0] ?? 'Try again later.',
        details: { field: 'id' },
      });
    }
    return { streamId, snapshot, done: true };
  }

  detach(streamId: string): { detached: boolean } {
    return this.streams.detach(streamId);
  }

  streamLogs(streamId: string, from: number, limit: number, step?: string): BuildLogPage {
    return this.streams.logs(streamId, from, limit, step);
  }

  // ------------------------------------------------------------------------------------------
  // Export, open, remove

  async export(id: string, builder: string | undefined, dest: string, overwrite: boolean) {
    const r = await this.resolveSettled(id, builder);
    if (r.file) {
      throw appError('INVALID_INPUT', 'This record was read from a .dockerbuild file already.', {
        hint: `The file is ${r.file.path}; copy it instead.`,
        details: { field: 'id' },
      });
    }
    const caps = await this.rows.capabilities();
    if (!caps.export) {
      throw appError(
        'INVALID_INPUT',
        `buildx ${caps.buildxVersion} cannot export build records: that needs buildx ${HISTORY_VERSIONS.export} or newer.`,
        {
          hint: 'Upgrade the docker buildx plugin.',
          details: { field: 'id', requiredVersion: HISTORY_VERSIONS.export, installedVersion: caps.buildxVersion },
        },
      );
    }
    if (!r.row || !r.builder || !r.bkId) {
      throw appError('INVALID_INPUT', 'Only BuildKit records can be exported, and BuildKit no longer has this one.', {
        hint: `Its builder is ${this.rows.builderState(r.own?.item.builder)}; BuildDeck's own record has no .dockerbuild form.`,
        details: { field: 'id' },
      });
    }
    if (r.row.status === 'running') {
      throw appError('INVALID_INPUT', 'This build is still running.', {
        hint: 'Export it once it has finished.',
        details: { field: 'id' },
      });
    }
    if (this.rows.builderState(r.builder) !== 'available') {
      throw appError(
        'BUILDER_UNREACHABLE',
        `Builder "${r.builder}" is not running: its records cannot be exported now.`,
        {
          hint: 'Start it from Builders, then export again.',
          details: { builder: r.builder },
        },
      );
    }
    const existing = await this.deps.fs.stat(dest);
    if (existing.kind === 'directory') {
      throw appError('INVALID_INPUT', `${dest} is a folder.`, {
        hint: 'Give a file name ending in .dockerbuild.',
        details: { field: 'dest' },
      });
    }
    if (existing.kind !== 'missing' && !overwrite) {
      throw appError('INVALID_INPUT', `${dest} already exists.`, {
        hint: 'Choose another name, or allow overwriting.',
        details: { field: 'dest' },
      });
    }
    await this.deps.buildkit.export(r.builder, r.bkId, dest, { timeoutMs: 300_000 });
    const written = await this.deps.fs.stat(dest);
    return { path: dest, bytes: written.bytes ?? 0 };
  }

  open(path: string): Promise<{ items: HistoryRecordItem[] }> {
    return this.files.open(path);
  }

  close(id: string): { closed: boolean } {
    return this.files.close(id);
  }

  /**
   * `resolve` for an action a running build refuses (export, remove): the builder's rows are cached
   * from the last read, which may have seen the build running; BuildKit is asked again before the
   * refusal (a build that had just finished was refused as "still running").
   */
  private async resolveSettled(id: string, builder?: string) {
    const r = await this.reader.resolve(id, builder);
    if (r.row?.status !== 'running' || !r.builder) return r;
    this.rows.drop(r.builder);
    return this.reader.resolve(id, builder);
  }

  async remove(ids: string[], from: 'all' | 'buildkit' | 'builddeck') {
    const removed: { id: string; buildkit: boolean; builddeck: boolean }[] = [];
    const failed: { id: string; code: string; message: string }[] = [];
    for (const id of ids) {
      try {
        const r = await this.resolveSettled(id);
        if (r.file) {
          this.files.close(id);
          removed.push({ id, buildkit: false, builddeck: false });
          continue;
        }
        const running = r.row?.status === 'running' || r.own?.item.status === 'running';
        if (running)
          throw appError('INVALID_INPUT', 'This build is still running.', {
            hint: 'Cancel it or wait for it to finish.',
          });
        let bk = false;
        let bd = false;
        if (from !== 'builddeck' && r.row && r.builder && r.bkId) {
          if (this.rows.builderState(r.builder) !== 'available') {
            throw appError(
              'BUILDER_UNREACHABLE',
              `Builder "${r.builder}" is not running: its record cannot be removed now.`,
              {
                hint: "Start it, or remove only BuildDeck's record.",
              },
            );
          }
          await this.deps.buildkit.remove(r.builder, r.bkId, { timeoutMs: this.options.callTimeoutMs() });
          this.reader.forget(r.ref as string);
          this.rows.forget(r.ref as string);
          this.rows.drop(r.builder);
          bk = true;
        }
        if (from !== 'buildkit' && r.own) bd = this.deps.history.delete(r.own.item.buildId).deleted;
        if (!bk && !bd)
          throw appError('INVALID_INPUT', `Nothing to remove for ${id} in ${from === 'all' ? 'any store' : from}.`);
        removed.push({ id: r.id, buildkit: bk, builddeck: bd });
      } catch (err) {
        const e = err instanceof AppException ? err.appError : { code: 'INTERNAL', message: String(err) };
        failed.push({ id, code: e.code, message: e.message });
      }
    }
    if (removed.length > 0)
      this.deps.events.emit('history.recordsChanged', { ids: removed.map((r) => r.id), reason: 'removed' });
    return { removed, failed };
  }

  dispose(): void {
    this.poller.dispose();
    this.summaries.dispose();
    this.streams.dispose();
  }
}
