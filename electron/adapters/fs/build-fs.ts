import { constants, createReadStream, lstatSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { access, lstat, mkdtemp, open, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type {
  BuildFsPort,
  ContextFile,
  ContextWalk,
  ContextWalkOptions,
  PathInfo,
  PathKind,
} from '../../core/builds/ports';

/**
 * How long the walk stats files before it lets the event loop turn (IPC, timers, the progress it
 * reports). Synchronous lstat in short slices: on 100k cached files it took 270-320 ms where the
 * callback API's thread-pool round trips took 370-560 ms, and fs/promises about 1.5x more again
 * (measured). A slice this short keeps the core as responsive as the thread pool did.
 */
const STAT_SLICE_MS = 8;

/** A path's own size (a symlink's, not its target's); 0 if it vanished or cannot be read. */
function sizeOf(path: string): number {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The real file system for the builds service. */
export class NodeBuildFs implements BuildFsPort {
  constructor(private readonly env: () => NodeJS.ProcessEnv = () => process.env) {}

  async stat(path: string): Promise<PathInfo> {
    let kind: PathKind;
    let bytes: number | undefined;
    // The real path is asked alongside the stat, not after: every check of a build (context,
    // Dockerfile, secrets) waits for these before buildx can start.
    const resolving = realpath(path).catch(() => undefined);
    try {
      const s = await stat(path);
      kind = s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
      bytes = s.size;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', readable: false };
      return { kind: 'other', readable: false };
    }
    const readable = await access(path, kind === 'directory' ? constants.R_OK | constants.X_OK : constants.R_OK).then(
      () => true,
      () => false,
    );
    const real = await resolving;
    return { kind, readable, ...(real ? { realPath: real } : {}), ...(bytes !== undefined ? { bytes } : {}) };
  }

  async readText(path: string, maxBytes: number): Promise<string | undefined> {
    let handle;
    try {
      handle = await open(path, 'r');
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } catch {
      return undefined;
    } finally {
      await handle?.close();
    }
  }

  async list(dir: string): Promise<{ name: string; kind: PathKind }[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, kind: e.isDirectory() ? 'directory' : e.isFile() ? 'file' : 'other' }));
  }

  async walk(root: string, options: ContextWalkOptions): Promise<ContextWalk> {
    const files: ContextFile[] = [];
    const deadline = Date.now() + options.timeoutMs;
    const stack: { rel: string; ignoredAbove: boolean }[] = [{ rel: '', ignoredAbove: false }];
    let seen = 0;
    const progress = options.progress;
    let reportAt = progress ? Date.now() + progress.firstMs : Infinity;
    const maybeReport = () => {
      if (!progress || Date.now() < reportAt) return;
      progress.report(files);
      reportAt = Date.now() + progress.everyMs;
    };
    let sliceEnd = performance.now() + STAT_SLICE_MS;
    while (stack.length > 0) {
      maybeReport();
      if (seen >= options.maxEntries || Date.now() > deadline) return { files, truncated: true };
      const { rel } = stack.pop() as { rel: string; ignoredAbove: boolean };
      let entries;
      try {
        entries = await readdir(rel ? join(root, rel) : root, { withFileTypes: true });
      } catch {
        continue; // buildx will report unreadable entries itself; the count stays a lower bound
      }
      const wanted: string[] = [];
      for (const e of entries) {
        seen++;
        const childRel = rel ? `${rel}/${e.name}` : e.name;
        const isDir = e.isDirectory();
        const ignored = options.ignored(childRel, isDir);
        if (isDir) {
          if (!ignored || options.mayReincludeUnder(childRel)) stack.push({ rel: childRel, ignoredAbove: ignored });
          continue;
        }
        if (!ignored) wanted.push(childRel);
      }
      // One lstat per file, in slices of STAT_SLICE_MS between turns of the event loop.
      for (const childRel of wanted) {
        // Symlinks are sent as links, not followed; a file that vanished while walking counts 0.
        files.push({ path: childRel, bytes: sizeOf(join(root, childRel)) });
        if (performance.now() >= sliceEnd) {
          maybeReport();
          await turn();
          sliceEnd = performance.now() + STAT_SLICE_MS;
        }
      }
    }
    return { files, truncated: false };
  }

  async hashFile(path: string, maxBytes: number): Promise<string | undefined> {
    try {
      const info = await lstat(path);
      if (!info.isFile() || info.size > maxBytes) return undefined;
      // node:crypto on first use: loading it costs every CLI verb ~8 ms, and only builds hash files.
      const hash = process.getBuiltinModule('node:crypto').createHash('sha256');
      await pipeline(createReadStream(path), hash);
      return hash.digest('hex');
    } catch {
      return undefined;
    }
  }

  async resolveExisting(path: string, depth = 0): Promise<{ existing: string; rest: string }> {
    const rest: string[] = [];
    let at = path;
    for (;;) {
      try {
        return { existing: await realpath(at), rest: join(...rest.reverse()) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A link whose target does not exist yet: writing through it creates the target, so the
        // target is the path (buildx follows it too). Links of links, at most 40 deep (ELOOP's bound).
        const link = code === 'ENOENT' && depth < 40 ? await readlink(at).catch(() => undefined) : undefined;
        if (link !== undefined) {
          const target = isAbsolute(link) ? link : join(dirname(at), link);
          const r = await this.resolveExisting(target, depth + 1);
          return { existing: r.existing, rest: join(r.rest, ...rest.reverse()) };
        }
        const parent = dirname(at);
        // Only a part that does not exist is walked past; any other failure (no access, a loop,
        // a file in the middle) stops here, with the path as given.
        if (code !== 'ENOENT' || parent === at) return { existing: at, rest: join(...rest.reverse()) };
        rest.push(basename(at));
        at = parent;
      }
    }
  }

  async tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
    const path = await mkdtemp(join(tmpdir(), 'builddeck-build-'));
    return { path, remove: () => rm(path, { recursive: true, force: true }) };
  }

  hasEnv(name: string): boolean {
    return Object.hasOwn(this.env(), name);
  }
}
