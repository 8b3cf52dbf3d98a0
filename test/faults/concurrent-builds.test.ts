import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRawJson } from '../../electron/adapters/buildx/progress';
import type { BuildSnapshot } from '../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../electron/common/contracts/history';
import { applyProgress, createBuildSnapshot, logLines } from '../../electron/common/progress';
import { createCore, type Core } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, containerBuilderArgs, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { ms, record, type Measure } from './lib/report';
import { startBuild } from './lib/watch';

const exec = promisify(execFile);

/** buildx's own account of a finished build: its rawjson replayed from BuildKit's history record. */
async function replayed(env: NodeJS.ProcessEnv, builder: string, ref: string): Promise<BuildSnapshot> {
  const id = ref.split('/').at(-1) ?? ref;
  const { stdout, stderr } = await exec(
    'docker',
    ['buildx', 'history', 'logs', '--builder', builder, '--progress', 'rawjson', id],
    { env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  const events = parseRawJson(`${stdout}\n${stderr}`);
  return applyProgress(createBuildSnapshot(id), { firstIndex: 0, events }).snapshot;
}

describe('ten concurrent builds on two builders through one core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let ctx: string;
  let dataDir: string;
  let container: string;
  const token = `bdfault-ten-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(async () => {
    sandbox = buildxSandbox();
    container = sandbox.name('fault-ten');
    await sandbox.docker(containerBuilderArgs(container, { hostNetwork: true, bootstrap: true }), {
      timeoutMs: 120_000,
    });
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-ctx-'));
    dataDir = mkdtempSync(join(tmpdir(), 'bd-fault-data-'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM 127.0.0.1:5000/busybox\nARG N\nRUN echo ${token}-$N-a && sleep 1 && echo ${token}-$N-b\nRUN echo ${token}-$N-c\n`,
    );
    core = createCore({ env: sandbox.env, dataDir, pollIntervalMs: 600_000 });
  }, 150_000);

  afterAll(async () => {
    await core?.dispose();
    await sandbox?.cleanup();
    await pruneCacheByToken(token).catch(() => undefined);
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    record('concurrent', 'Ten concurrent builds on two builders (default, docker-container)', rows);
  });

  it('records ten complete builds whose steps match buildx’s own rawjson, with no event in the wrong build', async () => {
    const t0 = Date.now();
    const plan = Array.from({ length: 10 }, (_, i) => ({ n: `b${i}`, builder: i % 2 === 0 ? 'default' : container }));
    const builds = await Promise.all(
      plan.map((p) =>
        startBuild(core, {
          contextDir: ctx,
          builder: p.builder,
          buildArgs: { N: p.n },
          outputs: [{ type: 'cacheonly' }],
        }).then((w) => ({ ...p, w })),
      ),
    );
    const ends = await Promise.all(builds.map((b) => b.w.finished));
    rows.push({
      what: 'all ten finished',
      value: ends.map((e) => e.summary.status).join(' '),
      note: ms(Date.now() - t0),
    });
    expect(ends.map((e) => e.summary.status)).toEqual(Array(10).fill('succeeded'));

    let stepsCompared = 0;
    // buildx's replays, all at once (each is a process that mostly waits on BuildKit).
    const theirsAll = await Promise.all(
      builds.map(async (b) => {
        const got = await core.router.invoke('builds.get', { buildId: b.w.buildId });
        const ref = got.ok ? (got.value as BuildSnapshot).result?.ref : undefined;
        return ref ? replayed(sandbox.env, b.builder, ref) : undefined;
      }),
    );
    for (const [i, b] of builds.entries()) {
      const got = await core.router.invoke('builds.get', { buildId: b.w.buildId });
      if (!got.ok) throw new Error(got.error.message);
      const live = got.value as BuildSnapshot;
      // The window's reduction of the events equals the core's snapshot.
      expect(b.w.seen().steps).toEqual(live.steps);
      // No event of another build: only this build's own lines in its log.
      const mine = logLines(live.log)
        .map((l) => l.text)
        .filter((t) => t.includes(token));
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((t) => t.includes(`${token}-${b.n}-`))).toBe(true);
      // Complete history record.
      const h = await core.router.invoke('history.get', { buildId: b.w.buildId });
      if (!h.ok) throw new Error(h.error.message);
      const entry = h.value as HistoryEntry;
      expect(entry.item.status).toBe('succeeded');
      expect(entry.item.builder).toBe(b.builder);
      expect(entry.logs.some((l) => l.text.includes(`${token}-${b.n}-c`))).toBe(true);
      // buildx's own rawjson, replayed from BuildKit's record: every step it names ended the same way here.
      const ref = live.result?.ref;
      expect(ref, `build ${b.n} has a buildx ref`).toBeTruthy();
      const theirs = theirsAll[i];
      if (!theirs) throw new Error(`no replay of ${b.n}`);
      const byName = new Map(Object.values(live.steps).map((s) => [s.name, s]));
      for (const s of Object.values(theirs.steps)) {
        if (!s.isStep) continue;
        expect(byName.get(s.name)?.state, `${b.n}: ${s.name}`).toBe(s.state);
        expect(byName.get(s.name)?.cached, `${b.n}: ${s.name} cached`).toBe(s.cached);
        stepsCompared++;
      }
    }
    rows.push(
      { what: 'history records complete', value: '10 of 10' },
      {
        what: 'steps equal to buildx history logs --progress rawjson',
        value: `${stepsCompared} steps`,
        note: 'state and cached, per build',
      },
      { what: 'events of one build in another', value: 'none', note: 'each log holds only its own token' },
    );
    expect(stepsCompared).toBeGreaterThanOrEqual(20);
  });
});
