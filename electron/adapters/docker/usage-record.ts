import type { CacheRecord } from '../../common/contracts/cache';

/**
 * BuildKit's cache usage record (its client.UsageInfo) as the contract's CacheRecord, the one
 * reading of its values whichever way it reached BuildDeck: the Engine API's `/system/df`
 * (cache.ts), and `buildctl du`'s JSON or Control/DiskUsage from a BuildKit container
 * (buildkit-cache.ts). Each reader checks its own format's field names, then hands the values here.
 * `buildx du` prints rounded sizes and "N ago" instead: buildx/cache-parse.ts reads those.
 */
export interface UsageFields {
  id: string;
  recordType: string | undefined;
  description: string | undefined;
  size: number | undefined;
  createdAt: string | null;
  lastUsedAt: string | null;
  usageCount: number | undefined;
  shared: boolean | undefined;
  inUse: boolean | undefined;
  mutable: boolean | null | undefined;
  /** Newer BuildKit lists every parent; older ones name one in `parent`. */
  parents: string[] | null | undefined;
  parent?: string | undefined;
}

export function cacheRecord(f: UsageFields): CacheRecord {
  return {
    id: f.id,
    type: f.recordType || 'regular',
    description: (f.description ?? '').trimEnd(),
    // BuildKit reports -1 for a size it has not computed yet; buildx counts only positive sizes too.
    size: Math.max(0, Math.round(f.size ?? 0)),
    createdAt: f.createdAt,
    lastUsedAt: f.lastUsedAt,
    usageCount: f.usageCount ?? 0,
    shared: f.shared ?? false,
    inUse: f.inUse ?? false,
    mutable: f.mutable ?? null,
    parents: f.parents ?? (f.parent ? [f.parent] : []),
  };
}

/** Go's zero time means "never"; anything before 1971 is treated the same. */
export function isoFromMs(ms: number | undefined): string | null {
  return ms === undefined || ms < Date.UTC(1971, 0, 1) ? null : new Date(ms).toISOString();
}

/** A time as Go's JSON writes it (RFC 3339), or null for the zero time, none or an unreadable one. */
export function isoFromText(text: unknown): string | null {
  if (typeof text !== 'string' || !text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : isoFromMs(ms);
}

/** A JSON field that is absent, null or of this type (the readers' drift check). */
export const optional = (v: unknown, type: 'string' | 'number' | 'boolean'): boolean =>
  v === undefined || v === null || typeof v === type;

export const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
