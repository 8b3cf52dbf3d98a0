import type { Toleration } from './fields';
import { FIELD_OF_DRIVER_OPT, optionsOf, optionValue, TOLERATION_FIELDS } from './option-derive';
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

export { FIELD_OF_DRIVER_OPT };

export function fieldOfDriverOpt(key: string): string {
  if (key.startsWith('env.')) return `env.${key.slice(4)}`;
  return FIELD_OF_DRIVER_OPT[key] ?? key;
}

const joinMap = (map: Record<string, string>) =>
  Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function formatToleration(t: Toleration): string {
  return TOLERATION_FIELDS.filter((f) => t[f] !== undefined)
    .map((f) => `${f}=${String(t[f])}`)
    .join(',');
}

/** Driver options in the table's order (options.ts), as [key, value] pairs. */
export function driverOptsOf(input: BuilderCreateInput): [string, string][] {
  const opts: [string, string][] = [];
  for (const [key, option] of optionsOf(input.driver)) {
    const value = optionValue(input, key);
    const opt = option.driverOpt;
    if (opt === undefined || value === undefined || value === '') continue;
    switch (option.kind) {
      case 'env':
        for (const [k, v] of Object.entries(value as Record<string, string>)) opts.push([`${opt}.${k}`, v]);
        break;
      case 'map':
        if (Object.keys(value as Record<string, string>).length > 0)
          opts.push([opt, joinMap(value as Record<string, string>)]);
        break;
      case 'tolerations':
        if ((value as Toleration[]).length > 0)
          opts.push([opt, (value as Toleration[]).map(formatToleration).join(';')]);
        break;
      case 'text':
      case 'integer':
      case 'bool':
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          opts.push([opt, String(value)]);
    }
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
