import type { CacheRecord } from '../../common/contracts/cache';

/**
 * BuildKit's cache usage record (its client.UsageInfo) as the contract's CacheRecord, the one
 * reading of its values whichever way it reached BuildDeck: the Engine API's `/system/df`
 * (cache.ts), and `buildctl du`'s JSON or Control/DiskUsage from a BuildKit container
 * (buildkit-cache.ts). The two JSON spellings differ only in their field names (UsageJsonNames).
 * `buildx du` prints rounded sizes and "N ago" instead: buildx/cache-parse.ts reads those.
 */

/** UsageInfo's values once read and type-checked, whichever the format. */
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

/** Where one JSON spelling of UsageInfo keeps each field. */
export interface UsageJsonNames {
  id: string;
  recordType: string;
  description: string;
  size: string;
  createdAt: string;
  lastUsedAt: string;
  usageCount: string;
  shared: string;
  inUse: string;
  /** undefined: this spelling does not say (the Engine API's). */
  mutable: string | undefined;
  parent: string;
  /** Read in this order, the first present one wins (Engine 26.1 tags it `json:" Parents"`). */
  parents: readonly string[];
}

/**
 * One record in a JSON spelling of UsageInfo, in one pass: each field type-checked by hand as it
 * is read (a schema library would build a validated copy of 1,000 records only for this to copy
 * them again). undefined when the record is not that shape: drift, which the caller reports with
 * the raw record.
 */
export function readUsageJson(item: unknown, names: UsageJsonNames): CacheRecord | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const r = item as Record<string, unknown>;
  const id = r[names.id];
  const parents = names.parents.map((k) => r[k]).find((v) => v != null);
  if (
    typeof id !== 'string' ||
    !id ||
    !optional(r[names.recordType], 'string') ||
    !optional(r[names.description], 'string') ||
    !optional(r[names.inUse], 'boolean') ||
    !optional(r[names.shared], 'boolean') ||
    !optional(r[names.size], 'number') ||
    !optional(r[names.createdAt], 'string') ||
    !optional(r[names.lastUsedAt], 'string') ||
    !optional(r[names.usageCount], 'number') ||
    !optional(r[names.parent], 'string') ||
    (names.mutable !== undefined && !optional(r[names.mutable], 'boolean')) ||
    !(parents == null || isStrings(parents))
  )
    return undefined;
  // Checked above: each field is absent, null or of its type.
  return cacheRecord({
    id,
    recordType: r[names.recordType] as string | undefined,
    description: r[names.description] as string | undefined,
    size: r[names.size] as number | undefined,
    createdAt: isoFromText(r[names.createdAt]),
    lastUsedAt: isoFromText(r[names.lastUsedAt]),
    usageCount: r[names.usageCount] as number | undefined,
    shared: r[names.shared] as boolean | undefined,
    inUse: r[names.inUse] as boolean | undefined,
    mutable: names.mutable === undefined ? null : (r[names.mutable] as boolean | undefined),
    parents,
    parent: r[names.parent] as string | undefined,
  });
}

/** Go's zero time means "never"; anything before 1971 is treated the same. */
export function isoFromMs(ms: number | undefined): string | null {
  return ms === undefined || ms < Date.UTC(1971, 0, 1) ? null : new Date(ms).toISOString();
}

/** A time as Go's JSON writes it (RFC 3339), or null for the zero time, none or an unreadable one. */
function isoFromText(text: unknown): string | null {
  if (typeof text !== 'string' || !text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : isoFromMs(ms);
}

/** A JSON field that is absent, null or of this type. */
const optional = (v: unknown, type: 'string' | 'number' | 'boolean'): boolean =>
  v === undefined || v === null || typeof v === type;

export const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
