import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUILDCTL_DU_JSON,
  likelyCurrentBuilder,
  DEFAULT_DOCKER_HOST,
  isEngineEndpoint,
  localBuildkitContainers,
} from '../common/builders/buildx-store';
import { buildxConfigDir, dockerConfigDir } from '../adapters/buildx/config-dirs';
import { engineEndpoint, requestEarly } from '../adapters/docker/engine-api';
import { execEarly } from '../adapters/docker/exec-stream';
import { defaultDataDir } from '../adapters/fs/data-dir';

/**
 * A one-shot CLI spends its first ~0.3 s loading and compiling BuildDeck before the core asks the
 * engine anything. For the verbs whose first engine request is known from the command line and
 * buildx's store alone, that request is started here, before the core is loaded, so dockerd (or the
 * BuildKit container) works on it meanwhile (docs/performance.md, start-up). The core still decides
 * everything: its own identical request to the same engine takes the early answer
 * (electron/adapters/docker/engine-api.ts), anything else asks again, so a guess that was wrong
 * costs one request, never a different result or error. Only reads start early.
 *
 * The builder is chosen by the core's own rules (electron/common/builders/buildx-store.ts):
 * - the default builder of the engine (no instance in buildx's store): `cache du` reads
 *   `/system/df?type=build-cache` (EngineCache.usage), `build` reads `/version` (the builder check of
 *   a docker-driver node, NativeBuilderStatus.describe);
 * - a docker-container builder whose nodes run on that engine: `cache du` runs `buildctl du` in each
 *   node's container (BuildkitContainerCache in a one-shot process).
 */
export function startEarlyRequests(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    return start(argv, env);
  } catch {
    // Only a head start: the core makes every request itself anyway.
    return Promise.resolve();
  }
}

/**
 * How long the CLI waits, at most, for its early requests to leave before it loads the core: the
 * core's load blocks the thread that writes them once their sockets connect, and an exec's second
 * request waits on the first one's answer (exec-stream.ts).
 */
const START_WAIT_MS = 150;

/** Starts what it can; resolves when the requests have left (an exec: asked to start), within START_WAIT_MS. */
function start(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const du = argv[0] === 'cache' && argv[1] === 'du';
  if (!du && argv[0] !== 'build') return Promise.resolve();
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--dry-run')) return Promise.resolve();
  // Settings may point the core at another engine; the environment alone is this engine's address.
  const settings = readJson(join(defaultDataDir(env), 'settings.json'));
  if (settings && 'dockerHost' in settings) return Promise.resolve();
  const address = env['DOCKER_HOST'] || DEFAULT_DOCKER_HOST;
  const buildx = buildxConfigDir(env);
  const builder =
    builderFlag(argv) ??
    likelyCurrentBuilder(
      stringOr(readJson(join(buildx, 'current'))?.['Name']),
      env,
      env['DOCKER_HOST'] || env['DOCKER_CONTEXT']
        ? undefined
        : readJson(join(dockerConfigDir(env), 'config.json'))?.['currentContext'],
    );
  const stored = readStoredBuilder(buildx, builder);
  let starting: Promise<unknown>;
  if (!stored) {
    // Another context's builder is not this engine's.
    if (builder !== 'default') return Promise.resolve();
    starting = requestEarly(address, du ? '/system/df?type=build-cache' : '/version', env);
  } else {
    const containers = du ? localBuildkitContainers(stored, (e) => isEngineEndpoint(e, address, env)) : [];
    const endpoint = containers.length > 0 ? engineEndpoint(address, env) : undefined;
    if (!endpoint) return Promise.resolve();
    starting = Promise.all(containers.map((c) => execEarly(endpoint, c, [...BUILDCTL_DU_JSON])));
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, START_WAIT_MS)));
  return Promise.race([starting.then(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** --builder's value as node:util's parseArgs reads it (`--builder X` or `--builder=X`). */
function builderFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return undefined;
    if (a === '--builder') return argv[i + 1];
    if (a.startsWith('--builder=')) return a.slice('--builder='.length);
  }
  return undefined;
}

/**
 * The builder's driver and nodes from buildx's instance file (named after the builder), enough to
 * guess; the core reads the whole store itself. undefined when there is no such file.
 */
function readStoredBuilder(
  buildxDir: string,
  name: string,
): { driver: string; nodes: { name: string; endpoint: string }[] } | undefined {
  const instance = readJson(join(buildxDir, 'instances', name));
  if (!instance || instance['Name'] !== name) return undefined;
  const nodes = Array.isArray(instance['Nodes']) ? (instance['Nodes'] as unknown[]) : [];
  return {
    driver: stringOr(instance['Driver']) ?? '',
    nodes: nodes.map((n) => {
      const node = typeof n === 'object' && n !== null ? (n as Record<string, unknown>) : {};
      return { name: stringOr(node['Name']) ?? '', endpoint: stringOr(node['Endpoint']) ?? '' };
    }),
  };
}

const stringOr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
