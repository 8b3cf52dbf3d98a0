import type { Builder, BuildxInfo, EngineInfo } from '../common/domain';

/**
 * What the core needs from the world. Adapters implement these with the real docker/buildx;
 * tests use the real adapters too, except where the thing cannot exist here (then a named fake).
 */

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A builder as buildx's instance store records it: known without dialing any node. */
export interface StoredBuilder {
  name: string;
  driver: string;
  nodes: { name: string; endpoint: string; pinnedPlatforms: string[] }[];
}

export interface BuildxStore {
  builders: StoredBuilder[];
  /** Name of the builder `buildx use` selected; undefined means the current context's builder. */
  current: string | undefined;
}

export interface BuildxPort {
  /** Version and features; rejects BUILDX_MISSING / DOCKER_MISSING when there is nothing to run. */
  info(): Promise<BuildxInfo>;
  /** buildx's instance store, read from disk (no network, no process). */
  stored(): Promise<BuildxStore>;
  /** Docker context names: each is also a `docker`-driver builder that the store does not list. */
  contexts(options: CallOptions): Promise<string[]>;
  /** `buildx inspect NAME`: one builder, boundable on its own. */
  inspect(name: string, options: CallOptions): Promise<Builder>;
}

/**
 * A builder as known without dialing it: from buildx's instance store and the docker contexts, with
 * the one buildx would use marked current. Enough to draw its card before any node answered.
 */
export interface KnownBuilder {
  name: string;
  driver: string;
  current: boolean;
  /** A docker context's own builder (driver docker): not in buildx's store, cannot be removed. */
  contextBuilder: boolean;
  lastActivity?: string;
  nodes: {
    name: string;
    endpoint: string;
    pinnedPlatforms: string[];
    driverOpts: Record<string, string>;
    /** buildkitd flags, as the store records them. */
    flags: string[];
  }[];
}

/** Live builder state without `buildx ls`: each builder dialled on its own, in parallel. */
export interface BuilderStatusPort {
  /** Every builder in `buildx ls` order (store by name, then contexts by name); no network, no process. */
  known(): Promise<KnownBuilder[]>;
  /**
   * One builder's live state, its nodes dialled in parallel. Never slower than `timeoutMs`: a node
   * that has not answered by then is `unreachable`. Rejects only when nothing could be asked at all.
   * `brief`: no BuildKit ListWorkers (it re-probes every emulator: 210-250 ms in dockerd). A
   * docker-driver node is answered by its engine alone (`/version`: up or not, and the engine's own
   * platform; no BuildKit version), a docker-container node by BuildKit's Info (its version); neither
   * lists emulated platforms: the caller completes them from a whole read with the same platformsKeys.
   */
  dial(builder: KnownBuilder, call: CallOptions, depth?: 'whole' | 'brief'): Promise<Builder>;
  /**
   * Per node (in builder.nodes order), an opaque key of everything that decides its platform list:
   * equal keys, equal ListWorkers platforms. Undefined for a node we cannot see it all for (remote,
   * kubernetes, an engine on another kernel). Never rejects.
   */
  platformsKeys?(builder: KnownBuilder, call: CallOptions): Promise<(string | undefined)[]>;
}

export interface ContainerEvent {
  name: string;
  action: string;
}

export interface EnginePort {
  info(options: CallOptions): Promise<EngineInfo>;
  /**
   * Container lifecycle events (start/stop/die/destroy...) as they happen. Reconnects on its own;
   * returns a function that stops watching. `onConnection` hears when the engine goes away (the
   * stream broke or cannot be opened) and when it answers again; not the first state.
   */
  watchContainers(onEvent: (event: ContainerEvent) => void, onConnection?: (connected: boolean) => void): () => void;
}

export interface Clock {
  now(): number;
}

/** One small document (settings): text in, text out; the adapter makes writes atomic. */
export interface DocumentStore {
  readonly path: string;
  load(): Promise<string | undefined>;
  save(text: string): Promise<void>;
  /** Moves the current file aside (kept, never deleted); returns where, if there was one. */
  backup(suffix: string): Promise<string | undefined>;
}

/**
 * The engine's own state of a buildkitd container: false only when it is there and not running,
 * undefined when the engine did not say (an engine that does not answer proves nothing). One
 * reading for the builders list and History's "is this builder really stopped" check.
 */
export function containerRunning(
  read: (container: string) => Promise<{ running: boolean } | undefined>,
  container: string,
): Promise<boolean | undefined> {
  return read(container).then(
    (c) => c?.running ?? false,
    () => undefined,
  );
}
