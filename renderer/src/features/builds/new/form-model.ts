import type { BuildRequestInput } from '../../../../../electron/common/contracts/builds';

/**
 * The new-build form as typed (strings, rows with stable ids) and its mapping to a BuildRequest.
 * Validation is the core's: `builds.commandLine` runs the contract's schema on every change and
 * names the failing field (`tags.1`, `buildArgs.FOO`, `secrets.0.src`); `fieldKeyFor` maps such a
 * path back to the control that shows the message.
 */

export interface KeyValueRow {
  id: string;
  key: string;
  value: string;
}

export interface SecretRow {
  id: string;
  secretId: string;
  source: 'file' | 'env';
  /** A file path or an environment variable name; never a secret's value. */
  ref: string;
}

export interface CacheRow {
  id: string;
  type: 'registry' | 'local' | 'inline';
  /** Registry ref or local directory. */
  value: string;
  mode: '' | 'min' | 'max';
}

export const OUTPUT_KINDS = ['default', 'load', 'push', 'local', 'oci', 'docker', 'cacheonly'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

export interface BuildDraft {
  contextDir: string;
  /** '' = auto-detected. */
  dockerfile: string;
  /** '' = the current builder. */
  builder: string;
  platforms: string[];
  tags: string[];
  buildArgs: KeyValueRow[];
  /** '' = the last stage. */
  target: string;
  noCache: boolean;
  pull: boolean;
  secrets: SecretRow[];
  output: OutputKind;
  outputDest: string;
  cacheFrom: CacheRow[];
  cacheTo: CacheRow[];
  labels: KeyValueRow[];
  /** Options of the request this draft came from that the form has no control for (see KEPT_OPTIONS). */
  kept: KeptOptions;
}

/**
 * Request fields the form does not edit but a build may carry (from a terminal, `builddeck build`,
 * or an older BuildDeck): "edit and re-run" keeps them as they were, and shows which they are, so a
 * re-run never silently drops an --ssh agent, a named context or a host entry.
 */
export const KEPT_OPTIONS = {
  envBuildArgs: '--build-arg (from the environment)',
  ssh: '--ssh',
  network: '--network',
  metadataFile: '--metadata-file',
  iidFile: '--iidfile',
  addHosts: '--add-host',
  shmSize: '--shm-size',
  ulimits: '--ulimit',
  noCacheFilter: '--no-cache-filter',
  buildContexts: '--build-context',
  provenance: '--provenance',
  sbom: '--sbom',
  annotations: '--annotation',
  allow: '--allow',
  cgroupParent: '--cgroup-parent',
} as const;
export type KeptOptions = Pick<BuildRequestInput, keyof typeof KEPT_OPTIONS>;

/** The flags of the kept options a draft carries, in KEPT_OPTIONS order. */
export function keptFlags(kept: KeptOptions): string[] {
  return (Object.keys(KEPT_OPTIONS) as (keyof typeof KEPT_OPTIONS)[])
    .filter((k) => kept[k] !== undefined)
    .map((k) => KEPT_OPTIONS[k]);
}

/** How a form section changes one field of the draft. */
export type SetField = <K extends keyof BuildDraft>(key: K, value: BuildDraft[K]) => void;

let rowCounter = 0;
export const rowId = (): string => `r${(rowCounter++).toString(36)}`;

export const emptyDraft = (): BuildDraft => ({
  contextDir: '',
  dockerfile: '',
  builder: '',
  platforms: [],
  tags: [],
  buildArgs: [],
  target: '',
  noCache: false,
  pull: false,
  secrets: [],
  output: 'default',
  outputDest: '',
  cacheFrom: [],
  cacheTo: [],
  labels: [],
  kept: {},
});

export interface DraftMapping {
  request: BuildRequestInput;
  /** Problems found before asking the core (a value without a name), by field key. */
  localErrors: Record<string, string>;
  /** Request path prefix → field key, for the core's `details.field`. */
  paths: Record<string, string>;
}

/** Field keys: 'contextDir', 'tags', 'row:<id>' for a row, 'outputDest', ... */
export function draftToRequest(d: BuildDraft): DraftMapping {
  const localErrors: Record<string, string> = {};
  const paths: Record<string, string> = {
    contextDir: 'contextDir',
    dockerfile: 'dockerfile',
    builder: 'builder',
    platforms: 'platforms',
    tags: 'tags',
    target: 'target',
    outputs: 'output',
    'outputs.0.dest': 'outputDest',
    buildArgs: 'buildArgs',
    labels: 'labels',
    secrets: 'secrets',
    cacheFrom: 'cacheFrom',
    cacheTo: 'cacheTo',
  };

  const record = (rows: KeyValueRow[], field: 'buildArgs' | 'labels'): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const row of rows) {
      const key = row.key.trim();
      if (!key && !row.value) continue;
      if (!key) {
        localErrors[`row:${row.id}`] = 'Give this entry a name.';
        continue;
      }
      if (Object.hasOwn(out, key)) {
        localErrors[`row:${row.id}`] = `${key} is set twice; the last one would win.`;
      }
      out[key] = row.value;
      paths[`${field}.${key}`] = `row:${row.id}`;
    }
    return out;
  };

  const buildArgs = record(d.buildArgs, 'buildArgs');
  const labels = record(d.labels, 'labels');

  const secrets: NonNullable<BuildRequestInput['secrets']> = [];
  for (const row of d.secrets) {
    const id = row.secretId.trim();
    const ref = row.ref.trim();
    if (!id && !ref) continue;
    if (!id) {
      localErrors[`row:${row.id}`] = 'Give the secret an id (the Dockerfile mounts it by id).';
      continue;
    }
    if (!ref) {
      localErrors[`row:${row.id}`] =
        row.source === 'file' ? 'Choose the file that holds the secret.' : 'Name the environment variable.';
      continue;
    }
    paths[`secrets.${secrets.length}`] = `row:${row.id}`;
    secrets.push(row.source === 'file' ? { id, src: ref } : { id, env: ref });
  }

  const cache = (rows: CacheRow[], field: 'cacheFrom' | 'cacheTo') => {
    const out: { type: CacheRow['type']; ref?: string; src?: string; dest?: string; mode?: 'min' | 'max' }[] = [];
    for (const row of rows) {
      const value = row.value.trim();
      if (row.type !== 'inline' && !value) {
        if (row.mode)
          localErrors[`row:${row.id}`] =
            row.type === 'registry' ? 'Give the cache image reference.' : 'Choose the cache directory.';
        continue;
      }
      paths[`${field}.${out.length}`] = `row:${row.id}`;
      const mode = field === 'cacheTo' && row.mode && row.type !== 'inline' ? { mode: row.mode } : {};
      if (row.type === 'registry') out.push({ type: 'registry', ref: value, ...mode });
      else if (row.type === 'local')
        out.push(field === 'cacheFrom' ? { type: 'local', src: value } : { type: 'local', dest: value, ...mode });
      else if (field === 'cacheTo') out.push({ type: 'inline' });
    }
    return out;
  };

  let outputs: NonNullable<BuildRequestInput['outputs']> = [];
  switch (d.output) {
    case 'default':
      outputs = [];
      break;
    case 'load':
    case 'push':
    case 'cacheonly':
      outputs = [{ type: d.output }];
      break;
    case 'local':
    case 'oci':
    case 'docker':
      if (!d.outputDest.trim())
        localErrors['outputDest'] =
          d.output === 'local' ? 'Choose the directory to export into.' : 'Choose where to write the tarball.';
      else outputs = [{ type: d.output, dest: d.outputDest.trim() }];
      break;
  }
  if (d.output === 'push' && d.tags.length === 0)
    localErrors['tags'] = 'Pushing needs at least one tag naming the registry and repository.';

  const request: BuildRequestInput = {
    contextDir: d.contextDir.trim(),
    ...(d.dockerfile.trim() ? { dockerfile: d.dockerfile.trim() } : {}),
    ...(d.builder ? { builder: d.builder } : {}),
    platforms: d.platforms,
    tags: d.tags,
    buildArgs,
    ...(d.target.trim() ? { target: d.target.trim() } : {}),
    noCache: d.noCache,
    pull: d.pull,
    secrets,
    outputs,
    // The contract's discriminated unions accept exactly these shapes; the core re-validates.
    cacheFrom: cache(d.cacheFrom, 'cacheFrom') as NonNullable<BuildRequestInput['cacheFrom']>,
    cacheTo: cache(d.cacheTo, 'cacheTo') as NonNullable<BuildRequestInput['cacheTo']>,
    labels,
    ...d.kept,
  };
  return { request, localErrors, paths };
}

/** The control that shows an error for a request path such as `secrets.0.src` or `tags.2`. */
export function fieldKeyFor(path: string, paths: Record<string, string>): string {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const key = paths[parts.slice(0, n).join('.')];
    if (key) return key;
  }
  return 'form';
}

/** A request (from history or this window) back into a draft: "edit and re-run". */
export function requestToDraft(r: BuildRequestInput): BuildDraft {
  const kv = (rec: Record<string, string> | undefined): KeyValueRow[] =>
    Object.entries(rec ?? {}).map(([key, value]) => ({ id: rowId(), key, value }));
  const first = r.outputs?.[0];
  let output: OutputKind = 'default';
  let outputDest = '';
  if (first) {
    output = first.type;
    if ('dest' in first) outputDest = first.dest;
  }
  return {
    contextDir: r.contextDir,
    dockerfile: r.dockerfile ?? '',
    builder: r.builder ?? '',
    platforms: [...(r.platforms ?? [])],
    tags: [...(r.tags ?? [])],
    buildArgs: kv(r.buildArgs),
    target: r.target ?? '',
    noCache: r.noCache ?? false,
    pull: r.pull ?? false,
    secrets: (r.secrets ?? []).map((s) => ({
      id: rowId(),
      secretId: s.id,
      source: s.env !== undefined ? 'env' : 'file',
      ref: s.env ?? s.src ?? '',
    })),
    output,
    outputDest,
    cacheFrom: (r.cacheFrom ?? []).map((c) => ({
      id: rowId(),
      type: c.type,
      value: c.type === 'registry' ? c.ref : c.src,
      mode: '',
    })),
    cacheTo: (r.cacheTo ?? []).map((c) => ({
      id: rowId(),
      type: c.type,
      value: c.type === 'registry' ? c.ref : c.type === 'local' ? c.dest : '',
      mode: c.type === 'inline' ? '' : (c.mode ?? ''),
    })),
    labels: kv(r.labels),
    kept: Object.fromEntries(
      Object.keys(KEPT_OPTIONS)
        .filter((k) => r[k as keyof KeptOptions] !== undefined)
        .map((k) => [k, r[k as keyof KeptOptions]]),
    ),
  };
}

/** POSIX-shell quoting, for display and copy (BuildDeck itself never runs a shell). */
const quote = (a: string) => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

/** `docker buildx build \` one option per line, for reading; copying uses the core's one-line text. */
export function prettyCommand(argv: readonly string[]): string {
  const lines: string[] = [];
  let i = 0;
  const head: string[] = [];
  while (i < argv.length && !(argv[i] ?? '').startsWith('-') && head.length < 3) head.push(quote(argv[i++] ?? ''));
  lines.push(head.join(' '));
  while (i < argv.length) {
    const a = argv[i++] ?? '';
    const next = argv[i];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && !next.startsWith('-') && takesValue(a)) {
      lines.push(`  ${quote(a)} ${quote(next)}`);
      i++;
    } else lines.push(`  ${quote(a)}`);
  }
  return lines.join(' \\\n');
}

const FLAGS_WITHOUT_VALUE = new Set(['--no-cache', '--pull', '--load', '--push']);
function takesValue(flag: string): boolean {
  return !FLAGS_WITHOUT_VALUE.has(flag);
}
