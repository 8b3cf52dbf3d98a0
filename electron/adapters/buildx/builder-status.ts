import type { Builder } from '../../common/domain';
import { AppException, appError, silentBuilder } from '../../common/errors';
import type { BuilderStatePort, StoredCacheBuilder } from '../../core/cache/ports';
import type { BuilderStatusPort, CallOptions, KnownBuilder } from '../../core/ports';
import { BuildkitConnection } from '../buildkit/grpc';
import { currentContextName, readContexts, type DockerContext } from '../docker/contexts';
import type { BuildxCli } from './cli';
import { reasonIn, START_DOCKER } from './failures';
import { currentBuilderName, knownBuilders, lastActivity, readCurrent } from './known-builders';
import { bounded, builderBase, nodePlan, seconds, unreachableBuilder, type NodePlan } from './node-dial';
import { NodeStreams } from './node-streams';
import { platformsKey } from './platforms-key';

/**
 * Builder status the way `buildx ls` reads it (store, contexts, then each node's driver), without
 * running buildx: buildx's instance store and the docker context store are read from disk, and each
 * node is dialled directly - the docker driver through the Engine API's `/grpc`, docker-container
 * nodes through `buildctl dial-stdio` in their container, remote nodes over TCP/TLS/unix - with the
 * same gRPC calls buildx makes (ListWorkers, Info). Every node has its own bound, so a silent one
 * costs one bound and never delays another. Drivers that only buildx can reach (kubernetes, ssh://
 * engines, TLS contexts) fall back to `buildx inspect NAME`, bounded the same way.
 *
 * This file owns the builder-level answers (the list, the current builder, one builder's state,
 * the pre-build check, a node's connection); known-builders.ts reads buildx's files, node-streams.ts
 * opens a stream to a node, node-dial.ts turns one node's answer within its bound into its state.
 */
export class NativeBuilderStatus implements BuilderStatusPort, BuilderStatePort {
  private readonly streams: NodeStreams;
  /** The contexts `known()` read, reused by the dials of the same list read. */
  private contexts: Promise<DockerContext[]> | undefined;

  constructor(
    private readonly buildx: BuildxCli,
    /** The environment buildx would run with (settings may change it). */
    private readonly env: () => NodeJS.ProcessEnv,
  ) {
    this.streams = new NodeStreams(env);
  }

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
    return { ...knownBuilders(stored, contexts), contexts };
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
    const plans = builder.nodes.map((n) => nodePlan(this.streams, builder.driver, n, contexts, depth));
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
      builder.nodes.map((n) =>
        platformsKey(builder.driver, n, () => this.streams.engineFor(n.endpoint, contexts), call),
      ),
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
    const open = this.streams.connector(builder.driver, node, contexts);
    return open ? new BuildkitConnection(await open(call)) : undefined;
  }
}
