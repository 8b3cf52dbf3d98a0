import type { BuildEvent, BuildSummary } from '../../common/contracts/builds';
import type { HistoryEntry, HistoryItem, HistoryStep } from '../../common/contracts/history';
import type { StartedBuildRecord } from '../builds/ports';
import type { CallOptions } from '../ports';

/** The row a started build adds: exactly what the builds service reports (request without secrets). */
export type HistoryStartRow = StartedBuildRecord;

export interface HistoryFinishRow {
  status: HistoryItem['status'];
  finishedAt: number;
  durationMs: number;
  digest?: string | undefined;
  imageName?: string | undefined;
  ref?: string | undefined;
  error?: string | undefined;
  steps: number;
  cachedSteps: number;
  summary: BuildSummary;
  stepRows: HistoryStep[];
  /** Absent: the log saved while the build ran (`saveLogs`) is already the whole log. */
  logs?: HistoryLogRows | undefined;
  failure?: HistoryEntry['failure'];
}

/** A build's combined log as kept (the tail within the caps), and whether lines were left out. */
export interface HistoryLogRows {
  lines: { step: string; stream: number; text: string }[];
  truncated: boolean;
}

export interface HistoryFilter {
  contextDir?: string | undefined;
  builder?: string | undefined;
  status?: HistoryItem['status'] | undefined;
  limit: number;
  before?: number | undefined;
}

/** Where build history lives (SQLite in production). All calls are synchronous and short. */
export interface HistoryStorePort {
  insertStarted(row: HistoryStartRow): void;
  finish(buildId: string, row: HistoryFinishRow): void;
  /** The log of a running build so far (its finish then writes it only if it grew since). */
  saveLogs(buildId: string, logs: HistoryLogRows): void;
  list(filter: HistoryFilter): { items: HistoryItem[]; total: number };
  get(buildId: string): HistoryEntry | undefined;
  delete(buildId: string): boolean;
  /**
   * Deletes finished builds beyond the newest `keep` or started before `olderThan` (epoch ms);
   * running builds are never touched. Returns the ids deleted.
   */
  prune(policy: { keep: number; olderThan: number }): string[];
  /** BuildKit's ref of a build, once known (metadata file, or buildx's local state after a failure). */
  setRef(buildId: string, ref: string): void;
  findByRef(ref: string): string | undefined;
  /** The Dockerfile and context content hashes as sent (bounded: see the adapter). */
  saveContext(buildId: string, context: RecordedContext): void;
  /** Base images and other inputs with the digests the build resolved (from the metadata file). */
  saveMaterials(buildId: string, materials: { uri: string; digests: string[] }[]): void;
  getContext(buildId: string): StoredContext | undefined;
  /** Per build: its steps counted as BuildKit counts them (every vertex), for records BuildKit no longer has. */
  stepCounts(): Map<string, { total: number; completed: number; cached: number }>;
}

/** What BuildDeck saw of a build's context when it sent it. */
export interface RecordedContext {
  /** The Dockerfile's text (capped). */
  dockerfileText?: string | undefined;
  /** Context files after .dockerignore with a content hash each (capped in count and bytes). */
  files: { path: string; hash: string }[];
  /** The context had more than the cap: `files` is partial. */
  truncated: boolean;
}

export interface StoredContext {
  dockerfileText?: string;
  /** Absent once the build is older than the newest few of its context folder. */
  files?: { path: string; hash: string }[];
  truncated: boolean;
  materials?: { uri: string; digests: string[] }[];
}

// ---------------------------------------------------------------------------------------------
// BuildKit's own history records (buildx >= 0.20), and `.dockerbuild` files.

/** A line of `docker buildx history ls --format json`, typed. */
export interface BuildkitRecordRow {
  /** `builder/node/ID`. */
  ref: string;
  builder: string;
  node: string;
  /** BuildKit's record ID (the last part of `ref`). */
  id: string;
  name: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  createdAt: number;
  completedAt?: number;
  counts: { total: number; completed: number; cached: number };
}

export interface KeyValue {
  name: string;
  value: string;
}

/**
 * What one record says about itself, whichever way it was read (`history inspect --format json`
 * from a builder, or the record JSON and provenance inside a `.dockerbuild`). Adapters normalise
 * into this; the core never sees buildx's or BuildKit's JSON.
 */
export interface RecordFacts {
  id: string;
  name?: string;
  contextDir?: string;
  contextUrl?: string;
  dockerfilePath?: string;
  vcs?: { repository?: string; revision?: string };
  target?: string;
  platforms: string[];
  buildArgs: KeyValue[];
  labels: KeyValue[];
  namedContexts: KeyValue[];
  noCache: boolean;
  noCacheFilter: string[];
  network?: string;
  other: KeyValue[];
  secretIds: string[];
  sshIds: string[];
  outputs: { type: string; attrs: Record<string, string> }[];
  /** Resolved inputs: `{uri, digests}` as in provenance materials. */
  materials: { uri: string; digests: string[] }[];
  attachments: { digest: string; type: string; platform?: string }[];
  imageDigest?: string;
  imageNames: string[];
  configDigest?: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: number;
  completedAt?: number;
  counts: { total: number; completed: number; cached: number };
  error?: {
    message: string;
    code?: string;
    /** The failing vertex's name, when the record says. */
    stepName?: string;
    /** Source (Dockerfile) attached to the error, with the lines it points at. */
    source?: { file: string; text?: string; lines: number[] };
    lastLogLines: string[];
  };
  defaultPlatform?: string;
}

/** buildx's local state for a ref (`$BUILDX_CONFIG/refs/builder/node/ID`), written by the client that built it. */
export interface BuildxLocalState {
  target?: string;
  localPath?: string;
  dockerfilePath?: string;
  groupRef?: string;
  /** mtime of the file: when buildx started the build (ms). */
  writtenAt: number;
}

export interface StreamExit {
  exitCode: number | null;
  stderrTail: string;
}

/** `docker buildx history ...` per builder. Every call is bounded; none starts a stopped builder. */
export interface BuildkitHistoryPort {
  list(builder: string, options: CallOptions): Promise<BuildkitRecordRow[]>;
  inspect(builder: string, id: string, options: CallOptions): Promise<RecordFacts>;
  /**
   * `history logs --progress rawjson`: replays a finished record, streams a running one until it
   * ends. Events arrive already normalised (the builds parser).
   */
  logs(
    builder: string,
    id: string,
    options: { onEvents(events: BuildEvent[]): void; signal: AbortSignal; timeoutMs: number },
  ): Promise<StreamExit>;
  export(builder: string, id: string, dest: string, options: CallOptions): Promise<void>;
  remove(builder: string, id: string, options: CallOptions): Promise<void>;
  /** buildx's local state for the records this machine's buildx started (any client using this BUILDX_CONFIG). */
  localState(builder: string, node: string, id: string): Promise<BuildxLocalState | undefined>;
  /**
   * The record IDs of one node that have local state, in one directory read (a builder keeps
   * thousands of records, most from other machines or clients: opening each one's missing file cost
   * `history ls` a fifth of its time). Undefined when it cannot tell.
   */
  localStateIds?(builder: string, node: string): Promise<ReadonlySet<string> | undefined>;
  /** Refs (`builder/node/ID`) whose local state was written at or after `since` with this context. */
  refsSince(since: number, contextDir: string): Promise<{ ref: string; writtenAt: number }[]>;
}

/** One of BuildKit's build history events (gRPC ListenBuildHistory), as pushed by the daemon. */
export interface RecordEvent {
  type: 'started' | 'complete' | 'deleted';
  /** BuildKit's record id (the last part of `builder/node/ID`). */
  id: string;
  createdAt?: number;
  completedAt?: number;
  counts: { total: number; completed: number; cached: number };
  /** The record carries an error; `cancelled` when its code says the client cancelled. */
  failed: boolean;
  cancelled?: boolean;
  /** Platforms asked for (frontend attrs) or built (results); empty for a default-platform build. */
  platforms: string[];
  digest?: string;
  imageNames: string[];
  /** The error's message, for a failed record. */
  error?: string;
  /** The frontend attributes buildx names a record from (build-name.ts NAME_ATTRS), as recorded. */
  nameAttrs: Record<string, string>;
}

/**
 * BuildKit's history events of one builder node, pushed as they happen: a build started in a
 * terminal is known at once rather than at the next `history ls`. Never starts a stopped builder.
 */
export interface RecordEventsPort {
  /**
   * Streams until `signal` aborts or the daemon ends the stream ('ended'); 'unsupported' when the
   * node can only be reached through buildx (kubernetes, ssh). Rejects when the stream fails.
   */
  listen(
    builder: string,
    node: string,
    opts: { signal: AbortSignal; onEvent(e: RecordEvent): void },
  ): Promise<'ended' | 'unsupported'>;
  /**
   * Every record of the node with its platforms, digest and error, in one call (`limit`: the newest
   * that many, as `history ls` asks for); 'unsupported' as above, or when the node's BuildKit keeps no
   * history; 'stopped' when the node's buildkitd container is not running (the dial never starts it).
   */
  records(
    builder: string,
    node: string,
    call: CallOptions & { limit?: number },
  ): Promise<RecordEvent[] | 'unsupported' | 'stopped'>;
}

/** A `.dockerbuild` file, read: each record's facts and its progress as normalised events. */
export interface DockerbuildRecord {
  facts: RecordFacts;
  builder?: string;
  node?: string;
  events: BuildEvent[];
}

export interface DockerbuildReaderPort {
  /** INVALID_INPUT naming what is wrong for a bad, truncated or foreign file. */
  read(path: string): Promise<DockerbuildRecord[]>;
}
