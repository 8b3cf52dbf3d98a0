import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuilderDetails, FleetHealth } from '../../electron/common/contracts/builders';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { outcomeOf } from '../helpers/cli';

const exec = promisify(execFile);

describe('builddeck builders create|inspect|health|use|rm from a terminal', () => {
  let sandbox: BuildxSandbox;
  /** `builddeck ARGS` (buildx's top-level spelling); `cli` is `builddeck builders ARGS`. */
  const builddeck = (args: string[]) =>
    outcomeOf(
      exec(process.execPath, ['bin/builddeck.js', ...args], {
        env: { ...sandbox.env, BUILDDECK_DATA_DIR: join(sandbox.dir, 'data') },
        timeout: 60_000,
      }),
    );
  const cli = (args: string[]) => builddeck(['builders', ...args]);
  beforeAll(() => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
  });
  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('--dry-run prints the equivalent docker buildx create command and creates nothing', async () => {
    const r = await cli([
      'create',
      'dry',
      '--driver',
      'docker-container',
      '--memory',
      '1g',
      '--env',
      'NO_PROXY=a,b',
      '--platform',
      'linux/amd64,linux/arm64',
      '--dry-run',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      `docker buildx create --name dry --driver docker-container --platform linux/amd64,linux/arm64 --driver-opt memory=1g --driver-opt '"env.NO_PROXY=a,b"'`,
    );
    expect(existsSync(join(sandbox.env['BUILDX_CONFIG'] as string, 'instances', 'dry'))).toBe(false);
  });

  it('--buildkitd-config is checked the same way with and without --dry-run', async () => {
    const deep = join(sandbox.dir, 'deep.toml');
    writeFileSync(deep, `a = ${'['.repeat(30_000)}${']'.repeat(30_000)}\n`);
    const good = join(sandbox.dir, 'good.toml');
    writeFileSync(good, 'debug = true\n[worker.oci]\n  max-parallelism = 2\n');
    for (const dry of [[], ['--dry-run']]) {
      const nested = await cli([
        'create',
        'tomlcheck',
        '--driver',
        'docker-container',
        '--buildkitd-config',
        deep,
        ...dry,
      ]);
      expect(nested.code, `${dry.join('')}: ${nested.stderr}`).toBe(2);
      expect(nested.stderr).toMatch(
        /INVALID_INPUT: .*deep\.toml is not valid TOML: line 1, column \d+: .*nested deeper than/,
      );
      const missing = await cli([
        'create',
        'tomlcheck',
        '--driver',
        'docker-container',
        '--buildkitd-config',
        join(sandbox.dir, 'absent.toml'),
        ...dry,
      ]);
      expect(missing.code, missing.stderr).toBe(2);
      expect(missing.stderr).toMatch(/INVALID_INPUT: .*absent\.toml/);
    }
    const plan = await cli([
      'create',
      'tomlcheck',
      '--driver',
      'docker-container',
      '--buildkitd-config',
      good,
      '--dry-run',
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout.trim()).toBe(
      `docker buildx create --name tomlcheck --driver docker-container --buildkitd-config ${good}`,
    );
    expect(existsSync(join(sandbox.env['BUILDX_CONFIG'] as string, 'instances', 'tomlcheck'))).toBe(false);
  });

  it('a reader that is gone before the output (`| true`, `| head` done) ends the CLI quietly, no EPIPE trace', async () => {
    const child = spawn(process.execPath, ['bin/builddeck.js', 'builders', 'ls', '--json'], {
      env: { ...sandbox.env, BUILDDECK_DATA_DIR: join(sandbox.dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // What `| true` does, and `| head` once it has its lines: the read end closes before the write.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('every command group prints its own usage for --help, -h and `help GROUP`, exit 0', async () => {
    const run = async (args: string[]) => {
      try {
        const { stdout } = await exec(process.execPath, ['bin/builddeck.js', ...args], { env: sandbox.env });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    };
    for (const [group, line] of [
      ['history', 'builddeck history ls'],
      ['cache', 'builddeck cache du'],
      ['builders', 'builddeck builders create'],
      ['build', 'builddeck build DIR'],
    ] as const) {
      for (const args of [
        [group, '--help'],
        [group, '-h'],
        ['help', group],
      ]) {
        const r = await run(args);
        expect({ args, code: r.code }).toEqual({ args, code: 0 });
        expect(r.stdout).toContain(line);
      }
    }
    expect((await run(['help'])).stdout).toContain('Usage: builddeck <command>');
    expect((await run(['history', 'bogus'])).code).toBe(2);
  });

  it('invalid input exits 2 and names the flag to fix', async () => {
    const r = await cli(['create', 'x', '--driver', 'docker-container', '--cpu-quota=-5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INVALID_INPUT: Invalid cpuQuota .*\(--cpu-quota\)/);
    const bad = await cli(['create', 'x', '--driver', 'remote', 'http://127.0.0.1:1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\(ENDPOINT\)/);
    const json = await cli(['create', 'a/b', '--driver', 'remote', 'tcp://127.0.0.1:1', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'INVALID_INPUT', details: { field: 'name' } } });
  });

  it('a remote builder: create, inspect --json, health exits 1 while unreachable, use, rm', async () => {
    const name = sandbox.name('cli');
    expect((await cli(['create', name, '--driver', 'remote', 'tcp://127.0.0.1:1'])).code).toBe(0);
    const inspect = await cli(['inspect', name, '--json', '--timeout', '3']);
    expect(inspect.code).toBe(0);
    expect((JSON.parse(inspect.stdout) as BuilderDetails).nodes[0]).toMatchObject({ endpoint: 'tcp://127.0.0.1:1' });
    const health = await cli(['health', name, '--json', '--timeout', '2']);
    expect(health.code).toBe(1);
    expect((JSON.parse(health.stdout) as FleetHealth).builders[0]?.nodes[0]).toMatchObject({ state: 'unreachable' });
    const text = await cli(['health', name, '--timeout', '2']);
    expect(text.stdout).toMatch(/error: 1 node is unreachable/);
    expect((await cli(['use', name])).stdout).toMatch(new RegExp(`${name} is now the current builder`));
    const rm = await cli(['rm', name]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toMatch(`Removed ${name}.`);
    expect((await cli(['rm', 'default'])).code).toBe(2);
    // No NAME: the current builder (default again, once the current one is gone).
    const current = await cli(['inspect', '--json', '--timeout', '5']);
    expect(current.code, current.stderr).toBe(0);
    expect((JSON.parse(current.stdout) as BuilderDetails).name).toBe('default');
  });

  it("takes buildx's own spelling: top-level verbs, --name, --driver-opt, no NAME for the current builder", async () => {
    const buildx = builddeck;
    // --driver-opt KEY=VALUE[,KEY=VALUE] is the same request as BuildDeck's own flags.
    const theirs = await buildx([
      'create',
      '--name',
      'dopt',
      '--driver-opt',
      'image=local/buildkit:v0.13.2,network=host',
      '--driver-opt',
      '"env.NO_PROXY=a,b"',
      '--dry-run',
    ]);
    const ours = await cli([
      'create',
      'dopt',
      '--driver',
      'docker-container',
      '--image',
      'local/buildkit:v0.13.2',
      '--network',
      'host',
      '--env',
      'NO_PROXY=a,b',
      '--dry-run',
    ]);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(theirs.stdout).toBe(ours.stdout);
    expect(theirs.stdout).toContain('--driver-opt image=local/buildkit:v0.13.2 --driver-opt network=host');
    const unknown = await buildx(['create', '--name', 'x', '--driver-opt', 'imgae=foo', '--dry-run']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /--driver-opt imgae: not a driver option BuildDeck knows \(namespace, image, network/,
    );
    // A real builder, made, used, read and removed the way a buildx user types it.
    const name = sandbox.name('bx');
    const made = await buildx(['create', 'tcp://127.0.0.1:1', '--name', name, '--driver', 'remote', '--use']);
    expect(made.code, made.stderr).toBe(0);
    const inspect = await buildx(['inspect', '--json', '--timeout', '3']);
    expect(JSON.parse(inspect.stdout) as BuilderDetails).toMatchObject({
      name,
      nodes: [{ endpoint: 'tcp://127.0.0.1:1' }],
    });
    const rm = await buildx(['rm', '-f']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`Removed ${name}.`);
    expect((await buildx(['version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('`ls --format json|TEMPLATE` prints what `docker buildx ls --format ...` prints for the same builders', async () => {
    const run = builddeck;
    // A builder whose node cannot be reached (nothing listens on port 1).
    const name = sandbox.name('lsfmt');
    await sandbox.docker([
      'buildx',
      'create',
      '--name',
      name,
      '--driver',
      'remote',
      '--driver-opt',
      'default-load=true',
      'tcp://127.0.0.1:1',
    ]);
    try {
      type LsJson = {
        Name: string;
        Driver: string;
        Current: boolean;
        Dynamic: boolean;
        LastActivity: string;
        Nodes: {
          Name: string;
          Endpoint: string;
          Status?: string;
          Version?: string;
          Platforms?: string[];
          Err?: string;
        }[];
      };
      const lines = (text: string) =>
        text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as LsJson);
      const ours = await run(['ls', '--format', 'json']);
      expect(ours.code, ours.stderr).toBe(0);
      const theirs = lines((await sandbox.docker(['buildx', 'ls', '--format', 'json'])).stdout);
      const shape = (b: LsJson) => ({
        Name: b.Name,
        Driver: b.Driver,
        Current: b.Current,
        Dynamic: b.Dynamic,
        LastActivity: b.LastActivity,
        // Every field but the error's wording: worker IDs and labels (the default node), driver options...
        Nodes: b.Nodes.map(({ Err, ...n }) => ({ ...n, failed: Err !== undefined })),
      });
      expect(lines(ours.stdout).map(shape)).toEqual(theirs.map(shape));
      expect(theirs.find((b) => b.Name === 'default')?.Nodes[0]).toHaveProperty('IDs');
      expect(theirs.find((b) => b.Name === name)?.Nodes[0]).toHaveProperty('DriverOpts', { 'default-load': 'true' });
      expect(theirs.find((b) => b.Name === name)?.Nodes[0]?.Status).toBe('inactive'); // buildx 0.29's word for it
      // Keys in buildx's order (sorted), so `jq -c` lines match too.
      expect(Object.keys(JSON.parse(ours.stdout.split('\n')[0] as string) as object)).toEqual(
        Object.keys(theirs[0] as object),
      );

      const template = 'table {{.Name}}\t{{.DriverEndpoint}}\t{{.Status}}\t{{.Buildkit}}';
      const cells = (text: string) =>
        text
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s{2,}/));
      const ourTable = await run(['ls', '--format', template]);
      expect(ourTable.code, ourTable.stderr).toBe(0);
      expect(cells(ourTable.stdout)).toEqual(
        cells((await sandbox.docker(['buildx', 'ls', '--format', template])).stdout),
      );
      const bad = await run(['ls', '--format', '{{.Link}}']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('{{.Link}} is not supported');
    } finally {
      await sandbox.docker(['buildx', 'rm', name]).catch(() => undefined);
    }
  });
});
