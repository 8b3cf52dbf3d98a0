import { posix, win32 } from 'node:path';
import type { ContextInspection, ContextProgress } from '../../common/contracts/builds';
import { appError } from '../../common/errors';
import { isWindowsPath } from '../../common/validation';
import { parseDockerignore } from './dockerignore';
import type { BuildFsPort, BuildTarget, ContextFile, PathInfo } from './ports';

/** Windows paths (drive or UNC) are joined as Windows joins them, the rest as POSIX. */
export const pathFor = (p: string) => (isWindowsPath(p) ? win32 : posix);

const MB = 1024 * 1024;
/** Folders that are almost never meant for the builder. */
const HEAVY_DIRS = [
  'node_modules',
  '.git',
  '.venv',
  'venv',
  '__pycache__',
  'target',
  '.gradle',
  'dist',
  'build',
  '.next',
  '.cache',
];
const HEAVY_DIR_WARN = ['node_modules', '.git', '.venv', 'venv', '__pycache__', '.gradle', '.next', '.cache'];
const LARGE_CONTEXT = 200 * MB;
const DOCKERFILE_NAME =
  /^(?:Dockerfile|Containerfile|.+\.Dockerfile|.+\.Containerfile|Dockerfile\..+|Containerfile\..+)$/i;

export interface FolderRole {
  /** The request field it came from (for the form). */
  field: string;
  /** How to call it in a sentence: "context folder", "project folder". */
  noun: string;
  /** What to do when a file was given instead. */
  notAFolderHint: string;
}

const CONTEXT_FOLDER: FolderRole = {
  field: 'contextDir',
  noun: 'context folder',
  notAFolderHint:
    'The build context is a folder; to use a Dockerfile elsewhere, choose its folder and set the Dockerfile.',
};

/**
 * A folder a build or bake runs in, checked the way buildx will need it: exists, a directory,
 * readable. Returns its real path (symlinks resolved).
 */
export async function checkFolder(fs: BuildFsPort, dir: string, role: FolderRole = CONTEXT_FOLDER): Promise<string> {
  const info = await fs.stat(dir);
  const details = { field: role.field };
  if (info.kind === 'missing') {
    throw appError('INVALID_INPUT', `The ${role.noun} ${dir} does not exist.`, {
      hint: 'Choose an existing folder (drop it on the window or use the folder picker).',
      details,
    });
  }
  if (info.kind !== 'directory') {
    throw appError('INVALID_INPUT', `${dir} is not a folder.`, { hint: role.notAFolderHint, details });
  }
  if (!info.readable) {
    throw appError('INVALID_INPUT', `BuildDeck cannot read the ${role.noun} ${dir}.`, {
      hint: 'Check the folder permissions.',
      details,
    });
  }
  return info.realPath ?? dir;
}

/** The context folder of a build. */
export function checkContextDir(fs: BuildFsPort, contextDir: string): Promise<string> {
  return checkFolder(fs, contextDir, CONTEXT_FOLDER);
}

/**
 * A file buildx writes when the build ends (`--metadata-file`): its folder must exist now, or a long
 * build would fail at its very end.
 */
export async function checkWritableFileDir(fs: BuildFsPort, file: string, field: string): Promise<void> {
  const dir = pathFor(file).dirname(file);
  const info = await fs.stat(dir);
  if (info.kind !== 'directory' || !info.readable) {
    throw appError('INVALID_INPUT', `The folder of ${file} does not exist or cannot be used.`, {
      hint: 'Choose a file in an existing folder.',
      details: { field },
    });
  }
  const existing = await fs.stat(file);
  if (existing.kind === 'directory') {
    throw appError('INVALID_INPUT', `${file} is a folder, not a file.`, {
      hint: 'Give a file name for the metadata.',
      details: { field },
    });
  }
}

/** Dockerfiles in the context root, most conventional first. */
export async function findDockerfiles(fs: BuildFsPort, contextDir: string): Promise<string[]> {
  const entries = await fs.list(contextDir).catch(() => []);
  const names = entries.filter((e) => e.kind === 'file' && DOCKERFILE_NAME.test(e.name)).map((e) => e.name);
  const rank = (n: string) =>
    n === 'Dockerfile' ? 0 : n === 'Containerfile' ? 1 : /\.(Dockerfile|Containerfile)$/i.test(n) ? 2 : 3;
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * The Dockerfile to use: the requested one (relative to the context or absolute) checked to be a
 * readable file, else the auto-detected one. Returns an absolute path.
 */
export async function resolveDockerfile(
  fs: BuildFsPort,
  contextDir: string,
  requested: string | undefined,
): Promise<string> {
  const p = pathFor(contextDir);
  if (requested) {
    const full = p.isAbsolute(requested) ? requested : p.join(contextDir, requested);
    const info: PathInfo = await fs.stat(full);
    if (info.kind !== 'file' || !info.readable) {
      throw appError(
        'INVALID_INPUT',
        info.kind === 'missing'
          ? `The Dockerfile ${requested} does not exist.`
          : `${requested} is not a readable file.`,
        {
          hint: 'Pick the Dockerfile from the list of the context folder, or give a path relative to it.',
          details: { field: 'dockerfile' },
        },
      );
    }
    return full;
  }
  const found = await findDockerfiles(fs, contextDir);
  const first = found[0];
  if (!first) {
    throw appError('INVALID_INPUT', `No Dockerfile in ${contextDir}.`, {
      hint: 'Add a Dockerfile (or Containerfile) to the folder, or choose the Dockerfile to use.',
      details: { field: 'dockerfile' },
    });
  }
  return p.join(contextDir, first);
}

/** `FROM image AS name` stages, with a description from a `# name ...` comment just above. */
export function stagesFromDockerfile(text: string): BuildTarget[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const out: BuildTarget[] = [];
  lines.forEach((line, i) => {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+([A-Za-z0-9][A-Za-z0-9_.-]*))?\s*$/i.exec(line);
    if (!m?.[2]) return;
    const name = m[2];
    const comment = /^\s*#\s*(\S+)\s+(.*)$/.exec(lines[i - 1] ?? '');
    out.push({
      name,
      base: m[1] as string,
      ...(comment && comment[1] === name && comment[2] ? { description: comment[2].trim() } : {}),
    });
  });
  return out;
}

export interface InspectDeps {
  fs: BuildFsPort;
  /** Hears the counts so far while a large context is walked (see `build.contextProgress`). */
  progress?: ((partial: ContextProgress) => void) | undefined;
  /** Targets from buildx; resolves undefined when this buildx cannot tell (no --call). */
  targets: ((contextDir: string, dockerfile: string) => Promise<BuildTarget[] | undefined>) | undefined;
  now(): number;
}

/**
 * The image a Dockerfile's `# syntax=` parser directive names, or undefined. Directives sit in the
 * leading comment lines; this reads every leading comment and blank line (a little wider than
 * BuildKit, which stops at the first non-directive), so it never misses one BuildKit would honour.
 */
export function frontendOf(text: string): string | undefined {
  for (const raw of text.replace(/^\uFEFF/, '').split('\n', 64)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('#')) return undefined;
    const m = /^#\s*syntax\s*=\s*(\S+)\s*$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Docker's own Dockerfile frontend: what BuildKit would use anyway. Runs without asking. */
const OFFICIAL_FRONTEND = /^(?:docker\.io\/)?docker\/dockerfile(?:-upstream)?(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * The `# syntax=` frontend image a probe of this Dockerfile would run and the user has not agreed
 * to (`trust`), or undefined. `--call=targets|outline` runs the Dockerfile's frontend: an image from
 * an untrusted folder is not pulled and run on the builder until the user says so.
 */
export async function frontendToConfirmFor(
  fs: BuildFsPort,
  dockerfile: string,
  trust: string | undefined,
): Promise<string | undefined> {
  const frontend = frontendOf((await fs.readText(dockerfile, 64 * 1024)) ?? '');
  return frontend !== undefined && !OFFICIAL_FRONTEND.test(frontend) && frontend !== trust ? frontend : undefined;
}

/**
 * The context's totals, per top-level entry and per heavy folder, added up as the walk finds files:
 * the partial answers and the final one come from the same sums (each file is counted once).
 */
class ContextTally {
  files = 0;
  bytes = 0;
  private readonly top = new Map<string, { bytes: number; files: number }>();
  readonly heavy = new Map<string, { bytes: number; files: number }>();

  /** Adds the files past those already counted (the walk's array only grows). */
  addFrom(files: readonly ContextFile[]): void {
    for (let i = this.files; i < files.length; i++) this.add(files[i] as ContextFile);
    this.files = files.length;
  }

  private add(f: ContextFile): void {
    this.bytes += f.bytes;
    const segs = f.path.split('/');
    const head = segs[0] as string;
    const t = this.top.get(head) ?? { bytes: 0, files: 0 };
    t.bytes += f.bytes;
    t.files++;
    this.top.set(head, t);
    // The outermost heavy folder on the path (node_modules inside a package counts once).
    const at = segs.slice(0, -1).findIndex((seg) => HEAVY_DIR_WARN.includes(seg));
    if (at >= 0) {
      const key = segs.slice(0, at + 1).join('/');
      const h = this.heavy.get(key) ?? { bytes: 0, files: 0 };
      h.bytes += f.bytes;
      h.files++;
      this.heavy.set(key, h);
    }
  }

  /** Whether any of `names` is an entry at the top of the context. */
  hasTopLevel(names: readonly string[]): boolean {
    return names.some((n) => this.top.has(n));
  }

  largestEntries(n: number): ContextInspection['largestEntries'] {
    return [...this.top.entries()]
      .map(([path, v]) => ({ path, ...v }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, n);
  }
}

export async function inspectContext(
  deps: InspectDeps,
  input: { contextDir: string; dockerfile?: string | undefined; trustFrontend?: string | undefined },
): Promise<ContextInspection> {
  const started = deps.now();
  const { fs } = deps;
  const contextDir = await checkContextDir(fs, input.contextDir);
  const p = pathFor(contextDir);
  const dockerfiles = await findDockerfiles(fs, contextDir);
  let dockerfile: string | undefined;
  try {
    dockerfile = await resolveDockerfile(fs, contextDir, input.dockerfile);
  } catch (err) {
    if (input.dockerfile) throw err;
  }

  // buildx prefers `<Dockerfile>.dockerignore` next to the Dockerfile over the context's own.
  const specific = dockerfile ? await fs.readText(`${dockerfile}.dockerignore`, MB) : undefined;
  const general = specific === undefined ? await fs.readText(p.join(contextDir, '.dockerignore'), MB) : undefined;
  const ignoreText = specific ?? general;
  const matcher = parseDockerignore(ignoreText ?? '');
  const tally = new ContextTally();
  const walk = await fs.walk(contextDir, {
    ignored: (rel, isDir) => matcher.ignored(rel, isDir),
    mayReincludeUnder: (rel) => matcher.mayReincludeUnder(rel),
    maxEntries: 300_000,
    timeoutMs: 8000,
    ...(deps.progress
      ? {
          progress: {
            firstMs: 100,
            everyMs: 250,
            report: (files: readonly ContextFile[]) => {
              tally.addFrom(files);
              deps.progress?.({
                contextDir,
                files: tally.files,
                bytes: tally.bytes,
                largestEntries: tally.largestEntries(5),
                elapsedMs: deps.now() - started,
              });
            },
          },
        }
      : {}),
  });
  tally.addFrom(walk.files);
  const { bytes, heavy } = tally;
  const largestEntries = tally.largestEntries(10);
  const largestFiles = [...walk.files]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 10)
    .map((f) => ({ path: f.path, bytes: f.bytes, files: 1 }));

  const warnings: string[] = [];
  for (const [dir, v] of [...heavy.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 5)) {
    warnings.push(
      `${dir} (${formatBytes(v.bytes)}, ${v.files.toLocaleString('en-US')} file${v.files === 1 ? '' : 's'}) is sent to the builder: add it to .dockerignore unless the build needs it.`,
    );
  }
  if (bytes > LARGE_CONTEXT)
    warnings.push(
      `The context is ${formatBytes(bytes)}: every build uploads what changed, and the first one all of it.`,
    );
  if (walk.truncated)
    warnings.push('The context is too large to count fully in a few seconds; the figures are lower bounds.');
  if (ignoreText === undefined && tally.hasTopLevel(HEAVY_DIRS)) {
    warnings.push('There is no .dockerignore: everything in the folder is sent to the builder.');
  }

  let targets: BuildTarget[] = [];
  let targetsSource: ContextInspection['targetsSource'] = 'none';
  let frontendToConfirm: string | undefined;
  if (dockerfile) {
    // The stages are read from the file meanwhile.
    frontendToConfirm = await frontendToConfirmFor(fs, dockerfile, input.trustFrontend);
    if (deps.targets && frontendToConfirm === undefined) {
      try {
        const found = await deps.targets(contextDir, dockerfile);
        if (found) {
          targets = found.filter((t) => t.name);
          targetsSource = 'buildx';
        }
      } catch {
        // A Dockerfile the frontend cannot parse still has stages a person can pick from.
      }
    }
    if (targetsSource === 'none') {
      const text = await fs.readText(dockerfile, 4 * MB);
      if (text !== undefined) {
        targets = stagesFromDockerfile(text);
        targetsSource = 'dockerfile';
      }
    }
  }

  return {
    contextDir,
    files: walk.files.length,
    bytes,
    truncated: walk.truncated,
    largestEntries,
    largestFiles,
    dockerignore: ignoreText !== undefined,
    warnings,
    dockerfiles,
    ...(dockerfile ? { dockerfile: p.relative(contextDir, dockerfile) || dockerfile } : {}),
    targets: targets.map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      ...(t.base ? { base: t.base } : {}),
    })),
    targetsSource,
    ...(frontendToConfirm !== undefined ? { frontendToConfirm } : {}),
    durationMs: deps.now() - started,
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i] as string}`;
}
