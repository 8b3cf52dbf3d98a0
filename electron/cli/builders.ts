import './one-shot';
import { parseArgs } from 'node:util';
import type { CommandOutput } from '../common/contract';
import type { BuilderDetails, FleetHealth } from '../common/contracts/builders';
import type { Builder } from '../common/domain';
import type { AppError } from '../common/errors';
import { createCore } from '../composition/create-core';
import type { Router } from '../core/router';
import {
  CREATE_OPTIONS,
  createInputFromFlags,
  driverOptFlags,
  generatedBuilderName,
  flagOfField,
  num,
  optionUsage,
  seconds,
  UsageError,
  type CreateValues,
} from './builders-create-flags';
import { currentBuilderName } from './current-builder';
import { hasUrlScheme } from '../common/validation';
import { printError as printCliError, table } from './format';

/**
 * `builddeck builders create|inspect|bootstrap|stop|use|rm|leave|health`: one contract command each.
 * Flags mirror the contract's fields (kebab-case); the router validates them exactly as it does for
 * the app, and an INVALID_INPUT names the flag to fix. Progress goes to stderr, results to stdout.
 */
export const BUILDERS_VERBS = ['create', 'inspect', 'bootstrap', 'stop', 'use', 'rm', 'leave', 'health'] as const;

export const BUILDERS_USAGE_LINES = `  builders create    Create a builder (docker-container, kubernetes, remote) or append a node
  builders inspect   One builder in depth: nodes, options, container, certificates, logs
  builders bootstrap Start a builder's nodes
  builders stop      Stop a builder (state is kept)
  builders use       Make a builder the current one
  builders rm        Remove a builder (--keep-state keeps its build cache)
  builders leave     Remove one node from a multi-node builder
  builders health    Check every builder within a bound; fleet warnings`;

const USAGE = `Usage:
  builddeck builders create NAME [--driver DRIVER] [ENDPOINT] [options] [--dry-run] [--json]
  builddeck builders create [ENDPOINT] --name NAME --driver-opt KEY=VALUE[,KEY=VALUE]... (buildx's form)
  builddeck builders inspect [NAME] [--bootstrap] [--logs N] [--timeout SECONDS] [--json]
  builddeck builders bootstrap [NAME] [--timeout SECONDS] [--json]
  builddeck builders stop [NAME] [--json]
  builddeck builders use NAME [--json]
  builddeck builders rm [NAME] [--keep-state] [--keep-daemon] [--json]
  builddeck builders leave NAME NODE [--json]
  builddeck builders health [NAME...] [--timeout SECONDS] [--cert-days N] [--json]

No NAME: the current builder. The same verbs work without \`builders\` (builddeck create, ls,
inspect, stop, use, rm), as \`docker buildx\` names them.

create:
  --driver D               docker-container (default), kubernetes or remote
  --name NAME              the builder's name (buildx's form; made up when there is none)
  --driver-opt K=V,...     any option below by its buildx key (image=, network=, memory=,
                           env.NAME=, '"nodeselector=a=b,c=d"' quoted whole, ...); may repeat
  --config FILE            same as --buildkitd-config     --leave --node N   remove node N
  --node N                 node name (default NAME0)       --append      add a node to builder NAME
  --platform P             pin platforms (repeat or comma-separate: linux/amd64,linux/arm64)
  --use                    make it the current builder     --bootstrap   start it now
  --timeout SECONDS        bound for the whole create (default 120)
  --dry-run                print the equivalent docker buildx create command, change nothing
${optionUsage()}
Flags taking K=V or a toleration may be repeated.

Exit codes: 0 success, 1 failure (health: a node is unreachable or in error), 2 usage error or invalid input.`;

// -------------------------------------------------------------------------------------------------
// Text output

const gib = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;

export function formatBuilder(b: Builder): string {
  const rows = [['NODE', 'ENDPOINT', 'STATUS', 'BUILDKIT', 'PLATFORMS']];
  for (const n of b.nodes) {
    rows.push([
      n.name,
      n.endpoint,
      n.status,
      n.buildkitVersion ?? '',
      n.error ??
        n.platforms
          .map((p) => (n.pinnedPlatforms.includes(p) ? `${p}*` : p))
          .slice(0, 5)
          .join(', '),
    ]);
  }
  return `${b.name} (${b.driver})${b.current ? ' *current*' : ''}${b.error ? `\nerror: ${b.error}` : ''}\n${table(rows)}`;
}

export function formatDetails(d: BuilderDetails): string {
  const out: string[] = [formatBuilder(d)];
  if (!d.live) out.push('(buildx did not answer in time: nodes are shown from its store)');
  for (const n of d.nodes) {
    out.push('', `Node ${n.name}`);
    const rows: string[][] = [];
    if (Object.keys(n.driverOpts).length)
      rows.push([
        'Driver options',
        Object.entries(n.driverOpts)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ]);
    if (n.buildkitdFlags.length) rows.push(['Daemon flags', n.buildkitdFlags.join(' ')]);
    for (const [k, v] of Object.entries(n.labels))
      rows.push([rows.some((r) => r[0] === 'Labels') ? '' : 'Labels', `${k}=${v}`]);
    n.gcPolicy.forEach((rule, i) => rows.push([`GC rule ${i}`, rule.map((f) => `${f.key}: ${f.value}`).join(', ')]));
    const c = n.container;
    if (c) {
      rows.push([
        'Container',
        `${c.name} ${c.state}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}, restarts ${c.restartCount}`,
      ]);
      const l = c.limits;
      rows.push([
        'Limits',
        [
          l.memoryBytes ? `memory ${gib(l.memoryBytes)}` : 'memory unlimited',
          l.memorySwapBytes ? `swap ${l.memorySwapBytes < 0 ? 'unlimited' : gib(l.memorySwapBytes)}` : '',
          l.cpuQuota
            ? `cpu ${(l.cpuQuota / (l.cpuPeriod || 100_000)).toFixed(2)} (quota ${l.cpuQuota}/${l.cpuPeriod || 100_000})`
            : '',
          l.cpuShares ? `shares ${l.cpuShares}` : '',
          l.cpusetCpus ? `cpus ${l.cpusetCpus}` : '',
        ]
          .filter(Boolean)
          .join(', '),
      ]);
      if (c.volumes.length) rows.push(['State volume', c.volumes.join(', ')]);
    }
    if (n.containerError) rows.push(['Container', `not readable: ${n.containerError}`]);
    for (const [label, cert] of [
      ['CA certificate', n.tls?.cacert],
      ['Client certificate', n.tls?.cert],
    ] as const) {
      if (!cert) continue;
      rows.push([
        label,
        cert.error
          ? `${cert.path}: ${cert.error}`
          : `${cert.subject ?? ''} issued by ${cert.issuer ?? ''}, expires ${cert.validTo?.slice(0, 10) ?? '?'} (${cert.daysLeft ?? '?'} days)`,
      ]);
    }
    if (n.tls?.keyPath)
      rows.push([
        'Client key',
        `${n.tls.keyPath}${n.tls.keyMode ? ` (mode ${n.tls.keyMode}${n.tls.keyTooOpen ? ', readable by others: chmod 600' : ''})` : ''}`,
      ]);
    if (n.kube?.kubeconfig) rows.push(['Kubeconfig', n.kube.kubeconfig]);
    if (rows.length) out.push(table(rows));
    for (const f of n.configFiles) out.push(`--- ${f.name}`, f.content.trimEnd(), '---');
    if (c && c.logs.length) out.push(`Last ${c.logs.length} log lines of ${c.name}:`, ...c.logs.map((l) => `  ${l}`));
  }
  return out.join('\n');
}

export function formatHealth(h: FleetHealth): string {
  const rows = [['BUILDER/NODE', 'STATE', 'BUILDKIT', 'TOOK', 'DETAIL']];
  for (const b of h.builders) {
    rows.push([`${b.name} (${b.driver})`, b.state, '', '', '']);
    for (const n of b.nodes)
      rows.push([`  ${n.name}`, n.state, n.buildkitVersion ?? '', `${n.tookMs} ms`, n.message ?? '']);
  }
  const warnings = h.warnings.map((w) => `${w.severity === 'error' ? 'error' : 'warning'}: ${w.message}`);
  return [
    table(rows),
    ...(warnings.length ? ['', ...warnings] : []),
    '',
    `Checked in ${h.tookMs} ms (bound ${h.timeoutMs} ms per builder).`,
  ].join('\n');
}

// -------------------------------------------------------------------------------------------------

/** THE CLI error line, fields named as flags; a create that was rolled back says so after it. */
function printError(e: AppError, json: boolean): number {
  const code = printCliError(e, { json, flagOf: flagOfField });
  if (typeof e.details?.['rolledBack'] === 'string') process.stderr.write(`note: ${e.details['rolledBack']}\n`);
  return code;
}

export async function runBuildersCli(argv: string[]): Promise<number> {
  const verb = argv[0] ?? '';
  const rest = argv.slice(1);
  if (verb === '--help' || verb === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let request: ParsedVerb;
  try {
    request = parseVerb(verb, rest);
  } catch (err) {
    // The error and where the options are: the whole usage would push the error off the screen.
    process.stderr.write(`builddeck: ${(err as Error).message}\nRun \`builddeck builders --help\` for the options.\n`);
    return 2;
  }
  // A dry run goes through the core's own checks (`builders.plan`): it refuses what the create would.
  const command = request.dryRun ? 'builders.plan' : request.command;
  const { json } = request;
  let input = request.input;

  const core = createCore({ oneShot: true });
  // Progress of long actions (create, bootstrap) goes to stderr so stdout stays the result.
  const off = core.events.subscribe(
    (event, payload) => {
      if (event !== 'builders.progressed') return;
      const p = payload;
      if (p.phase === 'progress' || (p.phase === 'started' && p.action === 'create'))
        process.stderr.write(`${p.message}\n`);
    },
    { passive: true },
  );
  try {
    // No NAME: the current builder, as buildx's inspect, stop and rm take it.
    if ((input as { name?: unknown }).name === CURRENT) {
      const current = await currentBuilderName(core.router, 'Name one.');
      if ('error' in current) return printError(current.error, json);
      input = { ...(input as object), name: current.name };
    }
    // buildx's `inspect --bootstrap`: start the nodes, then show them.
    if (request.bootstrapFirst) {
      const b = await core.router.callUnchecked('builders.bootstrap', { name: (input as { name: string }).name });
      if (!b.ok) return printError(b.error, json);
    }
    return await runAndPrint(core.router, command, input, json);
  } finally {
    off();
    await core.dispose();
  }
}

type BuildersCommand =
  | 'builders.create'
  | 'builders.plan'
  | 'builders.inspect'
  | 'builders.bootstrap'
  | 'builders.stop'
  | 'builders.use'
  | 'builders.remove'
  | 'builders.leave'
  | 'builders.health';

/** What each command prints for people, and its exit code (health fails when a builder is down). */
const VIEWS: { [C in BuildersCommand]: (value: CommandOutput<C>) => { text: string; exitCode?: number } } = {
  'builders.create': (c) => ({
    text: [formatBuilder(c.builder), ...c.warnings.map((w) => `warning: ${w}`)].join('\n'),
  }),
  'builders.plan': (p) => ({ text: [p.command, ...p.warnings.map((w) => `warning: ${w}`)].join('\n') }),
  'builders.inspect': (d) => ({ text: formatDetails(d) }),
  'builders.health': (h) => ({
    text: formatHealth(h),
    exitCode: h.builders.some((b) => b.state === 'unreachable' || b.state === 'error') ? 1 : 0,
  }),
  'builders.use': (v) => ({ text: `${v.current} is now the current builder.` }),
  'builders.remove': (v) => ({
    text: [
      `Removed ${v.removed}${v.keptState ? ' (its build cache volume is kept)' : ''}.`,
      ...v.warnings.map((w) => `warning: ${w}`),
    ].join('\n'),
  }),
  'builders.bootstrap': (b) => ({ text: formatBuilder(b) }),
  'builders.stop': (b) => ({ text: formatBuilder(b) }),
  'builders.leave': (b) => ({ text: formatBuilder(b) }),
};

function viewOf<C extends BuildersCommand>(command: C, value: CommandOutput<C>) {
  return VIEWS[command](value);
}

async function runAndPrint(router: Router, command: BuildersCommand, input: unknown, json: boolean): Promise<number> {
  // Flags are the user's text: the router's validation names the bad one.
  const r = await router.callUnchecked(command, input);
  if (!r.ok) return printError(r.error, json);
  const view = viewOf(command, r.value);
  process.stdout.write(json ? `${JSON.stringify(r.value, null, 2)}\n` : `${view.text}\n`);
  return view.exitCode ?? 0;
}

const VERB_OPTIONS = {
  json: { type: 'boolean', default: false },
  logs: { type: 'string' },
  timeout: { type: 'string' },
  'keep-state': { type: 'boolean' },
  'keep-daemon': { type: 'boolean' },
  'cert-days': { type: 'string' },
  // buildx's: rm never asks here (-f is accepted), inspect --bootstrap starts the nodes first.
  force: { type: 'boolean', short: 'f' },
  bootstrap: { type: 'boolean' },
} as const;

/** Which of VERB_OPTIONS each verb takes; anything else is a usage error. */
const VERB_FLAGS: Record<string, readonly string[]> = {
  inspect: ['logs', 'timeout', 'bootstrap'],
  bootstrap: ['timeout'],
  stop: [],
  use: [],
  rm: ['keep-state', 'keep-daemon', 'force'],
  leave: [],
  health: ['timeout', 'cert-days'],
};

interface ParsedVerb {
  command: BuildersCommand;
  input: unknown;
  json: boolean;
  dryRun?: boolean;
  bootstrapFirst?: boolean;
}

/** Stands for "the current builder" until the core says which it is (NUL: never a builder name). */
const CURRENT = '\u0000current';

function parseVerb(verb: string, args: string[]): ParsedVerb {
  if (verb === 'create') {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...CREATE_OPTIONS, json: { type: 'boolean', default: false } },
    });
    const {
      json,
      'dry-run': dryRun,
      name: named,
      'driver-opt': driverOpts,
      config,
      leave,
      ...given
    } = values as CreateValues;
    // BuildDeck's `create NAME [ENDPOINT]`, or buildx's `create [ENDPOINT] --name NAME` (a name is
    // made up when there is none, as buildx does).
    const endpointLike = (p: string | undefined) => p !== undefined && hasUrlScheme(p);
    let name: string;
    let endpoint: string | undefined;
    if (typeof named === 'string' || positionals.length === 0 || endpointLike(positionals[0])) {
      if (positionals.length > 1) throw new UsageError('builders create --name NAME takes at most one ENDPOINT');
      name = typeof named === 'string' ? named : generatedBuilderName();
      endpoint = positionals[0];
    } else {
      if (positionals.length > 2)
        throw new UsageError('builders create takes NAME and, for the remote driver, ENDPOINT');
      name = positionals[0] as string;
      endpoint = positionals[1];
    }
    if (leave === true) {
      if (typeof given['node'] !== 'string') throw new UsageError('builders create --leave needs --name and --node');
      return { command: 'builders.leave', input: { name, node: given['node'] }, json: json === true };
    }
    const flags = driverOptFlags((driverOpts as string[] | undefined) ?? [], given);
    if (typeof config === 'string' && flags['buildkitd-config'] === undefined) flags['buildkitd-config'] = config;
    // buildx's default driver, unless an endpoint says another one is meant.
    if (flags['driver'] === undefined) {
      if (endpoint !== undefined)
        throw new UsageError('builders create ENDPOINT needs --driver (remote for a BuildKit endpoint)');
      flags['driver'] = 'docker-container';
    }
    return {
      command: 'builders.create',
      input: createInputFromFlags(name, endpoint, flags),
      json: json === true,
      dryRun: dryRun === true,
    };
  }
  const allowed = VERB_FLAGS[verb];
  if (!allowed) throw new UsageError(`unknown builders command "${verb}"`);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: VERB_OPTIONS });
  for (const flag of Object.keys(values)) {
    if (flag !== 'json' && !allowed.includes(flag)) throw new UsageError(`builders ${verb} does not take --${flag}`);
  }
  const json = values.json;
  const timeoutMs = seconds(values.timeout, '--timeout');
  const bound = timeoutMs !== undefined ? { timeoutMs } : {};
  const one = (current = false) => {
    if (current && positionals.length === 0) return CURRENT;
    if (positionals.length !== 1) throw new UsageError(`builders ${verb} takes one NAME`);
    return positionals[0];
  };
  switch (verb) {
    case 'inspect':
      return {
        command: 'builders.inspect',
        input: { name: one(true), ...(values.logs !== undefined ? { logLines: num(values.logs) } : {}), ...bound },
        json,
        bootstrapFirst: values.bootstrap === true,
      };
    case 'bootstrap':
      return { command: 'builders.bootstrap', input: { name: one(true), ...bound }, json };
    case 'stop':
      return { command: 'builders.stop', input: { name: one(true) }, json };
    case 'use':
      return { command: 'builders.use', input: { name: one() }, json };
    case 'rm':
      return {
        command: 'builders.remove',
        input: {
          name: one(true),
          keepState: values['keep-state'] === true,
          keepDaemon: values['keep-daemon'] === true,
        },
        json,
      };
    case 'leave':
      if (positionals.length !== 2) throw new UsageError('builders leave takes NAME and NODE');
      return { command: 'builders.leave', input: { name: positionals[0], node: positionals[1] }, json };
    default:
      return {
        command: 'builders.health',
        input: {
          ...(positionals.length > 0 ? { names: positionals } : {}),
          ...bound,
          ...(values['cert-days'] !== undefined ? { certificateWarningDays: num(values['cert-days']) } : {}),
        },
        json,
      };
  }
}
