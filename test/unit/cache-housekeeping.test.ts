import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCacheStore } from '../../electron/adapters/db/cache-store';
import { openDatabase } from '../../electron/adapters/db/database';
import type { SqliteDb } from '../../electron/adapters/db/sqlite';
import type { CachePruneResult, CacheUsage } from '../../electron/common/contracts/cache';
import { appError } from '../../electron/common/errors';
import { EventBus } from '../../electron/core/events';
import { Housekeeping } from '../../electron/core/cache/housekeeping';
import type { CacheService, PruneInput } from '../../electron/core/cache/service';

/*
 * The scheduler and the run record, on the real SQLite store (in memory). The cache service is a
 * FAKE here: pruning for real is covered by test/integration/cache.test.ts; this checks when rules
 * run, what a run records, and that a stopped builder is a skipped run, not a crash.
 */
const H = 3_600_000;
let db: SqliteDb | undefined;
afterEach(() => db?.close());

function setup(options: { failWith?: Error } = {}) {
  db = openDatabase(':memory:');
  const store = new SqliteCacheStore(db);
  let now = Date.parse('2026-11-27T12:00:00Z');
  const clock = { now: () => now };
  const prunes: PruneInput[] = [];
  let size = 10_000;
  const fake = {
    builderName: (b: string | undefined) => Promise.resolve(b ?? 'default'),
    usage: (builder: string) => {
      if (options.failWith) return Promise.reject(options.failWith);
      return Promise.resolve({ builder, totals: { size, private: size } } as unknown as CacheUsage);
    },
    prune: (input: PruneInput) => {
      prunes.push(input);
      const freed = input.filters?.until ? 1000 : Math.max(0, size - Number(input.filters?.reservedSpace ?? size));
      size -= freed;
      return Promise.resolve({
        freed: { ids: freed ? ['a', 'b'] : [], size: freed, sizeExact: true, notRemoved: [] },
      } as unknown as CachePruneResult);
    },
  } as unknown as CacheService;
  const hk = new Housekeeping(fake, () => store, new EventBus(), clock, {
    tickMs: 60_000,
    firstTickMs: 1000,
    defaultIntervalMs: H,
  });
  return { store, hk, prunes, advance: (ms: number) => (now += ms) };
}

describe('cache housekeeping', () => {
  it('runs the age step then the size step, and records what they freed', async () => {
    const { hk, prunes } = setup();
    await hk.set({ builder: 'b1', enabled: true, maxSize: '4000', olderThan: '7d', all: true });
    const run = await hk.run('b1', 'manual');
    expect(prunes.map((p) => p.filters)).toEqual([
      { until: '604800s', all: true },
      { reservedSpace: 4000, all: true },
    ]);
    expect(run).toMatchObject({
      builder: 'b1',
      trigger: 'manual',
      outcome: 'pruned',
      records: 4,
      bytes: 6000,
      sizeBefore: 10_000,
      sizeAfter: 4000,
    });
    expect((await hk.get('b1')).runs).toEqual([run]);
  });

  it('ticks only enabled rules whose interval has passed since their last run', async () => {
    const { hk, prunes, advance } = setup();
    await hk.set({ builder: 'due', enabled: true, olderThan: '1d', interval: '2h' });
    await hk.set({ builder: 'off', enabled: false, olderThan: '1d' });
    await hk.tick();
    expect(prunes.map((p) => p.builder)).toEqual(['due']);
    advance(H);
    await hk.tick();
    expect(prunes).toHaveLength(1); // 1 h < 2 h
    advance(H + 1);
    await hk.tick();
    expect(prunes).toHaveLength(2);
    expect((await hk.get('due')).runs.map((r) => r.trigger)).toEqual(['schedule', 'schedule']);
  });

  it('records a stopped builder as skipped and other errors as failed', async () => {
    const stopped = setup({ failWith: appError('BUILDER_UNREACHABLE', 'Builder "b" is stopped.') });
    await stopped.hk.set({ builder: 'b', enabled: true, maxSize: '1GB' });
    expect(await stopped.hk.run('b', 'schedule')).toMatchObject({
      outcome: 'skipped',
      records: 0,
      detail: 'BUILDER_UNREACHABLE: Builder "b" is stopped.',
    });
    db?.close();
    const broken = setup({ failWith: new Error('boom') });
    await broken.hk.set({ builder: 'b', enabled: true, maxSize: '1GB' });
    expect(await broken.hk.run('b', 'schedule')).toMatchObject({ outcome: 'failed', detail: 'INTERNAL: boom' });
  });

  it('keeps usage samples per builder, oldest first, and trims old ones', () => {
    const { store } = setup();
    for (const [at, size] of [
      [1000, 5],
      [3000, 7],
      [2000, 6],
    ] as const)
      store.addSample('b', { at, records: 1, size, reclaimable: 0, shared: 0, inUse: 0 });
    store.addSample('other', { at: 2500, records: 1, size: 99, reclaimable: 0, shared: 0, inUse: 0 });
    expect(store.samples('b', 0, 10).map((x) => x.size)).toEqual([5, 6, 7]);
    expect(store.samples('b', 0, 2).map((x) => x.size)).toEqual([6, 7]); // the most recent two
    expect(store.lastSampleAt('b')).toBe(3000);
    store.trimSamples(2500);
    expect(store.samples('b', 0, 10).map((x) => x.at)).toEqual([3000]);
    expect(store.lastSampleAt('nobody')).toBeUndefined();
  });
});
