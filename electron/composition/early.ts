import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DOCKER_HOST, requestEarly } from '../adapters/docker/engine-api';
import { defaultDataDir } from '../adapters/fs/data-dir';

/**
 * A one-shot CLI spends its first ~0.3 s loading and compiling BuildDeck before the core asks the
 * engine anything. For the verbs whose first engine request is known from the command line alone,
 * that request is started here, before the core is loaded, so dockerd works on it meanwhile
 * (docs/performance.md, start-up). The core still decides everything: its own identical GET to the
 * same engine takes the early answer (electron/adapters/docker/engine-api.ts), anything else asks
 * again, so a guess that was wrong costs one request, never a different result or error.
 *
 * Only the default builder of the default Docker context is read through the Engine API, so nothing
 * is started when the command or the environment points elsewhere.
 */
export function startEarlyRequests(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  try {
    const paths = earlyPaths(argv);
    if (paths.length === 0 || !onDefaultBuilder(env)) return;
    for (const path of paths) requestEarly(env['DOCKER_HOST'] || DEFAULT_DOCKER_HOST, path, env);
  } catch {
    // Only a head start: the core makes every request itself anyway.
  }
}

function earlyPaths(argv: readonly string[]): string[] {
  const skip = (a: string) =>
    a === '--builder' || a.startsWith('--builder=') || a === '--help' || a === '-h' || a === '--dry-run';
  if (argv.some(skip)) return [];
  // EngineCache.usage's read of the docker driver's records.
  if (argv[0] === 'cache' && argv[1] === 'du') return ['/system/df?type=build-cache'];
  // The build's builder check reads a docker-driver node from `/version` (NativeBuilderStatus.describe).
  if (argv[0] === 'build') return ['/version'];
  return [];
}

/** False when settings, the Docker context or buildx's current builder may point away from it. */
function onDefaultBuilder(env: NodeJS.ProcessEnv): boolean {
  if (env['DOCKER_CONTEXT'] && env['DOCKER_CONTEXT'] !== 'default') return false;
  const settings = readJson(join(defaultDataDir(env), 'settings.json'));
  if (settings && 'dockerHost' in settings) return false;
  const dockerConfig = env['DOCKER_CONFIG'] || join(env['HOME'] ?? homedir(), '.docker');
  const context = readJson(join(dockerConfig, 'config.json'))?.['currentContext'];
  if (typeof context === 'string' && context !== '' && context !== 'default') return false;
  const current = readJson(join(env['BUILDX_CONFIG'] || join(dockerConfig, 'buildx'), 'current'))?.['Name'];
  return !(typeof current === 'string' && current !== '' && current !== 'default');
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
