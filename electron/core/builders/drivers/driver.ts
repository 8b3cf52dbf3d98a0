import type { CreateResolution } from '../../../common/builders/create-args';
import type { BuilderCreateInput } from '../../../common/builders/create-input';
import type { BuilderNodeDetails, NodeTls } from '../../../common/contracts/builders';
import type { CallOptions, Clock } from '../../ports';
import type {
  BuilderOpsPort,
  BuildkitContainersPort,
  HostFilesPort,
  KubePort,
  KubeTarget,
  NetworkProbePort,
  StoredBuilderDetails,
  StoredNodeDetails,
} from '../ports';

/**
 * What differs between buildx drivers, as one object per driver (drivers/<name>.ts) chosen in one
 * place (drivers/registry.ts). The use cases (create, lifecycle, inspect, health) never test a
 * driver's name: they call the hook, and a driver without it has nothing to add. Adding a driver
 * means adding one file here and one line to the registry.
 */

/** The ports drivers may use; the registry holds them, so the use cases need not. */
export interface DriverPorts {
  ops: BuilderOpsPort;
  containers: BuildkitContainersPort;
  files: HostFilesPort;
  kube: KubePort;
  probe: NetworkProbePort;
  clock: Clock;
}

/** What a driver resolves before `buildx create` runs. */
export interface CreatePreparation {
  resolution: CreateResolution;
  /** Lets a cluster failure name the context and server. */
  kube?: KubeTarget;
  /** A file BuildDeck wrote for this node; removed again when the create is undone. */
  ownFile?: string;
}

export interface BuilderDriver {
  readonly name: string;
  /**
   * `buildx inspect` reaches this driver's daemon only with --bootstrap, which starts nothing for it
   * (remote), so a health check may pass it.
   */
  readonly dialsOnlyOnBootstrap?: boolean;

  // create
  /** Files the driver reads at create time (certificates), checked before buildx records them. */
  checkCreateFiles?: (input: BuilderCreateInput, warnings: string[], certificateWarningDays: number) => Promise<void>;
  /** Refuses at once what buildx would only fail after a long wait. */
  beforeCreate?: (input: BuilderCreateInput, boundMs: number) => Promise<void>;
  /** Resolves what the create command needs (a kubeconfig). */
  prepareCreate?: (
    input: BuilderCreateInput,
    before: StoredBuilderDetails | undefined,
    call: CallOptions,
  ) => Promise<CreatePreparation>;
  /** True when, after this failure, the daemon cannot be deleted either: rollback drops only the record. */
  daemonGoneAfter?: (cause: unknown) => boolean;
  /** What a create that ran out of time was waiting for, and which form field to look at. */
  createStall?: (input: BuilderCreateInput, kube: KubeTarget | undefined) => { field: string; waitingFor: string };

  // lifecycle
  /** Refuses at once a bootstrap no node can answer. */
  beforeBootstrap?: (stored: StoredBuilderDetails, boundMs: number) => Promise<void>;
  /** The cluster a builder runs on, so its failures can name it. */
  kubeTarget?: (stored: StoredBuilderDetails, call: CallOptions) => Promise<KubeTarget | undefined>;
  /** Cleans up what `buildx rm` leaves behind; notes what it did in `warnings`. */
  afterRemove?: (
    stored: StoredBuilderDetails,
    options: { keepState: boolean; keepDaemon: boolean },
    warnings: string[],
  ) => Promise<void>;
  /** Cleans up after nodes left a builder. */
  afterLeave?: (nodes: StoredNodeDetails[]) => Promise<void>;

  // inspect
  /** The container a node runs in, when BuildDeck can measure one. */
  containerOf?: (node: string) => string;
  /** What only this driver knows about a node (its container, TLS files, cluster). */
  nodeDetails?: (
    node: { name: string; endpoint: string },
    driverOpts: Record<string, string>,
    call: { timeoutMs: number; logLines: number },
  ) => Promise<Partial<BuilderNodeDetails>>;

  // health
  /** Why an endpoint cannot answer (undefined when it may), found without dialling BuildKit. */
  probeNode?: (endpoint: string, boundMs: number) => Promise<string | undefined>;
  /** The node's TLS files, read for expiry and key permissions. */
  nodeTls?: (driverOpts: Record<string, string>) => Promise<NodeTls | undefined>;
}
