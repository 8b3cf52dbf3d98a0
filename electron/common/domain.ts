import { z } from 'zod';
import { ERROR_CODES } from './errors';

/** Names buildx accepts: start with a letter, then letters, digits, '-', '_' or '.'. */
export const BUILDER_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.-]{0,62}$/;

export const builderName = z
  .string()
  .regex(BUILDER_NAME_PATTERN, 'must start with a letter and contain only letters, digits, "-", "_" or "." (max 63)');

export const DRIVERS = ['docker', 'docker-container', 'kubernetes', 'remote'] as const;
export const driver = z.enum(DRIVERS);
export type Driver = z.infer<typeof driver>;

/** Node status as buildx reports it; `unreachable` is ours, for nodes that did not answer in time. */
export const NODE_STATUSES = [
  'running',
  'inactive',
  'stopped',
  'starting',
  'stopping',
  'error',
  'unreachable',
  'unknown',
] as const;
export const nodeStatus = z.enum(NODE_STATUSES);
export type NodeStatus = z.infer<typeof nodeStatus>;

/** One rule of a worker's GC policy, as BuildKit's ListWorkers reports it (sizes in bytes). */
export const gcRule = z.object({
  all: z.boolean(),
  filters: z.array(z.string()),
  keepDurationNs: z.number(),
  reservedSpace: z.number(),
  maxUsedSpace: z.number(),
  minFreeSpace: z.number(),
});
export type GcRule = z.infer<typeof gcRule>;

/** What a running node's ListWorkers says besides platforms: every worker's ID, the first one's labels and GC policy (as buildx keeps them). */
export const nodeWorkers = z.object({
  ids: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  gcPolicy: z.array(gcRule),
});
export type NodeWorkers = z.infer<typeof nodeWorkers>;

export const builderNode = z.object({
  name: z.string(),
  endpoint: z.string(),
  status: nodeStatus,
  buildkitVersion: z.string().optional(),
  platforms: z.array(z.string()),
  /** Platforms the user pinned with --platform at create time (buildx marks them with '*'). */
  pinnedPlatforms: z.array(z.string()),
  /** buildkitd flags and driver options from buildx's instance store (none for a context's builder). */
  flags: z.array(z.string()).optional(),
  driverOpts: z.record(z.string(), z.string()).optional(),
  /** From the last whole read of a running node (a brief read keeps it while the node's platformsKey holds). */
  workers: nodeWorkers.optional(),
  error: z.string().optional(),
});
export type BuilderNode = z.infer<typeof builderNode>;

export const builder = z.object({
  name: z.string(),
  driver: z.string(),
  current: z.boolean(),
  /** The builder of a Docker context (driver docker): cannot be removed. */
  contextBuilder: z.boolean(),
  dynamic: z.boolean(),
  lastActivity: z.string().optional(),
  nodes: z.array(builderNode),
  error: z.string().optional(),
  /** What `error` means, when BuildDeck knows (DOCKER_UNREACHABLE: the engine under it is down). */
  errorCode: z.enum(ERROR_CODES).optional(),
});
export type Builder = z.infer<typeof builder>;

export const buildxInfo = z.object({
  version: z.string(),
  /** Path or command that was run, so a user can tell which buildx answered. */
  command: z.string(),
  features: z.object({
    lsJson: z.boolean(),
    history: z.boolean(),
    duJson: z.boolean(),
    callTargets: z.boolean(),
    /** `bake --allow` (entitlements) exists. */
    bakeAllow: z.boolean(),
    /**
     * `bake --print` leaves output files alone (>= 0.30). Older buildx creates, so truncates, every
     * tar/oci/docker `dest` while it only reads the definition.
     */
    bakePrintLazyOutputs: z.boolean(),
  }),
});
export type BuildxInfo = z.infer<typeof buildxInfo>;

export const engineInfo = z.object({
  reachable: z.literal(true),
  endpoint: z.string(),
  engineVersion: z.string(),
  apiVersion: z.string(),
  os: z.string(),
  arch: z.string(),
  kernelVersion: z.string(),
  operatingSystem: z.string(),
  storageDriver: z.string(),
  cpus: z.number(),
  memoryBytes: z.number(),
  containerdSnapshotter: z.boolean(),
});
export type EngineInfo = z.infer<typeof engineInfo>;

export const buildersSnapshot = z.object({
  builders: z.array(builder),
  /** ISO time the list was read. */
  refreshedAt: z.string(),
  durationMs: z.number(),
  /** The list as last read at `refreshedAt` (`lastKnown`), shown until the live read arrives. */
  stale: z.boolean().optional(),
});
export type BuildersSnapshot = z.infer<typeof buildersSnapshot>;
