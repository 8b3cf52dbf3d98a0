import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCacheStore } from '../../electron/adapters/db/cache-store';
import { openDatabase } from '../../electron/adapters/db/database';
import { importPendingSamples, PendingSamples } from '../../electron/adapters/db/pending-samples';
import type { SqliteDb } from '../../electron/adapters/db/sqlite';

/** Samples taken while the database is closed wait in a file and reach the trend when it opens. */
describe('pending cache usage samples', () => {
  let dir: string;
  let db: SqliteDb | undefined;
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sample = (at: number, size: number) => ({ at, records: 1, size, reclaimable: 0, shared: 0, inUse: 0 });

  it('are imported into the real store once, one per minute per builder unless forced, oldest first', () => {
    dir = mkdtempSync(join(tmpdir(), 'bd-pending-'));
    const file = join(dir, 'nested', 'cache-samples.pending'); // the data folder does not exist yet
    const pending = new PendingSamples(file);
    const t = Date.parse('2026-12-01T10:00:00Z');
    pending.addSample('a', sample(t, 100));
    pending.addSample('a', sample(t + 10_000, 110)); // within a minute: dropped on import
    pending.addSample('a', sample(t + 20_000, 50), true); // after a prune: kept
    pending.addSample('b', sample(t + 5_000, 7));
    pending.addSample('a', sample(t + 90_000, 60));
    appendFileSync(file, '{"builder":"a","at":'); // the torn line of a process killed mid-write

    db = openDatabase(':memory:');
    const store = new SqliteCacheStore(db);
    expect(importPendingSamples(file, store)).toBe(4);
    expect(store.samples('a', 0, 100).map((s) => s.size)).toEqual([100, 50, 60]);
    expect(store.samples('b', 0, 100).map((s) => s.size)).toEqual([7]);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(join(dir, 'nested'))).toEqual([]);
    // Nothing is imported twice; a later sample starts a new file.
    expect(importPendingSamples(file, store)).toBe(0);
    pending.addSample('b', sample(t + 120_000, 8));
    expect(importPendingSamples(file, store)).toBe(1);
    expect(store.samples('b', 0, 100).map((s) => s.size)).toEqual([7, 8]);
  });

  it('takes what a crashed importer left, never what a live one is importing, and skips damaged lines', () => {
    dir = mkdtempSync(join(tmpdir(), 'bd-pending-'));
    const file = join(dir, 'cache-samples.pending');
    const line = (builder: string, at: number, size: number) => `${JSON.stringify({ builder, ...sample(at, size) })}\n`;
    const t = Date.parse('2026-12-01T10:00:00Z');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: its file is orphaned
    writeFileSync(`${file}.${dead}.importing`, line('a', t, 1) + '{"builder":"a","at":"soon"}\n' + line('', t, 2));
    writeFileSync(`${file}.1.importing`, line('a', t + 300_000, 3)); // pid 1 is alive: not ours to take
    db = openDatabase(':memory:');
    const store = new SqliteCacheStore(db);
    expect(importPendingSamples(file, store)).toBe(1);
    expect(store.samples('a', 0, 100).map((s) => s.size)).toEqual([1]);
    expect(readdirSync(dir)).toEqual(['cache-samples.pending.1.importing']);
  });
});
