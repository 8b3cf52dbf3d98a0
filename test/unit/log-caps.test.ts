import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/adapters/db/database';
import { processAlive, SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import type { BuildEvent } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, DEFAULT_LIMITS, logLines, reduceBuildEvents } from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { HistoryService } from '../../electron/core/history/service';
import { startedEvent, startedRecord } from '../helpers/history-build';

/** A step printing `lines` lines of `width` characters, in batches like buildx's rawjson. */
function noisyBuild(id: string, lines: number, width: number, char = 'x') {
  const events: BuildEvent[] = [startedEvent, { type: 'vertex', digest: 'v', name: '[1/1] RUN noisy', started: 1 }];
  const line = `${char.repeat(width)}\n`;
  const perEvent = 64;
  for (let i = 0; i < lines; i += perEvent)
    events.push({ type: 'log', vertex: 'v', stream: 1, data: line.repeat(Math.min(perEvent, lines - i)) });
  events.push({ type: 'vertex', digest: 'v', name: '[1/1] RUN noisy', started: 1, completed: 2 });
  events.push({ type: 'finished', at: 3, ok: true, cancelled: false, exitCode: 0 });
  let s = createBuildSnapshot(id);
  for (let i = 0; i < events.length; i += 200) s = reduceBuildEvents(s, events.slice(i, i + 200));
  return s;
}

const textSize = (texts: string[]) => texts.reduce((n, t) => n + t.length, 0);

describe('log byte caps (lines alone allowed 200k × 8 KiB ≈ 1.6 GB per build)', () => {
  it('the live snapshot keeps at most maxLogChars of text per build, newest kept, and says it dropped lines', () => {
    // 12,000 lines of 8 KiB = 96 MiB of text, far under the 200k-line cap.
    const s = noisyBuild('big', 12_000, 8192);
    const kept = logLines(s.log).map((l) => l.text);
    const cap = DEFAULT_LIMITS.maxLogChars ?? Infinity;
    expect(cap).toBeLessThan(96 * 1024 * 1024);
    // Whole chunks (256 lines) are dropped, so the list may exceed the cap by less than one chunk.
    expect(textSize(kept)).toBeLessThanOrEqual(cap + 256 * 8192);
    expect(textSize(kept)).toBeGreaterThan(cap / 2);
    // The marker the log view shows ("The first N lines were dropped ...") comes from `dropped`.
    expect(s.log.dropped).toBeGreaterThan(0);
    expect(s.log.dropped + s.log.length).toBe(12_000);
    const step = s.steps[Object.keys(s.steps)[0] ?? ''];
    expect(
      textSize(logLines(step?.logs ?? { chunks: [], length: 0, dropped: 0 }).map((l) => l.text)),
    ).toBeLessThanOrEqual(cap + 256 * 8192);
    expect(step?.logs.dropped).toBeGreaterThan(0);
  });

  describe('stored history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-logcap-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('counts the log cap in UTF-8 bytes, as stored, and marks the entry truncated', () => {
      const db = openDatabase(join(dir, 'builddeck.db'));
      const cap = 64 * 1024;
      const history = new HistoryService(
        new SqliteHistoryStore(db, { pid: process.pid, isAlive: processAlive }),
        new EventBus(),
        { maxLogLines: 100_000, maxLogChars: () => cap },
      );
      history.started(startedRecord('h'));
      // "é" is one character and two bytes: a character count would keep twice the cap.
      history.finished('h', noisyBuild('h', 2000, 100, 'é'));
      const entry = history.get('h');
      const bytes = entry.logs.reduce((n, l) => n + Buffer.byteLength(l.text), 0);
      expect(bytes).toBeLessThanOrEqual(cap);
      expect(bytes).toBeGreaterThan(cap - 300);
      expect(entry.logsTruncated).toBe(true);
      db.close();
    });
  });
});
