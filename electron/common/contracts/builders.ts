import { z } from 'zod';
import { builder, builderName, builderNode, buildersSnapshot } from '../domain';
import { builderCreateInput } from '../builders/create-input';
import { nodeName } from '../builders/fields';

// -------------------------------------------------------------------------------------------------
// Domain shapes of this feature (kept here rather than in domain.ts: they are builders-only).

/** A certificate as a user checks it: who it names, who signed it, and when it stops working. */
export const certificateInfo = z.object({
  path: z.string(),
  subject: z.string().optional(),
  issuer: z.string().optional(),
  /** ISO times. */
  validFrom: z.string().optional(),
  validTo: z.string().optional(),
  /** Whole days until validTo (negative: expired). */
  daysLeft: z.number().optional(),
  fingerprint256: z.string().optional(),
  /** Could not be read or parsed (missing, unreadable, not PEM). */
  error: z.string().optional(),
});
export type CertificateInfo = z.infer<typeof certificateInfo>;

export const nodeTls = z.object({
  cacert: certificateInfo.optional(),
  cert: certificateInfo.optional(),
  keyPath: z.string().optional(),
  /** Octal permission bits of the key file, e.g. "600"; absent when it could not be read. */
  keyMode: z.string().optional(),
  /** Group or others may read the key: it should be 0600. */
  keyTooOpen: z.boolean().optional(),
  servername: z.string().optional(),
});
export type NodeTls = z.infer<typeof nodeTls>;

export const containerStats = z.object({
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryLimitBytes: z.number(),
  sampledAt: z.string(),
});
export type ContainerStats = z.infer<typeof containerStats>;

/** The buildkitd container of a docker-container node, read through the Engine API. */
export const buildkitContainer = z.object({
  name: z.string(),
  id: z.string(),
  image: z.string(),
  /** Docker's state: created, running, paused, restarting, exited, dead. */
  state: z.string(),
  running: z.boolean(),
  restartCount: z.number(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  exitCode: z.number().optional(),
  restartPolicy: z.string().optional(),
  networkMode: z.string().optional(),
  /** Limits as the engine applied them (0 = unlimited), straight from HostConfig. */
  limits: z.object({
    memoryBytes: z.number(),
    memorySwapBytes: z.number(),
    cpuQuota: z.number(),
    cpuPeriod: z.number(),
    cpuShares: z.number(),
    nanoCpus: z.number(),
    cpusetCpus: z.string(),
    cpusetMems: z.string(),
  }),
  /** Last log lines, oldest first (stdout and stderr interleaved as the engine stored them). */
  logs: z.array(z.string()),
  volumes: z.array(z.string()),
});
export type BuildkitContainer = z.infer<typeof buildkitContainer>;

export const configFile = z.object({ name: z.string(), content: z.string() });

export const builderNodeDetails = builderNode.extend({
  driverOpts: z.record(z.string(), z.string()),
  buildkitdFlags: z.array(z.string()),
  /** Worker labels reported by a running BuildKit. */
  labels: z.record(z.string(), z.string()),
  /** GC policy rules as BuildKit reports them, field by field (names vary between versions). */
  gcPolicy: z.array(z.array(z.object({ key: z.string(), value: z.string() }))),
  /** buildkitd config files buildx passes to the daemon (buildkitd.toml). */
  configFiles: z.array(configFile),
  container: buildkitContainer.optional(),
  /** Set when the container could not be read (engine down, gone). */
  containerError: z.string().optional(),
  tls: nodeTls.optional(),
  kube: z
    .object({ kubeconfig: z.string().optional(), deployment: z.string().optional(), context: z.string().optional() })
    .optional(),
});
export type BuilderNodeDetails = z.infer<typeof builderNodeDetails>;

export const builderDetails = builder.extend({
  nodes: z.array(builderNodeDetails),
  /** Did `buildx inspect` answer within the bound? When not, nodes come from buildx's store only. */
  live: z.boolean(),
  readAt: z.string(),
});
export type BuilderDetails = z.infer<typeof builderDetails>;

export const HEALTH_STATES = ['ok', 'stopped', 'inactive', 'unreachable', 'error'] as const;
export const healthState = z.enum(HEALTH_STATES);
export type HealthState = z.infer<typeof healthState>;

export const nodeHealth = z.object({
  name: z.string(),
  endpoint: z.string(),
  state: healthState,
  buildkitVersion: z.string().optional(),
  /** How long this node's check took. */
  tookMs: z.number(),
  message: z.string().optional(),
});
export type NodeHealth = z.infer<typeof nodeHealth>;

export const builderHealth = z.object({
  name: z.string(),
  driver: z.string(),
  state: healthState,
  nodes: z.array(nodeHealth),
});
export type BuilderHealth = z.infer<typeof builderHealth>;

export const FLEET_WARNING_KINDS = [
  'version-drift',
  'certificate-expiring',
  'certificate-expired',
  'certificate-unreadable',
  'key-permissions',
  'unreachable',
] as const;
export const fleetWarning = z.object({
  kind: z.enum(FLEET_WARNING_KINDS),
  severity: z.enum(['warning', 'error']),
  message: z.string(),
  builders: z.array(z.string()),
});
export type FleetWarning = z.infer<typeof fleetWarning>;

export const fleetHealth = z.object({
  builders: z.array(builderHealth),
  warnings: z.array(fleetWarning),
  checkedAt: z.string(),
  timeoutMs: z.number(),
  tookMs: z.number(),
});
export type FleetHealth = z.infer<typeof fleetHealth>;

export const createResult = z.object({
  builder: builder,
  /** The argument array that ran, after the docker binary. */
  args: z.array(z.string()),
  /** The same, quoted for a shell (display only). */
  command: z.string(),
  bootstrapped: z.boolean(),
  warnings: z.array(z.string()),
});
export type CreateResult = z.infer<typeof createResult>;

/** A create that passed every check the real one makes, not run: `args`/`command` as it would run. */
export const createPlan = createResult.pick({ args: true, command: true, warnings: true });
export type CreatePlan = z.infer<typeof createPlan>;

export const BUILDER_ACTIONS = ['create', 'bootstrap', 'stop', 'use', 'remove', 'leave'] as const;
export type BuilderAction = (typeof BUILDER_ACTIONS)[number];

const operationId = z.string().min(1).max(100).optional();
const boundMs = z.number().int().min(500).max(600_000).optional();

// -------------------------------------------------------------------------------------------------

export const builderCommands = {
  /**
   * Every builder buildx knows with its nodes. A slow or dead builder is reported as unreachable
   * rather than blocking the list. `refresh` bypasses the short cache used for bursts of events.
   * `lastKnown` answers at once with the list as last read (by any BuildDeck process), `stale: true`,
   * or reads live when there is none; `builders.updated` then brings each builder as it is dialled.
   */
  'builders.list': {
    input: z.object({ refresh: z.boolean().optional(), lastKnown: z.boolean().optional() }).strict(),
    output: buildersSnapshot,
  },
  /**
   * Creates a builder (or, with `append`, a node of one) for the docker-container, kubernetes or
   * remote driver. Files are checked before buildx runs; buildx's refusals come back as
   * INVALID_INPUT naming the form field; a failure after buildx registered it removes it again.
   */
  'builders.create': {
    input: builderCreateInput,
    output: createResult,
  },
  /**
   * A dry run of `builders.create`: the same checks (name, append target, files such as the
   * buildkitd.toml), then the command it would run. Changes nothing.
   */
  'builders.plan': {
    input: builderCreateInput,
    output: createPlan,
  },
  /**
   * One builder in depth: nodes, driver options, labels, GC policy, daemon flags and config; the
   * buildkitd container (state, restarts, limits, logs) of docker-container nodes; certificates of
   * remote TLS nodes. Bounded: an unanswering node is shown from buildx's store.
   */
  'builders.inspect': {
    input: z
      .object({
        name: builderName,
        /** Log lines of each buildkitd container (0 to skip). */
        logLines: z.number().int().min(0).max(2000).optional(),
        timeoutMs: boundMs,
      })
      .strict(),
    output: builderDetails,
  },
  /** Live CPU and memory of a docker-container builder's buildkitd containers (one sample). */
  'builders.stats': {
    input: z.object({ name: builderName }).strict(),
    output: z.object({
      nodes: z.array(
        z.object({
          node: z.string(),
          container: z.string(),
          running: z.boolean(),
          restartCount: z.number(),
          stats: containerStats.optional(),
        }),
      ),
    }),
  },
  /** Starts every node (`buildx inspect --bootstrap`), emitting `builders.progressed` lines. */
  'builders.bootstrap': {
    input: z.object({ name: builderName, timeoutMs: boundMs, operationId }).strict(),
    output: builder,
  },
  /** Stops the builder's daemons (`buildx stop`); state is kept and the builder shows as stopped. */
  'builders.stop': {
    input: z.object({ name: builderName, operationId }).strict(),
    output: builder,
  },
  /** Makes it the builder `docker buildx build` uses when none is named (`buildx use`). */
  'builders.use': {
    input: z.object({ name: builderName, operationId }).strict(),
    output: z.object({ current: z.string() }),
  },
  /**
   * Removes the builder (`buildx rm`). Its BuildKit state (build cache) goes with it unless
   * `keepState`; with `keepDaemon` the daemon keeps running. The context builder cannot be removed.
   */
  'builders.remove': {
    input: z
      .object({ name: builderName, keepState: z.boolean().optional(), keepDaemon: z.boolean().optional(), operationId })
      .strict(),
    output: z.object({ removed: z.string(), keptState: z.boolean(), warnings: z.array(z.string()) }),
  },
  /** Removes one node from a multi-node builder (`buildx create --leave`). */
  'builders.leave': {
    input: z.object({ name: builderName, node: nodeName, operationId }).strict(),
    output: builder,
  },
  /**
   * Checks every node (or those of `names`) with its own bound (default 5 s), in parallel, without
   * starting anything, and adds fleet warnings: BuildKit version drift, certificates expiring within
   * 30 days, key files readable by others, unreachable nodes.
   */
  'builders.health': {
    input: z
      .object({
        names: z.array(builderName).max(100).optional(),
        timeoutMs: boundMs,
        /** Certificates expiring within this many days are warned about (default 30). */
        certificateWarningDays: z.number().int().min(1).max(365).optional(),
      })
      .strict(),
    output: fleetHealth,
  },
} as const;

export const builderEvents = {
  /** The set of builders or their state may have changed (docker event, poll, a command of ours). */
  'builders.changed': z.object({ reason: z.string() }).strict(),
  /** One builder's live state, the moment a list read has it (a silent builder arrives at its bound). */
  'builders.updated': z.object({ builder }).strict(),
  /** A line of progress from a long builder action (create, bootstrap...), then its outcome. */
  'builders.progressed': z
    .object({
      operationId: z.string().optional(),
      builder: z.string(),
      action: z.enum(BUILDER_ACTIONS),
      phase: z.enum(['started', 'progress', 'succeeded', 'failed']),
      message: z.string(),
      at: z.string(),
    })
    .strict(),
} as const;
