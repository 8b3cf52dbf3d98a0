import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DOCKER_HOST } from './engine-api';

/**
 * Docker contexts read from the docker CLI's context store on disk (no `docker context ls` process):
 * `<config>/contexts/meta/<sha256 of the name>/meta.json` holds {Name, Endpoints: {docker: {Host}}}.
 * The `default` context is not stored: it is DOCKER_HOST, or the platform's default socket.
 */

export interface DockerContext {
  name: string;
  /** The docker endpoint (unix://, tcp://, ssh://...); undefined when the context has none. */
  host: string | undefined;
  /** TLS material lives next to it (<config>/contexts/tls/<hash>/docker): only the docker CLI reads it. */
  tls: boolean;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env['DOCKER_CONFIG'] ?? join(env['HOME'] ?? homedir(), '.docker');
}

export async function readContexts(env: NodeJS.ProcessEnv): Promise<DockerContext[]> {
  const defaultContext: DockerContext = {
    name: 'default',
    host: env['DOCKER_HOST'] || DEFAULT_DOCKER_HOST,
    tls: false,
  };
  const meta = join(dockerConfigDir(env), 'contexts', 'meta');
  let dirs: string[];
  try {
    dirs = await readdir(meta);
  } catch {
    return [defaultContext];
  }
  const tlsDir = join(dockerConfigDir(env), 'contexts', 'tls');
  const stored = await Promise.all(
    dirs.map(async (d): Promise<DockerContext | undefined> => {
      try {
        const parsed = JSON.parse(await readFile(join(meta, d, 'meta.json'), 'utf8')) as {
          Name?: unknown;
          Endpoints?: { docker?: { Host?: unknown } };
        };
        if (typeof parsed.Name !== 'string' || parsed.Name === 'default') return undefined;
        const host = parsed.Endpoints?.docker?.Host;
        const tls = await readdir(join(tlsDir, d, 'docker')).then(
          (files) => files.length > 0,
          () => false,
        );
        return { name: parsed.Name, host: typeof host === 'string' ? host : undefined, tls };
      } catch {
        return undefined; // a foreign or half-written entry is the docker CLI's business
      }
    }),
  );
  return [defaultContext, ...stored.filter((c): c is DockerContext => c !== undefined)].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** The docker CLI's choice: DOCKER_CONTEXT, else `default` when DOCKER_HOST is set, else config.json's currentContext. */
export async function currentContextName(env: NodeJS.ProcessEnv): Promise<string> {
  if (env['DOCKER_CONTEXT']) return env['DOCKER_CONTEXT'];
  if (env['DOCKER_HOST']) return 'default';
  try {
    const config = JSON.parse(await readFile(join(dockerConfigDir(env), 'config.json'), 'utf8')) as {
      currentContext?: unknown;
    };
    return typeof config.currentContext === 'string' && config.currentContext ? config.currentContext : 'default';
  } catch {
    return 'default';
  }
}
