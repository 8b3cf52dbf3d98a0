import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSnapshot } from '../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../electron/common/contracts/history';
import type { Builder, BuildersSnapshot } from '../../electron/common/domain';
import { createCore, type Core } from '../../electron/composition/create-core';
import { buildxSandbox, containerBuilderArgs, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { ms, record, type Measure } from './lib/report';
import { listen, startBuild } from './lib/watch';

const exec = promisify(execFile);
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

/** The builder as `builders.list` shows it now (undefined while the list itself fails). */
async function shown(core: Core, name: string): Promise<Builder | undefined> {
  const r = await core.router.invoke('builders.list', {});
  if (!r.ok) return undefined;
  return (r.value as BuildersSnapshot).builders.find((b) => b.name === name);
}

describe('buildkitd container of a docker-container builder killed mid-build', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let ctx: string;
  let dataDir: string;
  let builder: string;
  const token = `bdfault-bk-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(async () => {
    sandbox = buildxSandbox();
    builder = sandbox.name('fault-bk');
    // A builder this test owns on the main engine: killing its container harms no one else.
    await sandbox.docker(containerBuilderArgs(builder, { hostNetwork: true, bootstrap: true }), {
      timeoutMs: 120_000,
    });
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-ctx-'));
    dataDir = mkdtempSync(join(tmpdir(), 'bd-fault-data-'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM 127.0.0.1:5000/busybox\nRUN echo ${token}-start && sleep 40 && echo ${token}-end\n`,
    );
    writeFileSync(join(ctx, 'after.Dockerfile'), `FROM 127.0.0.1:5000/busybox\nRUN echo ${token}-after\n`);
    core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: 3000, pollIntervalMs: 600_000 });
  }, 150_000);

  afterAll(async () => {
    await core?.dispose();
    // Removes the builder, its container and its state volume (the build cache of this test).
    await sandbox?.cleanup();
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    record('buildkitd-container', 'buildkitd container (docker-container builder) killed mid-build', rows);
  });

  it('fails the build as "builder stopped", shows the builder stopped within 2 s, Start works, the next build succeeds', async () => {
    const window = listen(core);
    expect((await shown(core, builder))?.nodes[0]?.status).toBe('running');
    const build = await startBuild(core, { contextDir: ctx, builder });
    await build.logged(`${token}-start`);

    const container = `buildx_buildkit_${builder}0`;
    const killedAt = Date.now();
    await exec('docker', ['kill', container]);

    // The window hears it (container event) and the list says stopped, without anyone refreshing.
    const heard = await window.next(
      (e) => e.event === 'builders.changed' && (e.payload as { reason: string }).reason.includes(container),
      10_000,
    );
    let stoppedMs: number | undefined;
    while (Date.now() - killedAt < 10_000) {
      if ((await shown(core, builder))?.nodes[0]?.status === 'stopped') {
        stoppedMs = Date.now() - killedAt;
        break;
      }
      await sleep(50);
    }
    rows.push(
      { what: 'builders.changed event after the kill', value: ms(heard.at - killedAt) },
      {
        what: 'builders.list shows the builder stopped',
        value: stoppedMs === undefined ? 'never' : ms(stoppedMs),
        note: 'bound 2 s',
      },
    );
    expect(stoppedMs).toBeDefined();
    expect(stoppedMs).toBeLessThan(2000);

    const { at: finishedAt, summary } = await build.finished;
    rows.push({ what: 'build ended (failed) after the kill', value: ms(finishedAt - killedAt) });
    expect(summary.status).toBe('failed');
    const got = await core.router.invoke('builds.get', { buildId: build.buildId });
    if (!got.ok) throw new Error(got.error.message);
    const snapshot = got.value as BuildSnapshot;
    expect(snapshot.error?.code).toBe('BUILDER_UNREACHABLE');
    expect(snapshot.error?.message).toContain(`Builder "${builder}" stopped during the build`);
    expect(snapshot.error?.hint).toMatch(/Start the builder/);
    expect(snapshot.error?.cause ?? '').toMatch(/Unavailable|EOF|connection|closing/i);
    expect(build.seen().error?.message).toBe(snapshot.error?.message);
    rows.push({ what: 'failure shown', value: snapshot.error?.message ?? '', note: `cause: ${snapshot.error?.cause}` });

    const h = await core.router.invoke('history.get', { buildId: build.buildId });
    if (!h.ok) throw new Error(h.error.message);
    const entry = h.value as HistoryEntry;
    expect(entry.item.status).toBe('failed');
    expect(entry.item.builder).toBe(builder);
    expect(entry.failure?.message).toContain('stopped during the build');
    expect(entry.logs.some((l) => l.text.includes(`${token}-start`))).toBe(true);
    rows.push({ what: 'history record complete (status, builder, log, failure)', value: 'yes' });

    // Start (the UI's Start button) brings it back; the list shows it running.
    const startAt = Date.now();
    const started = await core.router.invoke('builders.bootstrap', { name: builder });
    if (!started.ok) throw new Error(`${started.error.code}: ${started.error.message}`);
    expect((started.value as Builder).nodes[0]?.status).toBe('running');
    rows.push({ what: 'Start (builders.bootstrap) → running', value: ms(Date.now() - startAt) });
    expect((await shown(core, builder))?.nodes[0]?.status).toBe('running');

    const nextAt = Date.now();
    const after = await startBuild(core, { contextDir: ctx, dockerfile: 'after.Dockerfile', builder });
    const end = await after.finished;
    expect(end.summary.status).toBe('succeeded');
    expect(after.seen().status).toBe('succeeded');
    rows.push(
      { what: 'next build', value: end.summary.status, note: ms(end.at - nextAt) },
      { what: 'time to recover (kill → next build succeeded)', value: ms(end.at - killedAt) },
    );
    window.stop();
  });
});
