import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { outcomeOf } from '../helpers/cli';

const exec = promisify(execFile);

/**
 * `builddeck engine info` as users run it: the installed command (bin/builddeck.js, the bundle from
 * a code cache) against the real engine. The bundle once kept dockerode's import() as it was, which a
 * vm.Script cannot run: every call answered INTERNAL while the sources' tests passed.
 */
describe('builddeck engine info from a terminal', () => {
  let sandbox: BuildxSandbox;
  let cacheHome: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    outcomeOf(
      exec(process.execPath, ['bin/builddeck.js', 'engine', 'info', ...args], {
        env: { ...sandbox.env, XDG_CACHE_HOME: cacheHome, BUILDDECK_DATA_DIR: join(sandbox.dir, 'data'), ...env },
        timeout: 60_000,
      }),
    );

  beforeAll(() => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    cacheHome = mkdtempSync(join(tmpdir(), 'bd-engine-cli-'));
  });
  afterAll(async () => {
    await sandbox.cleanup();
    rmSync(cacheHome, { recursive: true, force: true });
  });

  it('says what `docker version` and `docker buildx version` say, with and without a code cache', async () => {
    const server = JSON.parse(
      (await exec('docker', ['version', '--format', '{{json .Server}}'], { env: sandbox.env })).stdout,
    ) as { Version: string; ApiVersion: string; Os: string; Arch: string };
    const buildx = (await exec('docker', ['buildx', 'version'], { env: sandbox.env })).stdout;
    // The first run compiles and writes the verb's cache, the second runs from it.
    for (const run of ['compiled', 'from the cache']) {
      const r = await cli(['--json']);
      expect(r.stderr, run).toBe('');
      expect(r.code, run).toBe(0);
      const info = JSON.parse(r.stdout) as {
        engine: { reachable: boolean; engineVersion: string; apiVersion: string; os: string; arch: string };
        buildx: { version: string };
      };
      expect(info.engine).toMatchObject({
        reachable: true,
        engineVersion: server.Version,
        apiVersion: server.ApiVersion,
        os: server.Os,
        arch: server.Arch,
      });
      expect(buildx).toContain(info.buildx.version);
    }
    const text = await cli([]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Engine     ${server.Version} (API ${server.ApiVersion})`);
  });

  it('an engine that is not there: exit 1, its code and what to do, no stack trace', async () => {
    const r = await cli([], { DOCKER_HOST: `unix://${join(cacheHome, 'no-docker.sock')}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^builddeck: DOCKER_UNREACHABLE: Docker is not reachable at unix:\/\/.*no-docker\.sock/);
    expect(r.stderr).toContain('hint: Start Docker');
    expect(r.stderr).not.toMatch(/INTERNAL|\n\s+at /);
  });
});
