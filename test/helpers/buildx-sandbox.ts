import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Made by ../shared/ci/setup-buildkit-env.sh. */
export const BUILDKIT_IMAGE = 'local/buildkit:v0.13.2';
export const OLD_BUILDX = '/usr/libexec/docker/cli-plugins/docker-buildx';

export interface BuildxSandbox {
  /** Environment with a test-owned BUILDX_CONFIG: `buildx create/use/rm` never touch the user's state. */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** A unique builder name that cleanup() will remove. */
  name(label: string): string;
  docker(args: string[], options?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

/**
 * A private buildx state directory. With `oldBuildx`, a private DOCKER_CONFIG puts Debian's buildx
 * 0.13.1 first on the plugin path (cliPluginsExtraDirs), for compatibility tests.
 */
export function buildxSandbox(options: { oldBuildx?: boolean } = {}): BuildxSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'bd-buildx-'));
  const env: NodeJS.ProcessEnv = { ...process.env, BUILDX_CONFIG: join(dir, 'buildx') };
  if (options.oldBuildx) {
    const plugins = join(dir, 'plugins');
    mkdirSync(plugins);
    symlinkSync(OLD_BUILDX, join(plugins, 'docker-buildx'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: [plugins] }));
    env['DOCKER_CONFIG'] = dir;
  }
  const created = new Set<string>();
  const suffix = Math.random().toString(36).slice(2, 8);
  const docker = async (args: string[], opts: { timeoutMs?: number } = {}) =>
    exec('docker', args, { env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 });
  return {
    env,
    dir,
    name(label) {
      const n = `bdtest-${label}-${suffix}`;
      created.add(n);
      return n;
    },
    docker,
    async cleanup() {
      for (const n of created) {
        // rm also removes a docker-container builder's container and state volume.
        await docker(['buildx', 'rm', '--force', n], { timeoutMs: 60_000 }).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `docker buildx create` arguments for a docker-container builder running the local BuildKit image.
 * `hostNetwork` lets it pull from the local registry (127.0.0.1:5000), which bridge networking cannot reach.
 */
export function containerBuilderArgs(
  name: string,
  options: { hostNetwork?: boolean; bootstrap?: boolean; platforms?: string; use?: boolean } = {},
): string[] {
  return [
    'buildx',
    'create',
    '--name',
    name,
    '--driver',
    'docker-container',
    '--driver-opt',
    `image=${BUILDKIT_IMAGE}`,
    ...(options.hostNetwork ? ['--driver-opt', 'network=host'] : []),
    ...(options.platforms ? ['--platform', options.platforms] : []),
    ...(options.use ? ['--use'] : []),
    ...(options.bootstrap ? ['--bootstrap'] : []),
  ];
}
