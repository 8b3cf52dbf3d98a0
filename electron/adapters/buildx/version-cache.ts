import { realpath, readFile, stat } from 'node:fs/promises';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import { JsonFileStore } from '../fs/json-file';
import { dockerConfigDir } from './config-dirs';

/**
 * `docker buildx version` costs a docker CLI process plus a plugin process (~0.1-0.3 s) on every
 * CLI call. Its answer only changes when the files that decide it change, so it is kept in the data
 * folder under a key made of everything the docker CLI looks at to pick the plugin:
 *  - the docker binary itself (resolved on PATH like a shell would; path, size, mtime, inode),
 *  - `cliPluginsExtraDirs` from $DOCKER_CONFIG/config.json and every DOCKER_CLI_* variable,
 *  - every place a `docker-buildx` plugin may live (extra dirs, <config>/cli-plugins, the system
 *    dirs), present or not, with the real path, size, mtime and inode of each one present.
 * Whatever the order the docker CLI searches them in, any change to any of them changes the key,
 * so a stale entry is never used: the next call runs `docker buildx version` again.
 */

/** The docker CLI's system plugin folders on Linux and macOS (docker/cli's defaultSystemPluginDirs). */
const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];
const PLUGIN = process.platform === 'win32' ? 'docker-buildx.exe' : 'docker-buildx';

async function fileStamp(path: string): Promise<string> {
  try {
    const [real, s] = await Promise.all([realpath(path), stat(path)]);
    return `${path}=>${real}:${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return `${path}:absent`;
  }
}

/** Where a shell finds `command` (absolute paths as they are); undefined when nowhere. */
async function resolveOnPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (isAbsolute(command) || command.includes('/')) return command;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Where the docker CLI looks for plugins, in its order (docker/cli manager.getPluginDirs). */
async function pluginDirs(env: NodeJS.ProcessEnv): Promise<{ extraDirs: string[]; dirs: string[] }> {
  const configDir = dockerConfigDir(env);
  let extraDirs: string[] = [];
  try {
    const config = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8')) as {
      cliPluginsExtraDirs?: unknown;
    };
    if (Array.isArray(config.cliPluginsExtraDirs))
      extraDirs = config.cliPluginsExtraDirs.filter((d): d is string => typeof d === 'string');
  } catch {
    // no config.json (or not JSON): the docker CLI then uses only the default folders
  }
  return { extraDirs, dirs: [...extraDirs, join(configDir, 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS] };
}

/** The cache key for `dockerPath buildx version` under `env`; undefined when docker cannot be found. */
export async function buildxFingerprint(dockerPath: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const docker = await resolveOnPath(dockerPath, env);
  if (!docker) return undefined;
  const { extraDirs, dirs } = await pluginDirs(env);
  const cliEnv = Object.keys(env)
    .filter((k) => k.startsWith('DOCKER_CLI_'))
    .sort()
    .map((k) => `${k}=${env[k] ?? ''}`);
  const stamps = await Promise.all([fileStamp(docker), ...dirs.map((d) => fileStamp(join(d, PLUGIN)))]);
  return JSON.stringify({ dockerPath, extraDirs, cliEnv, stamps });
}

/**
 * The buildx plugin `dockerPath buildx` would run: the first `docker-buildx` in the docker CLI's
 * plugin folders, as it searches them. Undefined (run through the docker CLI) when the CLI is not
 * found or is not Docker's own `docker` (a wrapper or another tool may do more), or on Windows.
 */
export async function findBuildxPlugin(dockerPath: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const docker = await resolveOnPath(dockerPath, env);
  // The docker CLI must be there: without it `docker buildx` fails (DOCKER_MISSING), so must we.
  if (!docker || basename(docker) !== 'docker' || !(await stat(docker).catch(() => undefined))?.isFile())
    return undefined;
  for (const dir of (await pluginDirs(env)).dirs) {
    const path = join(dir, PLUGIN);
    try {
      // stat follows symlinks: a broken link is skipped, as the docker CLI skips it.
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The raw output is kept, not the parsed info: the feature table is always today's code's. */
interface Entry {
  key: string;
  stdout: string;
}

/** The remembered answers, one per key (a few: settings may point at another docker CLI). */
export class BuildxVersionCache {
  private readonly store: JsonFileStore;

  constructor(file: string) {
    this.store = new JsonFileStore(file, false);
  }

  /** `docker buildx version`'s output remembered under this key. */
  async get(key: string): Promise<string | undefined> {
    return (await this.entries()).find((e) => e.key === key)?.stdout;
  }

  /** Best effort: a read-only data folder only costs the next call a process. */
  async put(key: string, stdout: string): Promise<void> {
    const kept = (await this.entries()).filter((e) => e.key !== key).slice(0, 3);
    await this.store.save(JSON.stringify([{ key, stdout }, ...kept])).catch(() => undefined);
  }

  private async entries(): Promise<Entry[]> {
    try {
      const parsed: unknown = JSON.parse((await this.store.load()) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    } catch {
      return [];
    }
  }
}

function isEntry(e: unknown): e is Entry {
  const x = e as Partial<Entry> | null;
  return typeof x?.key === 'string' && typeof x.stdout === 'string';
}
