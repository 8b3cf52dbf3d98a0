import { z } from 'zod';
import {
  absolutePath,
  cgroupParent,
  cpuPeriod,
  cpuQuota,
  cpuSet,
  cpuShares,
  dockerMemory,
  dockerMemorySwap,
  dockerNetwork,
  envMap,
  goDuration,
  imageRef,
  kubeAnnotations,
  kubeContextName,
  kubeCpu,
  kubeLabels,
  kubeName,
  kubeNamespace,
  kubeQuantity,
  restartPolicy,
  toleration,
} from './fields';

/**
 * THE table of driver options a builder is created with. Each option is declared once: which drivers
 * take it, the `--driver-opt` key buildx reads, the `builddeck builders create` flag, what the form
 * shows (label, hint, placeholder, control) and the zod schema. From it are derived: the contract's
 * per-driver create schemas (create-input.ts), the `buildx create` arguments and the mapping of
 * buildx's refusals back to fields (create-args.ts), the CLI's flags and its error mapping
 * (cli/builders.ts), and the form's draft, its conversion and its controls (renderer
 * features/builders). Adding an option means adding one entry here and, for the form, naming it in
 * a section of features/builders/create-sections.ts. What is computed from the table (names, the
 * zod shape per driver, reading and writing values) is in option-derive.ts; this file is only the table.
 *
 * Keys are contract field paths; a dotted key (`requests.cpu`) is a field of a nested object.
 * Entries are in `--driver-opt` order: buildx applies them in the order given, and the shown command
 * lists them so.
 *
 * What is NOT here: the fields every driver has (name, node, platforms, append, use, bootstrap), the
 * buildkitd flags and config, and the remote endpoint. They are not driver options and each has a
 * shape of its own (create-input.ts); cross-field rules (swap needs memory, TLS only for tcp://) stay
 * there too.
 */

export type CreatableDriver = 'docker-container' | 'kubernetes' | 'remote';

/** How a value is read from a flag or a form control and written into its driver option. */
export type OptionKind =
  /** Text as typed (trimmed; empty means unset). */
  | 'text'
  /** A whole number: sent as a number when it parses, else as typed so the schema names the field. */
  | 'integer'
  /** A switch: set only when on. */
  | 'bool'
  /** KEY=VALUE pairs (one flag each, one form line each), joined as `k=v,k=v` in one driver option. */
  | 'map'
  /** KEY=VALUE pairs, each its own `env.KEY=VALUE` driver option. */
  | 'env'
  /** Kubernetes tolerations, `key=..,operator=..` per flag or form line, joined with ";". */
  | 'tolerations';

export interface FormControl {
  label: string;
  hint?: string;
  placeholder?: string;
  /** Input (default), multi-line text, or a fixed choice. */
  control?: 'area' | 'select';
  choices?: readonly (readonly [value: string, label: string])[];
  rows?: number;
  /** Monospace (values a user would type in a terminal). */
  mono?: boolean;
  /** Spans the form's two columns. */
  wide?: boolean;
  /** A file path: the desktop app offers a file picker beside it. */
  browse?: boolean;
  /** Shown only while this boolean option is on. */
  shownWhen?: string;
}

export interface BuilderOption {
  drivers: readonly CreatableDriver[];
  kind: OptionKind;
  /** buildx's `--driver-opt` key; absent for options BuildDeck itself acts on (kubeconfig). */
  driverOpt?: string;
  /** `builddeck builders create --<flag>`. */
  flag: string;
  /** The form's draft field when it is not the key in camelCase (requests.cpu → requestsCpu). */
  draft?: string;
  form: FormControl;
  schema: z.ZodType;
}

const DC = ['docker-container'] as const;
const KUBE = ['kubernetes'] as const;
const REMOTE = ['remote'] as const;
const DAEMON = ['docker-container', 'kubernetes'] as const;
const ALL = ['docker-container', 'kubernetes', 'remote'] as const;

const kubeResource = (
  key: 'cpu' | 'memory' | 'ephemeral-storage',
  which: 'requests' | 'limits',
  label: string,
  placeholder: string,
) =>
  ({
    drivers: KUBE,
    kind: 'text',
    driverOpt: `${which}.${key}`,
    flag: `${which}-${key}`,
    form: { label, placeholder, mono: true },
    schema: key === 'cpu' ? kubeCpu : kubeQuantity,
  }) as const;

export const BUILDER_OPTIONS = {
  kubeconfig: {
    drivers: KUBE,
    kind: 'text',
    flag: 'kubeconfig',
    form: { label: 'kubeconfig', placeholder: '$KUBECONFIG or ~/.kube/config', mono: true, wide: true, browse: true },
    /** kubeconfig file; default $KUBECONFIG, else ~/.kube/config. */
    schema: absolutePath,
  },
  kubeContext: {
    drivers: KUBE,
    kind: 'text',
    flag: 'kube-context',
    form: { label: 'Context', placeholder: 'its current-context', mono: true },
    /** Context in that kubeconfig; default its current-context. */
    schema: kubeContextName,
  },
  namespace: {
    drivers: KUBE,
    kind: 'text',
    driverOpt: 'namespace',
    flag: 'namespace',
    form: { label: 'Namespace', placeholder: "the context's namespace", mono: true },
    schema: kubeNamespace,
  },
  image: {
    drivers: DAEMON,
    kind: 'text',
    driverOpt: 'image',
    flag: 'image',
    form: { label: 'BuildKit image', placeholder: 'moby/buildkit:buildx-stable-1', mono: true },
    schema: imageRef,
  },
  network: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'network',
    flag: 'network',
    form: {
      label: 'Network',
      placeholder: 'bridge',
      hint: 'host lets builds reach services on this machine.',
      mono: true,
    },
    schema: dockerNetwork,
  },
  memory: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'memory',
    flag: 'memory',
    form: { label: 'Memory', placeholder: '2g', hint: 'e.g. 512m, 2g', mono: true },
    schema: dockerMemory,
  },
  memorySwap: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'memory-swap',
    flag: 'memory-swap',
    form: { label: 'Memory + swap', placeholder: '4g', hint: '-1 for unlimited swap', mono: true },
    schema: dockerMemorySwap,
  },
  cpuQuota: {
    drivers: DC,
    kind: 'integer',
    driverOpt: 'cpu-quota',
    flag: 'cpu-quota',
    form: {
      label: 'CPU quota (µs)',
      placeholder: '50000',
      hint: 'per period; 50000 of 100000 = half a CPU',
      mono: true,
    },
    schema: cpuQuota,
  },
  cpuPeriod: {
    drivers: DC,
    kind: 'integer',
    driverOpt: 'cpu-period',
    flag: 'cpu-period',
    form: { label: 'CPU period (µs)', placeholder: '100000', mono: true },
    schema: cpuPeriod,
  },
  cpuShares: {
    drivers: DC,
    kind: 'integer',
    driverOpt: 'cpu-shares',
    flag: 'cpu-shares',
    form: { label: 'CPU shares', placeholder: '1024', hint: 'relative weight', mono: true },
    schema: cpuShares,
  },
  cpusetCpus: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'cpuset-cpus',
    flag: 'cpuset-cpus',
    form: { label: 'CPUs', placeholder: '0-3', mono: true },
    schema: cpuSet,
  },
  cpusetMems: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'cpuset-mems',
    flag: 'cpuset-mems',
    form: { label: 'Memory nodes', placeholder: '0', mono: true },
    schema: cpuSet,
  },
  cgroupParent: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'cgroup-parent',
    flag: 'cgroup-parent',
    form: { label: 'cgroup parent', placeholder: '/docker/buildx', mono: true },
    schema: cgroupParent,
  },
  restartPolicy: {
    drivers: DC,
    kind: 'text',
    driverOpt: 'restart-policy',
    flag: 'restart-policy',
    form: {
      label: 'Restart policy',
      control: 'select',
      choices: [
        ['', 'Default (unless-stopped)'],
        ['no', 'no'],
        ['always', 'always'],
        ['unless-stopped', 'unless-stopped'],
        ['on-failure', 'on-failure'],
      ],
    },
    schema: restartPolicy,
  },
  replicas: {
    drivers: KUBE,
    kind: 'integer',
    driverOpt: 'replicas',
    flag: 'replicas',
    form: { label: 'Replicas', placeholder: '1', mono: true },
    schema: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100'),
  },
  'requests.cpu': kubeResource('cpu', 'requests', 'CPU request', '500m'),
  'requests.memory': kubeResource('memory', 'requests', 'Memory request', '1Gi'),
  'requests.ephemeralStorage': kubeResource('ephemeral-storage', 'requests', 'Ephemeral storage request', '2Gi'),
  'limits.cpu': kubeResource('cpu', 'limits', 'CPU limit', '2'),
  'limits.memory': kubeResource('memory', 'limits', 'Memory limit', '4Gi'),
  'limits.ephemeralStorage': kubeResource('ephemeral-storage', 'limits', 'Ephemeral storage limit', '10Gi'),
  nodeSelector: {
    drivers: KUBE,
    kind: 'map',
    driverOpt: 'nodeselector',
    flag: 'node-selector',
    form: {
      label: 'Node selector',
      control: 'area',
      rows: 2,
      placeholder: 'kubernetes.io/arch=arm64',
      hint: 'One key=value per line.',
    },
    schema: kubeLabels,
  },
  tolerations: {
    drivers: KUBE,
    kind: 'tolerations',
    driverOpt: 'tolerations',
    flag: 'toleration',
    form: {
      label: 'Tolerations',
      control: 'area',
      rows: 2,
      placeholder: 'key=dedicated,operator=Equal,value=builds,effect=NoSchedule',
      hint: 'One toleration per line.',
    },
    schema: z.array(toleration).max(32),
  },
  annotations: {
    drivers: KUBE,
    kind: 'map',
    driverOpt: 'annotations',
    flag: 'annotation',
    form: { label: 'Annotations', control: 'area', rows: 2, placeholder: 'example.com/owner=ci' },
    schema: kubeAnnotations,
  },
  labels: {
    drivers: KUBE,
    kind: 'map',
    driverOpt: 'labels',
    flag: 'label',
    form: { label: 'Labels', control: 'area', rows: 2, placeholder: 'team=platform' },
    schema: kubeLabels,
  },
  serviceAccount: {
    drivers: KUBE,
    kind: 'text',
    driverOpt: 'serviceaccount',
    flag: 'service-account',
    form: { label: 'Service account', mono: true },
    schema: kubeName,
  },
  schedulerName: {
    drivers: KUBE,
    kind: 'text',
    driverOpt: 'schedulername',
    flag: 'scheduler-name',
    form: { label: 'Scheduler', mono: true },
    schema: kubeName,
  },
  timeout: {
    drivers: KUBE,
    kind: 'text',
    driverOpt: 'timeout',
    flag: 'kube-timeout',
    draft: 'kubeTimeout',
    form: { label: 'Pod start timeout', placeholder: '120s', mono: true },
    /** How long buildx waits for pods (Go duration). */
    schema: goDuration,
  },
  rootless: {
    drivers: KUBE,
    kind: 'bool',
    driverOpt: 'rootless',
    flag: 'rootless',
    form: { label: 'Rootless BuildKit' },
    schema: z.boolean(),
  },
  loadbalance: {
    drivers: KUBE,
    kind: 'text',
    driverOpt: 'loadbalance',
    flag: 'loadbalance',
    form: {
      label: 'Load balancing',
      control: 'select',
      choices: [
        ['', 'Default (sticky)'],
        ['sticky', 'sticky: by build context'],
        ['random', 'random'],
      ],
    },
    schema: z.enum(['sticky', 'random']),
  },
  qemuInstall: {
    drivers: KUBE,
    kind: 'bool',
    driverOpt: 'qemu.install',
    flag: 'qemu-install',
    form: { label: 'Install QEMU for foreign platforms' },
    schema: z.boolean(),
  },
  qemuImage: {
    drivers: KUBE,
    kind: 'text',
    driverOpt: 'qemu.image',
    flag: 'qemu-image',
    form: { label: 'QEMU image', placeholder: 'tonistiigi/binfmt:latest', mono: true, shownWhen: 'qemuInstall' },
    schema: imageRef,
  },
  cacert: {
    drivers: REMOTE,
    kind: 'text',
    driverOpt: 'cacert',
    flag: 'cacert',
    form: { label: 'CA certificate', placeholder: '/path/to/ca.pem', mono: true, wide: true, browse: true },
    /** CA that signed buildkitd's certificate. */
    schema: absolutePath,
  },
  cert: {
    drivers: REMOTE,
    kind: 'text',
    driverOpt: 'cert',
    flag: 'cert',
    form: { label: 'Client certificate', placeholder: '/path/to/cert.pem', mono: true, wide: true, browse: true },
    /** Client certificate and key for mutual TLS. */
    schema: absolutePath,
  },
  key: {
    drivers: REMOTE,
    kind: 'text',
    driverOpt: 'key',
    flag: 'key',
    form: {
      label: 'Client key',
      placeholder: '/path/to/key.pem',
      hint: 'Should be readable by you alone (chmod 600).',
      mono: true,
      wide: true,
      browse: true,
    },
    schema: absolutePath,
  },
  servername: {
    drivers: REMOTE,
    kind: 'text',
    driverOpt: 'servername',
    flag: 'servername',
    form: { label: 'Server name', placeholder: 'as in the server certificate', mono: true },
    /** Name to verify buildkitd's certificate against when it differs from the endpoint host. */
    schema: z
      .string()
      .max(253, 'is too long')
      .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
  },
  defaultLoad: {
    drivers: ALL,
    kind: 'bool',
    driverOpt: 'default-load',
    flag: 'default-load',
    form: { label: 'Load images into Docker by default', hint: 'Like --load on every build.' },
    schema: z.boolean(),
  },
  env: {
    drivers: DAEMON,
    kind: 'env',
    driverOpt: 'env',
    flag: 'env',
    form: {
      label: 'Environment',
      control: 'area',
      rows: 2,
      placeholder: 'HTTP_PROXY=http://proxy:3128\nNO_PROXY=localhost,127.0.0.1',
      hint: 'One KEY=VALUE per line.',
    },
    /** Environment variables for buildkitd. */
    schema: envMap,
  },
} as const satisfies Record<string, BuilderOption>;

export type OptionKey = keyof typeof BUILDER_OPTIONS;
