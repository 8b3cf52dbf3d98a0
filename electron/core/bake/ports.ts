import type {
  BakeHistoryEntry,
  BakeHistoryItem,
  BakeHistoryTarget,
  BakeRequest,
  BakeSummary,
} from '../../common/contracts/bake';
import type { CallOptions } from '../ports';

/** Where and how to read a definition: the project folder, its files, overrides and variables. */
export interface BakeDefinitionArgs {
  projectDir: string;
  files: readonly string[];
  overrides: readonly string[];
  /** Set in buildx's environment, as `NAME=value docker buildx bake` does. */
  variables: Readonly<Record<string, string>>;
}

/** One target as `bake --print` resolved it, with both buildx shapes (0.13 strings, 0.29 objects) made one. */
export interface PrintedTarget {
  description?: string;
  context: string;
  dockerfile?: string;
  dockerfileInline: boolean;
  target?: string;
  platforms: string[];
  tags: string[];
  args: Record<string, string>;
  labels: Record<string, string>;
  cacheFrom: string[];
  cacheTo: string[];
  outputs: string[];
  secrets: string[];
  ssh: string[];
  network?: string;
  noCache: boolean;
  pull: boolean;
  /** Attestations the definition or an override asks for, as buildx prints them (`type=sbom`, ...). */
  attest: string[];
  /** Named contexts (`contexts = { name = "../lib" }`): a folder, `docker-image://`, `target:`, a URL. */
  namedContexts: Record<string, string>;
  /** Exporters and cache entries with their type and path (`dest`/`src`), exactly as printed. */
  outputPaths: { type: string; path?: string }[];
  cacheFromPaths: { type: string; path?: string }[];
  cacheToPaths: { type: string; path?: string }[];
  /** Files secrets are read from (`src=`); environment secrets have none. */
  secretFiles: string[];
  /** Key files an `ssh` entry names; an entry without any forwards the default SSH agent. */
  sshKeyFiles: string[];
  sshAgent: boolean;
  /** What the target asks of the builder (`network.host`, `security.insecure`, `device=...`). */
  entitlements: string[];
}

export interface BakePrint {
  /** Groups as printed (declared members; see BakeDefinitionPort.print about `default`). */
  groups: Record<string, string[]>;
  targets: Record<string, PrintedTarget>;
  /** The definition files buildx said it read, as it named them (relative to the project). */
  files: string[];
  /**
   * false when the outputs were left out of this reading (`withoutOutputs` on a buildx that would
   * create output files while printing): `outputs`/`outputPaths` then say nothing.
   */
  outputsRead: boolean;
}

export interface BakeListEntry {
  name: string;
  group: boolean;
  description?: string;
}

/**
 * `docker buildx bake` as a source of truth for definitions. Failures of the definition (syntax,
 * unknown target, bad override) reject with INVALID_INPUT naming the file, line and field.
 */
export interface BakeDefinitionPort {
  /**
   * `bake --print NAMES...`: the targets those names resolve to (variables, inheritance, matrices
   * expanded). buildx adds the requested names to the printed `default` group, so its members are
   * exact only when NAMES is empty.
   */
  print(
    args: BakeDefinitionArgs,
    names: readonly string[],
    call: CallOptions,
    options?: { withoutOutputs?: boolean },
  ): Promise<BakePrint>;
  /** buildx's stdout for `bake FLAGS NAMES` (`--print`, `--list=...`), as it printed it. */
  printed(
    args: BakeDefinitionArgs,
    flags: readonly string[],
    names: readonly string[],
    call: CallOptions,
  ): Promise<string>;
  /** `bake --list=type=targets,format=json`; undefined when this buildx cannot list (< 0.20). */
  listTargets(args: BakeDefinitionArgs, call: CallOptions): Promise<BakeListEntry[] | undefined>;
  /** `bake --list=type=variables,format=json`; undefined when this buildx cannot list. */
  listVariables(args: BakeDefinitionArgs, call: CallOptions): Promise<{ name: string; value?: string }[] | undefined>;
  /** BuildKit refs buildx recorded locally for builds on `builder` started since then (see the adapter). */
  localRefs(builder: string, sinceMs: number): Promise<LocalBuildRef[]>;
}

/** One build buildx recorded in its local state: which bake target and bake (group) it belonged to. */
export interface LocalBuildRef {
  /** `builder/node/ID`: the key into `buildx history`. */
  ref: string;
  /** The bake target ('' for a plain build). */
  target: string;
  groupRef?: string;
  at: number;
}

/** The row a finished bake leaves: its result, every target's, and the summary. */
export interface BakeFinishRow {
  status: BakeHistoryItem['status'];
  finishedAt: number;
  durationMs: number;
  error?: string | undefined;
  results: BakeHistoryTarget[];
  summary: BakeSummary;
}

/** Where bake history lives (SQLite, next to build history). Calls are synchronous and short. */
export interface BakeHistoryStorePort {
  insertStarted(row: {
    bakeId: string;
    request: BakeRequest;
    projectDir: string;
    builder: string;
    driver: string;
    requested: string[];
    targets: string[];
    startedAt: number;
  }): void;
  finish(bakeId: string, row: BakeFinishRow): void;
  list(filter: { projectDir?: string | undefined; limit: number; before?: number | undefined }): {
    items: BakeHistoryItem[];
    total: number;
  };
  get(bakeId: string): BakeHistoryEntry | undefined;
  delete(bakeId: string): boolean;
  /** Finished bakes beyond the newest `keep` or started before `olderThan`; returns the ids deleted. */
  prune(policy: { keep: number; olderThan: number }): string[];
}
