import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/adapters/db/database';
import { processAlive, SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import { sqliteDriverName } from '../../electron/adapters/db/sqlite';
import type { BuildEvent, BuildRequest } from '../../electron/common/contracts/builds';
import { buildRequest } from '../../electron/common/contracts/builds';
import { historyEntry } from '../../electron/common/contracts/history';
import { createBuildSnapshot, reduceBuildEvents } from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { HistoryService } from '../../electron/core/history/service';

const dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-history-'));
  dirs.push(dir);
  return join(dir, 'builddeck.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const request = (over: Partial<BuildRequest> = {}): BuildRequest =>
  buildRequest.parse({ contextDir: '/work/app', tags: ['app:dev'], buildArgs: { A: '1' }, ...over });

function finishedSnapshot(buildId: string, ok: boolean) {
  const events: BuildEvent[] = [
    {
      type: 'started',
      at: 1000,
      builder: 'default',
      driver: 'docker',
      platforms: [],
      defaultPlatform: 'linux/amd64',
      contextDir: '/work/app',
      tags: ['app:dev'],
      command: [],
    },
    { type: 'vertex', digest: 's1', name: '[1/2] FROM x', started: 1000, completed: 1001, cached: true },
    { type: 'vertex', digest: 's2', name: '[2/2] RUN make', started: 1001 },
    { type: 'log', vertex: 's2', stream: 1, data: 'compiling\n' },
    ok
      ? { type: 'vertex', digest: 's2', name: '[2/2] RUN make', started: 1001, completed: 1500 }
      : { type: 'vertex', digest: 's2', name: '[2/2] RUN make', started: 1001, completed: 1500, error: 'exit code: 2' },
    ...(ok
      ? []
      : [
          {
            type: 'error',
            message: 'failed to solve: exit code: 2',
            file: 'Dockerfile',
            line: 2,
            snippet: [{ line: 2, text: 'RUN make', marked: true }],
          } as BuildEvent,
        ]),
    { type: 'finished', at: 1600, ok, cancelled: false, exitCode: ok ? 0 : 1, ...(ok ? { digest: 'sha256:abc' } : {}) },
  ];
  return reduceBuildEvents(createBuildSnapshot(buildId), events);
}

function service(file: string, pid = process.pid) {
  const db = openDatabase(file);
  const store = new SqliteHistoryStore(db, { pid, isAlive: processAlive });
  const history = new HistoryService(store, new EventBus(), { maxLogLines: 100, maxLogChars: 10_000 });
  return { db, store, history };
}

describe('history database', () => {
  it(`uses ${sqliteDriverName()} here, in WAL mode, with its migrations applied once`, () => {
    const file = tempDb();
    const { db } = service(file);
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
    // Reopening runs no migration twice, and another namespace can add its own table.
    const again = openDatabase(file, {
      migrations: {
        'cache-usage': [
          { version: 1, up: (d) => d.exec('CREATE TABLE cache_usage_samples (at INTEGER PRIMARY KEY, bytes INTEGER)') },
        ],
      },
    });
    const applied = again.prepare('SELECT namespace, version FROM schema_migrations ORDER BY namespace').all();
    expect(applied).toEqual([
      { namespace: 'cache-usage', version: 1 },
      { namespace: 'history', version: 1 },
      // v2: build_context (Dockerfile text, context hashes, materials) for History details and why.
      { namespace: 'history', version: 2 },
    ]);
    again.close();
  });

  it('records a build without its secrets, with steps, cache hits, result and logs; filters and deletes', async () => {
    const { history, db } = service(tempDb());
    const withSecret = request({ secrets: [{ id: 'npm_token', env: 'NPM_TOKEN' }] });
    history.started({
      buildId: 'b1',
      request: { ...withSecret, secrets: [] },
      secretIds: ['npm_token'],
      builder: 'default',
      driver: 'docker',
      platforms: ['linux/amd64'],
      startedAt: 1000,
    });
    history.finished('b1', finishedSnapshot('b1', true));
    history.started({
      buildId: 'b2',
      request: request({ contextDir: '/work/other' }),
      secretIds: [],
      builder: 'ctr',
      driver: 'docker-container',
      platforms: ['linux/amd64'],
      startedAt: 2000,
    });
    history.finished('b2', finishedSnapshot('b2', false));

    const entry = history.get('b1');
    expect(historyEntry.safeParse(entry).success).toBe(true);
    expect(entry.request.secrets).toEqual([]);
    expect(JSON.stringify(db.prepare('SELECT * FROM builds').all())).not.toContain('NPM_TOKEN');
    expect(entry.secretIds).toEqual(['npm_token']);
    expect(entry.item).toMatchObject({
      status: 'succeeded',
      digest: 'sha256:abc',
      steps: 2,
      cachedSteps: 1,
      durationMs: 600,
    });
    expect(entry.steps.map((s) => [s.name, s.state, s.cached])).toEqual([
      ['[1/2] FROM x', 'cached', true],
      ['[2/2] RUN make', 'done', false],
    ]);
    expect(entry.logs).toEqual([{ step: 's2', stream: 1, text: 'compiling' }]);
    const failed = history.get('b2');
    expect(failed.failure).toMatchObject({ message: 'failed to solve: exit code: 2', line: 2 });

    expect(history.list({ limit: 10 }).items.map((i) => i.buildId)).toEqual(['b2', 'b1']);
    expect(history.list({ limit: 10, status: 'failed' }).items.map((i) => i.buildId)).toEqual(['b2']);
    expect(history.list({ limit: 10, builder: 'default' }).items.map((i) => i.buildId)).toEqual(['b1']);
    expect(history.list({ limit: 10, contextDir: '/work/other' }).total).toBe(1);
    expect(history.list({ limit: 1, before: 2000 }).items.map((i) => i.buildId)).toEqual(['b1']);

    // A rerun must be given the secrets again; it never finds them stored.
    await expect(history.rerun('b1', undefined)).rejects.toMatchObject({
      appError: { code: 'INVALID_INPUT', details: { missing: ['npm_token'] } },
    });
    let rerunWith: BuildRequest | undefined;
    history.connect((req) => {
      rerunWith = req;
      return Promise.resolve({ buildId: 'b3' });
    });
    await expect(history.rerun('b1', [{ id: 'npm_token', env: 'NPM_TOKEN' }])).resolves.toEqual({ buildId: 'b3' });
    expect(rerunWith).toMatchObject({
      contextDir: '/work/app',
      tags: ['app:dev'],
      buildArgs: { A: '1' },
      secrets: [{ id: 'npm_token', env: 'NPM_TOKEN' }],
    });

    expect(history.delete('b1')).toEqual({ deleted: true });
    expect(() => history.get('b1')).toThrow(/No build b1/);
    expect(db.prepare("SELECT COUNT(*) AS n FROM build_steps WHERE build_id = 'b1'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('marks builds of a dead process interrupted at open, but not those of a live one', () => {
    const file = tempDb();
    const first = service(file, 999_999_999); // no such pid: its builds were cut off
    first.history.started({
      buildId: 'dead',
      request: request(),
      secretIds: [],
      builder: 'default',
      driver: 'docker',
      platforms: [],
      startedAt: 1,
    });
    first.db.close();
    const live = service(file, process.pid);
    live.history.started({
      buildId: 'live',
      request: request(),
      secretIds: [],
      builder: 'default',
      driver: 'docker',
      platforms: [],
      startedAt: 2,
    });
    const other = openDatabase(file);
    // A second BuildDeck (another pid, alive: this test process) opening the same file.
    const store2 = new SqliteHistoryStore(other, { pid: process.pid + 1, isAlive: processAlive });
    expect(store2.get('dead')?.item.status).toBe('interrupted');
    expect(store2.get('live')?.item.status).toBe('running');
    other.close();
    live.db.close();
  });

  it('survives kill -9 of a process in the middle of writing: no corruption, nothing half-written', async () => {
    const file = tempDb();
    for (let round = 0; round < 3; round++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../helpers/history-writer.ts'), file],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          if (c.toString().includes('ready')) resolve();
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${err}`)));
      });
      await new Promise((r) => setTimeout(r, 150 + round * 120));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      const { db, store } = service(file);
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const rows = db
        .prepare(
          'SELECT b.id, b.status, (SELECT COUNT(*) FROM build_steps s WHERE s.build_id = b.id) AS steps, (SELECT COUNT(*) FROM build_logs l WHERE l.build_id = b.id) AS logs FROM builds b',
        )
        .all() as { id: string; status: string; steps: number; logs: number }[];
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        // A finish is one transaction: all 200 steps and the log, or none of it and still "running" → interrupted.
        if (r.status === 'succeeded') expect([r.steps, r.logs]).toEqual([200, 1]);
        else expect([r.status, r.steps, r.logs]).toEqual(['interrupted', 0, 0]);
      }
      expect(store.list({ limit: 500 }).items.filter((i) => i.status === 'running')).toEqual([]);
      db.close();
    }
  }, 60_000);
});
