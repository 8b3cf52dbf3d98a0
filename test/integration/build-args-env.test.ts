import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);

/** Every process's command line, as any local user can read it. */
function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // gone already
    }
  }
  return out;
}

describe('`builddeck build --build-arg NAME` takes the value from the environment without showing it', () => {
  let sandbox: BuildxSandbox;
  let ctx: string;
  let dataDir: string;
  const token = `bdtest-argenv-${Math.random().toString(36).slice(2, 8)}`;
  const value = `v4lue-${token}-not-for-argv`;

  beforeAll(() => {
    sandbox = buildxSandbox();
    ctx = mkdtempSync(join(tmpdir(), 'bd-argenv-ctx-'));
    dataDir = mkdtempSync(join(tmpdir(), 'bd-argenv-data-'));
    // The build proves it got the value (the RUN fails otherwise) by a digest, so no log or step name
    // carries the value itself; the sleep keeps buildx running while /proc is read.
    const md5 = createHash('md5').update(value).digest('hex');
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM local/busybox:latest',
        'ARG BDTEST_ARG',
        // Single quotes: BuildKit writes build-arg values into a step's name where the Dockerfile
        // references them unquoted (that is BuildKit's display, not BuildDeck's doing).
        `RUN sh -c 'sleep 2 && test "$(printf %s "$BDTEST_ARG" | md5sum | cut -c1-32)" = "${md5}" && echo "got it ${token}"'`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await exec('docker', ['image', 'rm', '-f', `${token}:argenv`]).catch(() => undefined);
    await sandbox.cleanup();
    await pruneCacheByToken(token);
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reaches the build through the child environment, never argv, events or history', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'electron/cli/index.ts',
        'build',
        ctx,
        '--tag',
        `${token}:argenv`,
        '--build-arg',
        'BDTEST_ARG',
        '--json',
      ],
      { env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir, BDTEST_ARG: value }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let sawBuildx = false;
    const leaked: string[] = [];
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      for (const line of commandLines()) {
        if (line.includes('buildx') && line.includes(ctx)) sawBuildx = true;
        if (line.includes(value)) leaked.push(line);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const code = await exited;
    expect(code, stderr).toBe(0);
    // The value reached the build (its RUN checked it) ...
    expect(stdout).toContain(`got it ${token}`);
    // ... while buildx ran with `--build-arg BDTEST_ARG` and no value on any command line.
    expect(sawBuildx).toBe(true);
    expect(leaked).toEqual([]);
    // The started event's command and every other event name the variable only.
    const started = JSON.parse(stdout.split('\n')[0] ?? '{}') as { type: string; command: string[] };
    expect(started.type).toBe('started');
    expect(started.command).toContain('BDTEST_ARG');
    expect(stdout).not.toContain(value);

    // History keeps the name (a rerun reads the variable again) and never the value.
    const core = createCore({ env: sandbox.env, dataDir, pollIntervalMs: 600_000 });
    try {
      const list = await core.router.call('history.list', { limit: 5 });
      if (!list.ok) throw new Error(list.error.message);
      const id = list.value.items[0]?.buildId ?? '';
      const got = await core.router.call('history.get', { buildId: id });
      expect(got).toMatchObject({ ok: true, value: { request: { envBuildArgs: ['BDTEST_ARG'], buildArgs: {} } } });
      expect(JSON.stringify(got)).not.toContain(value);
    } finally {
      await core.dispose();
    }
    for (const f of readdirSync(dataDir)) expect(readFileSync(join(dataDir, f)).includes(value), f).toBe(false);
  });

  it('refuses a name that is not set in the environment, before buildx runs', async () => {
    const core = createCore({ env: sandbox.env, dataDir, pollIntervalMs: 600_000 });
    try {
      const r = await core.router.invoke('builds.start', {
        contextDir: ctx,
        envBuildArgs: ['BDTEST_NOT_SET_ANYWHERE'],
      });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'envBuildArgs.0' } } });
    } finally {
      await core.dispose();
    }
    const cli = await exec(
      process.execPath,
      ['--import', 'tsx', 'electron/cli/index.ts', 'build', ctx, '--build-arg', 'BDTEST_NOT_SET_ANYWHERE'],
      {
        env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir },
      },
    ).catch((err: unknown) => err as { code: number; stderr: string });
    expect('code' in cli ? cli.code : 0).toBe(2);
  });
});
