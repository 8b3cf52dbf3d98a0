import type {
  BakeHistoryEntry,
  BakeHistoryItem,
  BakeHistoryTarget,
  BakeRequest,
  BakeSummary,
} from '../../common/contracts/bake';
import type { BakeFinishRow, BakeHistoryStorePort } from '../../core/bake/ports';
import { registerMigrations, type Migration } from './database';
import { markInterruptedRuns, pruneRuns, type RunOwner } from './run-rows';
import type { SqliteDb } from './sqlite';

/**
 * Schema of the `bake` namespace: one row per bake run, one per target of it (with the BuildKit
 * ref of the target's build, the key into `buildx history`). Append migrations; never edit one.
 */
export const BAKE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE bake_runs (
          id TEXT PRIMARY KEY,
          status TEXT NOT NULL,
          project_dir TEXT NOT NULL,
          builder TEXT NOT NULL,
          driver TEXT NOT NULL,
          requested TEXT NOT NULL,
          targets TEXT NOT NULL,
          request TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          duration_ms INTEGER,
          error TEXT,
          summary TEXT,
          owner_pid INTEGER
        );
        CREATE INDEX bake_runs_started ON bake_runs (started_at DESC);
        CREATE INDEX bake_runs_project ON bake_runs (project_dir, started_at DESC);
        CREATE TABLE bake_targets (
          bake_id TEXT NOT NULL REFERENCES bake_runs (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          name TEXT NOT NULL,
          status TEXT NOT NULL,
          build_ref TEXT,
          digest TEXT,
          image_name TEXT,
          platforms TEXT NOT NULL,
          steps INTEGER NOT NULL,
          cached_steps INTEGER NOT NULL,
          duration_ms INTEGER NOT NULL,
          error TEXT,
          PRIMARY KEY (bake_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX bake_targets_ref ON bake_targets (build_ref);
      `),
  },
];
registerMigrations('bake', BAKE_MIGRATIONS);

interface RunRow {
  id: string;
  status: string;
  project_dir: string;
  builder: string;
  driver: string;
  requested: string;
  targets: string;
  request: string;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  error: string | null;
  summary: string | null;
}

interface TargetRow {
  name: string;
  status: string;
  build_ref: string | null;
  digest: string | null;
  image_name: string | null;
  platforms: string;
  steps: number;
  cached_steps: number;
  duration_ms: number;
  error: string | null;
}

/** Bake history in SQLite, in the same database file as build history. */
export class SqliteBakeStore implements BakeHistoryStorePort {
  constructor(
    private readonly db: SqliteDb,
    private readonly options: RunOwner,
  ) {
    this.markInterrupted();
  }

  /** Bakes left `running` by a process that is gone become `interrupted` (like builds). */
  private markInterrupted(): void {
    markInterruptedRuns(this.db, 'bake_runs', this.options, 'BuildDeck stopped while this bake was running.');
  }

  insertStarted(row: Parameters<BakeHistoryStorePort['insertStarted']>[0]): void {
    this.db
      .prepare(
        `INSERT INTO bake_runs (id, status, project_dir, builder, driver, requested, targets, request, started_at, owner_pid)
         VALUES (@id, 'running', @projectDir, @builder, @driver, @requested, @targets, @request, @startedAt, @pid)`,
      )
      .run({
        id: row.bakeId,
        projectDir: row.projectDir,
        builder: row.builder,
        driver: row.driver,
        requested: JSON.stringify(row.requested),
        targets: JSON.stringify(row.targets),
        request: JSON.stringify(row.request),
        startedAt: row.startedAt,
        pid: this.options.pid,
      });
  }

  finish(bakeId: string, row: BakeFinishRow): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE bake_runs SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs, error = @error,
             summary = @summary, owner_pid = NULL WHERE id = @id`,
        )
        .run({
          id: bakeId,
          status: row.status,
          finishedAt: row.finishedAt,
          durationMs: row.durationMs,
          error: row.error ?? null,
          summary: JSON.stringify(row.summary),
        });
      this.db.prepare('DELETE FROM bake_targets WHERE bake_id = @id').run({ id: bakeId });
      const insert = this.db.prepare(
        `INSERT INTO bake_targets (bake_id, seq, name, status, build_ref, digest, image_name, platforms, steps, cached_steps, duration_ms, error)
         VALUES (@id, @seq, @name, @status, @ref, @digest, @imageName, @platforms, @steps, @cachedSteps, @durationMs, @error)`,
      );
      row.results.forEach((t, seq) =>
        insert.run({
          id: bakeId,
          seq,
          name: t.target,
          status: t.status,
          ref: t.ref ?? null,
          digest: t.digest ?? null,
          imageName: t.imageName ?? null,
          platforms: JSON.stringify(t.platforms),
          steps: t.steps,
          cachedSteps: t.cachedSteps,
          durationMs: t.durationMs,
          error: t.error ?? null,
        }),
      );
    });
  }

  list(filter: { projectDir?: string | undefined; limit: number; before?: number | undefined }): {
    items: BakeHistoryItem[];
    total: number;
  } {
    const params: Record<string, string | number> = { limit: filter.limit };
    const where: string[] = [];
    if (filter.projectDir) {
      where.push('project_dir = @projectDir');
      params['projectDir'] = filter.projectDir;
    }
    const total =
      (
        this.db
          .prepare(`SELECT COUNT(*) AS n FROM bake_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
          .get(params) as unknown as { n: number } | undefined
      )?.n ?? 0;
    if (filter.before !== undefined) {
      where.push('started_at < @before');
      params['before'] = filter.before;
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM bake_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all(params) as unknown as RunRow[];
    return { items: rows.map((r) => this.item(r)), total };
  }

  get(bakeId: string): BakeHistoryEntry | undefined {
    const row = this.db.prepare('SELECT * FROM bake_runs WHERE id = @id').get({ id: bakeId }) as unknown as
      RunRow | undefined;
    if (!row) return undefined;
    return {
      item: this.item(row),
      request: JSON.parse(row.request) as BakeRequest,
      ...(row.summary ? { summary: JSON.parse(row.summary) as BakeSummary } : {}),
    };
  }

  delete(bakeId: string): boolean {
    return this.db.prepare('DELETE FROM bake_runs WHERE id = @id').run({ id: bakeId }).changes > 0;
  }

  prune(policy: { keep: number; olderThan: number }): string[] {
    return pruneRuns(this.db, 'bake_runs', policy);
  }

  private item(r: RunRow): BakeHistoryItem {
    const results = (
      this.db
        .prepare('SELECT * FROM bake_targets WHERE bake_id = @id ORDER BY seq')
        .all({ id: r.id }) as unknown as TargetRow[]
    ).map((t): BakeHistoryTarget => ({
      target: t.name,
      status: t.status as BakeHistoryTarget['status'],
      ...(t.build_ref !== null ? { ref: t.build_ref } : {}),
      ...(t.digest !== null ? { digest: t.digest } : {}),
      ...(t.image_name !== null ? { imageName: t.image_name } : {}),
      platforms: JSON.parse(t.platforms) as string[],
      steps: t.steps,
      cachedSteps: t.cached_steps,
      durationMs: t.duration_ms,
      ...(t.error !== null ? { error: t.error } : {}),
    }));
    return {
      bakeId: r.id,
      status: r.status as BakeHistoryItem['status'],
      projectDir: r.project_dir,
      builder: r.builder,
      driver: r.driver,
      requested: JSON.parse(r.requested) as string[],
      targets: JSON.parse(r.targets) as string[],
      results,
      startedAt: r.started_at,
      ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
      ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
      ...(r.error !== null ? { error: r.error } : {}),
    };
  }
}
