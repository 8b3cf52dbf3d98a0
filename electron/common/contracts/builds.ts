import { z } from 'zod';
import { builderName } from '../domain';
import { absolutePath, PLATFORM_PATTERN, platform } from '../builders/fields';
import { isAbsolutePath, noNul } from '../validation';
import { buildEvent, buildListItem, buildSnapshot, buildSummary, logLine } from './build-snapshot';

// The shapes builds share with bake and History live in build-snapshot.ts; re-exported here so a
// feature imports a build's contract from one place.
export * from './build-snapshot';

/**
 * Builds: start any build on any builder, watch it per platform, cancel it, list it.
 *
 * Flow for a UI:
 *  1. `builds.start` returns `{buildId}` at once (validation and builder checks happen first, so
 *     a bad request or a multi-platform build on the docker driver fails here as a value).
 *  2. `build.progressed` events carry batches of normalised {@link BuildEvent}s (coalesced ~50 ms).
 *     Feed them to `applyProgress` / `reduceBuildEvents` from `common/progress` to get a
 *     {@link BuildSnapshot}. `firstIndex` lets a window that (re)loaded mid-build join exactly:
 *     call `builds.get` first, then apply only the events past `snapshot.eventCount`.
 *  3. `build.finished` tells listeners (toasts, history) a build ended, with its summary.
 */

// ---------------------------------------------------------------------------------------------
// Validation: everything that reaches `docker buildx build` as an argument is checked here.

/** Absolute paths and platforms follow the one set of rules (common/validation.ts, builders/fields.ts). */
export { absolutePath, PLATFORM_PATTERN, platform };

/**
 * An image reference as `docker tag` accepts it: [registry[:port]/]path[:tag][@digest].
 * Path components lowercase; tags up to 128 characters.
 */
export const IMAGE_REF_PATTERN =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const imageRef = z
  .string()
  .max(255)
  .regex(IMAGE_REF_PATTERN, 'must be an image reference like registry:5000/name:tag');

/** Build-arg and environment-variable names: shell identifiers. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().max(256).regex(ENV_NAME_PATTERN, 'must be a name like MY_ARG (letters, digits, _)');

/** Dockerfile stage names (FROM ... AS name). */
export const STAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A stage a request names (`--target`, `--no-cache-filter`, the outline probe's target). */
const stageName = z.string().regex(STAGE_PATTERN, 'must be a stage name from the Dockerfile');

/** Secret ids end up in `--secret id=...,src=...`: no commas or '=' that would inject fields. */
const secretId = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must contain only letters, digits, ".", "_" or "-"');

/** A value that goes inside a comma-separated buildx option (`type=local,dest=...`). */
const csvSafePath = absolutePath.refine((p) => !/[,"\n\r]/.test(p), 'must not contain commas, quotes or newlines');

const boundedText = (max: number) => z.string().max(max).refine(noNul, 'must not contain NUL');

export const buildSecret = z
  .object({
    id: secretId,
    /** Read from this file by buildx; the file's content is never read by BuildDeck. */
    src: csvSafePath.optional(),
    /** Read from this environment variable of the core's process. */
    env: envName.optional(),
  })
  .strict()
  .refine((s) => (s.src === undefined) !== (s.env === undefined), {
    error: 'give exactly one of src or env',
    path: ['src'],
  });
export type BuildSecret = z.infer<typeof buildSecret>;

/**
 * `--ssh default` (the agent in SSH_AUTH_SOCK) or `--ssh id=path[,path]` (agent sockets or keys).
 * Like secrets, only the id and where buildx reads from cross; BuildDeck never opens a key.
 */
export const buildSsh = z
  .object({
    id: secretId,
    paths: z.array(csvSafePath).max(8).default([]),
  })
  .strict();
export type BuildSsh = z.infer<typeof buildSsh>;

export const buildOutput = z.discriminatedUnion('type', [
  /** Load into the Docker image store (`--load`). */
  z.object({ type: z.literal('load') }).strict(),
  /** Push to the registry named by the tags (`--push`). */
  z.object({ type: z.literal('push') }).strict(),
  /** Export the filesystem into a directory. */
  z.object({ type: z.literal('local'), dest: csvSafePath }).strict(),
  /** An OCI layout or docker-archive tarball. */
  z.object({ type: z.enum(['oci', 'docker']), dest: csvSafePath }).strict(),
  /** Result stays in the build cache only (useful to check that a Dockerfile builds). */
  z.object({ type: z.literal('cacheonly') }).strict(),
]);
export type BuildOutput = z.infer<typeof buildOutput>;

const registryRef = z.string().max(255).regex(IMAGE_REF_PATTERN, 'must be an image reference for the cache');
export const cacheFrom = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registry'), ref: registryRef }).strict(),
  z.object({ type: z.literal('local'), src: csvSafePath }).strict(),
]);
export const cacheTo = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registry'), ref: registryRef, mode: z.enum(['min', 'max']).optional() }).strict(),
  z.object({ type: z.literal('local'), dest: csvSafePath, mode: z.enum(['min', 'max']).optional() }).strict(),
  /** Cache metadata inside the image itself (`type=inline`). */
  z.object({ type: z.literal('inline') }).strict(),
]);

const labelKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be a label key like org.opencontainers.image.title');

/** `--add-host NAME:IP`: a host name as /etc/hosts takes it, an IPv4 or IPv6 address or `host-gateway`. */
export const HOST_NAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^(?=.*:)[0-9A-Fa-f:.]{2,45}$/;
export const extraHost = z
  .object({
    host: z.string().regex(HOST_NAME_PATTERN, 'must be a host name like db.local'),
    ip: z
      .string()
      .refine(
        (ip) => ip === 'host-gateway' || IPV4.test(ip) || IPV6.test(ip),
        'must be an IPv4 or IPv6 address, or host-gateway',
      ),
  })
  .strict();

/** Resource limits of RUN steps (`--ulimit name=soft[:hard]`): the names Docker knows. */
export const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;
const limitValue = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
export const ulimit = z
  .object({ name: z.enum(ULIMIT_NAMES), soft: limitValue, hard: limitValue.optional() })
  .strict()
  .refine((u) => u.hard === undefined || u.hard === -1 || (u.soft !== -1 && u.soft <= u.hard), {
    error: 'the soft limit must not be above the hard one',
    path: ['soft'],
  });

/** A size as Docker writes it: bytes, or a number with b, k, m or g (`--shm-size 2g`). */
export const SIZE_PATTERN = /^[0-9]{1,15}[bkmgBKMG]?$/;

/** `--cgroup-parent`: a cgroupfs path or a systemd slice name; never a flag (no leading '-'). */
export const CGROUP_PATTERN = /^[A-Za-z0-9_./:@][A-Za-z0-9_./:@-]{0,254}$/;

/** A named context's name (`--build-context NAME=VALUE`): a stage or image name as FROM and COPY --from use it. */
export const CONTEXT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,254}$/;
const hasControl = (v: string) => {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
};

/**
 * What a named context is: a local folder (absolute), an image (`docker-image://REF`), an OCI layout
 * folder (`oci-layout:///abs/path[:tag|@digest]`) or a remote context (https:// or git URL).
 * One argv element, so no value can add another flag; no whitespace or control characters.
 */
export const namedContext = z
  .string()
  .max(4096)
  .refine(
    (v) =>
      // A folder is absolute by the rule every path field uses (common/validation.ts).
      (isAbsolutePath(v) ||
        /^(?:docker-image|oci-layout):\/\/\S+$/.test(v) ||
        /^(?:https:\/\/|git@|ssh:\/\/)\S+$/.test(v)) &&
      !hasControl(v),
    'must be an absolute folder, docker-image://REF, oci-layout://PATH or an https/git URL',
  )
  // BuildDeck keeps a build's request in History and shows its command: a password or token in a
  // URL would be stored and shown. Credentials belong in git's helper or an --ssh agent.
  .refine((v) => !/^https:\/\/[^/]*@/.test(v), {
    error: 'must not carry credentials (user:token@): use a git credential helper or --ssh',
  })
  .refine((v) => !v.startsWith('docker-image://') || IMAGE_REF_PATTERN.test(v.slice('docker-image://'.length)), {
    error: 'docker-image:// must name an image reference like alpine:3.20',
  });

/**
 * `--annotation` as buildx reads it: an optional level prefix (manifest, index and their -descriptor
 * forms, comma-separated, with an optional [platform,...]), then an OCI annotation key (reverse-domain
 * like org.opencontainers.image.title, no spaces: buildx would take one and write it into the image),
 * `=`, and a value on one line.
 */
const ANNOTATION_LEVEL = '(?:manifest|index|manifest-descriptor|index-descriptor)';
export const ANNOTATION_PATTERN = new RegExp(
  `^(?:${ANNOTATION_LEVEL}(?:,${ANNOTATION_LEVEL})*(?:\\[[A-Za-z0-9/._-]+(?:,[A-Za-z0-9/._-]+)*\\])?:)?` +
    '[A-Za-z0-9][A-Za-z0-9._/-]{0,254}=[^\\n\\r]*$',
);
const annotation = boundedText(8192).regex(
  ANNOTATION_PATTERN,
  'must be KEY=VALUE with an annotation key like org.opencontainers.image.title, optionally after manifest:, index: or manifest[linux/amd64]:',
);

const uniqueArray = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'must not repeat a value');

/**
 * What to build. Secrets are passed to buildx as `--secret id=..,src=..|env=..`; BuildDeck never
 * reads their values, and the request stored in history leaves them out.
 */
export const buildRequest = z
  .object({
    /** Absolute path of the context folder; the core re-checks it exists, is a directory, is readable. */
    contextDir: absolutePath,
    /** Dockerfile path, relative to the context or absolute; default: buildx's (`Dockerfile`). */
    dockerfile: boundedText(4096)
      .min(1)
      .refine((p) => p !== '-', 'stdin is not supported')
      .optional(),
    /** Builder name; default: the current builder. */
    builder: builderName.optional(),
    /** Empty: the builder's default platform. More than one needs a docker-container/remote/kubernetes builder. */
    platforms: uniqueArray(platform, 16).default([]),
    tags: uniqueArray(imageRef, 32).default([]),
    buildArgs: z.record(envName, boundedText(65_536)).default({}),
    /**
     * Build args whose values buildx takes from the core's environment (`--build-arg NAME` with the
     * variable set for the child): the value never reaches a command line (/proc/PID/cmdline), an
     * event or history, which keep only the name.
     */
    envBuildArgs: uniqueArray(envName, 64).optional(),
    target: stageName.optional(),
    noCache: z.boolean().default(false),
    /** Always pull base images (`--pull`). */
    pull: z.boolean().default(false),
    secrets: z.array(buildSecret).max(32).default([]),
    /** Empty: the builder's default (the docker driver loads into Docker; others keep cache only). */
    outputs: z.array(buildOutput).max(4).default([]),
    cacheFrom: z.array(cacheFrom).max(8).default([]),
    cacheTo: z.array(cacheTo).max(8).default([]),
    labels: z.record(labelKey, boundedText(4096)).default({}),
    /** SSH agent sockets or keys the Dockerfile mounts (`RUN --mount=type=ssh`). */
    ssh: z.array(buildSsh).max(8).optional(),
    /** Network mode of RUN steps (`--network`); default: the builder's. */
    network: z.enum(['default', 'none', 'host']).optional(),
    /** Also write buildx's metadata (digest, image name, BuildKit ref) to this file. */
    metadataFile: absolutePath.optional(),
    /** Write the image ID to this file (`--iidfile`). */
    iidFile: absolutePath.optional(),
    /** Extra /etc/hosts entries of RUN steps (`--add-host`). */
    addHosts: z.array(extraHost).max(64).optional(),
    /** Size of /dev/shm in RUN steps (`--shm-size`). */
    shmSize: z.string().regex(SIZE_PATTERN, 'must be a size like 512m or 2g').optional(),
    /** Resource limits of RUN steps (`--ulimit`). */
    ulimits: z.array(ulimit).max(16).optional(),
    /** Stages built without the cache, the others still cached (`--no-cache-filter`). */
    noCacheFilter: uniqueArray(stageName, 32).optional(),
    /** Extra named contexts (`--build-context NAME=VALUE`), by name. */
    buildContexts: z
      .record(
        z.string().regex(CONTEXT_NAME_PATTERN, 'must be a stage or image name like base or alpine:3.20'),
        namedContext,
      )
      .optional(),
    /** Provenance attestation (`--provenance`): off, on (buildx's default mode) or a mode. */
    provenance: z.union([z.boolean(), z.enum(['min', 'max'])]).optional(),
    /** SBOM attestation (`--sbom`). */
    sbom: z.boolean().optional(),
    /** OCI annotations of the image (`--annotation [TYPE[,TYPE][PLATFORM]:]KEY=VALUE`), in order. */
    annotations: z.array(annotation).max(64).optional(),
    /**
     * Privileged entitlements RUN steps may use (`--allow`): `RUN --network=host` and
     * `RUN --security=insecure`. The builder must grant them too (buildkitd's own --allow-insecure-entitlement).
     */
    allow: uniqueArray(z.enum(['network.host', 'security.insecure']), 2).optional(),
    /** Parent cgroup of RUN steps (`--cgroup-parent`), as the builder's cgroup driver names it. */
    cgroupParent: z
      .string()
      .regex(CGROUP_PATTERN, 'must be a cgroup path like /docker/buildx or system.slice')
      .optional(),
  })
  .strict();
/** What callers send (defaults may be omitted). */
export type BuildRequestInput = z.input<typeof buildRequest>;
/** What the core works with (defaults filled in). */
export type BuildRequest = z.output<typeof buildRequest>;

export const contextEntry = z.object({ path: z.string(), bytes: z.number(), files: z.number() });

export const contextInspection = z.object({
  contextDir: z.string(),
  /** After .dockerignore. */
  files: z.number(),
  bytes: z.number(),
  /** The walk stopped at its bounds (file count or time); totals are lower bounds. */
  truncated: z.boolean(),
  /** Largest top-level entries (folders summed) and largest single files. */
  largestEntries: z.array(contextEntry),
  largestFiles: z.array(contextEntry),
  dockerignore: z.boolean(),
  /** E.g. "node_modules (320 MB) is sent to the builder: add it to .dockerignore". */
  warnings: z.array(z.string()),
  /** Dockerfiles found in the context root: Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*. */
  dockerfiles: z.array(z.string()),
  /** The one BuildDeck would use: the requested one, else Dockerfile, else Containerfile, else the first. */
  dockerfile: z.string().optional(),
  targets: z.array(z.object({ name: z.string(), description: z.string().optional(), base: z.string().optional() })),
  /** Where the targets came from: buildx `--call=targets`, or BuildDeck reading `FROM ... AS`. */
  targetsSource: z.enum(['buildx', 'dockerfile', 'none']),
  /**
   * The Dockerfile names a frontend image (`# syntax=`) other than Docker's own: listing targets
   * with buildx would pull and run it, so the stages were read from the file instead. Send the image
   * back as `trustFrontend` once the user agrees.
   */
  frontendToConfirm: z.string().optional(),
  durationMs: z.number(),
});
export type ContextInspection = z.infer<typeof contextInspection>;

/**
 * What a Dockerfile's target (the one chosen, else the default: the last stage) asks of a build
 * (buildx `--call=outline`): the build arguments it declares (default value, the comment above the
 * ARG) and the secrets its RUN steps mount (`required` when the mount says so: the build fails
 * without it).
 */
export const dockerfileOutline = z.object({
  args: z.array(z.object({ name: z.string(), value: z.string().optional(), description: z.string().optional() })),
  secrets: z.array(z.object({ name: z.string(), required: z.boolean().optional() })),
});
export type DockerfileOutline = z.infer<typeof dockerfileOutline>;

/** What the context check and the outline probe are asked about. */
const contextQuestion = z
  .object({
    contextDir: absolutePath,
    dockerfile: boundedText(4096).min(1).optional(),
    /** The builder the form chose: the frontend probes run there (default: the current one). */
    builder: builderName.optional(),
    /** The `# syntax=` frontend image the user agreed to run for the frontend probes. */
    trustFrontend: boundedText(1024).optional(),
  })
  .strict();

/** The outline probe's question: the context check's, and the target stage the form chose. */
const outlineQuestion = contextQuestion.extend({
  target: stageName.optional(),
});

const buildId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a build id');
const buildIdInput = z.object({ buildId }).strict();

/**
 * buildx's `--call` value: a frontend method and its options, `check`, `outline`, `targets`,
 * `check,format=json`, `subrequests.describe`. One argv element; the shape is checked so a typo
 * gets a clear error rather than buildx's.
 */
export const CALL_PATTERN = /^[a-z][a-z0-9.]{0,63}(?:,[a-z][a-z0-9-]{0,31}=[A-Za-z0-9._-]{1,64}){0,4}$/;
export const buildCall = z
  .string()
  .regex(
    CALL_PATTERN,
    'give a frontend method and options as buildx takes them: check, outline, targets, check,format=json',
  );

/** Most lines one `builds.logs` call returns (~0.5-1 MB of typical output). */
export const MAX_LOG_PAGE = 4096;

/** Which lines of a log to page in (`builds.logs`, `bake.logs`): the log, then the range. */
export const logPageFields = {
  /** A step's id (its vertex digest) for that step's own log; absent for the whole build's. */
  step: z.string().min(1).max(256).optional(),
  from: z.number().int('must be a whole line number').min(0, 'must be 0 or more'),
  limit: z.number().int().min(1).max(MAX_LOG_PAGE, `must be at most ${MAX_LOG_PAGE}`).default(1024),
};

/** One page of a log the core holds. */
export const logLinesPage = z.object({
  /** Absolute number of `lines[0]`. */
  from: z.number(),
  lines: z.array(logLine),
  /** The kept range now: [first, end). */
  first: z.number(),
  end: z.number(),
});

export const buildCommands = {
  /**
   * Starts a build and returns its id at once; progress arrives as `build.progressed`.
   * Fails up front (as a value) for a missing/unreadable context, an unknown or unreachable builder,
   * or several platforms on the docker driver (INVALID_INPUT with a hint to use a docker-container builder).
   */
  'builds.start': { input: buildRequest, output: z.object({ buildId: z.string() }) },
  /** The current snapshot of a running or recent build: what a reloaded window replays from. */
  'builds.get': { input: buildIdInput, output: buildSnapshot },
  /**
   * Lines of a build's log (or one step's): `from` is the absolute line number (0 is the build's
   * first line; a list's kept lines are `dropped` .. `dropped + length - 1`). `builds.get` sends a
   * long log's tail only and counts the rest in `held`; the log view pages them in with this.
   * Lines dropped to keep memory bounded, or past the end, are INVALID_INPUT naming the kept range.
   */
  'builds.logs': { input: z.object({ buildId, ...logPageFields }).strict(), output: logLinesPage },
  /** Interrupts buildx (SIGINT, then SIGTERM) so BuildKit cancels the solve; the build ends `cancelled`. */
  'builds.cancel': { input: buildIdInput, output: z.object({ cancelled: z.boolean() }) },
  /** Running builds and the recent ones this core ran (newest first). */
  'builds.list': { input: z.object({}).strict(), output: z.array(buildListItem) },
  /** The equivalent `docker buildx build` command: argv plus a shell-quoted line for display. */
  'builds.commandLine': {
    input: buildRequest,
    output: z.object({ argv: z.array(z.string()), text: z.string() }),
  },
  /**
   * `docker buildx build --call=METHOD` for a request: the frontend answers (lint warnings, the
   * outline of its build args and secrets, its targets) instead of building. What buildx printed
   * and its exit code (`check` exits 1 when it found something), as buildx would give them.
   */
  'builds.call': {
    input: z.object({ request: buildRequest, call: buildCall }).strict(),
    output: z.object({ stdout: z.string(), stderr: z.string(), exitCode: z.number().int() }),
  },
  /**
   * Size and file count of a context after .dockerignore, its largest entries, warnings for big
   * folders that are not ignored, the Dockerfiles found and the targets they offer.
   */
  'builds.inspectContext': { input: contextQuestion, output: contextInspection },
  /**
   * The Dockerfile's outline (build arguments, mounted secrets), asked after the context check so
   * its answer never waits on a second buildx run. null when buildx cannot tell: older than 0.15, a
   * `# syntax=` frontend not yet confirmed, a Dockerfile its frontend cannot parse.
   */
  'builds.outline': { input: outlineQuestion, output: dockerfileOutline.nullable() },
} as const;

export type BuildLogPage = z.infer<typeof logLinesPage>;

/**
 * A context check still walking (`builds.inspectContext` of a large folder): what it has counted so
 * far, so the form shows the largest entries within ~100 ms instead of waiting for the whole walk.
 */
export const contextProgress = z.object({
  contextDir: z.string(),
  files: z.number(),
  bytes: z.number(),
  largestEntries: z.array(contextEntry),
  elapsedMs: z.number(),
});
export type ContextProgress = z.infer<typeof contextProgress>;

export const buildEvents = {
  /** A context check's counts so far, while it walks a large folder. */
  'build.contextProgress': contextProgress,
  /** A build began (from any window, the tray or a rerun). */
  'build.started': z.object({
    buildId: z.string(),
    contextDir: z.string(),
    builder: z.string(),
    platforms: z.array(z.string()),
  }),
  /**
   * A batch of normalised events. `firstIndex` is the index of `events[0]` in the build's event
   * sequence: skip what `builds.get` already reduced (index < snapshot.eventCount), refetch on a gap.
   */
  'build.progressed': z.object({ buildId: z.string(), firstIndex: z.number(), events: z.array(buildEvent) }),
  /** A build ended; its final summary (also the CLI's last line). */
  'build.finished': z.object({ buildId: z.string(), summary: buildSummary }),
} as const;
