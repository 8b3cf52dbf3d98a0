import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CALL_PATTERN } from '../common/contracts/builds';
import { buildxCsv as csv, isRemoteSource } from '../common/validation';

/**
 * `docker buildx build` flags as `builddeck build` takes them: the same names and short forms,
 * mapped onto `builds.start`'s input, which the router then validates like any other caller's.
 * buildx resolves paths (`-f`, `dest=`, `src=`, `--metadata-file`) against the working directory;
 * so does this. A buildx flag BuildDeck does not support names itself and says what to do.
 */

export const BUILD_OPTIONS = {
  file: { type: 'string', short: 'f' },
  builder: { type: 'string' },
  platform: { type: 'string', multiple: true },
  target: { type: 'string' },
  tag: { type: 'string', short: 't', multiple: true },
  'build-arg': { type: 'string', multiple: true },
  'no-cache': { type: 'boolean' },
  pull: { type: 'boolean' },
  push: { type: 'boolean' },
  load: { type: 'boolean' },
  output: { type: 'string', short: 'o', multiple: true },
  'cache-from': { type: 'string', multiple: true },
  'cache-to': { type: 'string', multiple: true },
  secret: { type: 'string', multiple: true },
  ssh: { type: 'string', multiple: true },
  label: { type: 'string', multiple: true },
  network: { type: 'string' },
  progress: { type: 'string' },
  'metadata-file': { type: 'string' },
  iidfile: { type: 'string' },
  'add-host': { type: 'string', multiple: true },
  'shm-size': { type: 'string' },
  ulimit: { type: 'string', multiple: true },
  'no-cache-filter': { type: 'string', multiple: true },
  'build-context': { type: 'string', multiple: true },
  provenance: { type: 'string' },
  sbom: { type: 'string' },
  attest: { type: 'string', multiple: true },
  annotation: { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  'cgroup-parent': { type: 'string' },
  call: { type: 'string' },
  check: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `docker buildx build` flags BuildDeck does not take (yet), with their short forms. */
export const UNSUPPORTED_BUILD_FLAGS = ['debug', 'policy'] as const;
const UNSUPPORTED_SHORT: Record<string, string> = { D: 'debug' };

/**
 * The first flag of `argv` that is a real option of `command` BuildDeck does not support, as a
 * sentence that names it and says what to do; undefined when there is none.
 */
export function unsupportedFlag(
  argv: readonly string[],
  unsupported: readonly string[],
  short: Readonly<Record<string, string>>,
  command: string,
): string | undefined {
  for (const arg of argv) {
    if (arg === '--') break;
    const long = /^--([a-z-]+)(?:=|$)/.exec(arg)?.[1];
    const name = long ?? (/^-([A-Za-z])$/.exec(arg)?.[1] ? short[arg.slice(1)] : undefined);
    if (name && unsupported.includes(name)) {
      return `--${name} is a \`docker ${command}\` option that BuildDeck does not support yet. Run \`docker ${command}\` directly for it, or leave the option out.`;
    }
  }
  return undefined;
}

class UsageError extends Error {}

function only(map: Map<string, string>, allowed: readonly string[], flag: string, value: string): void {
  for (const key of map.keys()) {
    if (!allowed.includes(key))
      throw new UsageError(
        `${flag} ${value}: "${key || map.get('') || ''}" is not supported here (BuildDeck takes ${allowed.filter(Boolean).join(', ')}).`,
      );
  }
}

export interface FlagContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether a path exists (to read `-f` as buildx does, from the working directory). */
  exists: (path: string) => boolean;
}

const abs = (ctx: FlagContext, p: string) => (isAbsolute(p) ? p : resolve(ctx.cwd, p));

function output(value: string, ctx: FlagContext): Record<string, unknown> {
  if (value === '-')
    throw new UsageError(
      '-o - (a tarball on stdout) is not supported: give type=oci,dest=FILE or type=docker,dest=FILE.',
    );
  const m = csv(value);
  const type = m.get('type');
  if (type === undefined) {
    // `-o dir` is buildx's shorthand for a local export.
    only(m, [''], '--output', value);
    return { type: 'local', dest: abs(ctx, value) };
  }
  const dest = m.get('dest');
  switch (type) {
    case 'local':
    case 'oci':
      only(m, ['type', 'dest'], '--output', value);
      if (!dest) throw new UsageError(`--output ${value}: type=${type} needs dest=PATH.`);
      return { type, dest: abs(ctx, dest) };
    case 'docker':
      only(m, ['type', 'dest'], '--output', value);
      return dest ? { type: 'docker', dest: abs(ctx, dest) } : { type: 'load' };
    case 'registry':
      only(m, ['type'], '--output', value);
      return { type: 'push' };
    case 'image':
      only(m, ['type', 'push'], '--output', value);
      if (m.get('push') !== 'true')
        throw new UsageError(`--output ${value}: give push=true, or use --load to load the image into Docker.`);
      return { type: 'push' };
    case 'cacheonly':
      only(m, ['type'], '--output', value);
      return { type: 'cacheonly' };
    default:
      throw new UsageError(
        `--output type=${type} is not supported (BuildDeck takes local, oci, docker, registry, image with push=true, cacheonly).`,
      );
  }
}

function cacheFrom(value: string, ctx: FlagContext): Record<string, unknown> {
  const m = csv(value);
  const type = m.get('type');
  if (type === undefined) {
    only(m, [''], '--cache-from', value);
    return { type: 'registry', ref: value };
  }
  if (type === 'registry') {
    only(m, ['type', 'ref'], '--cache-from', value);
    return { type, ref: m.get('ref') ?? '' };
  }
  if (type === 'local') {
    only(m, ['type', 'src'], '--cache-from', value);
    return { type, src: abs(ctx, m.get('src') ?? '') };
  }
  throw new UsageError(`--cache-from type=${type} is not supported (BuildDeck takes registry and local).`);
}

function cacheTo(value: string, ctx: FlagContext): Record<string, unknown> {
  const m = csv(value);
  const type = m.get('type') ?? 'registry';
  const mode = m.get('mode');
  const withMode = mode !== undefined ? { mode } : {};
  if (type === 'inline') {
    only(m, ['type'], '--cache-to', value);
    return { type };
  }
  if (type === 'registry') {
    only(m, m.has('type') ? ['type', 'ref', 'mode'] : [''], '--cache-to', value);
    return { type, ref: m.get('ref') ?? m.get('') ?? '', ...withMode };
  }
  if (type === 'local') {
    only(m, ['type', 'dest', 'mode'], '--cache-to', value);
    return { type, dest: abs(ctx, m.get('dest') ?? ''), ...withMode };
  }
  throw new UsageError(`--cache-to type=${type} is not supported (BuildDeck takes registry, local and inline).`);
}

function secret(value: string, ctx: FlagContext): Record<string, unknown> {
  const m = csv(value);
  only(m, ['id', 'src', 'source', 'env', 'type'], '--secret', value);
  const id = m.get('id') ?? '';
  const type = m.get('type');
  const src = m.get('src') ?? m.get('source');
  if (type === 'env' || m.has('env')) return { id, env: m.get('env') ?? src ?? id };
  if (src !== undefined) return { id, src: abs(ctx, src) };
  // With neither src nor env BuildKit reads the variable named like the secret, else the file.
  return ctx.env[id] !== undefined ? { id, env: id } : { id, src: abs(ctx, id) };
}

function ssh(value: string, ctx: FlagContext): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq < 0) return { id: value };
  return {
    id: value.slice(0, eq),
    paths: value
      .slice(eq + 1)
      .split(',')
      .filter(Boolean)
      .map((p) => abs(ctx, p)),
  };
}

/** `NAME:IP` or `NAME=IP` (Docker takes both; the first separator splits, so IPv6 stays whole). */
function addHost(value: string): Record<string, unknown> {
  const eq = value.indexOf('=');
  const at = eq >= 0 ? eq : value.indexOf(':');
  if (at <= 0) throw new UsageError(`--add-host ${value}: give NAME:IP (or NAME=IP).`);
  const ip = value.slice(at + 1);
  // `[::1]` as some write it: the address without its brackets.
  return { host: value.slice(0, at), ip: /^\[.*\]$/.test(ip) ? ip.slice(1, -1) : ip };
}

/** `name=soft[:hard]`; numbers are checked by the contract. */
function ulimitOf(value: string): Record<string, unknown> {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--ulimit ${value}: give NAME=SOFT[:HARD], e.g. nofile=1024:2048.`);
  return { name: m[1], soft: Number(m[2]), ...(m[3] !== undefined ? { hard: Number(m[3]) } : {}) };
}

/** `NAME=VALUE`; a relative folder is the working directory's, as buildx reads it. */
function namedContexts(values: readonly string[], ctx: FlagContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0 || eq === kv.length - 1) throw new UsageError(`--build-context ${kv}: give NAME=VALUE.`);
    const value = kv.slice(eq + 1);
    out[kv.slice(0, eq)] = isRemoteSource(value) ? value : abs(ctx, value);
  }
  return out;
}

/**
 * `bake --provenance X` / `--sbom X` as the `--set` override buildx makes of them
 * (`*.attest=type=provenance,mode=max`, `...,disabled=true`). Throws a usage message for other values.
 */
export function bakeAttestOverride(flag: 'provenance' | 'sbom', value: string): string {
  const v = attestation(flag, value);
  return `*.attest=type=${flag}${v === false ? ',disabled=true' : v === true ? '' : `,mode=${v}`}`;
}

/** `--provenance`/`--sbom` values buildx takes: true/false/1/0, or (provenance) mode=min|max. */
function attestation(flag: 'provenance' | 'sbom', value: string): boolean | 'min' | 'max' {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  const mode = /^mode=(min|max)$/.exec(v)?.[1];
  if (flag === 'provenance' && (mode === 'min' || mode === 'max')) return mode;
  throw new UsageError(
    `--${flag}=${value}: give true or false${flag === 'provenance' ? ', or mode=min / mode=max' : ''} (other attestation options: run docker buildx directly).`,
  );
}

/**
 * --provenance, --sbom and buildx's general form of both, `--attest type=provenance[,mode=...]`,
 * `--attest type=sbom` (`disabled=true` turns either off). Only what the contract's provenance and
 * sbom fields say: a generator image or another attestation type is refused by name.
 */
function attestations(
  provenance: string | undefined,
  sbom: string | undefined,
  attests: readonly string[],
): { provenance?: boolean | 'min' | 'max'; sbom?: boolean } {
  const out: { provenance?: boolean | 'min' | 'max'; sbom?: boolean } = {
    ...(provenance !== undefined ? { provenance: attestation('provenance', provenance) } : {}),
    // --sbom takes no mode: attestation() refuses one, so what it returns here is true or false.
    ...(sbom !== undefined ? { sbom: attestation('sbom', sbom) === true } : {}),
  };
  for (const value of attests) {
    const m = csv(value);
    const type = m.get('type');
    if (type !== 'provenance' && type !== 'sbom')
      throw new UsageError(
        `--attest ${value}: BuildDeck takes type=provenance or type=sbom (other attestations: run docker buildx directly).`,
      );
    only(m, type === 'provenance' ? ['type', 'mode', 'disabled'] : ['type', 'disabled'], '--attest', value);
    if (out[type] !== undefined)
      throw new UsageError(`--attest ${value}: ${type} is already set (give --${type} or one --attest type=${type}).`);
    const disabled = m.get('disabled')?.trim().toLowerCase();
    if (disabled !== undefined && disabled !== 'true' && disabled !== 'false')
      throw new UsageError(`--attest ${value}: disabled takes true or false.`);
    const mode = m.get('mode');
    if (type === 'sbom') out.sbom = disabled !== 'true';
    else
      out.provenance =
        disabled === 'true' ? false : mode !== undefined ? attestation('provenance', `mode=${mode}`) : true;
  }
  return out;
}

function pairs(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} ${kv}: give KEY=VALUE.`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** `--call` / `--check` as buildx takes them; the value's shape is the contract's (buildCall). */
function callOf(call: string | undefined, check: boolean, json: boolean, quiet: boolean): string | undefined {
  if (call === undefined && !check) return undefined;
  if (call !== undefined && check && call !== 'check')
    throw new UsageError(`--check is --call=check: give it or --call=${call}, not both.`);
  const method = call ?? 'check';
  if (!CALL_PATTERN.test(method))
    throw new UsageError(
      `--call ${method}: give a frontend method and its options as buildx takes them (check, outline, targets, check,format=json).`,
    );
  if (json || quiet)
    throw new UsageError(
      `--call prints the frontend's answer as buildx does: ${json ? '--json' : '--quiet'} is for builds (for JSON give --call=${method.split(',')[0]},format=json).`,
    );
  return method;
}

export type ParsedBuildArgs =
  | { kind: 'help' }
  | { kind: 'usage'; message: string }
  /** A real buildx option BuildDeck does not take: the message names it and says what to do. */
  | { kind: 'unsupported'; message: string }
  | {
      kind: 'run';
      input: Record<string, unknown>;
      json: boolean;
      dryRun: boolean;
      /** `-q`: no progress; the image ID on stdout once built (as buildx prints it). */
      quiet: boolean;
      /** `--call METHOD` (`--check`: `check`): the frontend's answer instead of a build. */
      call?: string;
      notes: string[];
    };

/** `builddeck build` arguments → builds.start input (unvalidated: the router checks it). */
export function parseBuildArgs(argv: readonly string[], ctx: FlagContext): ParsedBuildArgs {
  const refused = unsupportedFlag(argv, UNSUPPORTED_BUILD_FLAGS, UNSUPPORTED_SHORT, 'buildx build');
  if (refused) return { kind: 'unsupported', message: refused };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: BUILD_OPTIONS });
  } catch (err) {
    return { kind: 'usage', message: (err as Error).message };
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (parsed.positionals.length !== 1) return { kind: 'usage', message: 'give exactly one context folder' };
  const notes: string[] = [];
  try {
    const contextDir = resolve(ctx.cwd, parsed.positionals[0] as string);
    const buildArgs: Record<string, string> = {};
    // `--build-arg K` alone: buildx reads K from the environment, so its value stays off every argv.
    const envBuildArgs: string[] = [];
    for (const kv of v['build-arg'] ?? []) {
      const eq = kv.indexOf('=');
      if (eq >= 0) {
        buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
        continue;
      }
      if (ctx.env[kv] === undefined)
        throw new UsageError(`--build-arg ${kv} has no value and ${kv} is not set in the environment`);
      envBuildArgs.push(kv);
    }
    const outputs = [
      ...(v.push ? [{ type: 'push' }] : []),
      ...(v.load ? [{ type: 'load' }] : []),
      ...(v.output ?? []).map((o) => output(o, ctx)),
    ];
    // buildx reads -f from the working directory; BuildDeck's own form takes it relative to the
    // context. The file that exists wins, so both habits work.
    const file = v.file;
    const dockerfile =
      file === undefined
        ? undefined
        : !isAbsolute(file) && ctx.exists(resolve(ctx.cwd, file))
          ? resolve(ctx.cwd, file)
          : file;
    if (v.progress !== undefined)
      notes.push(
        `--progress=${v.progress} is ignored: BuildDeck ${v.json ? 'prints NDJSON events (--json)' : 'prints its own step lines'}.`,
      );
    const input: Record<string, unknown> = {
      contextDir,
      ...(dockerfile !== undefined ? { dockerfile } : {}),
      ...(v.builder !== undefined ? { builder: v.builder } : {}),
      platforms: (v.platform ?? [])
        .flatMap((p) => p.split(','))
        .map((p) => p.trim())
        .filter(Boolean),
      tags: v.tag ?? [],
      buildArgs,
      ...(envBuildArgs.length > 0 ? { envBuildArgs } : {}),
      ...(v.target !== undefined ? { target: v.target } : {}),
      ...(v['no-cache'] ? { noCache: true } : {}),
      ...(v.pull ? { pull: true } : {}),
      ...(outputs.length > 0 ? { outputs } : {}),
      ...(v['cache-from'] ? { cacheFrom: v['cache-from'].map((c) => cacheFrom(c, ctx)) } : {}),
      ...(v['cache-to'] ? { cacheTo: v['cache-to'].map((c) => cacheTo(c, ctx)) } : {}),
      ...(v.secret ? { secrets: v.secret.map((s) => secret(s, ctx)) } : {}),
      ...(v.ssh ? { ssh: v.ssh.map((s) => ssh(s, ctx)) } : {}),
      ...(v.label ? { labels: pairs(v.label, '--label') } : {}),
      ...(v.network !== undefined ? { network: v.network } : {}),
      ...(v['metadata-file'] !== undefined ? { metadataFile: abs(ctx, v['metadata-file']) } : {}),
      ...(v.iidfile !== undefined ? { iidFile: abs(ctx, v.iidfile) } : {}),
      ...(v['add-host'] ? { addHosts: v['add-host'].map(addHost) } : {}),
      ...(v['shm-size'] !== undefined ? { shmSize: v['shm-size'] } : {}),
      ...(v.ulimit ? { ulimits: v.ulimit.map(ulimitOf) } : {}),
      ...(v['no-cache-filter']
        ? {
            noCacheFilter: v['no-cache-filter']
              .flatMap((f) => f.split(','))
              .map((f) => f.trim())
              .filter(Boolean),
          }
        : {}),
      ...(v['build-context'] ? { buildContexts: namedContexts(v['build-context'], ctx) } : {}),
      ...attestations(v.provenance, v.sbom, v.attest ?? []),
      ...(v.annotation ? { annotations: v.annotation } : {}),
      // buildx takes `--allow a,b` as well as the flag repeated.
      ...(v.allow ? { allow: v.allow.flatMap((a) => a.split(',')).map((a) => a.trim()) } : {}),
      ...(v['cgroup-parent'] !== undefined ? { cgroupParent: v['cgroup-parent'] } : {}),
    };
    if (v.quiet && v.json) throw new UsageError('--quiet and --json ask for different outputs: give one of them.');
    const call = callOf(v.call, v.check, v.json, v.quiet);
    return { kind: 'run', input, json: v.json, dryRun: v['dry-run'], quiet: v.quiet, ...(call ? { call } : {}), notes };
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'usage', message: err.message };
    throw err;
  }
}
