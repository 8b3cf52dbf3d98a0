import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../electron/common/contracts/history';
import type { AppError } from '../../electron/common/errors';
import { createCore, type Core } from '../../electron/composition/create-core';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { ThrowawayEngine } from './lib/engine';
import { ms, record, type Measure } from './lib/report';
import { listen, startBuild, timed } from './lib/watch';

const exec = promisify(execFile);
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

/** Polls a router command until `pred` holds on its result; returns when (ms after `from`). */
async function until(
  core: Core,
  command: 'engine.info' | 'builders.list',
  pred: (r: { ok: boolean; error?: AppError }) => boolean,
  from: number,
  boundMs: number,
): Promise<number> {
  while (Date.now() - from < boundMs) {
    const r = (await core.router.invoke(command, {})) as { ok: boolean; error?: AppError };
    if (pred(r)) return Date.now() - from;
    await sleep(50);
  }
  throw new Error(`${command} did not change within ${boundMs} ms`);
}

describe('Docker Engine dies mid-build and comes back (a throwaway dockerd)', () => {
  let engine: ThrowawayEngine;
  let sandbox: BuildxSandbox;
  let core: Core;
  let ctx: string;
  let dataDir: string;
  const token = `bdfault-engine-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(async () => {
    engine = await ThrowawayEngine.create('dies');
    sandbox = buildxSandbox();
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-ctx-'));
    dataDir = mkdtempSync(join(tmpdir(), 'bd-fault-data-'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM local/busybox:latest\nRUN echo ${token}-start && sleep 40 && echo ${token}-end\n`,
    );
    writeFileSync(join(ctx, 'after.Dockerfile'), `FROM local/busybox:latest\nRUN echo ${token}-after\n`);
    core = createCore({
      env: sandbox.env,
      dockerHost: engine.host,
      dataDir,
      healthTimeoutMs: 3000,
      pollIntervalMs: 600_000,
    });
  });

  afterAll(async () => {
    await core?.dispose();
    await sandbox?.cleanup();
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    record('engine-dies', 'Docker Engine killed (-9) mid-build, restarted', rows);
    await engine?.destroy();
  });

  it('fails the build as "engine went away", says Docker is not running at once, and recovers without a reload', async () => {
    const window = listen(core);
    // Warm: the builders list as a window shows it before anything breaks.
    expect((await core.router.invoke('builders.list', {})).ok).toBe(true);
    const build = await startBuild(core, { contextDir: ctx });
    await build.logged(`${token}-start`);

    const killedAt = Date.now();
    await engine.kill9();

    // The app says "Docker is not running" by itself (event) and when asked (engine.info, builders.list).
    const gone = await window.next(
      (e) => e.event === 'engine.changed' && !(e.payload as { reachable: boolean }).reachable,
      10_000,
    );
    const engineDownMs = await until(
      core,
      'engine.info',
      (r) => !r.ok && r.error?.code === 'DOCKER_UNREACHABLE',
      killedAt,
      10_000,
    );
    const listDownMs = await until(
      core,
      'builders.list',
      (r) => !r.ok && r.error?.code === 'DOCKER_UNREACHABLE',
      killedAt,
      15_000,
    );
    rows.push(
      {
        what: 'engine.changed {reachable:false} event after the kill',
        value: ms(gone.at - killedAt),
        note: 'bound 2 s',
      },
      { what: 'engine.info says DOCKER_UNREACHABLE', value: ms(engineDownMs), note: 'bound 2 s' },
      { what: 'builders.list says DOCKER_UNREACHABLE', value: ms(listDownMs), note: 'bound 2 s' },
    );
    expect(gone.at - killedAt).toBeLessThan(2000);
    expect(engineDownMs).toBeLessThan(2000);
    expect(listDownMs).toBeLessThan(2000);

    // The build ends by itself as failed, with a cause a user understands.
    const { at: finishedAt, summary } = await build.finished;
    rows.push({ what: 'build ended (failed) after the kill', value: ms(finishedAt - killedAt) });
    expect(summary.status).toBe('failed');
    const got = await core.router.invoke('builds.get', { buildId: build.buildId });
    if (!got.ok) throw new Error(got.error.message);
    const snapshot = got.value as ReturnType<typeof build.seen>;
    expect(snapshot.error?.code).toBe('DOCKER_UNREACHABLE');
    expect(snapshot.error?.message).toMatch(/Docker Engine went away during the build/);
    expect(snapshot.error?.cause ?? '').toMatch(/Unavailable|EOF|connection/i);
    // What the window reduced from the events is what the core holds.
    expect(build.seen().status).toBe('failed');
    expect(build.seen().error?.message).toBe(snapshot.error?.message);
    const run = Object.values(snapshot.steps).find((s) => s.name.includes(`${token}-start`));
    expect(run?.state).toBe('cancelled');

    // The history record is complete: final status, times, steps, the failure and the log line we saw.
    const h = await core.router.invoke('history.get', { buildId: build.buildId });
    if (!h.ok) throw new Error(h.error.message);
    const entry = h.value as HistoryEntry;
    expect(entry.item.status).toBe('failed');
    expect(entry.item.finishedAt).toBeGreaterThanOrEqual(entry.item.startedAt);
    expect(entry.item.error).toMatch(/Docker Engine went away/);
    expect(entry.failure?.message).toMatch(/Docker Engine went away/);
    expect(entry.steps.some((s) => s.name.includes(`${token}-start`))).toBe(true);
    expect(entry.logs.some((l) => l.text.includes(`${token}-start`))).toBe(true);
    rows.push({ what: 'history record complete (status, times, steps, log, failure)', value: 'yes' });

    // The engine comes back: the app notices by itself (no call of ours), and reads work again.
    const restartAt = Date.now();
    const readyMs = await engine.start();
    const back = await window.next(
      (e) => e.event === 'engine.changed' && (e.payload as { reachable: boolean }).reachable,
      15_000,
    );
    const relisted = await window.next((e) => e.event === 'builders.changed' && e.at >= back.at, 5_000);
    rows.push(
      { what: 'dockerd restart → its /_ping answers', value: ms(readyMs), note: 'the test polls every 100 ms' },
      {
        what: 'dockerd restart → engine.changed {reachable:true}',
        value: ms(back.at - restartAt),
        note: 'no reload, no call',
      },
    );
    expect(relisted).toBeDefined();
    const info = await timed(() => core.router.invoke('engine.info', {}));
    expect(info.value.ok).toBe(true);
    const list = await core.router.invoke('builders.list', {});
    expect(list.ok).toBe(true);

    // Live updates flow again: a buildx container event on the restarted engine reaches the window.
    const probeName = `buildx_buildkit_${token}-live`;
    const seenCreate = window.next(
      (e) => e.event === 'builders.changed' && (e.payload as { reason: string }).reason.includes(probeName),
      10_000,
    );
    await exec('docker', ['create', '--name', probeName, 'local/busybox:latest', 'true'], { env: engine.env() });
    try {
      await seenCreate;
    } finally {
      await exec('docker', ['rm', '-f', probeName], { env: engine.env() }).catch(() => undefined);
    }
    rows.push({ what: 'container events reach the window again', value: 'yes' });

    // And a new build succeeds on the engine that came back.
    const recoveredAt = Date.now();
    const after = await startBuild(core, { contextDir: ctx, dockerfile: 'after.Dockerfile' });
    const end = await after.finished;
    expect(end.summary.status).toBe('succeeded');
    rows.push(
      { what: 'next build after the restart', value: end.summary.status, note: ms(end.at - recoveredAt) },
      { what: 'time to recover (restart → next build succeeded)', value: ms(end.at - restartAt) },
    );
    window.stop();
  });
});
