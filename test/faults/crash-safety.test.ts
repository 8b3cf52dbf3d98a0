import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryItem } from '../../electron/common/contracts/history';
import { openSqlite } from '../../electron/adapters/db/sqlite';
import { createCore } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { ms, record, type Measure } from './lib/report';

const CHILD = join(__dirname, 'lib', 'crash-child.ts');

/** What the child reported as done before it was killed. */
interface Seen {
  settings: number[];
  samples: number;
  started: Set<string>;
  finished: Map<string, string>;
}

/** Runs the child until `ready(seen)` holds, then kill -9 at once. */
async function runAndKill(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (s: Seen) => boolean,
  boundMs: number,
): Promise<{ seen: Seen; ranMs: number }> {
  const seen: Seen = { settings: [], samples: 0, started: new Set(), finished: new Map() };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const t0 = Date.now();
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  let buf = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`the child did not get going within ${boundMs} ms: ${JSON.stringify([...seen.finished])}\n${err}`),
      );
    }, boundMs);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        clearTimeout(timer);
        reject(new Error(`the child ended by itself (${code}):\n${err.slice(-2000)}`));
      }
    });
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const [what, a, b] = l.split(' ');
        if (what === 'settings') seen.settings.push(Number(a));
        if (what === 'sample') seen.samples++;
        if (what === 'started' && a) seen.started.add(a);
        if (what === 'finished' && a && b) seen.finished.set(a, b);
      }
      if (ready(seen) && child.exitCode === null && child.signalCode === null) {
        clearTimeout(timer);
        // The same instant the condition held: mid-stream of settings saves, samples and a running build.
        child.kill('SIGKILL');
        const ranMs = Date.now() - t0;
        // Reaped first: a killed child that is still a zombie answers kill(pid, 0) as if alive, and the
        // next start rightly leaves a live process's builds alone.
        child.once('exit', () => resolve({ seen, ranMs }));
      }
    });
  });
}

describe('crash safety: the core killed (-9) while it writes', () => {
  let sandbox: BuildxSandbox;
  let dataDir: string;
  let ctx: string;
  const token = `bdfault-crash-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(() => {
    sandbox = buildxSandbox();
    dataDir = mkdtempSync(join(tmpdir(), 'bd-fault-crash-data-'));
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-crash-ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM local/busybox:latest\nARG N\nRUN echo ${token} $N && sleep 1\n`);
  });

  afterAll(async () => {
    await sandbox?.cleanup();
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    await pruneCacheByToken(token).catch(() => undefined);
    record('crash-safety', 'Core process killed (-9) during history, sample and settings writes', rows);
  });

  it('opens every store at the next start, keeps completed records, marks the running builds interrupted', async () => {
    const env = { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir };
    // One round keeps the faults project within its time budget; the kill lands wherever the streams
    // are at that instant (thousands of settings saves, samples, a build being recorded).
    let totalFinished = 0;
    for (const round of [1]) {
      const { seen, ranMs } = await runAndKill(
        [dataDir, ctx, `${token}-r${round}`],
        env,
        (s) =>
          s.finished.size >= 1 &&
          s.settings.length >= 50 &&
          s.samples >= 1 &&
          [...s.started].some((id) => !s.finished.has(id)),
        120_000,
      );
      totalFinished += seen.finished.size;

      // The file itself: SQLite's own check, before BuildDeck opens it.
      const raw = openSqlite(join(dataDir, 'builddeck.db'));
      const integrity = (raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
      raw.close();
      expect(integrity).toBe('ok');

      const t0 = Date.now();
      const core = createCore({ env: sandbox.env, dataDir, pollIntervalMs: 600_000 });
      try {
        const settings = await core.router.invoke('settings.get', {});
        const history = await core.router.invoke('history.list', { limit: 500 });
        const trend = await core.router.invoke('cache.trend', { range: '24h' });
        const housekeeping = await core.router.invoke('cache.housekeeping.get', {});
        const openMs = Date.now() - t0;
        for (const r of [settings, history, trend, housekeeping]) {
          if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
        }
        if (!settings.ok || !history.ok) return;
        // The saved settings are the last acknowledged save or the one in flight: never a torn file.
        const health = (settings.value as { settings: { healthTimeoutMs: number } }).settings.healthTimeoutMs;
        const last = seen.settings.at(-1) ?? 0;
        expect([last, 5000 + ((last - 5000 + 1) % 1000)]).toContain(health);
        expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).toContain(`"healthTimeoutMs": ${health}`);

        const items = (history.value as { items: HistoryItem[] }).items;
        const byId = new Map(items.map((i) => [i.buildId, i]));
        for (const [id, status] of seen.finished) {
          expect(byId.get(id)?.status, `finished build ${id}`).toBe(status);
          const got = await core.router.invoke('history.get', { buildId: id });
          if (!got.ok) throw new Error(got.error.message);
          const entry = got.value as HistoryEntry;
          expect(entry.steps.length).toBeGreaterThan(0);
          expect(entry.logs.some((l) => l.text.includes(`${token}-r${round}`))).toBe(true);
        }
        const interrupted = [...seen.started].filter((id) => !seen.finished.has(id));
        for (const id of interrupted) expect(byId.get(id)?.status, `running build ${id}`).toBe('interrupted');
        expect(items.filter((i) => i.status === 'running')).toEqual([]);
        rows.push(
          {
            what: `round ${round}: killed after`,
            value: ms(ranMs),
            note: `${seen.settings.length} settings saves, ${seen.samples} cache samples, ${seen.finished.size} builds finished, ${interrupted.length} running`,
          },
          { what: `round ${round}: SQLite integrity_check`, value: integrity },
          {
            what: `round ${round}: next start opens every store`,
            value: ms(openMs),
            note: 'settings, history, cache trend, housekeeping',
          },
          {
            what: `round ${round}: records intact`,
            value: `${seen.finished.size} of ${seen.finished.size} finished builds complete; ${interrupted.length} of ${interrupted.length} running builds interrupted`,
            note: `settings = last save (${health})`,
          },
        );
      } finally {
        await core.dispose();
      }
    }
    expect(totalFinished).toBeGreaterThanOrEqual(1);
  });
});
