import type { CacheSample, CacheStorePort, HousekeepingRule, HousekeepingRun } from '../../core/cache/ports';
import { registerMigrations, type Migration } from './database';
import type { SqliteDb } from './sqlite';

/** Schema of the `cache` namespace. Append migrations; never edit a shipped one. */
export const CACHE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE cache_usage_samples (
          builder TEXT NOT NULL,
          at INTEGER NOT NULL,
          records INTEGER NOT NULL,
          size INTEGER NOT NULL,
          reclaimable INTEGER NOT NULL,
          shared INTEGER NOT NULL,
          in_use INTEGER NOT NULL,
          PRIMARY KEY (builder, at)
        ) WITHOUT ROWID;
        CREATE INDEX cache_usage_samples_at ON cache_usage_samples (at);
        CREATE TABLE cache_housekeeping_rules (
          builder TEXT PRIMARY KEY,
          enabled INTEGER NOT NULL,
          max_size INTEGER,
          older_than_ms INTEGER,
          include_all INTEGER NOT NULL,
          interval_ms INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE cache_housekeeping_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          builder TEXT NOT NULL,
          at INTEGER NOT NULL,
          trigger TEXT NOT NULL,
          outcome TEXT NOT NULL,
          records INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          bytes_exact INTEGER NOT NULL,
          size_before INTEGER,
          size_after INTEGER,
          detail TEXT,
          duration_ms INTEGER NOT NULL
        );
        CREATE INDEX cache_housekeeping_runs_builder ON cache_housekeeping_runs (builder, at DESC);
      `),
  },
];
registerMigrations('cache', CACHE_MIGRATIONS);

/** Integers may come back as bigint from either driver; Number() normalises them. */
interface SampleRow {
  at: number | bigint;
  records: number | bigint;
  size: number | bigint;
  reclaimable: number | bigint;
  shared: number | bigint;
  in_use: number | bigint;
}
interface RuleRow {
  builder: string;
  enabled: number;
  max_size: number | null;
  older_than_ms: number | null;
  include_all: number;
  interval_ms: number;
  updated_at: number;
}
interface RunRow {
  id: number | bigint;
  builder: string;
  at: number | bigint;
  trigger: string;
  outcome: string;
  records: number | bigint;
  bytes: number | bigint;
  bytes_exact: number | bigint;
  size_before: number | bigint | null;
  size_after: number | bigint | null;
  detail: string | null;
  duration_ms: number | bigint;
}

const toRule = (r: RuleRow): HousekeepingRule => ({
  builder: r.builder,
  enabled: r.enabled === 1,
  maxSize: r.max_size,
  olderThanMs: r.older_than_ms,
  all: r.include_all === 1,
  intervalMs: r.interval_ms,
  updatedAt: r.updated_at,
});

const toRun = (r: RunRow): HousekeepingRun => ({
  id: Number(r.id),
  builder: r.builder,
  at: Number(r.at),
  trigger: r.trigger === 'manual' ? 'manual' : 'schedule',
  outcome: r.outcome as HousekeepingRun['outcome'],
  records: Number(r.records),
  bytes: Number(r.bytes),
  bytesExact: r.bytes_exact === 1,
  sizeBefore: r.size_before === null ? null : Number(r.size_before),
  sizeAfter: r.size_after === null ? null : Number(r.size_after),
  detail: r.detail,
  durationMs: Number(r.duration_ms),
});

/** The cache feature's tables in BuildDeck's SQLite file (opened by the composition root). */
export class SqliteCacheStore implements CacheStorePort {
  constructor(private readonly db: SqliteDb) {}

  addSample(builder: string, s: CacheSample): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO cache_usage_samples (builder, at, records, size, reclaimable, shared, in_use)
         VALUES (@builder, @at, @records, @size, @reclaimable, @shared, @inUse)`,
      )
      .run({
        builder,
        at: Math.round(s.at),
        records: s.records,
        size: s.size,
        reclaimable: s.reclaimable,
        shared: s.shared,
        inUse: s.inUse,
      });
  }

  lastSampleAt(builder: string): number | undefined {
    const row = this.db
      .prepare('SELECT MAX(at) AS at FROM cache_usage_samples WHERE builder = @builder')
      .get({ builder });
    return row?.['at'] == null ? undefined : Number(row['at']);
  }

  samples(builder: string, since: number, limit: number): CacheSample[] {
    // The most recent `limit` samples in the range, returned oldest first for drawing.
    const rows = this.db
      .prepare(
        `SELECT at, records, size, reclaimable, shared, in_use FROM cache_usage_samples
         WHERE builder = @builder AND at >= @since ORDER BY at DESC LIMIT @limit`,
      )
      .all({ builder, since: Math.round(since), limit }) as unknown as SampleRow[];
    return rows.reverse().map((r) => ({
      at: Number(r.at),
      records: Number(r.records),
      size: Number(r.size),
      reclaimable: Number(r.reclaimable),
      shared: Number(r.shared),
      inUse: Number(r.in_use),
    }));
  }

  trimSamples(before: number): void {
    this.db.prepare('DELETE FROM cache_usage_samples WHERE at < @before').run({ before: Math.round(before) });
  }

  rule(builder: string): HousekeepingRule | undefined {
    const row = this.db.prepare('SELECT * FROM cache_housekeeping_rules WHERE builder = @builder').get({ builder });
    return row ? toRule(row as unknown as RuleRow) : undefined;
  }

  rules(): HousekeepingRule[] {
    return (
      this.db.prepare('SELECT * FROM cache_housekeeping_rules ORDER BY builder').all() as unknown as RuleRow[]
    ).map(toRule);
  }

  setRule(r: HousekeepingRule): void {
    this.db
      .prepare(
        `INSERT INTO cache_housekeeping_rules (builder, enabled, max_size, older_than_ms, include_all, interval_ms, updated_at)
         VALUES (@builder, @enabled, @maxSize, @olderThanMs, @all, @intervalMs, @updatedAt)
         ON CONFLICT (builder) DO UPDATE SET enabled = excluded.enabled, max_size = excluded.max_size,
           older_than_ms = excluded.older_than_ms, include_all = excluded.include_all,
           interval_ms = excluded.interval_ms, updated_at = excluded.updated_at`,
      )
      .run({
        builder: r.builder,
        enabled: r.enabled ? 1 : 0,
        maxSize: r.maxSize,
        olderThanMs: r.olderThanMs,
        all: r.all ? 1 : 0,
        intervalMs: r.intervalMs,
        updatedAt: r.updatedAt,
      });
  }

  deleteRule(builder: string): void {
    this.db.prepare('DELETE FROM cache_housekeeping_rules WHERE builder = @builder').run({ builder });
  }

  addRun(run: Omit<HousekeepingRun, 'id'>): HousekeepingRun {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO cache_housekeeping_runs (builder, at, trigger, outcome, records, bytes, bytes_exact, size_before, size_after, detail, duration_ms)
           VALUES (@builder, @at, @trigger, @outcome, @records, @bytes, @bytesExact, @sizeBefore, @sizeAfter, @detail, @durationMs)`,
        )
        .run({
          builder: run.builder,
          at: Math.round(run.at),
          trigger: run.trigger,
          outcome: run.outcome,
          records: run.records,
          bytes: run.bytes,
          bytesExact: run.bytesExact ? 1 : 0,
          sizeBefore: run.sizeBefore,
          sizeAfter: run.sizeAfter,
          detail: run.detail,
          durationMs: Math.round(run.durationMs),
        });
      const row = this.db
        .prepare('SELECT * FROM cache_housekeeping_runs WHERE id = last_insert_rowid()')
        .get() as unknown as RunRow;
      return toRun(row);
    });
  }

  runs(builder: string, limit: number): HousekeepingRun[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM cache_housekeeping_runs WHERE builder = @builder ORDER BY at DESC, id DESC LIMIT @limit',
        )
        .all({ builder, limit }) as unknown as RunRow[]
    ).map(toRun);
  }
}
