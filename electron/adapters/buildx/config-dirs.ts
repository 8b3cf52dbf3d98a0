import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the docker CLI and buildx keep their state, resolved as they do (an empty variable counts as
 * unset). Node built-ins only: the CLI's early requests (composition/early.ts) read buildx's store
 * with these before the core loads, and the core's buildx adapter reads it with the same.
 */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
}

/** $BUILDX_CONFIG, else $DOCKER_CONFIG/buildx, else ~/.docker/buildx. */
export function buildxConfigDir(env: NodeJS.ProcessEnv): string {
  return env['BUILDX_CONFIG'] || join(dockerConfigDir(env), 'buildx');
}
