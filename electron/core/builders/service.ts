import { buildkitContainerOf } from '../../common/builders/buildx-store';
import type { Builder, BuildersSnapshot } from '../../common/domain';
import { appError } from '../../common/errors';
import type { EventBus } from '../events';
import type { Disposer } from '../lifetime';
import type { BuilderStatusPort, BuildxPort, Clock, DocumentStore, EnginePort, KnownBuilder } from '../ports';

export interface BuildersOptions {
  /** Bound for one builder's answer: a silent builder is `unreachable` after this, never later. */
  healthTimeoutMs: number;
  /** Background re-check while a window listens; docker events cover docker-container builders sooner. */
  pollIntervalMs: number;
  /** Bursts of events within this window reuse one read. */
  cacheMs: number;
}

/** buildx names a docker-container node's container `buildx_buildkit_<node>`. */
const BUILDKIT_CONTAINER = /^\/?buildx_buildkit_/;
/**
 * Only lifecycle changes alter what a user sees. Every buildx call into a running node is a
 * `docker exec` (exec_create/exec_start/exec_die): reacting to those would make each re-read
 * trigger the next one, forever.
 */
/** When to read a builder again after its container started (buildkitd takes a moment to listen). */
const STARTED_RECHECK_MS = [1_500, 4_000, 10_000];
/** The background re-check asks every node in full at least this often (see read()). */
const WHOLE_READ_EVERY_MS = 5 * 60_000;
const LIFECYCLE = /^(create|start|restart|stop|die|kill|oom|pause|unpause|destroy|rename|update)$/;

export class BuildersService {
  private last: { at: number; generation: number; snapshot: BuildersSnapshot } | undefined;
  private inFlight: { generation: number; promise: Promise<BuildersSnapshot> } | undefined;
  /** Bumped whenever something changed: a read that began before the change must not answer after it. */
  private generation = 0;
  /** When the last read that asked every node in full began. */
  private lastWholeAt = -Infinity;
  /**
   * Per `builder/node`, the platformsKeys of the nodes whose platforms in `last` a whole read gave
   * under that same key: a brief read may keep them only while the key is unchanged.
   */
  private keys = new Map<string, string>();
  private stopWatching: (() => void) | undefined;
  private readonly offActive: Disposer;

  constructor(
    private readonly buildx: BuildxPort,
    private readonly status: BuilderStatusPort,
    private readonly engine: EnginePort,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly options: BuildersOptions,
    /** The engine's word on a buildkitd container: true/false, undefined when it cannot tell. */
    private readonly containerRunning?: (container: string) => Promise<boolean | undefined>,
    /** The last full list, kept for the next start's first paint (best effort). */
    private readonly lastKnownStore?: DocumentStore,
  ) {
    this.offActive = events.onActive((active) => (active ? this.startWatching() : this.stopWatchingNow()));
  }

  /**
   * Concurrent callers share one run and bursts reuse a fresh result, but only within one generation:
   * after a change (docker event) the next caller always gets a read that started after it.
   * `refresh` skips the burst cache, not an in-flight run of the same generation.
   */
  list(refresh = false): Promise<BuildersSnapshot> {
    return this.listing(refresh, false);
  }

  /**
   * The whole facts an earlier process saved (lastKnownStore), for the first read of this one: a
   * one-shot `builders ls` keeps their platforms where every platformsKey still matches and the
   * whole read they came from is younger than WHOLE_READ_EVERY_MS. Undefined when unusable.
   */
  private async saved(
    now: number,
  ): Promise<{ builders: Builder[]; wholeAt: number; keys: Map<string, string> } | undefined> {
    try {
      const text = await this.lastKnownStore?.load();
      if (!text) return undefined;
      const doc = JSON.parse(text) as Partial<SavedSnapshot>;
      const wholeAt = doc.wholeAt;
      if (!Array.isArray(doc.builders) || typeof wholeAt !== 'number' || typeof doc.platformsKeys !== 'object')
        return undefined;
      if (wholeAt > now || now - wholeAt >= WHOLE_READ_EVERY_MS) return undefined;
      const keys = new Map(Object.entries(doc.platformsKeys ?? {}).filter(([, v]) => typeof v === 'string'));
      return { builders: doc.builders, wholeAt, keys };
    } catch {
      return undefined; // an unreadable file only costs a whole read
    }
  }

  /** `periodic`: the background re-check, which may read docker-driver nodes briefly (see read()). */
  private listing(refresh: boolean, periodic: boolean): Promise<BuildersSnapshot> {
    // An explicit refresh (the window's Refresh and Check health, `--refresh`) must see what changed
    // outside our reads, e.g. a builder made in a terminal: it never joins a read that started before
    // it (the e2e test caught a health check whose list joined such a read and never showed the new
    // builder's card).
    if (refresh) this.invalidate();
    const gen = this.generation;
    const last = this.last;
    if (!refresh && last && last.generation === gen && this.clock.now() - last.at < this.options.cacheMs) {
      return Promise.resolve(last.snapshot);
    }
    if (this.inFlight?.generation === gen) return this.inFlight.promise;
    const promise = this.read(gen, periodic, refresh).finally(() => {
      if (this.inFlight?.promise === promise) this.inFlight = undefined;
    });
    this.inFlight = { generation: gen, promise };
    return promise;
  }

  /** Something changed outside our reads (a builder container started, a command of ours ran). */
  invalidate(): void {
    this.generation++;
  }

  /**
   * The list as it was last read (by this process or an earlier one, the CLI included), marked
   * `stale`: a window paints it at once while the live read runs. Undefined when there is none.
   */
  async lastKnown(): Promise<BuildersSnapshot | undefined> {
    if (this.last) return { ...this.last.snapshot, stale: true };
    try {
      const text = await this.lastKnownStore?.load();
      if (!text) return undefined;
      // What only the next process's first read uses stays out of the snapshot.
      const { wholeAt: _at, platformsKeys: _keys, ...parsed } = JSON.parse(text) as SavedSnapshot;
      return Array.isArray(parsed.builders) && typeof parsed.refreshedAt === 'string'
        ? { ...parsed, stale: true }
        : undefined;
    } catch {
      return undefined; // an unreadable snapshot only costs the first paint
    }
  }

  /**
   * Every builder from buildx's store and the docker contexts, each dialled on its own with its own
   * bound, in parallel: a silent builder costs one bound and delays no other. Each builder is
   * announced (`builders.updated`) the moment it is known; the snapshot resolves when all are.
   */
  private async read(generation: number, periodic = false, refresh = false): Promise<BuildersSnapshot> {
    const started = this.clock.now();
    // A brief read skips BuildKit's ListWorkers, which costs 210-250 ms of dockerd's CPU per call (it
    // probes every emulator): every 30 s while a window is open (the background re-check), and on
    // every one-shot `builders ls`. It keeps the platform list (and a docker-driver node's version) of
    // the last whole read, per node, only where that node was running then and its platformsKey (what
    // decides the list: the daemon's run, the kernel's emulators) is unchanged; a builder with any
    // other node is read in full. A whole read comes at least every WHOLE_READ_EVERY_MS, on an
    // explicit refresh (the CLI's --refresh, the window's refresh), and whenever a key is unknown.
    let previous = this.last?.snapshot.builders;
    let previousKeys = this.keys;
    let brief = periodic && previous !== undefined && started - this.lastWholeAt < WHOLE_READ_EVERY_MS;
    // The first read of a process (a one-shot CLI) may build on what an earlier process read.
    const saved = !periodic && !refresh && !this.last ? this.saved(started) : undefined;
    // buildx must be there and new enough (DOCKER_MISSING / BUILDX_MISSING); remembered across
    // processes, and checked alongside the dials rather than before them.
    const info = this.buildx.info();
    info.catch(() => undefined);
    const [known, earlier] = await Promise.all([this.status.known(), saved]);
    if (earlier) {
      previous = earlier.builders;
      previousKeys = earlier.keys;
      this.lastWholeAt = earlier.wholeAt;
      brief = true;
    }
    const keysNow = new Map<string, string>();
    const call = { timeoutMs: this.options.healthTimeoutMs };
    const keysOf = (k: KnownBuilder) =>
      this.status.platformsKeys?.(k, call).catch(() => undefined) ?? Promise.resolve(undefined);
    const builders = await Promise.all(
      known.map(async (k) => {
        let b: Builder;
        let keys: (string | undefined)[] | undefined;
        if (brief && previous) {
          [b, keys] = await Promise.all([this.status.dial(k, call, 'brief'), keysOf(k), info]);
          if (!keepWholeFacts(b, previous, keys, previousKeys, earlier !== undefined))
            b = await this.status.dial(k, call);
        } else {
          // The key before the read: a restart during it leaves a key that no longer matches.
          keys = await keysOf(k);
          [b] = await Promise.all([this.status.dial(k, call), info]);
        }
        b.nodes.forEach((n, i) => {
          const key = keys?.[i];
          if (key !== undefined && n.status === 'running') keysNow.set(`${b.name}/${n.name}`, key);
        });
        await this.settleStoppedContainers([b]);
        mergeStoreFacts(b, k);
        b.contextBuilder = k.contextBuilder;
        b.current = k.current;
        if (generation === this.generation) this.events.emit('builders.updated', { builder: b });
        return b;
      }),
    );
    await info;
    throwIfDockerDown(builders);
    if (!brief) this.lastWholeAt = started;
    this.keys = keysNow;
    const snapshot: BuildersSnapshot = {
      builders,
      refreshedAt: new Date(this.clock.now()).toISOString(),
      durationMs: this.clock.now() - started,
    };
    // A read that began before a container died must not replace what that death told us.
    if (!this.last || this.last.generation <= generation) this.last = { at: this.clock.now(), generation, snapshot };
    const doc: SavedSnapshot = { ...snapshot, wholeAt: this.lastWholeAt, platformsKeys: Object.fromEntries(keysNow) };
    this.lastKnownStore?.save(JSON.stringify(doc)).catch(() => undefined);
    return snapshot;
  }

  /**
   * A read that overlaps a container stopping (or is slowed past the bound by load) reports the node
   * as an error ("error reading server preface: EOF") or unreachable, though the user just stopped it.
   * For docker-container nodes the engine knows for sure, in milliseconds: an exited container is
   * "stopped". An engine that cannot tell changes nothing.
   */
  private async settleStoppedContainers(builders: Builder[]): Promise<void> {
    const check = this.containerRunning;
    if (!check) return;
    const doubtful = builders
      .filter((b) => b.driver === 'docker-container')
      .flatMap((b) =>
        b.nodes.filter((n) => n.status === 'error' || n.status === 'unreachable' || n.status === 'unknown'),
      );
    await Promise.all(
      doubtful.map(async (n) => {
        const running = await check(buildkitContainerOf(n.name)).catch(() => undefined);
        if (running !== false) return;
        n.status = 'stopped';
        delete n.error;
      }),
    );
    for (const b of builders)
      if (b.driver === 'docker-container' && b.nodes.length > 0 && b.nodes.every((n) => n.status === 'stopped'))
        delete b.error;
  }

  /**
   * A buildkitd container died: its node is stopped, whatever `buildx ls` would take 1-3 s to say (more
   * on a loaded machine). The list answers that at once; the next read after the burst cache confirms it.
   */
  private containerDied(container: string): boolean {
    const last = this.last;
    if (!last) return false;
    const node = container.replace(BUILDKIT_CONTAINER, '');
    let hit = false;
    const builders = last.snapshot.builders.map((b) =>
      b.driver !== 'docker-container'
        ? b
        : {
            ...b,
            nodes: b.nodes.map((n) => {
              if (n.name !== node || n.status === 'stopped') return n;
              hit = true;
              return { ...n, status: 'stopped' as const };
            }),
          },
    );
    if (!hit) return false;
    this.invalidate();
    this.last = {
      at: this.clock.now(),
      generation: this.generation,
      snapshot: { ...last.snapshot, builders, refreshedAt: new Date(this.clock.now()).toISOString() },
    };
    return true;
  }

  private startWatching(): void {
    if (this.stopWatching) return;
    let debounce: NodeJS.Timeout | undefined;
    // A poll that saw a change has just read fresh data: no need to force another read.
    const changed = (reason: string, fresh = false) => {
      if (!fresh) this.invalidate();
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => this.events.emit('builders.changed', { reason }), 250);
    };
    // A started container's buildkitd needs a moment before it answers: a read right after "start"
    // dials a daemon that is not listening yet and says "error". Look again shortly after, so the
    // card turns "running" by itself instead of at the next poll (30 s later).
    const settling = new Set<NodeJS.Timeout>();
    // One fresh read; announces a change only when what a user sees differs from the last read.
    const readAgain = (reason: string, onFailure: () => void, periodic = false) => {
      const before = this.last ? fingerprint(this.last.snapshot) : '';
      this.listing(true, periodic).then((s) => {
        if (fingerprint(s) !== before) changed(reason, true);
      }, onFailure);
    };
    const lookAgain = (reason: string) => {
      for (const ms of STARTED_RECHECK_MS) {
        const t = setTimeout(() => {
          settling.delete(t);
          readAgain(reason, () => undefined);
        }, ms);
        t.unref();
        settling.add(t);
      }
    };
    const unwatch = this.engine.watchContainers(
      (ev) => {
        if (!BUILDKIT_CONTAINER.test(ev.name) || !LIFECYCLE.test(ev.action)) return;
        // A death we could apply to the list is fresh news already; anything else needs a new read.
        const applied = ev.action === 'die' && this.containerDied(ev.name);
        const reason = `container ${ev.name} ${ev.action}`;
        changed(reason, applied);
        if (ev.action === 'start' || ev.action === 'restart' || ev.action === 'unpause') lookAgain(reason);
      },
      (connected) => {
        // At once, not debounced: the engine strip and the builders list must say "Docker is not
        // running" as soon as it stopped, and read again by themselves when it is back.
        this.invalidate();
        const reason = connected ? 'Docker Engine is answering again' : 'Docker Engine went away';
        this.events.emit('engine.changed', { reachable: connected, reason });
        this.events.emit('builders.changed', { reason });
      },
    );
    const poll = setInterval(() => readAgain('poll', () => changed('poll failed'), true), this.options.pollIntervalMs);
    poll.unref();
    this.stopWatching = () => {
      unwatch();
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      for (const t of settling) clearTimeout(t);
      settling.clear();
    };
  }

  private stopWatchingNow(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  dispose(): void {
    this.offActive();
    this.stopWatchingNow();
  }
}

/**
 * With the engine down, the context builder is in error (as `buildx ls` reports it, exiting 0).
 * When nothing else could work either (no remote or kubernetes builder), the user needs the
 * "Docker is not running" screen, not a list of broken cards.
 */
function throwIfDockerDown(builders: Builder[]): void {
  const down = builders.find((b) => b.errorCode === 'DOCKER_UNREACHABLE');
  if (!down || builders.some((b) => b.driver === 'remote' || b.driver === 'kubernetes')) return;
  throw appError('DOCKER_UNREACHABLE', down.error ?? 'Docker is not reachable.', {
    hint: 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then retry.',
    details: { builder: down.name },
  });
}

/**
 * The instance store knows which platforms were pinned, and each node's buildkitd flags and driver
 * options (what `buildx ls --format json` prints of it), whatever way the node was read.
 */
function mergeStoreFacts(b: Builder, known: KnownBuilder): void {
  for (const n of b.nodes) {
    const stored = known.nodes.find((x) => x.name === n.name);
    if (!stored) continue;
    if (stored.pinnedPlatforms.length > 0 && n.pinnedPlatforms.length === 0) n.pinnedPlatforms = stored.pinnedPlatforms;
    if (stored.flags.length > 0) n.flags = stored.flags;
    if (Object.keys(stored.driverOpts).length > 0) n.driverOpts = stored.driverOpts;
  }
}

/** What a user would see change: names, drivers, current, node status/version. */
function fingerprint(s: BuildersSnapshot): string {
  return JSON.stringify(
    s.builders.map((b) => [
      b.name,
      b.driver,
      b.current,
      b.error,
      b.nodes.map((n) => [n.name, n.status, n.buildkitVersion, n.error]),
    ]),
  );
}

/** The list as saved for the next process: the snapshot, and what its whole facts depend on. */
interface SavedSnapshot extends BuildersSnapshot {
  /** When the whole read its platforms come from began (clock ms). */
  wholeAt: number;
  platformsKeys: Record<string, string>;
}

/**
 * A brief read of `b` completed with the platforms and workers (and, for the docker driver, the
 * BuildKit version) of the last whole read. False - the caller reads that builder in full - when a
 * node running now was not running then, or its platformsKey changed; a docker-container node, and any
 * node when the whole read was another process's (`needKey`), must also have a key. Without one,
 * only the window's docker-driver nodes are kept (its engine watch and the age cap guard them).
 */
function keepWholeFacts(
  b: Builder,
  previous: Builder[],
  keys: (string | undefined)[] | undefined,
  previousKeys: Map<string, string>,
  needKey: boolean,
): boolean {
  if (b.driver !== 'docker' && b.driver !== 'docker-container') return true; // dialled in full anyway
  const before = previous.find((p) => p.name === b.name);
  for (const [i, node] of b.nodes.entries()) {
    if (node.status !== 'running') continue;
    const was = before?.nodes.find((n) => n.name === node.name && n.status === 'running');
    const key = keys?.[i];
    // No workers' facts: the whole read was an older BuildDeck's (a snapshot saved before it kept them).
    if (!was?.workers || key !== previousKeys.get(`${b.name}/${node.name}`)) return false;
    if (key === undefined && (needKey || b.driver === 'docker-container')) return false;
    node.platforms = [...was.platforms];
    // The workers' IDs, labels and GC policy come with the platforms (ListWorkers) and are kept with them.
    node.workers = was.workers;
    if (b.driver === 'docker' && was.buildkitVersion) node.buildkitVersion = was.buildkitVersion;
  }
  return true;
}
