import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);

/**
 * "The current builder" has one rule in BuildDeck (buildx's GetCurrentInstance,
 * adapters/buildx/known-builders.ts), for the builders list and for every command that defaults to it.
 * Real buildx is the oracle: a `buildx use` choice made for another endpoint (its `current` file's
 * Key) does not apply here, so buildx uses the context's own builder, and `cache du` without
 * --builder must read that one, as `docker buildx du` does. A test-owned BUILDX_CONFIG; the stored
 * builder is never started and nothing is created in Docker.
 */
describe('cache du without --builder reads the builder buildx would', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'bd-current-'));
    mkdirSync(join(dir, 'instances'));
    writeFileSync(
      join(dir, 'instances', 'bdtest-elsewhere'),
      JSON.stringify({
        Name: 'bdtest-elsewhere',
        Driver: 'docker-container',
        Nodes: [{ Name: 'bdtest-elsewhere0', Endpoint: 'unix:///var/run/docker.sock' }],
        Dynamic: false,
      }),
    );
    // Chosen with `buildx use` while another endpoint was current.
    writeFileSync(join(dir, 'current'), JSON.stringify({ Key: 'tcp://10.9.9.9:2376', Name: 'bdtest-elsewhere' }));
    env = { ...process.env, BUILDX_CONFIG: dir, BUILDDECK_DATA_DIR: join(dir, 'data') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('agrees with buildx ls and the builders list on which builder is current', async () => {
    // BuildDeck first: buildx rewrites `current` when it finds a choice made for another endpoint.
    // The engine's default builder is shared with everything else on the machine: thousands of
    // records print more than execFile's 1 MB default.
    const du = await exec(process.execPath, ['bin/builddeck.js', 'cache', 'du', '--json'], {
      env,
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    const list = await exec(process.execPath, ['bin/builddeck.js', 'builders', 'ls', '--json'], {
      env,
      timeout: 60_000,
    });
    const ls = await exec('docker', ['buildx', 'ls', '--format', 'json'], { env });
    const buildxCurrent = ls.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { Name: string; Current?: boolean })
      .find((b) => b.Current)?.Name;
    expect(buildxCurrent).toBe('default');
    expect((JSON.parse(du.stdout) as { builder: string }).builder).toBe(buildxCurrent);
    const marked = (JSON.parse(list.stdout) as { name: string; current: boolean }[]).filter((b) => b.current);
    expect(marked.map((b) => b.name)).toEqual([buildxCurrent]);
  });

  it('reads the per-endpoint default (`buildx use --default`) as buildx does', async () => {
    // `defaults/<sha256(key)[:20]>`, the key being the default context's docker host; `current` names
    // no builder. BuildDeck lists `defaults/` before hashing (node:crypto loads only when it has files).
    const own = mkdtempSync(join(tmpdir(), 'bd-current-default-'));
    try {
      mkdirSync(join(own, 'instances'));
      mkdirSync(join(own, 'defaults'));
      writeFileSync(
        join(own, 'instances', 'bdtest-default'),
        JSON.stringify({
          Name: 'bdtest-default',
          Driver: 'docker-container',
          Nodes: [{ Name: 'bdtest-default0', Endpoint: 'unix:///var/run/docker.sock' }],
          Dynamic: false,
        }),
      );
      const host = 'unix:///var/run/docker.sock';
      writeFileSync(join(own, 'current'), JSON.stringify({ Key: host, Name: '', Global: false }));
      const hash = createHash('sha256').update(host).digest('hex').slice(0, 20);
      writeFileSync(join(own, 'defaults', hash), 'bdtest-default');
      const ownEnv: NodeJS.ProcessEnv = { ...process.env, BUILDX_CONFIG: own, BUILDDECK_DATA_DIR: join(own, 'data') };
      delete ownEnv['DOCKER_HOST'];
      delete ownEnv['DOCKER_CONTEXT'];
      const list = await exec(process.execPath, ['bin/builddeck.js', 'builders', 'ls', '--json'], {
        env: ownEnv,
        timeout: 60_000,
      });
      const ls = await exec('docker', ['buildx', 'ls', '--format', 'json'], { env: ownEnv });
      const buildxCurrent = ls.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { Name: string; Current?: boolean })
        .find((b) => b.Current)?.Name;
      expect(buildxCurrent).toBe('bdtest-default');
      const marked = (JSON.parse(list.stdout) as { name: string; current: boolean }[]).filter((b) => b.current);
      expect(marked.map((b) => b.name)).toEqual([buildxCurrent]);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
