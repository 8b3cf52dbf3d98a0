import type { BuildEvent, BuildRequest, BuildSnapshot, DockerfileOutline } from '../../common/contracts/builds';
import type { Builder } from '../../common/domain';
import type { FailureReason } from '../../common/errors';
import type { CallOptions } from '../ports';

/**
 * What a build needs to know of its builder, before it starts and while it runs (is it still
 * there?): the named builder, or the current one when no name is given; BUILDER_NOT_FOUND,
 * DOCKER_UNREACHABLE or BUILDER_UNREACHABLE when it cannot be used. Each node's state and its
 * default platform (the first of `platforms`); the rest of a node's platform list may be left out
 * where reading it costs more than the build's checks should (the builders view reads it whole).
 */
export interface BuilderDescribePort {
  describe(name: string | undefined, options: CallOptions): Promise<Builder>;
}

/** What the builds service needs from buildx beyond the shared BuildxPort. */
export interface BuildRunnerPort {
  /**
   * Runs `docker ARGS` (ARGS start with `buildx build` or `buildx bake`), parsing rawjson stderr
   * into events as they arrive. Aborting `signal` interrupts buildx (SIGINT, then SIGTERM, then SIGKILL) so BuildKit
   * cancels the solve. Resolves when the process has exited; rejects only if it could not start.
   */
  run(args: readonly string[], options: BuildRunOptions): Promise<BuildRunExit>;
  /** `buildx build --call=targets,format=json`: the Dockerfile's targets as the frontend sees them. */
  targets(
    contextDir: string,
    dockerfile: string | undefined,
    options: CallOptions & { builder?: string | undefined },
  ): Promise<BuildTarget[]>;
  /**
   * `buildx ARGS` for a `build --call=METHOD`: what it printed and its exit code, whatever the code
   * (`--call=check` exits 1 when it found something). Rejects only if buildx could not run at all.
   */
  call(args: readonly string[], options: CallOptions): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /**
   * `buildx build --call=outline,format=json`: the build arguments the target (`--target`, else the
   * default) declares and the secrets its RUN steps mount.
   */
  outline(
    contextDir: string,
    dockerfile: string | undefined,
    options: CallOptions & { builder?: string | undefined; target?: string | undefined },
  ): Promise<DockerfileOutline>;
  /** The platform of this host (`linux/amd64`): the lane of a build whose builder did not say. */
  hostPlatform(): string;
}

export interface BuildRunOptions {
  onEvents(events: BuildEvent[]): void;
  signal: AbortSignal;
  /**
   * Ends buildx without asking BuildKit: SIGTERM, then SIGKILL. For a builder that stopped answering,
   * where the polite SIGINT → cancel request would wait on it forever.
   */
  kill?: AbortSignal;
  /** Hard bound for the whole build. */
  timeoutMs: number;
  /** Working directory (bake resolves its files and relative contexts from it). */
  cwd?: string;
  /** Added to the configured environment (bake variables: `NAME=value docker buildx bake`). */
  env?: Readonly<Record<string, string>>;
  /** Called once buildx has been spawned (before its first output). */
  onSpawned?: () => void;
}

export interface BuildRunExit extends BuildExitWords {
  exitCode: number | null;
  signal: string | null;
  /** The end of stderr, for details when the events do not explain a failure. */
  stderrTail: string;
  timedOut: boolean;
}

/** What buildx's failure words meant, read by the adapters' phrase table: the core never reads the words. */
export interface BuildExitWords {
  /** Every reason its ERROR lines, other plain lines and steps' errors gave. */
  reasons: FailureReason[];
  /** The error of BuildKit's connecting step (`[internal] booting buildkit`, `waiting for connection`). */
  connectError?: string;
  /** buildx's first `ERROR:` line, without the prefix. */
  firstError?: string;
}

export interface BuildTarget {
  name: string;
  description?: string;
  base?: string;
}

export type PathKind = 'missing' | 'file' | 'directory' | 'other';

export interface PathInfo {
  kind: PathKind;
  readable: boolean;
  /** Symlinks resolved. */
  realPath?: string;
  bytes?: number;
}

export interface ContextWalkOptions {
  /** True when the entry (relative, '/'-separated) is excluded by .dockerignore. */
  ignored(relPath: string, isDir: boolean): boolean;
  /** False when no exclusion pattern can re-include anything below an ignored folder. */
  mayReincludeUnder(relDir: string): boolean;
  maxEntries: number;
  timeoutMs: number;
  /**
   * Called while walking with every file found so far (the same growing array; read, never keep),
   * first after `firstMs`, then at most every `everyMs`: the form shows the largest entries so far.
   */
  progress?: { firstMs: number; everyMs: number; report(files: readonly ContextFile[]): void };
}

export interface ContextFile {
  /** Relative, '/'-separated. */
  path: string;
  bytes: number;
}

export interface ContextWalk {
  files: ContextFile[];
  truncated: boolean;
}

/** The file system as the builds service sees it: checks, small reads, a walk, a temp folder. */
export interface BuildFsPort {
  stat(path: string): Promise<PathInfo>;
  /** Up to maxBytes of a text file; undefined when missing or unreadable. */
  readText(path: string, maxBytes: number): Promise<string | undefined>;
  /** Names of a folder's entries with their kind (not recursive). */
  list(dir: string): Promise<{ name: string; kind: PathKind }[]>;
  walk(dir: string, options: ContextWalkOptions): Promise<ContextWalk>;
  /** A private temporary folder (for buildx's metadata file). */
  tempDir(): Promise<{ path: string; remove(): Promise<void> }>;
  /** An environment variable exists in the process that runs buildx (its value is not returned). */
  hasEnv(name: string): boolean;
  /** sha256 of a file's content (hex); undefined when unreadable or larger than maxBytes. */
  hashFile(path: string, maxBytes: number): Promise<string | undefined>;
  /**
   * An absolute path's longest existing part with its symbolic links resolved (a dangling link
   * followed to where it points), and what is left: what buildx's entitlement check compares, as
   * a link inside a folder may lead out of it.
   */
  resolveExisting(path: string): Promise<{ existing: string; rest: string }>;
}

/** What a finished or running build leaves in history. Implemented by the history service. */
export interface BuildRecorder {
  started(record: StartedBuildRecord): void;
  /**
   * The context as buildx is about to send it (called right after `started`; the recorder reads
   * and hashes in the background and must never delay or fail the build).
   */
  contextSent?(buildId: string, context: { contextDir: string; dockerfile: string }): void;
  /**
   * The build's snapshot after each batch of its events (as it leaves the core, between `started` and `finished`): the
   * recorder may save what is final already (the log) while the build runs, so less is left for
   * its finish once buildx has exited. Must be cheap: it runs on every batch.
   */
  progressed?(buildId: string, snapshot: BuildSnapshot): void;
  finished(buildId: string, snapshot: BuildSnapshot, extra?: FinishedExtra): void;
}

/** What the metadata file adds beyond the snapshot. */
export interface FinishedExtra {
  /** Resolved inputs from `buildx.build.provenance` (base images with digests). */
  materials?: { uri: string; digests: string[] }[];
}

export interface StartedBuildRecord {
  buildId: string;
  /** The request without secrets. */
  request: BuildRequest;
  /** Ids of the secrets it used (never their sources' contents). */
  secretIds: string[];
  builder: string;
  driver: string;
  platforms: string[];
  startedAt: number;
}
