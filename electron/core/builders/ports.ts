import type { CreateCommand } from '../../common/builders/create-args';
import type { BuildkitContainer, CertificateInfo, ContainerStats } from '../../common/contracts/builders';
import type { Builder } from '../../common/domain';
import type { CallOptions } from '../ports';

/**
 * What builder operations need from the world, beyond the shared BuildxPort. Adapters:
 * adapters/buildx/builder-ops.ts, adapters/docker/buildkit-containers.ts, adapters/host/*.
 */

export interface RunCall extends CallOptions {
  /** Each complete stderr line as it arrives (bootstrap progress). */
  onLine?: (line: string) => void;
  /** For kubernetes builders: lets a cluster failure name the context and server. */
  kube?: KubeTarget;
}

/** A node as buildx's instance store records it, with what `inspect` does not always print. */
export interface StoredNodeDetails {
  name: string;
  endpoint: string;
  pinnedPlatforms: string[];
  driverOpts: Record<string, string>;
  flags: string[];
  files: { name: string; content: string }[];
}

export interface StoredBuilderDetails {
  name: string;
  driver: string;
  nodes: StoredNodeDetails[];
}

/** `buildx inspect` text, per node: what only a live daemon reports (labels, GC policy). */
export interface InspectedNode {
  name: string;
  driverOpts: Record<string, string>;
  flags: string[];
  labels: Record<string, string>;
  gcPolicy: { key: string; value: string }[][];
  files: { name: string; content: string }[];
}

export interface InspectReport {
  builder: Builder;
  nodes: InspectedNode[];
}

export interface BuilderOpsPort {
  /**
   * Runs the create command. Rejects with buildx's refusal mapped to our codes, naming the form
   * field in details.field where the message allows.
   */
  create(command: CreateCommand, call: RunCall): Promise<void>;
  /** `buildx inspect [--bootstrap] NAME`, parsed. */
  inspect(name: string, call: RunCall & { bootstrap?: boolean }): Promise<InspectReport>;
  stop(name: string, call: RunCall): Promise<void>;
  use(name: string, call: RunCall): Promise<void>;
  remove(name: string, options: { keepState: boolean; keepDaemon: boolean }, call: RunCall): Promise<void>;
  leave(name: string, node: string, call: RunCall): Promise<void>;
  /** One builder from the instance store; undefined when buildx has no such record. */
  stored(name: string): Promise<StoredBuilderDetails | undefined>;
  storedAll(): Promise<StoredBuilderDetails[]>;
  /** A directory BuildDeck may keep per-builder files in (derived kubeconfigs), next to buildx's state. */
  dataDir(): string;
}

export interface BuildkitContainersPort {
  /** undefined when no such container exists. */
  inspect(container: string, options: CallOptions & { logLines: number }): Promise<BuildkitContainer | undefined>;
  /** One CPU/memory sample; undefined when the container is not running. */
  stats(container: string, options: CallOptions): Promise<ContainerStats | undefined>;
  /**
   * Force-removes a container (and a volume) that `buildx rm` left behind; true when something
   * was removed. Only ever called with the names buildx gives a node's container and state volume.
   */
  removeLeftover(container: string, volume: string | undefined, options: CallOptions): Promise<boolean>;
  /** Stops a running buildkitd container (a no-op when it is not running or gone). */
  stop(container: string, options: CallOptions): Promise<void>;
}

export type FileCheck =
  | { ok: true; mode: number; size: number }
  | { ok: false; reason: 'missing' | 'unreadable' | 'not-a-file'; message: string };

export interface HostFilesPort {
  check(path: string): Promise<FileCheck>;
  readText(path: string, maxBytes: number): Promise<string>;
  /** Writes a file only the current user can read (0600 in a 0700 directory); returns its path. */
  writePrivate(path: string, content: string): Promise<void>;
  /** A fresh private temporary path for one-off files such as a pasted buildkitd.toml. */
  tempPath(name: string): Promise<string>;
  remove(path: string): Promise<void>;
  readCertificate(path: string): Promise<CertificateInfo>;
}

export type ProbeResult = 'open' | 'refused' | 'timeout' | 'unresolved' | 'error';

export interface NetworkProbePort {
  /** Opens and closes one TCP connection to host:port within timeoutMs. */
  tcp(host: string, port: number, timeoutMs: number): Promise<{ result: ProbeResult; detail?: string }>;
}

export interface KubeTarget {
  /** The kubeconfig buildx would read. */
  kubeconfig: string;
  /** The context in it that would be used. */
  context: string;
  server?: string;
  namespace?: string;
}

export interface KubePort {
  /**
   * Which kubeconfig and context a kubernetes builder would use: the given file (or $KUBECONFIG,
   * else ~/.kube/config) and the given context (or its current-context). Rejects INVALID_INPUT with
   * field kubeconfig / kubeContext when there is none or the context does not exist.
   */
  resolve(kubeconfig: string | undefined, context: string | undefined, call: CallOptions): Promise<KubeTarget>;
  /** Writes a one-context kubeconfig (0600) whose current-context is `context`. */
  derive(target: KubeTarget, path: string, call: CallOptions): Promise<void>;
}
