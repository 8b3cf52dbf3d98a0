import { describe, expect, it } from 'vitest';
import { commands } from '../../electron/common/contract';
import { parseDuration, parseSize, toGoDuration, type CacheRecord } from '../../electron/common/contracts/cache';
import { breakdownByType, planPrune, rankForRemoval, totalsOf } from '../../electron/core/cache/plan';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const H = 3_600_000;

function rec(id: string, over: Partial<CacheRecord> = {}): CacheRecord {
  return {
    id,
    type: 'regular',
    description: `step ${id}`,
    size: 100,
    createdAt: new Date(NOW - 100 * H).toISOString(),
    lastUsedAt: new Date(NOW - 48 * H).toISOString(),
    usageCount: 1,
    shared: false,
    inUse: false,
    mutable: false,
    parents: [],
    ...over,
  };
}
const ids = (rs: { id: string }[]) => rs.map((r) => r.id);

describe('totals', () => {
  it('follows buildx du (size, shared, private, reclaimable) and docker system df (reclaimablePrivate)', () => {
    const records = [
      rec('a', { size: 1000 }),
      rec('b', { size: 200, shared: true }),
      rec('c', { size: 30, inUse: true }),
      rec('d', { size: 4, shared: true, inUse: true, type: 'source.local' }),
    ];
    expect(totalsOf(records)).toEqual({
      records: 4,
      size: 1234,
      shared: 204,
      private: 1030,
      reclaimable: 1200,
      reclaimablePrivate: 1000,
      inUse: 34,
    });
    expect(breakdownByType(records)).toEqual([
      { type: 'regular', records: 3, size: 1230, reclaimable: 1200 },
      { type: 'source.local', records: 1, size: 4, reclaimable: 0 },
    ]);
    expect(totalsOf([])).toMatchObject({ records: 0, size: 0 });
  });
});

describe('prune plan (BuildKit semantics)', () => {
  it('keeps a parent while a child stays, and removes both, child first, when both match', () => {
    const base = rec('base', { description: 'pulled from busybox' });
    const mid = rec('mid', { parents: ['base'], description: 'RUN token-1' });
    const top = rec('top', { parents: ['mid'], description: 'RUN token-2' });
    const other = rec('other', { parents: ['base'], description: 'RUN unrelated' });
    const onlyMid = planPrune([base, mid, top, other], { all: false, description: 'token-1' }, NOW);
    expect(ids(onlyMid.planned.records)).toEqual([]);
    expect(onlyMid.kept.parentOfKept).toBe(1);
    expect(onlyMid.notes.join(' ')).toMatch(/record built on them stays/);

    const both = planPrune([base, mid, top, other], { all: false, description: 'TOKEN' }, NOW);
    expect(ids(both.planned.records)).toEqual(['top', 'mid']);
    expect(both.planned.size).toBe(200);
    // base also has `other` as a child: even "everything" leaves it until `other` goes too.
    const all = planPrune([base, mid, top, other], { all: true }, NOW);
    expect(ids(all.planned.records)).toEqual(['top', 'other', 'mid', 'base']);
  });

  it('never removes records in use, and removes shared/internal/frontend ones only with all', () => {
    const records = [
      rec('used', { inUse: true }),
      rec('shared', { shared: true }),
      rec('internal', { type: 'internal' }),
      rec('frontend', { type: 'frontend' }),
      rec('plain'),
    ];
    const plain = planPrune(records, { all: false, untilMs: H }, NOW);
    expect(ids(plain.planned.records)).toEqual(['plain']);
    expect(plain.kept).toEqual({ inUse: 1, needsAll: 3, parentOfKept: 0, storageLimit: 0 });
    const all = planPrune(records, { all: true }, NOW);
    expect(ids(all.planned.records).sort()).toEqual(['frontend', 'internal', 'plain', 'shared']);
    expect(all.kept.inUse).toBe(1);
  });

  it('applies until to last use (never-used records qualify), type as any-of, description case-insensitively', () => {
    const records = [
      rec('old', { lastUsedAt: new Date(NOW - 25 * H).toISOString() }),
      rec('young', { lastUsedAt: new Date(NOW - 23 * H).toISOString() }),
      rec('never', { lastUsedAt: null }),
      rec('ctx', { type: 'source.local', description: 'local source for context' }),
      rec('mount', { type: 'exec.cachemount', description: 'cached mount /root/.npm' }),
    ];
    expect(ids(planPrune(records, { all: false, untilMs: 24 * H }, NOW).planned.records)).toEqual([
      'old',
      'never',
      'ctx',
      'mount',
    ]);
    expect(
      ids(planPrune(records, { all: false, types: ['source.local', 'exec.cachemount'] }, NOW).planned.records),
    ).toEqual(['ctx', 'mount']);
    expect(ids(planPrune(records, { all: false, description: 'LOCAL SOURCE' }, NOW).planned.records)).toEqual(['ctx']);
    expect(ids(planPrune(records, { all: false, description: 'npm', untilMs: 24 * H }, NOW).planned.records)).toEqual([
      'mount',
    ]);
  });

  it('with a storage limit removes the least valuable records one at a time until the private total is below it', () => {
    const records = [
      rec('oldest', { size: 400, lastUsedAt: new Date(NOW - 90 * H).toISOString() }),
      rec('older', { size: 300, lastUsedAt: new Date(NOW - 60 * H).toISOString() }),
      rec('recent', { size: 200, lastUsedAt: new Date(NOW - 2 * H).toISOString(), usageCount: 9 }),
      rec('shared', { size: 5000, shared: true }),
    ];
    // Private total 900: below 1000 nothing goes.
    expect(planPrune(records, { all: false, reservedSpace: 1000 }, NOW).planned.records).toEqual([]);
    const p = planPrune(records, { all: false, reservedSpace: 600 }, NOW);
    expect(ids(p.planned.records)).toEqual(['oldest']); // 900 → 500 < 600
    expect(p.kept.storageLimit).toBe(2);
    const q = planPrune(records, { all: false, maxUsedSpace: 250, reservedSpace: 100 }, NOW);
    expect(ids(q.planned.records)).toEqual(['oldest', 'older']); // 900 → 200 < 250
    expect(q.exact).toBe(true);
  });

  it('cannot know free disk space: minFreeSpace lists every removable record and says it is not exact', () => {
    const p = planPrune([rec('a'), rec('b', { inUse: true })], { all: false, minFreeSpace: 10 }, NOW);
    expect(ids(p.planned.records)).toEqual(['a']);
    expect(p.exact).toBe(false);
    expect(p.notes[0]).toMatch(/free disk space/);
  });

  it('ranks like BuildKit: never-used and rarely used first', () => {
    const ranked = rankForRemoval([
      rec('hot', { lastUsedAt: new Date(NOW - H).toISOString(), usageCount: 20 }),
      rec('never', { lastUsedAt: null, usageCount: 0 }),
      rec('cold', { lastUsedAt: new Date(NOW - 80 * H).toISOString(), usageCount: 1 }),
    ]);
    expect(ids(ranked)).toEqual(['never', 'cold', 'hot']);
  });
});

describe('filter values', () => {
  it('parses durations with days and weeks, and refuses malformed or sub-second ones', () => {
    expect(parseDuration('24h')).toBe(24 * H);
    expect(parseDuration('7d')).toBe(7 * 24 * H);
    expect(parseDuration('1h30m')).toBe(1.5 * H);
    expect(parseDuration('2w')).toBe(14 * 24 * H);
    for (const bad of ['', '24', 'h', '7x', '-1h', '1 h', '0s', '500ms', '1h 2m'])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(toGoDuration(7 * 24 * H)).toBe('604800s');
  });

  it('parses sizes the way docker reads --reserved-space (binary units)', () => {
    expect(parseSize('10GB')).toBe(10 * 1024 ** 3);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('2048')).toBe(2048);
    expect(parseSize(4096)).toBe(4096);
    for (const bad of ['', 'GB', '10XB', '-5MB', '1e3', 'ten']) expect(parseSize(bad), bad).toBeUndefined();
    expect(parseSize(-1)).toBeUndefined();
    expect(parseSize(1.5)).toBeUndefined();
  });

  it('validates prune input at the contract, naming the field at fault', () => {
    const input = commands['cache.prune'].input;
    const field = (value: unknown) => {
      const r = input.safeParse(value);
      return r.success ? undefined : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(
      field({
        filters: { until: '24h', type: ['regular'], description: 'x', all: true, reservedSpace: '1GB' },
        dryRun: true,
      }),
    ).toBeUndefined();
    expect(field({ filters: { bogus: 1 } })).toEqual(['filters.bogus']);
    expect(field({ filters: { until: 'tomorrow' } })).toEqual(['filters.until']);
    expect(field({ filters: { reservedSpace: '10QB' } })).toEqual(['filters.reservedSpace']);
    expect(field({ filters: { maxUsedSpace: -5 } })).toEqual(['filters.maxUsedSpace']);
    expect(field({ filters: { type: ['layers'] } })).toEqual(['filters.type.0']);
    expect(field({ filters: { type: [] } })).toEqual(['filters.type']);
    expect(field({ filters: { keepStorage: '1GB', reservedSpace: '1GB' } })).toEqual(['filters.keepStorage']);
    expect(field({ builder: 'bad/name' })).toEqual(['builder']);
    expect(field({ dryRun: 'yes' })).toEqual(['dryRun']);
    expect(field({ extra: true })).toEqual(['']);
  });
});
