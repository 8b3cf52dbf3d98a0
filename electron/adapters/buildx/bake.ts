import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppException } from '../../common/errors';
import { appError } from '../../common/errors';
import { buildxCsv } from '../../common/validation';
import type {
  BakeDefinitionArgs,
  BakeDefinitionPort,
  BakeListEntry,
  BakePrint,
  LocalBuildRef,
  PrintedTarget,
} from '../../core/bake/ports';
import type { CallOptions } from '../../core/ports';
import type { RunResult } from '../process/run';
import type { BuildxCli } from './cli';
import type { ExecResult } from './exec';
import { mapBuildxFailure } from './failures';
import { parseRawJson } from './progress';

/**
 * `docker buildx bake --print` and `--list` as BuildDeck's reading of a definition. buildx stays
 * the source of truth: it parses HCL, JSON and compose files, applies variables, inheritance,
 * matrices and `--set`; this adapter only reads what it prints and turns its errors (the same
 * `file:line` header, snippet and `ERROR:` line a build prints) into field errors.
 */
export class BuildxBake implements BakeDefinitionPort {
  constructor(private readonly cli: BuildxCli) {}

  /**
   * `withoutOutputs`: buildx < 0.30 creates (so truncates) every tar/oci/docker output file while it
   * only prints a definition (build/opt.go CreateExports ran before --print), so a definition read
   * before the user chose to run it is read with its outputs replaced by `cacheonly`, which writes
   * nothing. 0.30 opens those files only when it exports: its print is read whole.
   */
  async print(
    args: BakeDefinitionArgs,
    names: readonly string[],
    call: CallOptions,
    options: { withoutOutputs?: boolean } = {},
  ): Promise<BakePrint> {
    const neutral = options.withoutOutputs === true && !(await this.cli.info()).features.bakePrintLazyOutputs;
    const withArgs = neutral ? { ...args, overrides: [...args.overrides, '*.output=type=cacheonly'] } : args;
    const result = await this.run(['--print', ...names], withArgs, call);
    if (result.failure) throw definitionError(result, args);
    const printed = parsePrint(result.stdout);
    if (neutral)
      for (const t of Object.values(printed.targets)) {
        t.outputs = [];
        t.outputPaths = [];
      }
    return { ...printed, files: filesRead(result.stderr), outputsRead: !neutral };
  }

  async printed(
    args: BakeDefinitionArgs,
    flags: readonly string[],
    names: readonly string[],
    call: CallOptions,
  ): Promise<string> {
    const result = await this.run([...flags, ...names], args, call);
    if (result.failure?.details?.['reason'] === 'unsupported') {
      throw appError('INVALID_INPUT', `This buildx has no \`bake ${flags[0] ?? ''}\`.`, {
        hint: "buildx 0.20 or newer lists targets and variables; BuildDeck's own `builddeck bake --list` works with any buildx.",
        details: { field: 'list' },
      });
    }
    if (result.failure) throw definitionError(result, args);
    return result.stdout;
  }

  async listTargets(args: BakeDefinitionArgs, call: CallOptions): Promise<BakeListEntry[] | undefined> {
    const result = await this.run(['--list=type=targets,format=json'], args, call);
    if (result.failure) {
      // A buildx older than `--list`: the caller shows what --print gives.
      if (result.failure.details?.['reason'] === 'unsupported') return undefined;
      throw definitionError(result, args);
    }
    const parsed = JSON.parse(result.stdout) as unknown;
    if (!Array.isArray(parsed)) return undefined;
    return parsed.flatMap((e: unknown) => {
      if (!isRecord(e) || typeof e['name'] !== 'string') return [];
      return [
        {
          name: e['name'],
          group: e['group'] === true,
          ...(typeof e['description'] === 'string' && e['description'] ? { description: e['description'] } : {}),
        },
      ];
    });
  }

  async listVariables(
    args: BakeDefinitionArgs,
    call: CallOptions,
  ): Promise<{ name: string; value?: string }[] | undefined> {
    const result = await this.run(['--list=type=variables,format=json'], args, call);
    if (result.failure) return undefined;
    try {
      const parsed = JSON.parse(result.stdout) as unknown;
      if (!Array.isArray(parsed)) return undefined;
      return parsed.flatMap((e: unknown) =>
        isRecord(e) && typeof e['name'] === 'string'
          ? [{ name: e['name'], ...(typeof e['value'] === 'string' ? { value: e['value'] } : {}) }]
          : [],
      );
    } catch {
      return undefined;
    }
  }

  /**
   * buildx's local state: one file per build under `refs/<builder>/<node>/<id>`, written when the
   * solve starts (so also for failed and cancelled bakes) with the bake target's name and the
   * bake's group ref. Files older than `sinceMs` are left out.
   */
  async localRefs(builder: string, sinceMs: number): Promise<LocalBuildRef[]> {
    const root = join(this.cli.configDir(), 'refs', builder);
    const nodes = await readdir(root).catch(() => [] as string[]);
    const out: LocalBuildRef[] = [];
    for (const node of nodes) {
      const ids = await readdir(join(root, node)).catch(() => [] as string[]);
      for (const id of ids) {
        const file = join(root, node, id);
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile() || info.mtimeMs < sinceMs) continue;
        try {
          const st = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
          out.push({
            ref: `${builder}/${node}/${id}`,
            target: typeof st['Target'] === 'string' ? st['Target'] : '',
            ...(typeof st['GroupRef'] === 'string' && st['GroupRef'] ? { groupRef: st['GroupRef'] } : {}),
            at: info.mtimeMs,
          });
        } catch {
          // A file buildx is still writing, or not ours to read.
        }
      }
    }
    return out;
  }

  /** Every failure comes back as a value: buildx's words about a definition are read below. */
  private run(flags: string[], args: BakeDefinitionArgs, call: CallOptions): Promise<ExecResult> {
    // `--flag=value` keeps every value in its own argv element, whatever it starts with.
    const argv = [
      'bake',
      ...args.files.map((f) => `--file=${f}`),
      ...args.overrides.map((o) => `--set=${o}`),
      ...flags,
    ];
    return this.cli.exec(argv, { ...call, cwd: args.projectDir, env: { ...args.variables }, expected: 'any' });
  }
}

// ---------------------------------------------------------------------------------------------
// --print

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** 0.13 prints `type=registry,ref=x`; 0.29 prints `{"type":"registry","ref":"x"}`: one form for display. */
function entries(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    if (typeof x === 'string') return [x];
    if (!isRecord(x)) return [];
    const keys = Object.keys(x).sort((a, b) => (a === 'type' ? -1 : b === 'type' ? 1 : a.localeCompare(b)));
    return [keys.map((k) => `${k}=${typeof x[k] === 'string' ? x[k] : JSON.stringify(x[k])}`).join(',')];
  });
}

/** Secret/ssh entries shown by id only (`id=x,src=...` or `{"id":"x"}`); where they come from stays out. */
function ids(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    if (isRecord(x)) return typeof x['id'] === 'string' ? [x['id']] : [];
    if (typeof x !== 'string') return [];
    const id = /(?:^|,)id=([^,]*)/.exec(x)?.[1] ?? (x.includes('=') ? undefined : x.split('=')[0]);
    return id ? [id] : [];
  });
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  // An arg without a value (`ARG X` passed through) prints as null.
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : '';
  return out;
}

/** `ssh` entries: 0.29 prints `{"id":"x","paths":[...]}`, 0.13 `x` or `x=path,path`. */
function sshEntries(v: unknown): { paths: string[] }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    if (isRecord(x)) return [{ paths: strings(x['paths']) }];
    if (typeof x !== 'string') return [];
    const eq = x.indexOf('=');
    return [
      {
        paths:
          eq < 0
            ? []
            : x
                .slice(eq + 1)
                .split(',')
                .filter(Boolean),
      },
    ];
  });
}

/** Secret files: `{"id":"x","src":"f"}` (0.29) or `id=x,src=f` / `type=file,...` (0.13); env secrets have none. */
function secretFiles(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    // Read the object's fields as they are: a value may hold commas (entries() would split it).
    const fields: Map<string, string> = isRecord(x)
      ? new Map(Object.entries(x).flatMap(([k, val]) => (typeof val === 'string' ? [[k.toLowerCase(), val]] : [])))
      : typeof x === 'string'
        ? buildxCsv(x)
        : new Map<string, string>();
    const src = fields.get('src') ?? fields.get('source');
    return src && fields.get('type') !== 'env' ? [src] : [];
  });
}

/**
 * Exporters and cache entries as paths: `type` and the `dest`/`src` attribute, read from 0.29's
 * objects field by field and from 0.13's strings as CSV (a quoted field may hold commas). A bare
 * string is buildx's shorthand: a local folder for `output`, a registry ref for the caches.
 */
function pathSpecs(v: unknown, key: 'dest' | 'src', bare: 'local' | 'registry'): { type: string; path?: string }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    if (isRecord(x)) {
      const path = x[key];
      return [{ type: typeof x['type'] === 'string' ? x['type'] : '', ...(typeof path === 'string' ? { path } : {}) }];
    }
    if (typeof x !== 'string') return [];
    const fields = buildxCsv(x);
    if (fields.size === 1 && fields.has('')) return [bare === 'local' ? { type: 'local', path: x } : { type: bare }];
    const path = fields.get(key);
    return [{ type: fields.get('type') ?? '', ...(path !== undefined ? { path } : {}) }];
  });
}

export function parsePrintedTarget(t: Record<string, unknown>): PrintedTarget {
  const str = (k: string) => (typeof t[k] === 'string' && t[k] ? t[k] : undefined);
  const ssh = sshEntries(t['ssh']);
  const description = str('description');
  const dockerfile = str('dockerfile');
  const target = str('target');
  const network = str('network');
  return {
    ...(description ? { description } : {}),
    context: str('context') ?? '.',
    ...(dockerfile ? { dockerfile } : {}),
    dockerfileInline: typeof t['dockerfile-inline'] === 'string',
    ...(target ? { target } : {}),
    platforms: strings(t['platforms']),
    tags: strings(t['tags']),
    args: stringMap(t['args']),
    labels: stringMap(t['labels']),
    cacheFrom: entries(t['cache-from']),
    cacheTo: entries(t['cache-to']),
    outputs: entries(t['output']),
    secrets: ids(t['secret']),
    ssh: ids(t['ssh']),
    ...(network ? { network } : {}),
    noCache: t['no-cache'] === true,
    pull: t['pull'] === true,
    attest: entries(t['attest']),
    namedContexts: stringMap(t['contexts']),
    outputPaths: pathSpecs(t['output'], 'dest', 'local'),
    cacheFromPaths: pathSpecs(t['cache-from'], 'src', 'registry'),
    cacheToPaths: pathSpecs(t['cache-to'], 'dest', 'registry'),
    secretFiles: secretFiles(t['secret']),
    sshKeyFiles: ssh.flatMap((e) => e.paths),
    sshAgent: ssh.some((e) => e.paths.length === 0),
    // 0.29 prints `network = "host"` as the entitlement it implies too; 0.13 prints neither.
    entitlements: [...new Set([...strings(t['entitlements']), ...(network === 'host' ? ['network.host'] : [])])],
  };
}

export function parsePrint(stdout: string): Omit<BakePrint, 'files' | 'outputsRead'> {
  const parsed = JSON.parse(stdout) as unknown;
  if (!isRecord(parsed)) throw new Error('bake --print did not print an object');
  const groups: Record<string, string[]> = {};
  if (isRecord(parsed['group'])) {
    for (const [name, g] of Object.entries(parsed['group'])) groups[name] = isRecord(g) ? strings(g['targets']) : [];
  }
  const targets: Record<string, PrintedTarget> = {};
  if (isRecord(parsed['target'])) {
    for (const [name, t] of Object.entries(parsed['target'])) if (isRecord(t)) targets[name] = parsePrintedTarget(t);
  }
  return { groups, targets };
}

/** `#1 reading docker-bake.hcl 272B / 272B done`: the files buildx read, as it names them. */
export function filesRead(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    // 0.29: `reading x 42B / 42B done`; 0.13 adds the time: `reading x 42B / 42B 0.0s done`.
    const m = /^#\d+ reading (.+?)(?: [\d.]+\s?[kKMG]?i?B \/ [\d.]+\s?[kKMG]?i?B)?(?: [\d.]+s)? done$/.exec(
      line.trim(),
    );
    if (m && !out.includes(m[1] as string)) out.push(m[1] as string);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors

const DEFAULT_FILES =
  'compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml, docker-bake.json, docker-bake.hcl (and their .override variants)';

/**
 * buildx's failure as a field error. A definition error keeps buildx's file and line (the same
 * header and snippet block a Dockerfile error has), so the UI can show the marked line.
 */
export function definitionError(result: Pick<RunResult, 'stderr'>, args: BakeDefinitionArgs): AppException {
  const stderr = result.stderr;
  const block = parseRawJson(stderr).find((e) => e.type === 'error');
  const message =
    block?.type === 'error' ? block.message : (stderr.split('\n').find((l) => l.startsWith('ERROR:')) ?? '');
  const text = message.replace(/^ERROR:\s*/, '').trim();
  const base = { stderr: stderr.slice(-8000), files: [...args.files] };
  const located = /^(.+?):(\d+)(?:,(\d+)(?:-\d+)?)?: ([\s\S]*)$/.exec(text);
  if (located || (block?.type === 'error' && block.file)) {
    const file = located?.[1] ?? (block?.type === 'error' ? block.file : undefined) ?? '';
    const line = Number(located?.[2] ?? (block?.type === 'error' ? block.line : undefined) ?? 0) || undefined;
    const column = located?.[3] ? Number(located[3]) : undefined;
    const what = (located?.[4] ?? text).replace(/\., and (\d+) other diagnostic\(s\)$/, ' (and $1 more problems).');
    return appError('INVALID_INPUT', `${file}${line ? ` line ${line}` : ''}: ${what}`, {
      hint: `Fix ${line ? `line ${line} of ` : ''}${file}, then open the project again.`,
      details: {
        field: 'definition',
        file,
        ...(line ? { line } : {}),
        ...(column ? { column } : {}),
        snippet: block?.type === 'error' ? block.snippet : [],
        ...base,
      },
    });
  }
  // compose's YAML errors name a line but not the file: it is the compose file buildx read.
  const yaml = /yaml: line (\d+): ([\s\S]*)$/.exec(text);
  const composeFile = filesRead(stderr).find((f) => /\.ya?ml$/i.test(f));
  if (yaml && composeFile) {
    const line = Number(yaml[1]);
    return appError('INVALID_INPUT', `${composeFile} line ${line}: ${yaml[2] ?? ''}`, {
      hint: `Fix line ${line} of ${composeFile} (YAML: check the indentation around it), then open the project again.`,
      details: { field: 'definition', file: composeFile, line, snippet: [], ...base },
    });
  }
  const unknown = /failed to find target (\S+)/.exec(text);
  if (unknown) {
    return appError('INVALID_INPUT', `The definition has no target or group named "${unknown[1] ?? ''}".`, {
      hint: 'Pick a target or group the project lists. (buildx says the same when two groups include each other.)',
      details: { field: 'targets', name: unknown[1], ...base },
    });
  }
  if (/could not find any target matching|unknown key|invalid override key|invalid value .* for override/i.test(text)) {
    return appError('INVALID_INPUT', `An override was refused: ${text}.`, {
      hint: 'Overrides look like target.key=value, for a target the project has (e.g. app.tags=name:dev, *.platform=linux/arm64).',
      details: { field: 'overrides', ...base },
    });
  }
  if (/couldn't find a bake definition/i.test(text)) {
    return appError('INVALID_INPUT', `${args.projectDir} holds no bake or compose file.`, {
      hint: `docker buildx bake reads ${DEFAULT_FILES} from the project folder; open the folder that has one, or name the files.`,
      details: { field: 'projectDir', ...base },
    });
  }
  const missingFile = /open (.+): no such file or directory/.exec(text);
  if (missingFile && args.files.some((f) => missingFile[1]?.endsWith(f))) {
    return appError('INVALID_INPUT', `The definition file ${missingFile[1] ?? ''} does not exist.`, {
      hint: 'Check the file names (relative to the project folder).',
      details: { field: 'files', ...base },
    });
  }
  const general = mapBuildxFailure(stderr, ['buildx', 'bake']);
  const notTheDefinition = general.appError.code === 'DOCKER_UNREACHABLE' || general.appError.code === 'BUILDX_MISSING';
  if (text && !notTheDefinition) {
    return appError('INVALID_INPUT', `buildx could not read the definition: ${text}`, {
      hint: 'Fix the definition, then open the project again.',
      details: { field: 'definition', ...base },
    });
  }
  return general;
}
