import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/adapters/db/database';
import { processAlive, SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import { buildRequest, type BuildEvent } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, reduceBuildEvents } from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { HistoryService } from '../../electron/core/history/service';

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(policy: { maxCount: number; maxAgeDays: number }, logCap = 10_000, now = 100 * DAY) {
  const dir = mkdtempSync(join(tmpdir(), 'bd-retention-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'builddeck.db'));
  const events = new EventBus();
  const deleted: string[] = [];
  events.subscribe((e, p) => {
    if (e === 'history.changed' && p.reason === 'deleted') deleted.push(p.buildId);
  });
  const history = new HistoryService(new SqliteHistoryStore(db, { pid: process.pid, isAlive: processAlive }), events, {
    maxLogLines: 1000,
    maxLogChars: () => logCap,
    retention: () => policy,
    now: () => now,
  });
  const record = (id: string, startedAt: number, finish = true, logText = 'line') => {
    history.started({
      buildId: id,
      request: buildRequest.parse({ contextDir: '/w' }),
      secretIds: [],
      builder: 'default',
      driver: 'docker',
      platforms: [],
      startedAt,
    });
    if (!finish) return;
    const events: BuildEvent[] = [
      {
        type: 'started',
        at: startedAt,
        builder: 'default',
        driver: 'docker',
        platforms: [],
        contextDir: '/w',
        tags: [],
        command: [],
      },
      { type: 'vertex', digest: 'v', name: '[1/1] RUN x', started: startedAt },
      { type: 'log', vertex: 'v', stream: 1, data: `${logText}\n`.repeat(50) },
      { type: 'vertex', digest: 'v', name: '[1/1] RUN x', started: startedAt, completed: startedAt + 1 },
      { type: 'finished', at: startedAt + 2, ok: true, cancelled: false, exitCode: 0 },
    ];
    history.finished(id, reduceBuildEvents(createBuildSnapshot(id), events));
  };
  return { history, record, deleted, db };
}

const ids = (h: HistoryService) => h.list({ limit: 100 }).items.map((i) => i.buildId);

describe('history retention (settings: keep at most N builds, for D days)', () => {
  it('keeps the newest N finished builds and says which went', () => {
    const { history, record, deleted } = setup({ maxCount: 2, maxAgeDays: 365 });
    record('a', 90 * DAY);
    record('b', 91 * DAY);
    record('c', 92 * DAY);
    expect(ids(history)).toEqual(['c', 'b']);
    expect(deleted).toEqual(['a']);
  });

  it('drops builds older than D days, never a running one', () => {
    const { history, record } = setup({ maxCount: 100, maxAgeDays: 7 });
    record('old-running', 10 * DAY, false);
    record('old', 11 * DAY);
    record('recent', 99 * DAY);
    expect(ids(history)).toEqual(['recent', 'old-running']);
  });

  it('caps the stored log at the log-cap setting, keeping the tail', () => {
    const { history, record } = setup({ maxCount: 100, maxAgeDays: 365 }, 40);
    record('x', 99 * DAY, true, 'abcdefghij');
    const entry = history.get('x');
    expect(entry.logs.map((l) => l.text).join('')).toHaveLength(40);
    expect(entry.logsTruncated).toBe(true);
  });
});
