import { buildkitContainerOf } from '../../common/builders/buildx-store';
import type { HistoryCapabilities, HistoryNotice, RecordBuilderState } from '../../common/contracts/history';
import type { Builder } from '../../common/domain';
import { AppException, reasonOf } from '../../common/errors';
import { containerRunning, type BuildxPort, type Clock } from '../ports';
import { buildName } from './build-name';
import type { BuildkitHistoryPort, BuildkitRecordRow, RecordEvent, RecordEventsPort } from './ports';

export const HISTORY_VERSIONS = { records: '0.20.0', inspect: '0.21.0', export: '0.23.0' } as const;

export interface BuilderView {
  name: string;
  driver: string;
  nodes: string[];
  state: RecordBuilderState;
  defaultPlatform?: string | undefined;
  error?: string | undefined;
}

export interface BuildkitRowsDeps {
  buildx: BuildxPort;
  buildkit: BuildkitHistoryPort;
  /**
   * The builders list, as the builders service keeps it (its 1.5 s burst cache, a change read anew,
   * a fresh process's first read keeping platforms under their key). History needs each builder's
   * state and default platform, not its whole facts: forcing a refresh made every `history ls` pay
   * BuildKit's ListWorkers (210-250 ms of dockerd's CPU) before the first record could be asked for.
   */
  listBuilders(): Promise<Builder[]>;
  /**
   * This docker-container node's buildkitd container as the engine sees it now (cheap): undefined
   * when there is none; rejects when the engine cannot tell. Checked before every `history ls`
   * (the builder list may be seconds old, and `history ls` on a stopped builder starts it again)
   * and after it, to undo a start our read caused when the user stopped the builder meanwhile.
   */
  buildkitContainer?(container: string): Promise<{ running: boolean; startedAt?: string | undefined } | undefined>;
  /** Stops a buildkitd container again (only one our own read restarted). */
  stopContainer?(container: string): Promise<void>;
  /**
   * BuildKit's history API on the nodes that can be dialled (optional: without it every builder is
   * read with `history ls`). It lists records with no process and can never start a stopped builder.
   */
  recordEvents?: RecordEventsPort;
  clock: Clock;
}

/** How many finished records a node lists, as `history ls` asks (buildx commands/history/utils.go). */
const RECORDS_LIMIT = 50;

export interface BuildkitRowsOptions {
  /** Bound for each builder's `history ls`. */
  callTimeoutMs: () => number;
  /** Builders are re-listed at most this often by the poller (`buildx ls` dials every builder). */
  buildersEveryMs: number;
}

const semver = (v: string) => (/(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1, 4).map(Number);
const atLeast = (v: string, min: string) => {
  const a = semver(v);
  const b = semver(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/**
 * What BuildKit itself knows: which builders there are and in what state, and each available
 * builder's records (`history ls`), read without starting a stopped builder. The poller, the merged
 * list and the record lookups all read this one cache.
 */
export class BuildkitRows {
  private readonly rows = new Map<string, { rows: BuildkitRecordRow[]; at: number }>();
  /**
   * Refs removed through us, with when: a `history ls` that began before the removal would list the
   * record again until the next poll. A removed ref never comes back, so hiding it is always right.
   */
  private readonly removedRefs = new Map<string, number>();
  private builders: { at: number; list: BuilderView[]; error?: string } | undefined;
  private readonly localStates = new Map<
    string,
    { localPath?: string; dockerfilePath?: string; target?: string } | null
  >();
  /** Per `builder/node`: the record IDs with buildx local state, as of the last read of its rows. */
  private readonly stateIds = new Map<string, ReadonlySet<string>>();
  /** Per `builder/node`: the records BuildKit listed at the last read (row summaries reuse them). */
  private readonly recordsRead = new Map<string, { at: number; records: RecordEvent[] }>();
  /** When the last read of every builder finished. */
  lastReadAt = 0;
  /** The notices of the last read the poller or the list made (a lookup's read leaves them). */
  notices: HistoryNotice[] = [];

  constructor(
    private readonly deps: BuildkitRowsDeps,
    private readonly options: BuildkitRowsOptions,
  ) {}

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

  async builderViews(force: boolean): Promise<{ list: BuilderView[]; error?: string }> {
    const now = this.deps.clock.now();
    if (!force && this.builders && now - this.builders.at < this.options.buildersEveryMs) return this.builders;
    try {
      const list = (await this.deps.listBuilders()).map((b): BuilderView => {
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

  /** The builders as last read (empty before the first read). */
  views(): BuilderView[] {
    return this.builders?.list ?? [];
  }

  /** Whether the last read of the builders list succeeded: then a builder missing from it is removed. */
  listedCleanly(): boolean {
    return this.builders !== undefined && !this.builders.error;
  }

  view(builder: string | undefined): BuilderView | undefined {
    return this.builders?.list.find((b) => b.name === builder);
  }

  builderState(builder: string | undefined): RecordBuilderState {
    const v = this.view(builder);
    return v ? v.state : 'removed';
  }

  /** Reads every builder and keeps the notices for the list (the poller and the list call this). */
  async readAndKeepNotices(force: boolean): Promise<HistoryNotice[]> {
    this.notices = await this.read(force);
    return this.notices;
  }

  /**
   * Asks every available builder (or `only` that one: a lookup by ref) for its records, in
   * parallel, each bounded; failures become notices.
   */
  async read(force: boolean, only?: string): Promise<HistoryNotice[]> {
    const caps = await this.capabilities().catch(() => undefined);
    if (!caps?.buildkitRecords) return caps?.notice ? [caps.notice] : [];
    // One builder's read (it pushed an event, or a lookup missed) keeps the known list of builders:
    // refreshing it dials every builder, which a build on the machine would pay for (ListWorkers in
    // dockerd alone costs 210-250 ms of its CPU). The timed full read refreshes it.
    const { list } = only !== undefined && !force && this.builders ? this.builders : await this.builderViews(force);
    const notices: HistoryNotice[] = [];
    const seen = new Set<string>();
    await Promise.all(
      list.map(async (b) => {
        seen.add(b.name);
        if (only !== undefined && b.name !== only) return;
        // For docker-container builders the engine knows for sure: a list read during (or slowed by) a
        // stop can say "error" or time out, while the container's own state says stopped.
        if (b.state === 'unreachable' && (await this.containersStopped(b))) b.state = 'stopped';
        if (b.state !== 'available') {
          this.rows.delete(b.name);
          if (b.state === 'stopped') notices.push(stoppedNotice(b.name));
          else
            notices.push({
              kind: 'builder-unreachable',
              builder: b.name,
              message: sentence(`Builder "${b.name}" did not answer`, b.error),
              hint: 'Check it under Builders → Health.',
            });
          return;
        }
        try {
          const rows = await this.listRows(b);
          if (rows === STOPPED) {
            b.state = 'stopped';
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
          const unsupported = reasonOf(err) === 'unsupported';
          notices.push({
            kind: unsupported ? 'builder-unsupported' : 'builder-unreachable',
            builder: b.name,
            message: unsupported
              ? `Builder "${b.name}" runs a BuildKit that keeps no build history (0.11 or newer does).`
              : sentence(`Could not read the build records of "${b.name}"`, e?.message ?? String(err)),
            ...(e?.hint ? { hint: e.hint } : {}),
          });
        }
      }),
    );
    for (const name of [...this.rows.keys()]) if (!seen.has(name)) this.rows.delete(name);
    if (caps.notice) notices.unshift(caps.notice);
    if (only === undefined) this.lastReadAt = this.deps.clock.now();
    return notices;
  }

  /**
   * One builder's rows as `history ls` lists them. Read from BuildKit itself where every node can be
   * dialled: no process, and a node whose container stopped answers "stopped" rather than being
   * started again (`history ls` boots the builder, so a stop racing a read brought it back). Names
   * come from the record and buildx's local state (build-name.ts); a record only `history ls` can
   * name (a git source) keeps the name it was listed with, or asks `history ls` once.
   */
  private async listRows(b: BuilderView): Promise<BuildkitRecordRow[] | typeof STOPPED> {
    const timeoutMs = this.options.callTimeoutMs();
    const listed = () => this.withoutStarting(b, () => this.deps.buildkit.list(b.name, { timeoutMs }));
    const events = this.deps.recordEvents;
    if (!events) return listed();
    const perNode = await Promise.all(
      b.nodes.map(async (node) => ({
        node,
        records: await events.records(b.name, node, { timeoutMs, limit: RECORDS_LIMIT }),
      })),
    );
    if (perNode.some((n) => n.records === 'unsupported')) return listed();
    const running = perNode.filter((n): n is { node: string; records: RecordEvent[] } => Array.isArray(n.records));
    if (running.length === 0) return STOPPED;
    const known = new Map((this.rows.get(b.name)?.rows ?? []).map((r) => [r.ref, r.name]));
    const rows: BuildkitRecordRow[] = [];
    const unnamed: BuildkitRecordRow[] = [];
    for (const { node, records } of running) {
      const key = `${b.name}/${node}`;
      const withState = await this.deps.buildkit.localStateIds?.(b.name, node);
      if (withState) this.stateIds.set(key, withState);
      else this.stateIds.delete(key);
      this.recordsRead.set(key, { at: this.deps.clock.now(), records });
      const seen = new Set<string>();
      for (const e of records) {
        // An active build is sent as started and, where BuildKit stored it already, listed again.
        if (e.type === 'deleted' || seen.has(e.id)) continue;
        seen.add(e.id);
        const row = rowOfRecord(b.name, node, e, this.deps.clock.now());
        const name = known.get(row.ref) || buildName(e.nameAttrs, await this.localStateOf(row, true));
        if (name === undefined) unnamed.push(row);
        else row.name = name;
        rows.push(row);
      }
    }
    if (unnamed.length > 0) {
      const byLs = await listed().catch((): typeof STOPPED => STOPPED);
      if (byLs !== STOPPED) {
        const names = new Map(byLs.map((r) => [r.ref, r.name]));
        for (const row of unnamed) row.name = names.get(row.ref) ?? '';
      }
    }
    // `history ls` order: running builds first, then the newest first.
    return rows.sort(
      (x, y) => Number(x.completedAt !== undefined) - Number(y.completedAt !== undefined) || y.createdAt - x.createdAt,
    );
  }

  /**
   * Runs a `history` call (ls, inspect: each starts a stopped docker-container builder) only while
   * the builder's container runs, and stops the container again when the call started it because
   * the user stopped the builder in between. STOPPED when the call did not run or was undone.
   */
  async withoutStarting<T>(b: BuilderView, call: () => Promise<T>): Promise<T | typeof STOPPED> {
    const checkedAt = this.deps.clock.now();
    if (await this.containersStopped(b)) return STOPPED;
    const value = await call();
    return (await this.undoOurRestart(containersOf(b), checkedAt)) ? STOPPED : value;
  }

  /** Every buildkitd container of a docker-container builder says "not running" (an engine that does not answer proves nothing). */
  private async containersStopped(b: BuilderView): Promise<boolean> {
    const containers = containersOf(b);
    if (containers.length === 0) return false;
    const up = await Promise.all(containers.map((c) => this.runningNow(c)));
    return up.every((u) => u === false);
  }

  private async runningNow(container: string): Promise<boolean | undefined> {
    const get = this.deps.buildkitContainer?.bind(this.deps);
    return get ? containerRunning(get, container) : undefined;
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

  /** Each builder's rows as last read. */
  entries(): IterableIterator<[string, { rows: BuildkitRecordRow[]; at: number }]> {
    return this.rows.entries();
  }

  /**
   * A build BuildKit just said started (pushed, see record-events.ts): listed as running until the
   * next read replaces the builder's rows. False when it is known already (or was removed).
   */
  addRunning(row: BuildkitRecordRow): boolean {
    if (this.removedRefs.has(row.ref)) return false;
    const entry = this.rows.get(row.builder);
    if (entry?.rows.some((r) => r.ref === row.ref)) return false;
    if (entry) entry.rows = [row, ...entry.rows];
    else this.rows.set(row.builder, { rows: [row], at: this.deps.clock.now() });
    return true;
  }

  /**
   * A build BuildKit just said finished (pushed): its row, if listed, takes the final status at
   * once, so a lookup right after the build does not find it "running" until the next read.
   * True when a listed running row changed.
   */
  finishRow(ref: string, end: Pick<BuildkitRecordRow, 'status' | 'completedAt' | 'counts'>): boolean {
    const builder = ref.split('/')[0] ?? '';
    const entry = this.rows.get(builder);
    const at = entry?.rows.findIndex((r) => r.ref === ref) ?? -1;
    const row = entry?.rows[at];
    if (!entry || !row || row.status !== 'running') return false;
    entry.rows = entry.rows.map((r, i) => (i === at ? { ...r, ...end } : r));
    return true;
  }

  /** Whether `ref` is listed with the name `history ls` gave it (a pushed start is listed unnamed). */
  named(ref: string): boolean {
    const entry = this.rows.get(ref.split('/')[0] ?? '');
    return entry?.rows.some((r) => r.ref === ref && r.name !== '') ?? false;
  }

  /** Forgets a builder's rows: the next lookup reads them again. */
  drop(builder: string): void {
    this.rows.delete(builder);
  }

  /**
   * buildx's local state of a record, read once. `listed`: a pass over every row (the rows' read, the
   * merged list) trusts the node's folder listing from the last read of its rows: most records of a
   * shared engine have no local state here, and opening each missing file cost a list of 1,664 rows
   * 137 ms. One record's lookup (a pushed start, details) always reads: its file may be newer than
   * the listing, and a start named without it would stay so (no later event refetches the list).
   */
  async localStateOf(row: { builder: string; node: string; id: string; ref: string }, listed = false) {
    if (!this.localStates.has(row.ref)) {
      const ids = listed ? this.stateIds.get(`${row.builder}/${row.node}`) : undefined;
      if (ids && !ids.has(row.id)) return undefined; // not remembered: it may be written yet
      const st = await this.deps.buildkit.localState(row.builder, row.node, row.id).catch(() => undefined);
      this.localStates.set(row.ref, st ?? null);
    }
    return this.localStates.get(row.ref) ?? undefined;
  }

  /**
   * The records a read of this node's rows fetched within `maxAgeMs` (every field BuildKit sent:
   * platforms, digest, error), so describing its rows does not list them all over again.
   */
  recentRecords(builder: string, node: string, maxAgeMs: number): RecordEvent[] | undefined {
    const read = this.recordsRead.get(`${builder}/${node}`);
    return read && this.deps.clock.now() - read.at <= maxAgeMs ? read.records : undefined;
  }

  /** buildx's local state of a record, if it was read already (never reads). */
  knownLocalState(ref: string) {
    return this.localStates.get(ref) ?? undefined;
  }

  async findRow(bkId: string, builder: string | undefined): Promise<BuildkitRecordRow | undefined> {
    const look = () => {
      for (const [name, { rows }] of this.rows) {
        if (builder && name !== builder) continue;
        const row = rows.find((r) => r.id === bkId);
        if (row) return row;
      }
      return undefined;
    };
    return look() ?? (await this.read(false, builder).then(look));
  }

  /** A ref removed through us stays hidden even from a read that began before the removal. */
  forget(ref: string): void {
    const now = this.deps.clock.now();
    this.removedRefs.set(ref, now);
    // Ten minutes outlive any read in flight; the map stays small.
    for (const [k, at] of this.removedRefs) if (now - at > 600_000) this.removedRefs.delete(k);
  }

  statusByRef(): Map<string, string> {
    const m = new Map<string, string>();
    for (const { rows } of this.rows.values()) for (const r of rows) m.set(r.ref, r.status);
    return m;
  }
}

/** How a finished record ended, from BuildKit's record (its error, and the error's code). */
export const endStatus = (e: RecordEvent): 'succeeded' | 'failed' | 'cancelled' =>
  e.cancelled ? 'cancelled' : e.failed ? 'failed' : 'succeeded';

/** A record BuildKit listed or pushed, as a row (unnamed: the caller names it). */
export function rowOfRecord(builder: string, node: string, e: RecordEvent, now: number): BuildkitRecordRow {
  return {
    ref: `${builder}/${node}/${e.id}`,
    builder,
    node,
    id: e.id,
    name: '',
    status: e.completedAt === undefined ? 'running' : endStatus(e),
    createdAt: e.createdAt ?? now,
    ...(e.completedAt !== undefined ? { completedAt: e.completedAt } : {}),
    counts: e.counts,
  };
}

/** What {@link BuildkitRows.withoutStarting} answers when the builder is (or was put back) stopped. */
export const STOPPED = Symbol('stopped');

const containersOf = (b: BuilderView) => (b.driver === 'docker-container' ? b.nodes.map(buildkitContainerOf) : []);

/** "Lead: cause." with exactly one full stop, whether or not the cause (an error message) ends in one. */
function sentence(lead: string, cause: string | undefined): string {
  const why = cause?.trim().replace(/[.\s]+$/, '');
  return why ? `${lead}: ${why}.` : `${lead}.`;
}

function stoppedNotice(builder: string): HistoryNotice {
  return {
    kind: 'builder-stopped',
    builder,
    message: `Builder "${builder}" is stopped: its BuildKit records are not read (that would start it).`,
    hint: "Start it from Builders to see its records; BuildDeck's own records of it stay listed.",
  };
}
