import type { CachePruneResult, CacheRecord, CacheTotals } from '../../common/contracts/cache';

/**
 * Pure cache arithmetic: totals, the per-type breakdown, and the prune plan.
 *
 * The plan replays what BuildKit's cache manager does in `prune` (cache/manager.go, v0.13 to v0.2x),
 * so a dry run lists exactly what a prune removes, and a real prune then removes those records by id:
 * 1. A record is a candidate when it matches every filter: `until` (last used at or before now - until,
 *    or never used), `type` (any of), `description` (contains, case-insensitive).
 * 2. In-use records are never removed. Without `all`, shared, internal and frontend records are not
 *    removed either (`buildx prune --all` semantics).
 * 3. A parent is kept while a child exists (the child holds a reference to it); once every child is
 *    removed in the same prune, the parent is removed in a following round if it is a candidate.
 * 4. Storage limits (reservedSpace/keepStorage, maxUsedSpace) switch to BuildKit's GC mode: nothing
 *    is removed while the builder's private (non-shared) total is below max(maxUsedSpace, reservedSpace);
 *    otherwise the least valuable removable candidate goes first, one at a time, until it is.
 *    "Least valuable" is BuildKit's rank: normalised rank of last use plus normalised rank of use
 *    count; ties (which BuildKit leaves to its sort) are broken by older last use, then id.
 * 5. minFreeSpace depends on the free disk space of the builder's host, which BuildDeck cannot read:
 *    the plan then lists every removable candidate (an upper bound) and is marked not exact.
 */

export function totalsOf(records: readonly CacheRecord[]): CacheTotals {
  const t: CacheTotals = {
    records: records.length,
    size: 0,
    private: 0,
    shared: 0,
    reclaimable: 0,
    reclaimablePrivate: 0,
    inUse: 0,
  };
  for (const r of records) {
    t.size += r.size;
    if (r.shared) t.shared += r.size;
    if (r.inUse) t.inUse += r.size;
    else {
      t.reclaimable += r.size;
      if (!r.shared) t.reclaimablePrivate += r.size;
    }
  }
  t.private = t.size - t.shared;
  return t;
}

export function breakdownByType(
  records: readonly CacheRecord[],
): { type: string; records: number; size: number; reclaimable: number }[] {
  const by = new Map<string, { type: string; records: number; size: number; reclaimable: number }>();
  for (const r of records) {
    const b = by.get(r.type) ?? { type: r.type, records: 0, size: 0, reclaimable: 0 };
    b.records += 1;
    b.size += r.size;
    if (!r.inUse) b.reclaimable += r.size;
    by.set(r.type, b);
  }
  return [...by.values()].sort((a, b) => b.size - a.size || b.records - a.records || a.type.localeCompare(b.type));
}

export interface PlanFilters {
  untilMs?: number;
  types?: readonly string[];
  description?: string;
  all: boolean;
  reservedSpace?: number;
  maxUsedSpace?: number;
  minFreeSpace?: number;
}

export type Plan = Omit<CachePruneResult, 'builder' | 'dryRun' | 'freed'>;

const NEEDS_ALL_TYPES = new Set(['internal', 'frontend']);

export function matchesFilters(r: CacheRecord, f: PlanFilters, now: number): boolean {
  if (f.types && !f.types.includes(r.type)) return false;
  if (f.description !== undefined && !r.description.toLowerCase().includes(f.description.toLowerCase())) return false;
  if (f.untilMs !== undefined && r.lastUsedAt !== null) {
    const last = Date.parse(r.lastUsedAt);
    if (!Number.isNaN(last) && last > now - f.untilMs) return false;
  }
  return true;
}

export function planPrune(records: readonly CacheRecord[], f: PlanFilters, now: number): Plan {
  const byId = new Map(records.map((r) => [r.id, r]));
  const children = new Map<string, number>();
  for (const r of records) {
    for (const p of new Set(r.parents)) if (byId.has(p)) children.set(p, (children.get(p) ?? 0) + 1);
  }
  const kept = { inUse: 0, needsAll: 0, parentOfKept: 0, storageLimit: 0 };
  const pool = new Set<string>();
  for (const r of records) {
    if (!matchesFilters(r, f, now)) continue;
    if (r.inUse) kept.inUse++;
    else if (!f.all && (r.shared || NEEDS_ALL_TYPES.has(r.type))) kept.needsAll++;
    else pool.add(r.id);
  }

  const removed: CacheRecord[] = [];
  const remove = (r: CacheRecord) => {
    removed.push(r);
    pool.delete(r.id);
    for (const p of new Set(r.parents)) if (children.has(p)) children.set(p, (children.get(p) ?? 1) - 1);
  };
  const ready = () => [...pool].map((id) => byId.get(id) as CacheRecord).filter((r) => (children.get(r.id) ?? 0) === 0);

  const notes: string[] = [];
  let exact = true;
  const keepBytes = Math.max(f.maxUsedSpace ?? 0, f.reservedSpace ?? 0);
  let stoppedByLimit = false;
  if (f.minFreeSpace !== undefined) {
    exact = false;
    notes.push(
      'minFreeSpace depends on the free disk space of the builder, which BuildDeck cannot read: these are the records the builder may remove, at most.',
    );
    for (let batch = ready(); batch.length > 0; batch = ready()) batch.forEach(remove);
  } else if (keepBytes > 0) {
    // BuildKit sizes the cache by its private records only: shared data would not be freed anyway.
    let total = records.reduce((sum, r) => sum + (r.shared ? 0 : r.size), 0);
    for (;;) {
      if (total < keepBytes) {
        stoppedByLimit = true;
        break;
      }
      const next = rankForRemoval(ready())[0];
      if (!next) break;
      remove(next);
      total -= next.size;
    }
  } else {
    for (let batch = ready(); batch.length > 0; batch = ready()) batch.forEach(remove);
  }

  for (const id of pool) {
    if ((children.get(id) ?? 0) > 0) kept.parentOfKept++;
    else if (stoppedByLimit) kept.storageLimit++;
  }
  if (kept.inUse > 0) notes.push(`${kept.inUse} matching record(s) are in use and stay.`);
  if (kept.needsAll > 0)
    notes.push(
      `${kept.needsAll} matching record(s) are shared, internal or frontend records: only "all" removes them.`,
    );
  if (kept.parentOfKept > 0)
    notes.push(`${kept.parentOfKept} matching record(s) stay because a record built on them stays.`);
  if (kept.storageLimit > 0) notes.push(`${kept.storageLimit} matching record(s) stay within the storage limit.`);
  return {
    planned: { records: removed, size: removed.reduce((s, r) => s + r.size, 0) },
    kept,
    exact,
    notes,
  };
}

/** BuildKit's sortDeleteRecords: least recently and least often used first, by normalised rank. */
export function rankForRemoval(candidates: readonly CacheRecord[]): CacheRecord[] {
  const last = (r: CacheRecord) => (r.lastUsedAt === null ? -Infinity : Date.parse(r.lastUsedAt));
  const rankLast = new Map<string, number>();
  const rankCount = new Map<string, number>();
  let maxLast = 1;
  let prev = -Infinity;
  for (const r of [...candidates].sort((a, b) => last(a) - last(b))) {
    if (last(r) > prev) {
      prev = last(r);
      maxLast++;
    }
    rankLast.set(r.id, maxLast);
  }
  let maxCount = 1;
  let prevCount = 0;
  for (const r of [...candidates].sort((a, b) => a.usageCount - b.usageCount)) {
    if (r.usageCount !== prevCount) {
      prevCount = r.usageCount;
      maxCount++;
    }
    rankCount.set(r.id, maxCount);
  }
  const score = (r: CacheRecord) => (rankLast.get(r.id) ?? 0) / maxLast + (rankCount.get(r.id) ?? 0) / maxCount;
  return [...candidates].sort((a, b) => score(a) - score(b) || last(a) - last(b) || a.id.localeCompare(b.id));
}

/**
 * Splits planned ids into prune calls: in removal order, so a parent never lands in an earlier call
 * than its children (BuildKit removes a parent only once its children are gone).
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
