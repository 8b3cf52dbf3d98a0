import type { Toleration } from './fields';
import type { BuilderCreateInput } from './create-input';

/**
 * The one place that turns a validated create input into `docker buildx create` arguments. The core
 * runs exactly these (as an argument array, never through a shell) and the form shows them, quoted
 * for a POSIX shell, as the equivalent command.
 */

/** What the core decided on the way: paths buildx must read. */
export interface CreateResolution {
  /** File buildx reads buildkitd.toml from: the user's file or BuildDeck's private copy of pasted text. */
  buildkitdConfigPath?: string;
  /** kubeconfig buildx records for a kubernetes node (its KUBECONFIG at create time). */
  kubeconfigPath?: string;
}

export interface CreateCommand {
  /** Arguments after the docker binary: ['buildx', 'create', ...]. */
  args: string[];
  /** Extra environment for the process (KUBECONFIG for kubernetes). */
  env: Record<string, string>;
}

/** Placeholders shown before the core has resolved real paths. */
export const PASTED_CONFIG_PLACEHOLDER = 'buildkitd.toml';

/** Form field for each driver option: buildx's refusals name the option, the form needs the field. */
export const FIELD_OF_DRIVER_OPT: Readonly<Record<string, string>> = {
  image: 'image',
  network: 'network',
  memory: 'memory',
  'memory-swap': 'memorySwap',
  'cpu-quota': 'cpuQuota',
  'cpu-period': 'cpuPeriod',
  'cpu-shares': 'cpuShares',
  'cpuset-cpus': 'cpusetCpus',
  'cpuset-mems': 'cpusetMems',
  'cgroup-parent': 'cgroupParent',
  'restart-policy': 'restartPolicy',
  'default-load': 'defaultLoad',
  namespace: 'namespace',
  replicas: 'replicas',
  'requests.cpu': 'requests.cpu',
  'requests.memory': 'requests.memory',
  'requests.ephemeral-storage': 'requests.ephemeralStorage',
  'limits.cpu': 'limits.cpu',
  'limits.memory': 'limits.memory',
  'limits.ephemeral-storage': 'limits.ephemeralStorage',
  nodeselector: 'nodeSelector',
  tolerations: 'tolerations',
  annotations: 'annotations',
  labels: 'labels',
  serviceaccount: 'serviceAccount',
  schedulername: 'schedulerName',
  timeout: 'timeout',
  rootless: 'rootless',
  loadbalance: 'loadbalance',
  'qemu.install': 'qemuInstall',
  'qemu.image': 'qemuImage',
  cacert: 'cacert',
  cert: 'cert',
  key: 'key',
  servername: 'servername',
};

export function fieldOfDriverOpt(key: string): string {
  if (key.startsWith('env.')) return `env.${key.slice(4)}`;
  return FIELD_OF_DRIVER_OPT[key] ?? key;
}

const joinMap = (map: Record<string, string>) =>
  Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function formatToleration(t: Toleration): string {
  const parts: string[] = [];
  if (t.key !== undefined) parts.push(`key=${t.key}`);
  if (t.operator !== undefined) parts.push(`operator=${t.operator}`);
  if (t.value !== undefined) parts.push(`value=${t.value}`);
  if (t.effect !== undefined) parts.push(`effect=${t.effect}`);
  if (t.tolerationSeconds !== undefined) parts.push(`tolerationSeconds=${t.tolerationSeconds}`);
  return parts.join(',');
}

/** Driver options in form order, as [key, value] pairs. */
export function driverOptsOf(input: BuilderCreateInput): [string, string][] {
  const opts: [string, string][] = [];
  const add = (key: string, value: string | number | boolean | undefined) => {
    if (value !== undefined && value !== '') opts.push([key, String(value)]);
  };
  const addEnv = (env: Record<string, string> | undefined) => {
    for (const [k, v] of Object.entries(env ?? {})) opts.push([`env.${k}`, v]);
  };
  switch (input.driver) {
    case 'docker-container':
      add('image', input.image);
      add('network', input.network);
      add('memory', input.memory);
      add('memory-swap', input.memorySwap);
      add('cpu-quota', input.cpuQuota);
      add('cpu-period', input.cpuPeriod);
      add('cpu-shares', input.cpuShares);
      add('cpuset-cpus', input.cpusetCpus);
      add('cpuset-mems', input.cpusetMems);
      add('cgroup-parent', input.cgroupParent);
      add('restart-policy', input.restartPolicy);
      add('default-load', input.defaultLoad);
      addEnv(input.env);
      break;
    case 'kubernetes':
      add('namespace', input.namespace);
      add('image', input.image);
      add('replicas', input.replicas);
      add('requests.cpu', input.requests?.cpu);
      add('requests.memory', input.requests?.memory);
      add('requests.ephemeral-storage', input.requests?.ephemeralStorage);
      add('limits.cpu', input.limits?.cpu);
      add('limits.memory', input.limits?.memory);
      add('limits.ephemeral-storage', input.limits?.ephemeralStorage);
      if (input.nodeSelector && Object.keys(input.nodeSelector).length > 0)
        add('nodeselector', joinMap(input.nodeSelector));
      if (input.tolerations && input.tolerations.length > 0)
        add('tolerations', input.tolerations.map(formatToleration).join(';'));
      if (input.annotations && Object.keys(input.annotations).length > 0)
        add('annotations', joinMap(input.annotations));
      if (input.labels && Object.keys(input.labels).length > 0) add('labels', joinMap(input.labels));
      add('serviceaccount', input.serviceAccount);
      add('schedulername', input.schedulerName);
      add('timeout', input.timeout);
      add('rootless', input.rootless);
      add('loadbalance', input.loadbalance);
      add('qemu.install', input.qemuInstall);
      add('qemu.image', input.qemuImage);
      add('default-load', input.defaultLoad);
      addEnv(input.env);
      break;
    case 'remote':
      add('cacert', input.cacert);
      add('cert', input.cert);
      add('key', input.key);
      add('servername', input.servername);
      add('default-load', input.defaultLoad);
      break;
  }
  return opts;
}

/**
 * buildx reads each --driver-opt as one CSV record of k=v fields, so a value holding a comma or a
 * quote must be written as one quoted CSV field ("k=a,b"), with inner quotes doubled.
 */
export function driverOptArg(key: string, value: string): string {
  const field = `${key}=${value}`;
  return /[",\r\n]/.test(field) || field.startsWith(' ') || field.endsWith(' ')
    ? `"${field.replace(/"/g, '""')}"`
    : field;
}

export function buildCreateCommand(input: BuilderCreateInput, resolved: CreateResolution = {}): CreateCommand {
  const args = ['buildx', 'create', '--name', input.name, '--driver', input.driver];
  if (input.append) args.push('--append');
  if (input.node !== undefined) args.push('--node', input.node);
  if (input.platforms && input.platforms.length > 0) args.push('--platform', input.platforms.join(','));
  for (const [key, value] of driverOptsOf(input)) args.push('--driver-opt', driverOptArg(key, value));
  if (input.driver !== 'remote') {
    if (input.buildkitdFlags !== undefined && input.buildkitdFlags.trim() !== '')
      args.push('--buildkitd-flags', input.buildkitdFlags);
    const config =
      resolved.buildkitdConfigPath ??
      input.buildkitdConfigPath ??
      (input.buildkitdConfigToml !== undefined ? PASTED_CONFIG_PLACEHOLDER : undefined);
    if (config !== undefined) args.push('--buildkitd-config', config);
  }
  if (input.use) args.push('--use');
  if (input.bootstrap) args.push('--bootstrap');
  if (input.driver === 'remote') args.push(input.endpoint.trim());
  const env: Record<string, string> = {};
  if (input.driver === 'kubernetes') {
    const kubeconfig = resolved.kubeconfigPath ?? input.kubeconfig;
    if (kubeconfig !== undefined) env['KUBECONFIG'] = kubeconfig;
  }
  return { args, env };
}

/** `buildx create --leave`: removes one node from a multi-node builder. */
export function buildLeaveArgs(name: string, node: string): string[] {
  return ['buildx', 'create', '--leave', '--name', name, '--node', node];
}

/** Quotes one word for a POSIX shell; plain words stay readable. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_/.:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command a user can paste into a terminal. With a pinned kube context, the first line writes
 * the one-context kubeconfig BuildDeck derives (buildx always uses a kubeconfig's current context).
 */
export function formatCreateCommand(
  input: BuilderCreateInput,
  resolved: CreateResolution = {},
  options: { docker?: string; multiline?: boolean } = {},
): string {
  const docker = options.docker ?? 'docker';
  const { args, env } = buildCreateCommand(input, resolved);
  const lines: string[] = [];
  if (input.driver === 'kubernetes' && input.kubeContext !== undefined && resolved.kubeconfigPath === undefined) {
    const derived = `kubeconfig-${input.name}.yaml`;
    const source = input.kubeconfig !== undefined ? `KUBECONFIG=${shellQuote(input.kubeconfig)} ` : '';
    lines.push(
      `(umask 077; ${source}kubectl config view --minify --flatten --context ${shellQuote(input.kubeContext)} > ${derived})`,
    );
    env['KUBECONFIG'] = derived;
  }
  const prefix = Object.entries(env)
    .map(([k, v]) => `${k}=${shellQuote(v)} `)
    .join('');
  if (!options.multiline) {
    lines.push(prefix + [docker, ...args].map(shellQuote).join(' '));
    return lines.join('\n');
  }
  // One option per line, continued with a backslash: readable in a form, still pastes as one command.
  const parts: string[] = [`${prefix}${docker} ${args.slice(0, 2).join(' ')}`];
  for (let i = 2; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (VALUE_FLAGS.has(arg) && next !== undefined) {
      parts.push(`  ${arg} ${shellQuote(next)}`);
      i++;
    } else {
      parts.push(`  ${shellQuote(arg)}`);
    }
  }
  lines.push(parts.join(' \\\n'));
  return lines.join('\n');
}

const VALUE_FLAGS = new Set([
  '--name',
  '--driver',
  '--node',
  '--platform',
  '--driver-opt',
  '--buildkitd-flags',
  '--buildkitd-config',
]);
