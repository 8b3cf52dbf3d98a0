import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../electron/adapters/db/database';
import { processAlive, SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import type { SqliteDb } from '../../electron/adapters/db/sqlite';
import type { BuildEvent, BuildSnapshot } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, reduceBuildEvents } from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import type { HistoryFinishRow } from '../../electron/core/history/ports';
import { HistoryService } from '../../electron/core/history/service';
import { startedEvent, startedRecord } from '../helpers/history-build';

const vertex: BuildEvent = { type: 'vertex', digest: 'v', name: '[1/1] RUN x', started: 1 };
const lines = (from: number, n: number): BuildEvent => ({
  type: 'log',
  vertex: 'v',
  stream: 1,
  data: Array.from({ length: n }, (_, i) => `line ${from + i}\n`).join(''),
});
const done: BuildEvent[] = [
  { type: 'vertex', digest: 'v', name: '[1/1] RUN x', started: 1, completed: 2 },
  { type: 'finished', at: 3, ok: true, cancelled: false, exitCode: 0 },
];

/**
 * A running build's log is saved once its output pauses (HistoryOptions.logQuietMs), so its finish,
 * which runs after buildx has exited, writes only the row and steps when no line came since.
 */
describe('history saves a running build log while it runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-logsave-'));
  let db: SqliteDb;
  let store: SqliteHistoryStore;
  let finishes: HistoryFinishRow[];
  let saves: number;
  let cap: number;
  let history: HistoryService;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    vi.useFakeTimers();
    db = openDatabase(join(dir, `${Math.random().toString(36).slice(2)}.db`));
    store = new SqliteHistoryStore(db, { pid: process.pid, isAlive: processAlive });
    finishes = [];
    saves = 0;
    cap = 1024 * 1024;
    const spy = Object.create(store) as SqliteHistoryStore;
    spy.finish = (id, row) => (finishes.push(row), store.finish(id, row));
    spy.saveLogs = (id, logs) => (saves++, store.saveLogs(id, logs));
    history = new HistoryService(spy, new EventBus(), { maxLogLines: 1000, maxLogChars: () => cap, logQuietMs: 100 });
  });
  afterEach(() => {
    vi.useRealTimers();
    db.close();
  });

  const start = (id: string) => {
    history.started(startedRecord(id));
    return reduceBuildEvents(createBuildSnapshot(id), [startedEvent, vertex]);
  };
  const texts = (id: string) => history.get(id).logs.map((l) => l.text);

  it('saves the log after a pause and leaves it out of the finish when no line came since', () => {
    let s: BuildSnapshot = start('a');
    s = reduceBuildEvents(s, [lines(0, 300)]);
    history.progressed('a', s);
    vi.advanceTimersByTime(99);
    expect(saves).toBe(0);
    vi.advanceTimersByTime(1);
    expect(saves).toBe(1);
    // Readable while the build runs (History of a running build shows its output so far).
    expect(texts('a')).toHaveLength(300);
    s = reduceBuildEvents(s, done);
    history.progressed('a', s);
    history.finished('a', s);
    expect(finishes[0]?.logs).toBeUndefined();
    expect(texts('a')).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i}`));
    expect(history.get('a').item.status).toBe('succeeded');
  });

  it('writes the whole log at the finish when lines came after the save', () => {
    let s: BuildSnapshot = start('b');
    s = reduceBuildEvents(s, [lines(0, 100)]);
    history.progressed('b', s);
    vi.advanceTimersByTime(300);
    expect(saves).toBe(1);
    s = reduceBuildEvents(s, [lines(100, 50), ...done]);
    history.progressed('b', s);
    history.finished('b', s);
    expect(finishes[0]?.logs?.lines).toHaveLength(150);
    expect(texts('b')).toHaveLength(150);
    // The timer armed by the last lines was cleared: nothing writes after the finish.
    vi.advanceTimersByTime(1000);
    expect(saves).toBe(1);
  });

  it('writes the log at the finish when the byte cap changed after the save', () => {
    let s: BuildSnapshot = start('c');
    s = reduceBuildEvents(s, [lines(0, 100)]);
    history.progressed('c', s);
    vi.advanceTimersByTime(300);
    cap = 100;
    s = reduceBuildEvents(s, done);
    history.finished('c', s);
    expect(finishes[0]?.logs?.truncated).toBe(true);
    expect(history.get('c').logsTruncated).toBe(true);
  });

  it('keeps writing at the finish alone without logQuietMs', () => {
    const plain = new HistoryService(store, new EventBus(), { maxLogLines: 1000, maxLogChars: () => cap });
    plain.started(startedRecord('d'));
    let s = reduceBuildEvents(createBuildSnapshot('d'), [startedEvent, vertex, lines(0, 10)]);
    plain.progressed('d', s);
    vi.advanceTimersByTime(1000);
    expect(store.get('d')?.logs).toEqual([]);
    s = reduceBuildEvents(s, done);
    plain.finished('d', s);
    expect(store.get('d')?.logs).toHaveLength(10);
  });
});
