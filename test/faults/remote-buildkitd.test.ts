import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSnapshot } from '../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../electron/common/contracts/history';
import { createCore, type Core } from '../../electron/composition/create-core';
import { BUILDKIT_IMAGE, buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { freePort, waitForPort } from '../helpers/net';
import { ms, record, type Measure } from './lib/report';
import { startBuild, type WatchedBuild } from './lib/watch';

const HEALTH_MS = 3000;
/**
 * liveness.ts's worst case from a freeze to the end of the build: max(quiet 2 s, probe interval 5 s)
 * + two bounded probes + buildx's SIGTERM→SIGKILL grace (1.5 s), plus 2 s for a loaded machine.
 */
const SILENT_BOUND_MS = 5000 + 2 * HEALTH_MS + 1500 + 2000;

/** While `until` is pending, asks other commands every 250 ms; returns the slowest answer. */
async function othersAnswer(core: Core, until: Promise<unknown>): Promise<{ maxMs: number; asked: number }> {
  let done = false;
  void until.finally(() => (done = true));
  let maxMs = 0;
  let asked = 0;
  while (!done) {
    for (const command of ['engine.info', 'builds.list', 'history.list', 'settings.get'] as const) {
      const t = Date.now();
      const r = await core.router.invoke(command, {});
      if (!r.ok) throw new Error(`${command} failed meanwhile: ${r.error.message}`);
      maxMs = Math.max(maxMs, Date.now() - t);
      asked++;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { maxMs, asked };
}

describe('a remote builder whose buildkitd goes silent, then is killed, mid-build', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let ctx: string;
  let dataDir: string;
  let builder: string;
  let container: string;
  const token = `bdfault-remote-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(async () => {
    sandbox = buildxSandbox();
    const port = await freePort();
    container = `${sandbox.name('fault-remote')}-bk`;
    // A buildkitd this test owns, on loopback: pausing and killing it touches nobody else.
    await sandbox.docker([
      'run',
      '-d',
      '--name',
      container,
      '--privileged',
      '--network',
      'host',
      BUILDKIT_IMAGE,
      '--addr',
      `tcp://127.0.0.1:${port}`,
    ]);
    await waitForPort(port);
    builder = sandbox.name('fault-remote');
    await sandbox.docker(['buildx', 'create', '--name', builder, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-ctx-'));
    dataDir = mkdtempSync(join(tmpdir(), 'bd-fault-data-'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM 127.0.0.1:5000/busybox\nARG N\nRUN echo ${token}-$N-start && sleep 60 && echo ${token}-end\n`,
    );
    core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: HEALTH_MS, pollIntervalMs: 600_000 });
  }, 120_000);

  afterAll(async () => {
    await core?.dispose();
    await sandbox?.docker(['unpause', container]).catch(() => undefined);
    await sandbox?.docker(['rm', '-f', container]).catch(() => undefined);
    await sandbox?.cleanup();
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    record('remote-silent', 'Remote buildkitd silent (paused) or killed mid-build', rows);
  });

  const failure = async (build: WatchedBuild): Promise<BuildSnapshot> => {
    const got = await core.router.invoke('builds.get', { buildId: build.buildId });
    if (!got.ok) throw new Error(got.error.message);
    return got.value as BuildSnapshot;
  };

  it('silent (frozen, connection left open): the build fails within the health bound, the app answers meanwhile', async () => {
    const build = await startBuild(core, { contextDir: ctx, builder, buildArgs: { N: 'silent' } });
    await build.logged(`${token}-silent-start`);
    const frozenAt = Date.now();
    await sandbox.docker(['pause', container]);
    const others = othersAnswer(core, build.finished);
    const { at, summary } = await build.finished;
    const meanwhile = await others;
    const snapshot = await failure(build);
    rows.push(
      {
        what: 'silent: build ended (failed) after the freeze',
        value: ms(at - frozenAt),
        note: `bound ${ms(SILENT_BOUND_MS)}`,
      },
      { what: 'silent: failure shown', value: snapshot.error?.message ?? '' },
      {
        what: 'silent: other commands meanwhile (engine.info, builds.list, history.list, settings.get)',
        value: `slowest ${ms(meanwhile.maxMs)}`,
        note: `${meanwhile.asked} answers, none failed`,
      },
    );
    expect(summary.status).toBe('failed');
    expect(at - frozenAt).toBeLessThan(SILENT_BOUND_MS);
    expect(snapshot.error?.code).toBe('BUILDER_UNREACHABLE');
    expect(snapshot.error?.message).toContain(`Builder "${builder}" stopped answering during the build`);
    expect(meanwhile.maxMs).toBeLessThan(1000);
    const h = await core.router.invoke('history.get', { buildId: build.buildId });
    if (!h.ok) throw new Error(h.error.message);
    expect((h.value as HistoryEntry).item.status).toBe('failed');
    expect((h.value as HistoryEntry).logs.some((l) => l.text.includes(`${token}-silent-start`))).toBe(true);
    await sandbox.docker(['unpause', container]);
  });

  it('killed: the build fails at once as "went away", the record is complete', async () => {
    const build = await startBuild(core, { contextDir: ctx, builder, buildArgs: { N: 'killed' } });
    await build.logged(`${token}-killed-start`);
    const killedAt = Date.now();
    await sandbox.docker(['kill', container]);
    const { at, summary } = await build.finished;
    const snapshot = await failure(build);
    rows.push(
      { what: 'killed: build ended (failed) after the kill', value: ms(at - killedAt) },
      { what: 'killed: failure shown', value: snapshot.error?.message ?? '', note: `cause: ${snapshot.error?.cause}` },
    );
    expect(summary.status).toBe('failed');
    expect(at - killedAt).toBeLessThan(SILENT_BOUND_MS);
    expect(snapshot.error?.code).toBe('BUILDER_UNREACHABLE');
    expect(snapshot.error?.message).toMatch(new RegExp(`Builder "${builder}" (went away|stopped answering)`));
    const h = await core.router.invoke('history.get', { buildId: build.buildId });
    if (!h.ok) throw new Error(h.error.message);
    expect((h.value as HistoryEntry).item.status).toBe('failed');
    expect((h.value as HistoryEntry).failure?.message).toBe(snapshot.error?.message);
    rows.push({ what: 'history records of both builds complete', value: 'yes' });
  });
});
