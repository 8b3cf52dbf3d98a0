import { OPTION_ENTRIES, parseToleration, setOptionValue } from '../common/builders/option-derive';
import type { BuilderOption, FormControl } from '../common/builders/options';
import { csvFields } from '../common/validation';

/**
 * `builddeck builders create` flags: the ones every driver has, and one per driver option of the
 * table (common/builders/options.ts) with its usage line, its conversion to the contract's field
 * and the field-to-flag mapping that makes an INVALID_INPUT name the flag to fix.
 */

/** How a driver option's flag is shown in the usage: an example value, or what kind of value. */
function flagArgument(o: BuilderOption): string {
  const form: FormControl = o.form;
  if (o.kind === 'bool') return '';
  if (o.kind === 'map') return ' K=V';
  if (o.kind === 'env') return ' KEY=VALUE';
  if (o.kind === 'tolerations') return ' key=K,operator=Equal,value=V,effect=NoSchedule[,tolerationSeconds=N]';
  if (form.choices) return ` ${form.choices.flatMap(([v]) => (v ? [v] : [])).join('|')}`;
  if (form.browse) return ' FILE';
  if (form.placeholder && !/[\s$]/.test(form.placeholder)) return ` ${form.placeholder}`;
  return ` ${(o.flag.split('-').pop() ?? o.flag).toUpperCase()}`;
}

/** Group order in the usage, and the flags of each group that are not driver options. */
const USAGE_GROUPS: [title: string, fixed: string[]][] = [
  ['every driver', []],
  [
    'docker-container and kubernetes',
    [
      '  --buildkitd-flags F      e.g. "--debug"                  --buildkitd-config FILE  buildkitd.toml (checked first)',
    ],
  ],
  ['docker-container', []],
  ['kubernetes', []],
  ['remote', ['  ENDPOINT (after NAME): tcp://HOST:PORT, unix:///PATH, docker-container://NAME or kube-pod://POD']],
];

/** The driver options' flags, grouped by the drivers that take them (from common/builders/options.ts). */
export function optionUsage(): string {
  const lines: string[] = [];
  for (const [title, fixed] of USAGE_GROUPS) {
    const flags = OPTION_ENTRIES.filter(
      ([, o]) => (o.drivers.length === 3 ? 'every driver' : o.drivers.join(' and ')) === title,
    ).map(([, o]) => `--${o.flag}${flagArgument(o)}`);
    lines.push(`${title}:`, ...fixed);
    let line: string[] = [];
    for (const flag of flags) {
      if (line.length > 0 && `  ${[...line, flag].join('  ')}`.length > 100) {
        lines.push(`  ${line.join('  ')}`);
        line = [];
      }
      line.push(flag);
    }
    if (line.length > 0) lines.push(`  ${line.join('  ')}`);
  }
  return lines.join('\n');
}

/** Contract field → the flag a user typed, so an INVALID_INPUT names something they can fix. */
const FLAG_OF_FIELD: Record<string, string> = {
  name: 'NAME',
  endpoint: 'ENDPOINT',
  timeoutMs: '--timeout',
  platforms: '--platform',
  ...Object.fromEntries(OPTION_ENTRIES.map(([key, o]) => [key, `--${o.flag}`])),
};

export function flagOfField(field: string): string {
  const direct = FLAG_OF_FIELD[field];
  if (direct) return direct;
  const head = field.split('.')[0] ?? field;
  const mapped = FLAG_OF_FIELD[head];
  if (mapped) return mapped;
  return `--${head.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const keyValues = (list: string[] | undefined, flag: string): Record<string, string> | undefined => {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
};

function toleration(text: string): Record<string, unknown> {
  const { value, bad } = parseToleration(text);
  if (bad !== undefined)
    throw new UsageError(`--toleration takes key=,operator=,value=,effect=,tolerationSeconds=; got "${bad}"`);
  return value;
}

export class UsageError extends Error {}

/** A number when it looks like one, else the text: the contract then names the field and says why. */
export const num = (v: string | undefined) => (v === undefined ? undefined : /^-?\d+$/.test(v) ? Number(v) : v);
export const seconds = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${flag} takes seconds, got "${v}"`);
  return Math.round(Number(v) * 1000);
};

/** Flags every driver has, then one per driver option of the table (common/builders/options.ts). */
export const CREATE_OPTIONS = {
  driver: { type: 'string' },
  node: { type: 'string' },
  append: { type: 'boolean' },
  platform: { type: 'string', multiple: true },
  use: { type: 'boolean' },
  bootstrap: { type: 'boolean' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'buildkitd-flags': { type: 'string' },
  'buildkitd-config': { type: 'string' },
  endpoint: { type: 'string' },
  // buildx's own names for the same things (read by builders.ts: --name, --driver-opt, --config).
  name: { type: 'string' },
  'driver-opt': { type: 'string', multiple: true },
  config: { type: 'string' },
  leave: { type: 'boolean' },
  ...Object.fromEntries(
    OPTION_ENTRIES.map(([, o]) => [
      o.flag,
      o.kind === 'bool'
        ? { type: 'boolean' }
        : o.kind === 'map' || o.kind === 'env' || o.kind === 'tolerations'
          ? { type: 'string', multiple: true }
          : { type: 'string' },
    ]),
  ),
} satisfies Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

export type CreateValues = Record<string, string | boolean | string[] | undefined>;

/** A flag's value as the contract field wants it (the schema then checks it). */
function optionFromFlag(option: BuilderOption, value: string | boolean | string[] | undefined): unknown {
  if (value === undefined) return undefined;
  switch (option.kind) {
    case 'integer':
      return num(value as string);
    case 'map':
    case 'env':
      return keyValues(value as string[], `--${option.flag}`);
    case 'tolerations':
      return (value as string[]).map(toleration);
    case 'text':
    case 'bool':
      return value;
  }
}

/** Flags → the contract's create input. Only flags the user gave appear (so strictness catches misuse). */
export function createInputFromFlags(
  name: string | undefined,
  endpoint: string | undefined,
  v: CreateValues,
): Record<string, unknown> {
  const input: Record<string, unknown> = { name, driver: v['driver'] };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  set('node', v['node']);
  set('append', v['append']);
  set(
    'platforms',
    (v['platform'] as string[] | undefined)
      ?.flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean),
  );
  set('use', v['use']);
  set('bootstrap', v['bootstrap']);
  set('timeoutMs', seconds(v['timeout'] as string | undefined, '--timeout'));
  set('buildkitdFlags', v['buildkitd-flags']);
  set('buildkitdConfigPath', v['buildkitd-config']);
  for (const [key, option] of OPTION_ENTRIES) setOptionValue(input, key, optionFromFlag(option, v[option.flag]));
  set('endpoint', endpoint ?? v['endpoint']);
  return input;
}

// ---------------------------------------------------------------------------------------------
// `docker buildx create`'s own spelling: --name, --driver-opt KEY=VALUE[,KEY=VALUE], --config.

/** buildx's `--driver-opt` value (common/validation.ts csvFields), empty fields left out. */
export function driverOptFields(text: string): string[] {
  const fields = csvFields(text);
  if (!fields) throw new UsageError(`--driver-opt ${text}: a quote is not closed`);
  return fields.filter((f) => f !== '');
}

const BY_DRIVER_OPT = new Map(OPTION_ENTRIES.flatMap(([, o]) => (o.driverOpt ? [[o.driverOpt, o] as const] : [])));

/**
 * `--driver-opt` values onto the flags they are here (the table's `driverOpt` -> `flag`): the same
 * option whichever way it was typed, checked by the same schema. A flag given by its own name wins.
 */
export function driverOptFlags(values: readonly string[], flags: CreateValues): CreateValues {
  const out: CreateValues = { ...flags };
  const list = (flag: string, items: string[]) => {
    if (flags[flag] === undefined) out[flag] = [...((out[flag] as string[] | undefined) ?? []), ...items];
  };
  for (const value of values) {
    for (const field of driverOptFields(value)) {
      const eq = field.indexOf('=');
      const key = eq < 0 ? field : field.slice(0, eq);
      const v = eq < 0 ? '' : field.slice(eq + 1);
      if (key.startsWith('env.')) {
        list('env', [`${key.slice('env.'.length)}=${v}`]);
        continue;
      }
      const option = BY_DRIVER_OPT.get(key);
      if (!option || option.kind === 'env')
        throw new UsageError(
          `--driver-opt ${key}: not a driver option BuildDeck knows (${[...BY_DRIVER_OPT.keys()].filter((k) => k !== 'env').join(', ')}, env.NAME)`,
        );
      if (option.kind === 'map') list(option.flag, v.split(',').filter(Boolean));
      else if (option.kind === 'tolerations') list(option.flag, v.split(';').filter(Boolean));
      else if (option.kind === 'bool') {
        if (!/^(true|false|1|0)$/i.test(v || 'true'))
          throw new UsageError(`--driver-opt ${key}=${v}: give true or false`);
        if (flags[option.flag] === undefined) out[option.flag] = /^(true|1|)$/i.test(v);
      } else if (flags[option.flag] === undefined) out[option.flag] = v;
    }
  }
  return out;
}

/** A name for a builder created without one, as buildx makes one up (it prints it after the create). */
export function generatedBuilderName(random: () => number = Math.random): string {
  return `builder-${Array.from({ length: 6 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)]).join('')}`;
}
