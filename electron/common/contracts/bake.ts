import { z } from 'zod';
import { noNul } from '../validation';
import { builderName } from '../domain';
import {
  absolutePath,
  buildFinishedEvent,
  buildSnapshot,
  buildStartedEvent,
  buildStatus,
  ENV_NAME_PATTERN,
  errorEvent,
  logEvent,
  logLinesPage,
  logPageFields,
  logSyncEvent,
  platform,
  platformSummary,
  statusEvent,
  textEvent,
  vertexEvent,
  warningEvent,
} from './builds';

/**
 * Bake: whole projects of images (`docker-bake.hcl`/`.json`, `compose.yaml`), resolved by
 * `docker buildx bake --print` and run with `docker buildx bake --progress=rawjson`.
 *
 * Flow for a UI (the same shape as builds):
 *  1. `bake.inspect` resolves a project folder into groups and targets (or a definition error that
 *     names the file and line buildx named).
 *  2. `bake.start` returns `{bakeId}` at once; `bake.progressed` carries {@link BakeEvent}s: the
 *     build events of every target, each tagged with the target it belongs to, plus one `planned`
 *     event first. Feed them to `reduceBakeEvents`/`applyBakeProgress` from `common/progress`:
 *     each target gets its own BuildSnapshot from the same reducer as single builds, so a step two
 *     targets share (same vertex digest) is keyed by (target, digest).
 *  3. `bake.finished` carries one summary with a result per target and per platform.
 */

// ---------------------------------------------------------------------------------------------
// Validation: everything that reaches `docker buildx bake` as an argument or variable.

const bounded = (max: number) => z.string().max(max).refine(noNul, 'must not contain NUL');

/**
 * Target and group names as buildx spells them (letters, digits, `_`, `-`, `.`), plus the `*`/`?`
 * patterns bake matches; never a leading `-` (it would read as a flag).
 */
export const BAKE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.*?-]{0,127}$/;
export const bakeName = z
  .string()
  .regex(BAKE_NAME_PATTERN, 'must be a target or group name (letters, digits, "_", "-", ".")');

/** A definition file, relative to the project folder or absolute. */
export const definitionFile = bounded(4096)
  .min(1)
  .refine((f) => !f.startsWith('-'), 'must not start with "-"');

/**
 * `--set` as buildx takes it: `targetpattern.key[.subkey]=value` (or `+=` to append). buildx itself
 * names an unknown key; this only keeps the shape (one argv element, no newline, no NUL).
 */
export const OVERRIDE_PATTERN = /^[A-Za-z0-9_*?[\]{},-][A-Za-z0-9_.*?[\]{},-]*\.[A-Za-z][A-Za-z0-9_.-]*\+?=/;
export const bakeOverride = bounded(65_536)
  .regex(OVERRIDE_PATTERN, 'must look like target.key=value (e.g. app.tags=name:dev, *.platform=linux/arm64)')
  .refine((s) => !/[\n\r]/.test(s), 'must not contain a newline');

/**
 * Variables reach buildx through its environment, the way a person sets them (`WHO=x docker buildx
 * bake`). Names that steer docker, buildx or the process itself are refused: they would change
 * what runs or where, not a variable of the definition.
 */
export const RESERVED_VARIABLE =
  /^(?:DOCKER_|BUILDX_|BUILDKIT_|COMPOSE_|LD_|DYLD_|NODE_|ELECTRON_)|^(?:PATH|HOME|USER|SHELL|TMPDIR|TMP|TEMP|SSH_AUTH_SOCK|BUILDDECK_DATA_DIR)$/;
export const bakeVariableName = z
  .string()
  .max(256)
  .regex(ENV_NAME_PATTERN, 'must be a variable name like TAG (letters, digits, _)')
  .refine((n) => !RESERVED_VARIABLE.test(n), 'is reserved for docker and buildx themselves; set it with --set instead');

const unique = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'must not repeat a value');

/** Where the definition is and which overrides apply: shared by inspect, start and the command line. */
const definitionInput = {
  /** The project folder: bake runs there, so relative contexts and default file names resolve from it. */
  projectDir: absolutePath,
  /** Definition files (`--file`); empty: buildx's defaults (compose.yaml, docker-bake.hcl, ...). */
  files: unique(definitionFile, 16).default([]),
  /** `--set` overrides, in order. */
  overrides: z.array(bakeOverride).max(64).default([]),
  /** Values for the definition's variables (HCL `variable` blocks, compose `${VAR}`). */
  variables: z.record(bakeVariableName, bounded(65_536)).default({}),
};

export const bakeInspectInput = z.object(definitionInput).strict();
export type BakeInspectInput = z.input<typeof bakeInspectInput>;
export type BakeInspect = z.output<typeof bakeInspectInput>;

/**
 * `--allow` as `docker buildx bake` takes it: what a definition may ask of the machine beyond a
 * plain build (buildx's entitlement keys). Paths (`fs=`, `fs.read=`, `fs.write=`) are relative to
 * the project folder or absolute; `*` is any path.
 */
export const BAKE_ENTITLEMENT_PATTERN =
  /^(?:network\.host|security\.insecure|ssh|buildx\.local\.delete|device(?:=[^,\s]{1,256})?|(?:fs|fs\.read|fs\.write|image|image\.push|image\.load)=[^\n\r]{1,4096})$/;
export const bakeEntitlement = bounded(4200).regex(
  BAKE_ENTITLEMENT_PATTERN,
  'must be network.host, security.insecure, ssh, device[=NAME], fs=PATH, fs.read=PATH or fs.write=PATH',
);

/** What to run. Everything the form offers maps to one bake flag (see `bake.commandLine`). */
export const bakeRequest = z
  .object({
    ...definitionInput,
    /** Targets or groups; empty: the `default` group. */
    targets: unique(bakeName, 64).default([]),
    builder: builderName.optional(),
    /** Every target builds these platforms (`--set *.platform=...`); empty: each target's own. */
    platforms: unique(platform, 16).default([]),
    noCache: z.boolean().default(false),
    pull: z.boolean().default(false),
    /** `--push`: every target pushes its tags. */
    push: z.boolean().default(false),
    /** `--load`: every target loads into Docker. */
    load: z.boolean().default(false),
    /** Also write buildx's metadata (per target: digest, image name, BuildKit ref) here. */
    metadataFile: absolutePath.optional(),
    /**
     * Privileges the user grants the definition (`--allow`). A bake whose targets ask for more
     * (host network, insecure mode, the SSH agent, files outside the project) is refused before
     * it starts, naming what to allow: buildx asks in a terminal but not under --progress=rawjson.
     */
    allow: unique(bakeEntitlement, 32).default([]),
  })
  .strict();
export type BakeRequestInput = z.input<typeof bakeRequest>;
export type BakeRequest = z.output<typeof bakeRequest>;

/**
 * buildx's own listing, as `docker buildx bake --list=...` takes it: `targets`, `variables`, or
 * `type=...,format=...` (json or table). Only the shape is checked here; buildx names a value it
 * does not know.
 */
export const BAKE_LIST_PATTERN = /^(?:targets|variables|(?:type|format)=[a-z]{1,16}(?:,(?:type|format)=[a-z]{1,16})?)$/;
const bakeListSpec = z
  .string()
  .regex(BAKE_LIST_PATTERN, 'must be targets, variables or type=targets|variables[,format=json|table]');

/** `bake --print` (or `--list=SPEC`) for a request: what buildx would resolve if it ran it. */
export const bakePrintInput = bakeRequest.extend({ list: bakeListSpec.optional() });
export type BakePrintInput = z.output<typeof bakePrintInput>;

// ---------------------------------------------------------------------------------------------
// A resolved project.

export const bakeTarget = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** As the definition says (relative to the project, a URL, `target:name`...). */
  context: z.string(),
  /** Absolute, when the context is a local folder. */
  contextPath: z.string().optional(),
  dockerfile: z.string().optional(),
  /** The Dockerfile is written in the definition (`dockerfile-inline`). */
  dockerfileInline: z.boolean(),
  /** Dockerfile stage. */
  target: z.string().optional(),
  platforms: z.array(z.string()),
  tags: z.array(z.string()),
  args: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()),
  /** As buildx prints them: `type=registry,ref=...`. */
  cacheFrom: z.array(z.string()),
  cacheTo: z.array(z.string()),
  outputs: z.array(z.string()),
  /** Secret ids only (where they come from is not shown). */
  secrets: z.array(z.string()),
  ssh: z.array(z.string()),
  network: z.string().optional(),
  noCache: z.boolean(),
  pull: z.boolean(),
  /** Groups that contain it (directly or through other groups). */
  groups: z.array(z.string()),
  /** Why it cannot run as defined (its Dockerfile is missing), with where the definition says so. */
  problem: z.object({ message: z.string(), file: z.string().optional(), line: z.number().optional() }).optional(),
  /**
   * What it asks of this machine beyond a build (host network, insecure mode, the SSH agent, paths
   * outside the project): each with the `--allow` value that grants it. `bake.start` refuses a bake
   * until its request allows them.
   */
  privileges: z.array(z.object({ allow: z.string(), description: z.string() })).default([]),
  /**
   * The outputs were not read (buildx < 0.30 creates output files when it prints a definition):
   * `outputs` is empty and write privileges are known only when the bake starts.
   */
  outputsUnread: z.boolean().optional(),
});
export type BakeTarget = z.infer<typeof bakeTarget>;

export const bakeGroup = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** As declared: targets and other groups. */
  members: z.array(z.string()),
  /** Every target it runs, nested groups expanded, in declaration order. */
  targets: z.array(z.string()),
});
export type BakeGroup = z.infer<typeof bakeGroup>;

export const bakeProject = z.object({
  projectDir: z.string(),
  /** The definition files buildx read (absolute). */
  files: z.array(z.string()),
  /** `hcl`, `json` or `compose` per file kind found; `mixed` for several kinds. */
  kind: z.enum(['hcl', 'json', 'compose', 'mixed']),
  groups: z.array(bakeGroup),
  targets: z.array(bakeTarget),
  /** What `docker buildx bake` with no target runs. */
  defaultTargets: z.array(z.string()),
  /** Declared variables and their current values (buildx >= 0.20 lists them). */
  variables: z.array(z.object({ name: z.string(), value: z.string().optional() })),
  /** false on buildx < 0.20: only the default group could be listed. */
  complete: z.boolean(),
  durationMs: z.number(),
});
export type BakeProject = z.infer<typeof bakeProject>;

export const browseEntry = z.object({
  name: z.string(),
  path: z.string(),
  /** Holds a file bake reads by default (docker-bake.hcl, compose.yaml...). */
  project: z.boolean(),
});

export const browseResult = z.object({
  dir: z.string(),
  parent: z.string().optional(),
  /** Sub-folders (hidden ones left out), sorted, at most 500. */
  entries: z.array(browseEntry),
  truncated: z.boolean(),
  /** Definition files in `dir` itself. */
  definitionFiles: z.array(z.string()),
});
export type BrowseResult = z.infer<typeof browseResult>;

// ---------------------------------------------------------------------------------------------
// Events: the build events of every target, tagged with the target; untagged ones are the bake's.

/**
 * The bake target an event belongs to. (A build's own `started.target`, the Dockerfile stage, is
 * not repeated in bake events: the `planned` event carries each target's stage.)
 */
const targeted = { target: z.string().optional() };

export const bakePlanTarget = z.object({
  name: z.string(),
  platforms: z.array(z.string()),
  context: z.string(),
  dockerfile: z.string().optional(),
  target: z.string().optional(),
  tags: z.array(z.string()),
});

/** The core's first event: what runs where. */
export const bakePlannedEvent = z.object({
  type: z.literal('planned'),
  at: z.number(),
  projectDir: z.string(),
  files: z.array(z.string()),
  builder: z.string(),
  driver: z.string(),
  /** The groups/targets asked for. */
  requested: z.array(z.string()),
  targets: z.array(bakePlanTarget),
  /** The equivalent command (display only). */
  command: z.array(z.string()),
  /** Variable names set for this run (their values are in the request). */
  variables: z.array(z.string()),
});

export const bakeEvent = z.discriminatedUnion('type', [
  bakePlannedEvent,
  buildStartedEvent.extend(targeted),
  vertexEvent.extend(targeted),
  statusEvent.extend(targeted),
  logEvent.extend(targeted),
  warningEvent.extend(targeted),
  textEvent.extend(targeted),
  errorEvent.extend(targeted),
  buildFinishedEvent.extend(targeted),
  /** Only on the way to a window (`bakeEventsForWindows`): the target's log tails after a flood. */
  logSyncEvent.extend(targeted),
]);
export type BakeEvent = z.infer<typeof bakeEvent>;

// ---------------------------------------------------------------------------------------------
// Snapshot and summary.

export const bakeInfo = bakePlannedEvent.omit({ type: true, at: true });
export type BakeInfo = z.infer<typeof bakeInfo>;

export const bakeResult = z.object({
  ok: z.boolean(),
  cancelled: z.boolean(),
  exitCode: z.number().nullable(),
  durationMs: z.number(),
});

export const bakeSnapshot = z.object({
  bakeId: z.string(),
  status: buildStatus,
  /** Bake events reduced so far: match it against `bake.progressed.firstIndex`. */
  eventCount: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  info: bakeInfo.optional(),
  /** One snapshot per target, from the build reducer (lanes per platform, steps, logs, error). */
  targets: z.record(z.string(), buildSnapshot),
  /** What belongs to no target: loading the definition, buildx's own messages, an error no target owns. */
  general: buildSnapshot,
  result: bakeResult.optional(),
});
export type BakeSnapshot = z.infer<typeof bakeSnapshot>;

export const bakeTargetSummary = z.object({
  target: z.string(),
  ok: z.boolean(),
  status: buildStatus,
  cancelled: z.boolean(),
  digest: z.string().nullable(),
  imageName: z.string().nullable(),
  /** `buildx.build.ref` (builder/node/ref): the target's BuildKit history record. */
  ref: z.string().nullable(),
  durationMs: z.number(),
  platforms: z.array(platformSummary),
  error: z.string().optional(),
});
export type BakeTargetSummary = z.infer<typeof bakeTargetSummary>;

/** The CLI's last `--json` line and `bake.finished`'s payload. */
export const bakeSummary = z.object({
  type: z.literal('summary'),
  bakeId: z.string(),
  status: buildStatus,
  ok: z.boolean(),
  cancelled: z.boolean(),
  durationMs: z.number(),
  targets: z.array(bakeTargetSummary),
  error: z.string().optional(),
});
export type BakeSummary = z.infer<typeof bakeSummary>;

export const bakeListItem = z.object({
  bakeId: z.string(),
  status: buildStatus,
  projectDir: z.string(),
  builder: z.string(),
  targets: z.array(z.string()),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
});
export type BakeListItem = z.infer<typeof bakeListItem>;

// ---------------------------------------------------------------------------------------------
// History: every bake BuildDeck ran is one entry with its targets inside.

/** A target of a recorded bake: its result and the BuildKit record it left (`buildx history`). */
export const bakeHistoryTarget = z.object({
  target: z.string(),
  status: buildStatus,
  /** `builder/node/ID`, from buildx's metadata or (failed, cancelled bakes) its local state. */
  ref: z.string().optional(),
  digest: z.string().optional(),
  imageName: z.string().optional(),
  platforms: z.array(z.string()),
  steps: z.number(),
  cachedSteps: z.number(),
  durationMs: z.number(),
  error: z.string().optional(),
});
export type BakeHistoryTarget = z.infer<typeof bakeHistoryTarget>;

export const bakeHistoryItem = bakeListItem.extend({
  driver: z.string(),
  /** Groups/targets asked for (empty: the default group). */
  requested: z.array(z.string()),
  results: z.array(bakeHistoryTarget),
});
export type BakeHistoryItem = z.infer<typeof bakeHistoryItem>;

export const bakeHistoryEntry = z.object({
  item: bakeHistoryItem,
  /** The request as sent: what a re-run sends again. */
  request: bakeRequest,
  summary: bakeSummary.optional(),
});
export type BakeHistoryEntry = z.infer<typeof bakeHistoryEntry>;

const bakeIdInput = z.object({ bakeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a bake id') }).strict();

export const bakeCommands = {
  /**
   * Sub-folders of a folder (default: the user's home), flagging those that hold a bake or compose
   * file: the app's folder picker, which works the same in the desktop window and serve mode.
   */
  'bake.browse': { input: z.object({ dir: absolutePath.optional() }).strict(), output: browseResult },
  /**
   * Resolves a project with `docker buildx bake --print`: groups, targets with everything buildx
   * resolved (variables, inheritance, matrices), and targets whose Dockerfile is missing. A broken
   * definition fails INVALID_INPUT with `details.file`, `details.line` and `details.snippet`.
   */
  'bake.inspect': { input: bakeInspectInput, output: bakeProject },
  /**
   * What `docker buildx bake --print` prints for this request (with its --set, --no-cache, --pull,
   * --push, --load, targets and variables), or with `list` what `--list=<list>` prints: buildx's own
   * text, unchanged (a terminal user's `builddeck bake --print`). Definition errors as `bake.inspect`.
   */
  'bake.print': { input: bakePrintInput, output: z.object({ text: z.string() }) },
  /** Starts a bake and returns its id at once; the definition and builder are checked first. */
  'bake.start': { input: bakeRequest, output: z.object({ bakeId: z.string() }) },
  'bake.get': { input: bakeIdInput, output: bakeSnapshot },
  /**
   * Lines of one target's log (or one of its steps'), as `builds.logs` pages a build's: a flood of
   * output reaches a window as each target's tail, and its log view pages the rest in from here.
   */
  'bake.logs': {
    input: z.object({ bakeId: bakeIdInput.shape.bakeId, target: bakeName, ...logPageFields }).strict(),
    output: logLinesPage,
  },
  /** Interrupts buildx (SIGINT, then SIGTERM to its process group): every target stops. */
  'bake.cancel': { input: bakeIdInput, output: z.object({ cancelled: z.boolean() }) },
  /** Running bakes and the recent ones this core ran (newest first). */
  'bake.list': { input: z.object({}).strict(), output: z.array(bakeListItem) },
  /** The equivalent command: argv, the variables set in its environment, and a line to paste. */
  'bake.commandLine': {
    input: bakeRequest,
    output: z.object({ argv: z.array(z.string()), env: z.array(z.string()), text: z.string() }),
  },
  /** Recorded bakes (any BuildDeck process), newest first; `projectDir` narrows to one project. */
  'bake.history': {
    input: z
      .object({
        projectDir: z.string().max(4096).optional(),
        limit: z.number().int().min(1).max(500).default(50),
        /** Only bakes started before this time (epoch ms): the next page. */
        before: z.number().optional(),
      })
      .strict(),
    output: z.object({ items: z.array(bakeHistoryItem), total: z.number() }),
  },
  'bake.historyGet': { input: bakeIdInput, output: bakeHistoryEntry },
  'bake.historyDelete': { input: bakeIdInput, output: z.object({ deleted: z.boolean() }) },
  /** Starts a recorded bake again with the same request (through bake.start). */
  'bake.rerun': { input: bakeIdInput, output: z.object({ bakeId: z.string() }) },
} as const;

export const bakeEvents = {
  'bake.started': z.object({
    bakeId: z.string(),
    projectDir: z.string(),
    builder: z.string(),
    targets: z.array(z.string()),
  }),
  /** Like `build.progressed`: `firstIndex` is the index of `events[0]` in the bake's sequence. */
  'bake.progressed': z.object({ bakeId: z.string(), firstIndex: z.number(), events: z.array(bakeEvent) }),
  'bake.finished': z.object({ bakeId: z.string(), summary: bakeSummary }),
  /** A bake was recorded, finished or deleted: bake history lists refetch. */
  'bake.historyChanged': z.object({ bakeId: z.string(), reason: z.enum(['started', 'finished', 'deleted']) }),
} as const;
