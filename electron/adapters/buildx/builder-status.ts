import { buildkitContainerOf } from '../../common/builders/buildx-store';
import { readdir, readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Builder, BuilderNode } from '../../common/domain';
import { AppException, appError, silentBuilder } from '../../common/errors';
import type { BuilderStatePort, StoredCacheBuilder } from '../../core/cache/ports';
import type { BuilderStatusPort, CallOptions, KnownBuilder } from '../../core/ports';
import { nodeFacts, nodeVersion, normalizePlatform, type NodeFacts } from '../buildkit/control';
import { BuildkitConnection } from '../buildkit/grpc';
import { currentContextName, readContexts, type DockerContext } from '../docker/contexts';
import { EngineApi, EngineHttpError, engineEndpoint } from '../docker/engine-api';
import { execInContainer } from '../docker/exec-stream';
import type { BuildxCli } from './cli';
import { platformsKey } from './platforms-key';
import { reasonIn, START_DOCKER } from './failures';

/**
 * Builder status the way `buildx ls` reads it (store, contexts, then each node's driver), without
 * running buildx: buildx's instance store and the docker context store are read from disk, and each
 * node is dialled directly - the docker driver through the Engine API's `/grpc`, docker-container
 * nodes through `buildctl dial-stdio` in their container, remote nodes over TCP/TLS/unix - with the
 * same gRPC calls buildx makes (ListWorkers, Info). Every node has its own bound, so a silent one
 * costs one bound and never delays another. Drivers that only buildx can reach (kubernetes, ssh://
 * engines, TLS contexts) fall back to `buildx inspect NAME`, bounded the same way.
 */
export class NativeBuilderStatus implements BuilderStatusPort, BuilderStatePort {
  private readonly engines = new Map<string, EngineApi>();
  /** The contexts `known()` read, reused by the dials of the same list read. */
  private contexts: Promise<DockerContext[]> | undefined;

  constructor(
    private readonly buildx: BuildxCli,
    /** The environment buildx would run with (settings may change it). */
    private readonly env: () => NodeJS.ProcessEnv,
  ) {}

  /**
   * The builder buildx uses without --builder (its GetCurrentInstance): THE rule, for the builders
   * list's current marker and for every command that defaults to the current builder (cache), with
   * its store entry from the same read (a context's own builder has none).
   */
  async current(): Promise<{ name: string; stored: StoredCacheBuilder | undefined }> {
    const { builders, currentName } = await this.withCurrent();
    const b = builders.find((x) => x.name === currentName && !x.contextBuilder);
    const stored = b && { driver: b.driver, nodes: b.nodes.map((n) => ({ name: n.name, endpoint: n.endpoint })) };
    return { name: currentName, stored };
  }

  /** The builders, the current one marked, and its name (the store may know no builder of that name). */
  private async withCurrent(): Promise<{ builders: KnownBuilder[]; currentName: string }> {
    const env = this.env();
    const root = this.buildx.configDir();
    const [{ builders, contexts, names }, contextName, current] = await Promise.all([
      this.listed(),
      currentContextName(env),
      readCurrent(root),
    ]);
    const currentName = await currentBuilderName(root, current, contextName, contexts, names);
    for (const b of builders) b.current = b.name === currentName;
    return { builders, currentName };
  }

  async known(): Promise<KnownBuilder[]> {
    const root = this.buildx.configDir();
    const { builders } = await this.withCurrent();
    await Promise.all(
      builders.map(async (b) => {
        const activity = await lastActivity(root, b.name);
        if (activity) b.lastActivity = activity;
      }),
    );
    return builders;
  }

  /** The builders and their nodes from buildx's store and the contexts (not yet which is current, nor activity). */
  private async listed(): Promise<{ builders: KnownBuilder[]; contexts: DockerContext[]; names: Set<string> }> {
    this.contexts = readContexts(this.env());
    const [stored, contexts] = await Promise.all([this.buildx.instances(), this.contexts]);
    const names = new Set(stored.map((b) => b.name));
    const builders: KnownBuilder[] = [
      ...stored.map((b) => ({
        name: b.name,
        driver: b.driver,
        current: false,
        contextBuilder: false,
        nodes: b.nodes.map((n) => ({
          name: n.name,
          endpoint: n.endpoint,
          pinnedPlatforms: n.pinnedPlatforms,
          driverOpts: n.driverOpts,
        })),
      })),
      // A context named like a stored builder is hidden by it, as in buildx.
      ...contexts
        .filter((c) => !names.has(c.name))
        .map((c) => ({
          name: c.name,
          driver: 'docker',
          current: false,
          contextBuilder: true,
          nodes: [{ name: c.name, endpoint: c.name, pinnedPlatforms: [], driverOpts: {} }],
        })),
    ];
    return { builders, contexts, names };
  }

  /** One builder by name, dialled within the bound (the cache view's health check). */
  async state(name: string, call: CallOptions): Promise<Builder> {
    return this.dial(await this.find(name), call);
  }

  /**
   * The named builder, or the current one when no name is given; BUILDER_NOT_FOUND otherwise.
   * Without its last activity (one more file per builder): a build's check and the cache view's
   * health read never show it, and the list (known()) reads it.
   */
  private async find(name: string | undefined): Promise<KnownBuilder> {
    const { builders } = await this.withCurrent();
    const builder = name === undefined ? builders.find((b) => b.current) : builders.find((b) => b.name === name);
    if (!builder) {
      throw appError('BUILDER_NOT_FOUND', name === undefined ? 'No current builder.' : `No builder named "${name}".`, {
        hint: 'Refresh the builder list; it may have been removed outside BuildDeck.',
        details: { builder: name ?? null },
      });
    }
    return builder;
  }

  /**
   * What a build asks before it starts and while it runs (the current builder when no name),
   * without starting buildx: a build's checks cost one process less (~150 ms quiet, seconds under
   * load). A builder whose every node stays silent past the bound, or whose engine is down, is
   * refused here as `buildx inspect`'s own timeout or failure was.
   *
   * A docker-driver node is read from the engine's `/version` rather than BuildKit's ListWorkers:
   * dockerd answered ListWorkers in 210-250 ms on every call on a 2-core machine, against 3-5 ms for
   * `/version` (docs/performance.md), and a build needs only the node's state and its
   * default platform, which is the engine's own (other drivers' brief reads have no platforms).
   */
  async describe(name: string | undefined, call: CallOptions): Promise<Builder> {
    const builder = await this.find(name);
    const out = await this.dial(builder, call, builder.driver === 'docker' ? 'brief' : 'whole');
    if (out.errorCode === 'DOCKER_UNREACHABLE') {
      throw appError('DOCKER_UNREACHABLE', out.error ?? 'Docker Engine is not running.', {
        hint: START_DOCKER,
        details: { builder: builder.name, reason: 'engine-down' },
      });
    }
    if (out.nodes.length > 0 && out.nodes.every((n) => n.status === 'unreachable')) {
      throw silentBuilder(builder.name, call.timeoutMs, 'build', { endpoints: out.nodes.map((n) => n.endpoint) });
    }
    return out;
  }

  async dial(builder: KnownBuilder, call: CallOptions, depth: 'whole' | 'brief' = 'whole'): Promise<Builder> {
    const contexts = await (this.contexts ?? readContexts(this.env()));
    const base = builderBase(builder);
    const plans = builder.nodes.map((n) => this.plan(builder.driver, n, contexts, depth));
    if (plans.some((p) => p === undefined)) return this.viaBuildx(builder, call);
    const nodes = await Promise.all(
      builder.nodes.map((n, i) => bounded(call, (signal) => (plans[i] as NodePlan)(signal), n)),
    );
    const out: Builder = { ...base, nodes };
    if (nodes.length > 0 && nodes.every((n) => n.status === 'unreachable'))
      out.error = `Builder did not answer within ${seconds(call.timeoutMs)} s.`;
    // With the engine down, buildx reports the context builder itself in error (and so do we).
    const engineDown = nodes.find((n) => n.error && reasonIn(n.error) === 'engine-down');
    if (builder.driver === 'docker' && engineDown?.error) {
      out.error = engineDown.error;
      out.errorCode = 'DOCKER_UNREACHABLE';
    }
    return out;
  }

  /** Per node, what decides its platform list (./platforms-key.ts); undefined where we cannot see it. */
  async platformsKeys(builder: KnownBuilder, call: CallOptions): Promise<(string | undefined)[]> {
    const contexts = await (this.contexts ?? readContexts(this.env())).catch(() => []);
    return Promise.all(
      builder.nodes.map((n) => platformsKey(builder.driver, n, () => this.engineFor(n.endpoint, contexts), call)),
    );
  }

  /** `buildx inspect NAME` for what only buildx can reach, within the same bound. */
  private async viaBuildx(builder: KnownBuilder, call: CallOptions): Promise<Builder> {
    try {
      const b = await this.buildx.inspect(builder.name, call);
      return {
        ...b,
        current: builder.current,
        contextBuilder: builder.contextBuilder,
        ...(b.lastActivity || !builder.lastActivity ? {} : { lastActivity: builder.lastActivity }),
      };
    } catch (err) {
      if (!(err instanceof AppException) || err.appError.code !== 'TIMEOUT') throw err;
      return unreachableBuilder(builder, call.timeoutMs);
    }
  }

  /**
   * A gRPC connection to one node of a builder (History's live listener holds one open); undefined
   * when only buildx can reach the node (kubernetes, ssh:// engines, TLS contexts) or it is unknown.
   */
  async connect(builderName: string, nodeName: string, call: CallOptions): Promise<BuildkitConnection | undefined> {
    // Only the node's driver and endpoint matter: no current-builder or activity reads per stream.
    const { builders, contexts } = await this.listed();
    const builder = builders.find((b) => b.name === builderName);
    const node = builder?.nodes.find((n) => n.name === nodeName);
    if (!builder || !node) return undefined;
    const open = this.connector(builder.driver, node, contexts);
    return open ? new BuildkitConnection(await open(call)) : undefined;
  }

  /** How to open a byte stream to one node's buildkitd; undefined when only buildx can. */
  private connector(
    driver: string,
    node: KnownBuilder['nodes'][number],
    contexts: DockerContext[],
  ): ((call: CallOptions) => Promise<Duplex>) | undefined {
    if (driver === 'remote') return this.remoteConnector(node.endpoint, node.driverOpts, contexts);
    if (driver !== 'docker' && driver !== 'docker-container') return undefined;
    const engine = this.engineFor(node.endpoint, contexts);
    if (!engine) return undefined;
    if (driver === 'docker') return (call) => engine.upgrade('POST', '/grpc', undefined, 'h2c', call);
    const container = buildkitContainerOf(node.name);
    return (call) => execInContainer(engine, container, ['buildctl', 'dial-stdio'], call);
  }

  /** How to dial one node; undefined when only buildx can. `brief`: see describe(). */
  private plan(
    driver: string,
    node: KnownBuilder['nodes'][number],
    contexts: DockerContext[],
    depth: 'whole' | 'brief',
  ): NodePlan | undefined {
    const pinned = node.pinnedPlatforms;
    const base = { name: node.name, endpoint: node.endpoint, pinnedPlatforms: pinned };
    if (driver === 'docker' && depth === 'brief') {
      // The engine answers for its own BuildKit: reached the way connector() would reach `/grpc`.
      const engine = this.engineFor(node.endpoint, contexts);
      if (!engine) return undefined;
      return async (signal) => {
        try {
          const v = await engine.json<EngineVersion>('GET', '/version', undefined, { timeoutMs: NO_TIMEOUT, signal });
          const own = normalizePlatform({ os: v.Os ?? '', architecture: v.Arch ?? '', variant: '' });
          return { ...base, status: 'running' as const, platforms: [...new Set([...pinned, own])] };
        } catch (err) {
          return failed(base, err);
        }
      };
    }
    const open = this.connector(driver, node, contexts);
    if (!open) return undefined;
    if (driver === 'docker') {
      return async (signal) => {
        const call = { timeoutMs: NO_TIMEOUT, signal };
        try {
          return running(base, await factsOver(await open(call), pinned, call));
        } catch (err) {
          return failed(base, err);
        }
      };
    }
    if (driver === 'docker-container') {
      // No inspect first: the exec answers 404 for a container never created (inactive) and 409 for
      // one not running (stopped), a round trip less. `brief`: Info only (the caller adds platforms).
      const facts = depth === 'brief' ? nodeVersion : nodeFacts;
      return async (signal) => {
        const call = { timeoutMs: NO_TIMEOUT, signal };
        try {
          return running(base, await factsOver(await open(call), pinned, call, facts));
        } catch (err) {
          if (err instanceof EngineHttpError && err.statusCode === 404)
            return { ...base, status: 'inactive' as const, platforms: pinned };
          if (err instanceof EngineHttpError && err.statusCode === 409)
            return { ...base, status: 'stopped' as const, platforms: pinned };
          return failed(base, err);
        }
      };
    }
    // remote: buildx shows a remote it cannot reach as `inactive` (no error); only our bound makes it unreachable.
    return async (signal) => {
      const call = { timeoutMs: NO_TIMEOUT, signal };
      try {
        return running(base, await factsOver(await open(call), pinned, call));
      } catch (err) {
        if (err instanceof AppException && err.appError.code === 'CANCELLED') throw err;
        return { ...base, status: 'inactive' as const, platforms: pinned };
      }
    };
  }

  /** A remote endpoint as a stream factory: tcp:// (TLS with cacert/cert/key), unix://, docker-container://. */
  private remoteConnector(
    endpoint: string,
    opts: Record<string, string>,
    contexts: DockerContext[],
  ): ((call: CallOptions) => Promise<Duplex>) | undefined {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return undefined;
    }
    if (url.protocol === 'docker-container:') {
      const engine = this.engineFor('default', contexts);
      const container = decodeURIComponent(url.host + url.pathname).replace(/\/$/, '');
      if (!engine || !container) return undefined;
      return (call) => execInContainer(engine, container, ['buildctl', 'dial-stdio'], call);
    }
    if (url.protocol === 'unix:') return (call) => socketReady(netConnect({ path: url.pathname }), call, 'connect');
    if (url.protocol !== 'tcp:') return undefined;
    const host = url.hostname;
    const port = Number(url.port || 1234);
    const tls = opts['cacert'] || opts['cert'] || opts['key'];
    if (!tls) return (call) => socketReady(netConnect({ host, port }), call, 'connect');
    return async (call) => {
      const read = (p: string | undefined) => (p ? readFile(p) : Promise.resolve(undefined));
      const [ca, cert, key] = await Promise.all([read(opts['cacert']), read(opts['cert']), read(opts['key'])]);
      const socket = process.getBuiltinModule('node:tls').connect({
        host,
        port,
        servername: opts['servername'] || host,
        ALPNProtocols: ['h2'],
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
      });
      return socketReady(socket, call, 'secureConnect');
    };
  }

  /** The Engine API of a node endpoint: a context name or a docker host; undefined for ssh://, TLS contexts. */
  private engineFor(endpoint: string, contexts: DockerContext[]): EngineApi | undefined {
    const context = contexts.find((c) => c.name === endpoint);
    if (context?.tls) return undefined;
    const address = context ? context.host : endpoint;
    if (!address) return undefined;
    let engine = this.engines.get(address);
    if (!engine) {
      const spec = engineEndpoint(address, context ? {} : this.env());
      if (!spec) return undefined;
      engine = new EngineApi(spec);
      this.engines.set(address, engine);
    }
    return engine;
  }
}

type NodePlan = (signal: AbortSignal) => Promise<BuilderNode>;

/** What describe() reads of the Engine's `GET /version`. */
interface EngineVersion {
  Os?: string;
  Arch?: string;
}

/** The outer bound (per node) does the timing; inner calls only need to be cancellable. */
const NO_TIMEOUT = 0x7fffffff;

const seconds = (ms: number) => Math.round(ms / 1000);

/** Runs a node's dial within the bound; past it, the node is `unreachable` and its dial is cancelled. */
async function bounded(
  call: CallOptions,
  dial: (signal: AbortSignal) => Promise<BuilderNode>,
  node: KnownBuilder['nodes'][number],
): Promise<BuilderNode> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  call.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<BuilderNode>((resolve) => {
    timer = setTimeout(() => {
      resolve({
        name: node.name,
        endpoint: node.endpoint,
        status: 'unreachable',
        platforms: [],
        pinnedPlatforms: node.pinnedPlatforms,
        error: `did not answer within ${seconds(call.timeoutMs)} s`,
      });
      abort.abort();
    }, call.timeoutMs);
  });
  const work = dial(abort.signal);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    abort.abort(); // closes whatever the dial still holds open
    call.signal?.removeEventListener('abort', onAbort);
  }
}

/** Opens the BuildKit connection over `stream`, reads the node's facts, closes it (also on abort). */
async function factsOver(stream: Duplex, pinned: string[], call: CallOptions, facts = nodeFacts): Promise<NodeFacts> {
  const conn = new BuildkitConnection(stream);
  const close = () => conn.close();
  call.signal?.addEventListener('abort', close, { once: true });
  try {
    return await facts(conn, pinned, call);
  } finally {
    call.signal?.removeEventListener('abort', close);
    conn.close();
  }
}

function socketReady(socket: Socket, call: CallOptions, event: 'connect' | 'secureConnect'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      socket.destroy();
      reject(appError('CANCELLED', 'Cancelled.'));
    };
    call.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(event, () => {
      call.signal?.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (err) => {
      call.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

function running(base: { name: string; endpoint: string; pinnedPlatforms: string[] }, facts: NodeFacts): BuilderNode {
  return {
    ...base,
    status: 'running',
    platforms: facts.platforms,
    ...(facts.buildkitVersion ? { buildkitVersion: facts.buildkitVersion } : {}),
  };
}

function failed(base: { name: string; endpoint: string; pinnedPlatforms: string[] }, err: unknown): BuilderNode {
  if (err instanceof AppException && err.appError.code === 'CANCELLED') throw err;
  const message = err instanceof Error ? err.message : String(err);
  return { ...base, status: 'error', platforms: base.pinnedPlatforms, error: message };
}

/** What the store says of a builder, before any node answered. */
function builderBase(builder: KnownBuilder) {
  return {
    name: builder.name,
    driver: builder.driver,
    current: builder.current,
    contextBuilder: builder.contextBuilder,
    dynamic: false,
    ...(builder.lastActivity ? { lastActivity: builder.lastActivity } : {}),
  };
}

function unreachableBuilder(builder: KnownBuilder, timeoutMs: number): Builder {
  const reason = `did not answer within ${seconds(timeoutMs)} s`;
  return {
    ...builderBase(builder),
    nodes: builder.nodes.map((n) => ({
      name: n.name,
      endpoint: n.endpoint,
      status: 'unreachable',
      platforms: [],
      pinnedPlatforms: n.pinnedPlatforms,
      error: reason,
    })),
    error: `Builder ${reason}.`,
  };
}

interface CurrentFile {
  Key?: string;
  Name?: string;
  Global?: boolean;
}

async function readCurrent(root: string): Promise<CurrentFile> {
  try {
    return JSON.parse(await readFile(join(root, 'current'), 'utf8')) as CurrentFile;
  } catch {
    return {};
  }
}

/**
 * buildx's GetCurrentInstance, read-only: `current` names the builder chosen for an endpoint key (the
 * context name, or the default context's docker host), or for every endpoint (Global); else the
 * per-endpoint default in `defaults/<sha256(key)[:20]>`; else the current context's own builder.
 */
async function currentBuilderName(
  root: string,
  current: CurrentFile,
  contextName: string,
  contexts: DockerContext[],
  stored: Set<string>,
): Promise<string> {
  const key =
    contextName !== 'default' ? contextName : (contexts.find((c) => c.name === 'default')?.host ?? contextName);
  if (current.Name) {
    if (current.Global && stored.has(current.Name)) return current.Name;
    if (current.Key === key) return stored.has(current.Name) ? current.Name : contextName;
  }
  try {
    // Listed first: `defaults/` is empty unless `buildx use --default` was run, and hashing the key
    // needs node:crypto, whose load (~8 ms) would come before a build's buildx is spawned.
    const defaults = await readdir(join(root, 'defaults'));
    if (defaults.length > 0) {
      const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 20);
      if (defaults.includes(hash)) {
        const name = (await readFile(join(root, 'defaults', hash), 'utf8')).trim();
        if (stored.has(name)) return name;
      }
    }
  } catch {
    // no per-endpoint default
  }
  return contextName;
}

/** `activity/<name>` holds the RFC 3339 time of the builder's last build; absent means never. */
async function lastActivity(root: string, name: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(root, 'activity', name), 'utf8')).trim();
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  } catch {
    return undefined;
  }
}
