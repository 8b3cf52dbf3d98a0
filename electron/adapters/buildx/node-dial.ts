/**
 * One node's live state within a bound: how each driver's node is asked (ListWorkers and Info over
 * a stream from node-streams.ts, or the engine's `/version` for a brief docker-driver read), how its
 * answer or failure becomes a BuilderNode (running, inactive, stopped, error), and the per-node
 * bound past which it is `unreachable`. Also the Builder a store entry makes before any node answered.
 */
import type { Duplex } from 'node:stream';
import type { Builder, BuilderNode } from '../../common/domain';
import { AppException } from '../../common/errors';
import type { CallOptions, KnownBuilder } from '../../core/ports';
import { nodeFacts, nodeVersion, normalizePlatform, type NodeFacts } from '../buildkit/control';
import { BuildkitConnection } from '../buildkit/grpc';
import type { DockerContext } from '../docker/contexts';
import { EngineHttpError } from '../docker/engine-api';
import type { NodeStreams } from './node-streams';

/** How to dial one node; undefined when only buildx can. `brief`: see NativeBuilderStatus.describe(). */
export function nodePlan(
  streams: NodeStreams,
  driver: string,
  node: KnownBuilder['nodes'][number],
  contexts: DockerContext[],
  depth: 'whole' | 'brief',
): NodePlan | undefined {
  const pinned = node.pinnedPlatforms;
  const base = { name: node.name, endpoint: node.endpoint, pinnedPlatforms: pinned };
  if (driver === 'docker' && depth === 'brief') {
    // The engine answers for its own BuildKit: reached the way NodeStreams.connector() reaches `/grpc`.
    const engine = streams.engineFor(node.endpoint, contexts);
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
  const open = streams.connector(driver, node, contexts);
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

export type NodePlan = (signal: AbortSignal) => Promise<BuilderNode>;

/** What describe() reads of the Engine's `GET /version`. */
interface EngineVersion {
  Os?: string;
  Arch?: string;
}

/** The outer bound (per node) does the timing; inner calls only need to be cancellable. */
const NO_TIMEOUT = 0x7fffffff;

export const seconds = (ms: number) => Math.round(ms / 1000);

/** Runs a node's dial within the bound; past it, the node is `unreachable` and its dial is cancelled. */
export async function bounded(
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

function running(base: { name: string; endpoint: string; pinnedPlatforms: string[] }, facts: NodeFacts): BuilderNode {
  return {
    ...base,
    status: 'running',
    platforms: facts.platforms,
    ...(facts.buildkitVersion ? { buildkitVersion: facts.buildkitVersion } : {}),
    ...(facts.workers ? { workers: facts.workers } : {}),
  };
}

function failed(base: { name: string; endpoint: string; pinnedPlatforms: string[] }, err: unknown): BuilderNode {
  if (err instanceof AppException && err.appError.code === 'CANCELLED') throw err;
  const message = err instanceof Error ? err.message : String(err);
  return { ...base, status: 'error', platforms: base.pinnedPlatforms, error: message };
}

/** What the store says of a builder, before any node answered. */
export function builderBase(builder: KnownBuilder) {
  return {
    name: builder.name,
    driver: builder.driver,
    current: builder.current,
    contextBuilder: builder.contextBuilder,
    dynamic: false,
    ...(builder.lastActivity ? { lastActivity: builder.lastActivity } : {}),
  };
}

export function unreachableBuilder(builder: KnownBuilder, timeoutMs: number): Builder {
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
