import type { BuildEvent, BuildSnapshot } from '../../common/contracts/builds';
import type {
  CacheMissExplanation,
  HistoryCapabilities,
  HistoryEntry,
  HistoryNotice,
  HistoryRecordDetails,
  HistoryRecordItem,
  RecordBuilderState,
} from '../../common/contracts/history';
import type { Builder } from '../../common/domain';
import { AppException, appError } from '../../common/errors';
import { logLines, reduceBuildEvents } from '../../common/progress';
import type { BuildFsPort } from '../builds/ports';
import type { EventBus } from '../events';
import type { BuildxPort, Clock } from '../ports';
import type {
  BuildkitHistoryPort,
  BuildkitRecordRow,
  DockerbuildReaderPort,
  DockerbuildRecord,
  HistoryStorePort,
  RecordFacts,
} from './ports';
import {
  baseName,
  countsOfSteps,
  detailsOf,
  eventsFromEntry,
  finishedEvent,
  itemFromOwn,
  itemFromRow,
  matchesText,
  mergeItems,
  snapshotOf,
  stepsOf,
} from './record-model';
import type { HistoryService } from './service';
import { explainCacheMiss, type RunEvidence } from './why';

export const HISTORY_VERSIONS = { records: '0.20.0', inspect: '0.21.0', export: '0.23.0' } as const;

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

interface BuilderView {
  name: string;
  driver: string;
  nodes: string[];
  state: RecordBuilderState;
  defaultPlatform?: string | undefined;
  error?: string | undefined;
}

interface Resolved {
  /** Canonical id. */
  id: string;
  ref?: string | undefined;
  builder?: string | undefined;
  node?: string | undefined;
  bkId?: string | undefined;
  own?: HistoryEntry | undefined;
  file?: { token: string; index: number; record: DockerbuildRecord; path: string } | undefined;
  row?: BuildkitRecordRow | undefined;
}

interface Stream {
  id: string;
  recordId: string;
  snapshot: BuildSnapshot;
  outbox: BuildEvent[];
  emitted: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  abort: AbortController;
  done: boolean;
}

const COALESCE_MS = 50;
const MAX_EVENTS_PER_RECORD = 400_000;

const semver = (v: string) => (/(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1, 4).map(Number);
const atLeast = (v: string, min: string) => {
  const a = semver(v);
  const b = semver(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/**
 * Every build record: BuildKit's (per builder, any client) merged with BuildDeck's, plus records
 * read from `.dockerbuild` files. Polls BuildKit only while a window listens (EventBus.onActive),
 * fast while a History view holds a `history.watch` lease; the CLI never starts the poller.
 */
export class RecordsService {
  private rows = new Map<string, { rows: BuildkitRecordRow[]; at: number }>();
  /**
   * Refs removed through us, with when: a `history ls` that began before the removal would list the
   * record again until the next poll. A removed ref never comes back, so hiding it is always right.
   */
  private removedRefs = new Map<string, number>();
  private builders: { at: number; list: BuilderView[]; error?: string } | undefined;
  private readonly localStates = new Map<
    string,
    { localPath?: string; dockerfilePath?: string; target?: string } | null
  >();
  private readonly replays = new Map<string, { events: BuildEvent[]; facts?: RecordFacts }>();
  private readonly files = new Map<string, { path: string; records: DockerbuildRecord[] }>();
  private readonly streams = new Map<string, Stream>();
  private watchUntil = 0;
  private active = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private idleMs: number;
  private counter = 0;
  private lastPollAt = 0;
  private disposed = false;

  constructor(
    private readonly deps: {
      store: HistoryStorePort;
      history: HistoryService;
      buildkit: BuildkitHistoryPort;
      reader: DockerbuildReaderPort;
      buildx: BuildxPort;
      /** The builders list (`fresh`: ask buildx now rather than the builders service's short cache). */
      listBuilders(fresh: boolean): Promise<Builder[]>;
      /**
       * This docker-container node's buildkitd container as the engine sees it now (cheap): undefined
       * when there is none; rejects when the engine cannot tell. Checked before every `history ls`
       * (the builder list may be seconds old, and `history ls` on a stopped builder starts it again)
       * and after it, to undo a start our read caused when the user stopped the builder meanwhile.
       */
      buildkitContainer?(container: string): Promise<{ running: boolean; startedAt?: string | undefined } | undefined>;
      /** Stops a buildkitd container again (only one our own read restarted). */
      stopContainer?(container: string): Promise<void>;
      fs: BuildFsPort;
      events: EventBus;
      clock: Clock;
    },
    private readonly options: RecordsOptions = DEFAULT_RECORDS_OPTIONS,
  ) {
    this.idleMs = options.idleIntervalMs;
    deps.events.onActive((active) => {
      this.active = active;
      if (active) this.schedule(0);
      else this.stopPolling();
    });
  }

  // ------------------------------------------------------------------------------------------
  // Capabilities

  async capabilities(): Promise<HistoryCapabilities> {
    const info = await this.deps.buildx.info();
    const v = info.version;
    const records = atLeast(v, HISTORY_VERSIONS.records);
    const inspect = atLeast(v, HISTORY_VERSIONS.inspect);
    const exp = atLeast(v, HISTORY_VERSIONS.export);
    const locked = !records
      ? { feature: 'builds from other clients (BuildKit history)', version: HISTORY_VERSIONS.records }
      : !inspect
        ? { feature: 'build details from BuildKit records', version: HISTORY_VERSIONS.inspect }
        : !exp
          ? { feature: 'export to .dockerbuild', version: HISTORY_VERSIONS.export }
          : undefined;
    return {
      buildxVersion: v,
      buildkitRecords: records,
      inspect,
      export: exp,
      ...(locked
        ? {
            notice: {
              kind: 'buildx-too-old',
              message: `buildx ${v} cannot show ${locked.feature}: that needs buildx ${locked.version} or newer.${
                records ? '' : ' History lists the builds BuildDeck ran.'
              }`,
              hint: "Upgrade the docker buildx plugin (Docker Desktop ships a current one; Debian/Ubuntu: docker-buildx from Docker's apt repository).",
              requiredVersion: locked.version,
              installedVersion: v,
            },
          }
        : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Builders and BuildKit rows

  private async builderViews(force: boolean): Promise<{ list: BuilderView[]; error?: string }> {
    const now = this.deps.clock.now();
    if (!force && this.builders && now - this.builders.at < this.options.buildersEveryMs) return this.builders;
    try {
      const list = (await this.deps.listBuilders(force)).map((b): BuilderView => {
        const statuses = b.nodes.map((n) => n.status);
        const state: RecordBuilderState = statuses.includes('running')
          ? 'available'
          : statuses.some((s) => s === 'stopped' || s === 'inactive')
            ? 'stopped'
            : 'unreachable';
        return {
          name: b.name,
          driver: b.driver,
          nodes: b.nodes.map((n) => n.name),
          state,
          defaultPlatform: b.nodes[0]?.platforms[0],
          ...(b.error || b.nodes[0]?.error ? { error: b.error ?? b.nodes[0]?.error } : {}),
        };
      });
      this.builders = { at: now, list };
    } catch (err) {
      const message = err instanceof AppException ? err.appError.message : String(err);
      this.builders = {
        at: now,
        list: this.builders?.list.map((b) => ({ ...b, state: 'unreachable' as const })) ?? [],
        error: message,
      };
    }
    return this.builders;
  }

  /** Asks every available builder for its records (in parallel, each bounded); failures become notices. */
  private async refreshRows(force: boolean): Promise<HistoryNotice[]> {
    const caps = await this.capabilities().catch(() => undefined);
    if (!caps?.buildkitRecords) return caps?.notice ? [caps.notice] : [];
    const { list } = await this.builderViews(force);
    const notices: HistoryNotice[] = [];
    const seen = new Set<string>();
    await Promise.all(
      list.map(async (b) => {
        seen.add(b.name);
        const containers = b.driver === 'docker-container' ? b.nodes.map((n) => `buildx_buildkit_${n}`) : [];
        const checkedAt = this.deps.clock.now();
        // For docker-container builders the engine knows for sure: a list read during (or slowed by) a
        // stop can say "error" or time out, while the container's own state says stopped. An engine
        // that does not answer proves nothing, so only an explicit "not running" counts.
        if (b.state !== 'stopped' && containers.length > 0) {
          const up = await Promise.all(containers.map((c) => this.runningNow(c)));
          if (up.every((u) => u === false)) b.state = 'stopped';
        }
        if (b.state !== 'available') {
          this.rows.delete(b.name);
          if (b.state === 'stopped') notices.push(stoppedNotice(b.name));
          else
            notices.push({
              kind: 'builder-unreachable',
              builder: b.name,
              message: `Builder "${b.name}" did not answer${b.error ? `: ${b.error}` : ''}.`,
              hint: 'Check it under Builders → Health.',
            });
          return;
        }
        try {
          const rows = await this.deps.buildkit.list(b.name, { timeoutMs: this.options.callTimeoutMs() });
          if (await this.undoOurRestart(containers, checkedAt)) {
            this.rows.delete(b.name);
            notices.push(stoppedNotice(b.name));
            return;
          }
          this.rows.set(b.name, {
            rows: rows.filter((row) => !this.removedRefs.has(row.ref)),
            at: this.deps.clock.now(),
          });
        } catch (err) {
          const e = err instanceof AppException ? err.appError : undefined;
          this.rows.delete(b.name);
          const unsupported = /unknown service|not implemented|Unimplemented/i.test(e?.message ?? String(err));
          notices.push({
            kind: unsupported ? 'builder-unsupported' : 'builder-unreachable',
            builder: b.name,
            message: unsupported
              ? `Builder "${b.name}" runs a BuildKit that keeps no build history (0.11 or newer does).`
              : `Could not read the build records of "${b.name}": ${e?.message ?? String(err)}`,
            ...(e?.hint ? { hint: e.hint } : {}),
          });
        }
      }),
    );
    for (const name of [...this.rows.keys()]) if (!seen.has(name)) this.rows.delete(name);
    if (caps.notice) notices.unshift(caps.notice);
    this.lastPollAt = this.deps.clock.now();
    return notices;
  }

  private async runningNow(container: string): Promise<boolean | undefined> {
    const get = this.deps.buildkitContainer?.bind(this.deps);
    if (!get) return undefined;
    return get(container).then(
      (c) => c?.running ?? false,
      () => undefined,
    );
  }

  /**
   * `history ls` starts a stopped builder. Between our check and the call the user may have stopped
   * it (Builders → Stop, `docker buildx stop`): a container that is running now but started after our
   * check was started by our read, so it is stopped again and the builder counts as stopped.
   */
  private async undoOurRestart(containers: string[], checkedAt: number): Promise<boolean> {
    const get = this.deps.buildkitContainer?.bind(this.deps);
    const stop = this.deps.stopContainer?.bind(this.deps);
    if (!get || !stop || containers.length === 0) return false;
    let undone = false;
    for (const c of containers) {
      const now = await get(c).catch(() => undefined);
      const started = now?.startedAt ? Date.parse(now.startedAt) : NaN;
      if (!now?.running || !(started > checkedAt)) continue;
      await stop(c).catch(() => undefined);
      undone = true;
    }
    return undone;
  }

  private async localStateOf(row: { builder: string; node: string; id: string; ref: string }) {
    if (!this.localStates.has(row.ref)) {
      const st = await this.deps.buildkit.localState(row.builder, row.node, row.id).catch(() => undefined);
      this.localStates.set(row.ref, st ?? null);
    }
    return this.localStates.get(row.ref) ?? undefined;
  }

  // ------------------------------------------------------------------------------------------
  // The merged list

  private lastNotices: HistoryNotice[] = [];

  private async allItems(refresh: boolean): Promise<{ items: HistoryRecordItem[]; notices: HistoryNotice[] }> {
    const fresh = this.active && this.deps.clock.now() - this.lastPollAt < 3000;
    if (refresh || !fresh) this.lastNotices = await this.refreshRows(refresh);
    const notices = this.lastNotices;
    const views = this.builders?.list ?? [];
    const viewOf = new Map(views.map((b) => [b.name, b]));
    const now = this.deps.clock.now();
    const byRef = new Map<string, HistoryRecordItem>();
    for (const [builder, { rows }] of this.rows) {
      for (const row of rows) {
        const local = await this.localStateOf(row);
        byRef.set(row.ref, itemFromRow(row, local, viewOf.get(builder)?.driver, now));
      }
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
      const state: RecordBuilderState = buildxOld
        ? 'unsupported'
        : !view
          ? this.builders && !this.builders.error
            ? 'removed'
            : 'unreachable'
          : view.state;
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
    for (const [token, f] of this.files) items.push(...f.records.map((r, i) => this.fileItem(token, i, r, f.path)));
    items.sort((a, b) => b.startedAt - a.startedAt || a.id.localeCompare(b.id));
    return { items, notices };
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
      refreshedAt: this.lastPollAt,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Polling

  watch(seconds: number): { until: number; intervalMs: number } {
    this.watchUntil = Math.max(this.watchUntil, this.deps.clock.now() + seconds * 1000);
    this.idleMs = this.options.idleIntervalMs;
    if (this.active) this.schedule(0);
    return { until: this.watchUntil, intervalMs: this.options.watchedIntervalMs };
  }

  private schedule(ms: number): void {
    if (this.disposed || !this.active) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(), ms);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    if (this.polling || !this.active) return;
    this.polling = true;
    const before = this.statusByRef();
    try {
      this.lastNotices = await this.refreshRows(false);
    } catch {
      // A failed poll is retried on the next tick.
    } finally {
      this.polling = false;
    }
    const after = this.statusByRef();
    const appeared: string[] = [];
    const finished: string[] = [];
    const removed: string[] = [];
    for (const [ref, status] of after) {
      const was = before.get(ref);
      if (was === undefined) appeared.push(ref);
      else if (was !== status) finished.push(ref);
    }
    for (const ref of before.keys()) if (!after.has(ref)) removed.push(ref);
    if (appeared.length > 0) this.deps.events.emit('history.recordsChanged', { ids: appeared, reason: 'appeared' });
    if (finished.length > 0) this.deps.events.emit('history.recordsChanged', { ids: finished, reason: 'finished' });
    if (removed.length > 0) this.deps.events.emit('history.recordsChanged', { ids: removed, reason: 'removed' });
    const changed = appeared.length + finished.length + removed.length > 0;
    const running = [...after.values()].includes('running');
    const watched = this.deps.clock.now() < this.watchUntil;
    if (watched) this.schedule(this.options.watchedIntervalMs);
    else {
      this.idleMs =
        changed || running ? this.options.idleIntervalMs : Math.min(this.idleMs * 2, this.options.idleMaxMs);
      this.schedule(this.idleMs);
    }
  }

  private forget(ref: string): void {
    const now = this.deps.clock.now();
    this.removedRefs.set(ref, now);
    // Ten minutes outlive any read in flight; the map stays small.
    for (const [k, at] of this.removedRefs) if (now - at > 600_000) this.removedRefs.delete(k);
  }

  private statusByRef(): Map<string, string> {
    const m = new Map<string, string>();
    for (const { rows } of this.rows.values()) for (const r of rows) m.set(r.ref, r.status);
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // Resolving ids

  private async resolve(id: string, builder?: string): Promise<Resolved> {
    const file = /^file:([A-Za-z0-9_-]+)(?:\.(\d+))?$/.exec(id);
    if (file) {
      const f = this.files.get(file[1] as string);
      const index = Number(file[2] ?? 0);
      const record = f?.records[index];
      if (!f || !record) {
        throw appError('INVALID_INPUT', `No open .dockerbuild record ${id}.`, {
          hint: 'Open the file again (records read from files are kept until BuildDeck restarts).',
          details: { field: 'id' },
        });
      }
      return { id, file: { token: file[1] as string, index, record, path: f.path } };
    }
    const parts = id.split('/');
    if (parts.length === 3) {
      const [b, node, bkId] = parts as [string, string, string];
      const buildId = this.deps.store.findByRef(id);
      const own = buildId ? this.deps.store.get(buildId) : undefined;
      const row = await this.findRow(bkId, b);
      if (!row && !own) throw this.unknown(id, b);
      return { id, ref: id, builder: b, node, bkId, own, row };
    }
    const own = this.deps.store.get(id);
    if (own) {
      const ref = own.item.ref;
      if (!ref) return { id, own };
      const [b, node, bkId] = ref.split('/') as [string, string, string];
      return { id: ref, ref, builder: b, node, bkId, own, row: await this.findRow(bkId, b) };
    }
    const row = await this.findRow(id, builder);
    if (!row) throw this.unknown(id, builder);
    const buildId = this.deps.store.findByRef(row.ref);
    return {
      id: row.ref,
      ref: row.ref,
      builder: row.builder,
      node: row.node,
      bkId: row.id,
      own: buildId ? this.deps.store.get(buildId) : undefined,
      row,
    };
  }

  private async findRow(bkId: string, builder: string | undefined): Promise<BuildkitRecordRow | undefined> {
    const look = () => {
      for (const [name, { rows }] of this.rows) {
        if (builder && name !== builder) continue;
        const row = rows.find((r) => r.id === bkId);
        if (row) return row;
      }
      return undefined;
    };
    return look() ?? (await this.refreshRows(false).then(look));
  }

  private unknown(id: string, builder: string | undefined) {
    return appError('INVALID_INPUT', `No build record ${id}${builder ? ` on builder "${builder}"` : ''}.`, {
      hint: 'It may have been removed, or BuildKit dropped it (it keeps a limited history). `builddeck history ls` lists what exists.',
      details: { field: 'id', id },
    });
  }

  private fileItem(token: string, index: number, r: DockerbuildRecord, path: string): HistoryRecordItem {
    const f = r.facts;
    const counts =
      f.counts.total > 0 ? f.counts : countsOfSteps(stepsOf(this.fileSnapshot(r, `file:${token}.${index}`)));
    return {
      id: `file:${token}${index > 0 ? `.${index}` : ''}`,
      ...(f.id ? { ref: f.id } : {}),
      kind: 'build',
      builder: r.builder ?? '',
      ...(r.node ? { node: r.node } : {}),
      builderState: 'file',
      name: f.name ?? baseName(path),
      source: {
        kind: f.contextDir ? 'local' : f.contextUrl ? 'git' : 'unknown',
        ...(f.contextDir ? { contextDir: f.contextDir } : {}),
        ...(f.contextUrl ? { url: f.contextUrl } : {}),
        ...(f.dockerfilePath ? { dockerfile: f.dockerfilePath } : {}),
        ...(f.target ? { target: f.target } : {}),
      },
      origin: 'file',
      status: f.status,
      startedAt: f.startedAt,
      ...(f.completedAt !== undefined ? { finishedAt: f.completedAt, durationMs: f.completedAt - f.startedAt } : {}),
      platforms: f.platforms.length > 0 ? f.platforms : f.defaultPlatform ? [f.defaultPlatform] : [],
      tags: f.imageNames,
      counts,
      cacheHitRatio: counts.total > 0 && f.status !== 'running' ? counts.cached / counts.total : null,
      ...(f.imageDigest ? { digest: f.imageDigest } : {}),
      ...(f.error ? { error: f.error.message.split('\n')[0] } : {}),
      stored: { buildkit: false, builddeck: false, file: path },
    };
  }

  private fileSnapshot(r: DockerbuildRecord, streamId: string): BuildSnapshot {
    const f = r.facts;
    return snapshotOf(
      streamId,
      {
        builder: r.builder ?? '',
        platforms: f.platforms,
        defaultPlatform: f.defaultPlatform,
        contextDir: f.contextDir,
        dockerfile: f.dockerfilePath,
        target: f.target,
        startedAt: f.startedAt,
      },
      r.events,
      f.completedAt !== undefined
        ? {
            at: f.completedAt,
            ok: f.status === 'succeeded',
            cancelled: f.status === 'cancelled',
            digest: f.imageDigest,
          }
        : undefined,
    );
  }

  // ------------------------------------------------------------------------------------------
  // One record: facts, events, snapshot

  private builderDefaultPlatform(builder: string | undefined): string | undefined {
    return this.builders?.list.find((b) => b.name === builder)?.defaultPlatform;
  }

  private builderState(builder: string | undefined): RecordBuilderState {
    const v = this.builders?.list.find((b) => b.name === builder);
    return v ? v.state : 'removed';
  }

  /** Events and facts of a finished BuildKit record (cached), or of a running one so far. */
  private async replay(
    r: Resolved,
    gaps: string[],
  ): Promise<{ events: BuildEvent[]; facts?: RecordFacts } | undefined> {
    if (!r.ref || !r.builder || !r.bkId || !r.row) return undefined;
    const cached = this.replays.get(r.ref);
    if (cached) return cached;
    if (this.builderState(r.builder) !== 'available') {
      gaps.push(`Builder "${r.builder}" is not running: BuildKit's record cannot be read now.`);
      return undefined;
    }
    const caps = await this.capabilities();
    let facts: RecordFacts | undefined;
    if (caps.inspect) {
      facts = await this.deps.buildkit
        .inspect(r.builder, r.bkId, { timeoutMs: this.options.callTimeoutMs() })
        .catch((err: unknown) => {
          gaps.push(
            `BuildKit's record details could not be read: ${err instanceof AppException ? err.appError.message : String(err)}`,
          );
          return undefined;
        });
    } else {
      gaps.push(`buildx ${caps.buildxVersion} cannot print record details (buildx ${HISTORY_VERSIONS.inspect} can).`);
    }
    const events: BuildEvent[] = [];
    try {
      await this.deps.buildkit.logs(r.builder, r.bkId, {
        onEvents: (batch) => {
          if (events.length < MAX_EVENTS_PER_RECORD) events.push(...batch);
        },
        signal: new AbortController().signal,
        timeoutMs: 120_000,
      });
    } catch (err) {
      gaps.push(
        `The record's progress could not be replayed: ${err instanceof AppException ? err.appError.message : String(err)}`,
      );
      return facts ? { events: [], facts } : undefined;
    }
    const entry = {
      events: events.filter((e) => e.type !== 'text' && e.type !== 'error'),
      ...(facts ? { facts } : {}),
    };
    this.replays.set(r.ref, entry);
    while (this.replays.size > this.options.replayCache)
      this.replays.delete(this.replays.keys().next().value as string);
    return entry;
  }

  private headOf(r: Resolved, facts: RecordFacts | undefined) {
    const req = r.own?.request;
    return {
      builder: r.builder ?? r.own?.item.builder ?? '',
      driver: r.own?.item.driver ?? this.builders?.list.find((b) => b.name === r.builder)?.driver,
      platforms: req?.platforms.length ? req.platforms : (facts?.platforms ?? []),
      defaultPlatform: r.own?.item.platforms[0] ?? this.builderDefaultPlatform(r.builder),
      contextDir: req?.contextDir ?? facts?.contextDir,
      dockerfile: req?.dockerfile ?? facts?.dockerfilePath,
      target: req?.target ?? facts?.target,
      tags: req?.tags ?? [],
      startedAt: r.row?.createdAt ?? r.own?.item.startedAt ?? facts?.startedAt ?? 0,
    };
  }

  private endOf(r: Resolved, facts: RecordFacts | undefined) {
    const status = r.row?.status ?? r.own?.item.status ?? facts?.status;
    if (status === 'running') return undefined;
    const at = r.row?.completedAt ?? r.own?.item.finishedAt ?? facts?.completedAt ?? this.deps.clock.now();
    return {
      at,
      ok: status === 'succeeded',
      cancelled: status === 'cancelled',
      digest: r.own?.item.digest ?? facts?.imageDigest,
      ref: r.ref,
    };
  }

  private async snapshotFor(r: Resolved, streamId: string, gaps: string[]) {
    if (r.file) return { snapshot: this.fileSnapshot(r.file.record, streamId), facts: r.file.record.facts };
    if (r.row?.status === 'running' && r.builder && r.bkId && this.builderState(r.builder) === 'available') {
      // A running record: the live stream's snapshot so far (the stream is shared with attach).
      return { snapshot: this.streamFor(r).snapshot, facts: undefined };
    }
    const replay = await this.replay(r, gaps);
    if (replay && replay.events.length > 0) {
      return {
        snapshot: snapshotOf(streamId, this.headOf(r, replay.facts), replay.events, this.endOf(r, replay.facts)),
        facts: replay.facts,
      };
    }
    if (r.own) {
      if (r.ref && !replay) gaps.push("Steps and logs come from BuildDeck's own record.");
      return {
        snapshot: snapshotOf(
          streamId,
          this.headOf(r, replay?.facts),
          eventsFromEntry(r.own),
          this.endOf(r, replay?.facts),
        ),
        facts: replay?.facts,
      };
    }
    return { snapshot: undefined, facts: replay?.facts };
  }

  private itemOf(r: Resolved): HistoryRecordItem {
    if (r.file) return this.fileItem(r.file.token, r.file.index, r.file.record, r.file.path);
    const now = this.deps.clock.now();
    const ownItem = r.own
      ? itemFromOwn(
          r.own.item,
          this.deps.store.stepCounts().get(r.own.item.buildId) ?? countsOfSteps(r.own.steps),
          this.builderState(r.own.item.builder),
        )
      : undefined;
    const bkItem = r.row
      ? itemFromRow(
          r.row,
          this.localStates.get(r.row.ref) ?? undefined,
          this.builders?.list.find((b) => b.name === r.builder)?.driver,
          now,
        )
      : undefined;
    if (bkItem && ownItem) return mergeItems(bkItem, ownItem);
    return (bkItem ?? ownItem) as HistoryRecordItem;
  }

  async details(id: string, builder?: string): Promise<HistoryRecordDetails> {
    const r = await this.resolve(id, builder);
    if (r.row) await this.localStateOf(r.row);
    const gaps: string[] = [];
    const { snapshot, facts } = await this.snapshotFor(r, 'details', gaps);
    const item = this.itemOf(r);
    const ownContext = r.own ? this.deps.store.getContext(r.own.item.buildId) : undefined;
    let disk: string | undefined;
    if (!facts?.error?.source?.text && ownContext?.dockerfileText === undefined && item.source.contextDir) {
      const df = item.source.dockerfile ?? 'Dockerfile';
      const path = /^([A-Za-z]:)?[\\/]/.test(df) ? df : `${item.source.contextDir.replace(/[\\/]+$/, '')}/${df}`;
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
    const r = await this.resolve(id, builder);
    const gaps: string[] = [];
    const { snapshot } = await this.snapshotFor(r, 'logs', gaps);
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
    const r = await this.resolve(id, builder);
    if (r.row) await this.localStateOf(r.row);
    const item = this.itemOf(r);
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
    const { snapshot, facts } = await this.snapshotFor(r, 'why', gaps);
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
    if (against) earlier = await this.resolve(against, builder);
    else {
      const prev = runs.filter((i) => i.startedAt < item.startedAt && i.status !== 'running' && i.id !== item.id).pop();
      if (prev) earlier = await this.resolve(prev.id);
    }
    const current = await this.evidence(r, item.id);
    return explainCacheMiss(current, earlier ? await this.evidence(earlier, earlier.id) : undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Live attach

  private streamFor(r: Resolved): Stream {
    const existing = [...this.streams.values()].find((s) => s.recordId === r.id && !s.done);
    if (existing) return existing;
    const id = `h${this.deps.clock.now().toString(36)}${(this.counter++).toString(36)}`;
    const stream: Stream = {
      id,
      recordId: r.id,
      snapshot: snapshotOf(id, this.headOf(r, undefined), [], undefined),
      outbox: [],
      emitted: 1, // the synthetic `started` event
      timer: undefined,
      abort: new AbortController(),
      done: false,
    };
    this.streams.set(id, stream);
    const builder = r.builder as string;
    const bkId = r.bkId as string;
    void this.deps.buildkit
      .logs(builder, bkId, {
        onEvents: (events) => this.push(stream, events),
        signal: stream.abort.signal,
        timeoutMs: 24 * 3600_000,
      })
      .then(async () => {
        // The record has ended: read its final status and close the snapshot like a build ends.
        this.rows.delete(builder);
        const row = await this.findRow(bkId, builder).catch(() => undefined);
        const end = this.endOf({ ...r, row: row ?? r.row }, undefined) ?? {
          at: this.deps.clock.now(),
          ok: true,
          cancelled: false,
        };
        this.push(stream, [finishedEvent(end)]);
        this.end(stream, 'finished');
      })
      .catch((err: unknown) => {
        const cancelled = err instanceof AppException && err.appError.code === 'CANCELLED';
        this.end(
          stream,
          cancelled ? 'detached' : 'failed',
          cancelled ? undefined : err instanceof AppException ? err.appError.message : String(err),
        );
      });
    return stream;
  }

  private push(stream: Stream, events: BuildEvent[]): void {
    const useful = events.filter((e) => e.type !== 'text');
    if (useful.length === 0 || stream.done) return;
    stream.snapshot = reduceBuildEvents(stream.snapshot, useful);
    stream.outbox.push(...useful);
    stream.timer ??= setTimeout(() => this.flush(stream), COALESCE_MS);
  }

  private flush(stream: Stream): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    if (stream.outbox.length === 0) return;
    const events = stream.outbox;
    stream.outbox = [];
    const firstIndex = stream.emitted;
    stream.emitted += events.length;
    this.deps.events.emit('history.progressed', { streamId: stream.id, firstIndex, events });
  }

  private end(stream: Stream, reason: 'finished' | 'detached' | 'failed', error?: string): void {
    if (stream.done) return;
    this.flush(stream);
    stream.done = true;
    this.deps.events.emit('history.streamEnded', { streamId: stream.id, reason, ...(error ? { error } : {}) });
    // Keep an ended stream briefly so a late `history.attach`/`details` still finds its snapshot.
    setTimeout(() => this.streams.delete(stream.id), 60_000).unref?.();
    if (reason === 'finished')
      this.deps.events.emit('history.recordsChanged', { ids: [stream.recordId], reason: 'finished' });
  }

  async attach(id: string, builder?: string): Promise<{ streamId: string; snapshot: BuildSnapshot; done: boolean }> {
    const r = await this.resolve(id, builder);
    if (r.row?.status === 'running' && r.builder && r.bkId) {
      if (this.builderState(r.builder) !== 'available') await this.builderViews(true);
      const stream = this.streamFor(r);
      return { streamId: stream.id, snapshot: stream.snapshot, done: stream.done };
    }
    const streamId = `h${this.deps.clock.now().toString(36)}${(this.counter++).toString(36)}`;
    const gaps: string[] = [];
    const { snapshot } = await this.snapshotFor(r, streamId, gaps);
    if (!snapshot) {
      throw appError('INVALID_INPUT', `The progress of ${id} cannot be read now.`, {
        hint: gaps[0] ?? 'Try again later.',
        details: { field: 'id' },
      });
    }
    return { streamId, snapshot, done: true };
  }

  detach(streamId: string): { detached: boolean } {
    const s = this.streams.get(streamId);
    if (!s || s.done) return { detached: false };
    s.abort.abort();
    this.end(s, 'detached');
    return { detached: true };
  }

  // ------------------------------------------------------------------------------------------
  // Export, open, remove

  async export(id: string, builder: string | undefined, dest: string, overwrite: boolean) {
    const r = await this.resolve(id, builder);
    if (r.file) {
      throw appError('INVALID_INPUT', 'This record was read from a .dockerbuild file already.', {
        hint: `The file is ${r.file.path}; copy it instead.`,
        details: { field: 'id' },
      });
    }
    const caps = await this.capabilities();
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
        hint: `Its builder is ${this.builderState(r.own?.item.builder)}; BuildDeck's own record has no .dockerbuild form.`,
        details: { field: 'id' },
      });
    }
    if (r.row.status === 'running') {
      throw appError('INVALID_INPUT', 'This build is still running.', {
        hint: 'Export it once it has finished.',
        details: { field: 'id' },
      });
    }
    if (this.builderState(r.builder) !== 'available') {
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

  async open(path: string): Promise<{ items: HistoryRecordItem[] }> {
    const records = await this.deps.reader.read(path);
    for (const [token, f] of this.files) if (f.path === path) this.files.delete(token);
    const token = `${this.deps.clock.now().toString(36)}${(this.counter++).toString(36)}`;
    this.files.set(token, { path, records });
    while (this.files.size > this.options.maxOpenFiles) this.files.delete(this.files.keys().next().value as string);
    const items = records.map((r, i) => this.fileItem(token, i, r, path));
    this.deps.events.emit('history.recordsChanged', { ids: items.map((i) => i.id), reason: 'opened' });
    return { items };
  }

  close(id: string): { closed: boolean } {
    const token = /^file:([A-Za-z0-9_-]+)/.exec(id)?.[1];
    const closed = token !== undefined && this.files.delete(token);
    if (closed) this.deps.events.emit('history.recordsChanged', { ids: [id], reason: 'closed' });
    return { closed };
  }

  async remove(ids: string[], from: 'all' | 'buildkit' | 'builddeck') {
    const removed: { id: string; buildkit: boolean; builddeck: boolean }[] = [];
    const failed: { id: string; code: string; message: string }[] = [];
    for (const id of ids) {
      try {
        const r = await this.resolve(id);
        if (r.file) {
          this.close(id);
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
          if (this.builderState(r.builder) !== 'available') {
            throw appError(
              'BUILDER_UNREACHABLE',
              `Builder "${r.builder}" is not running: its record cannot be removed now.`,
              {
                hint: "Start it, or remove only BuildDeck's record.",
              },
            );
          }
          await this.deps.buildkit.remove(r.builder, r.bkId, { timeoutMs: this.options.callTimeoutMs() });
          this.replays.delete(r.ref as string);
          this.forget(r.ref as string);
          this.rows.delete(r.builder);
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
    this.disposed = true;
    this.stopPolling();
    for (const s of this.streams.values()) if (!s.done) s.abort.abort();
  }
}

function stoppedNotice(builder: string): HistoryNotice {
  return {
    kind: 'builder-stopped',
    builder,
    message: `Builder "${builder}" is stopped: its BuildKit records are not read (that would start it).`,
    hint: "Start it from Builders to see its records; BuildDeck's own records of it stay listed.",
  };
}
