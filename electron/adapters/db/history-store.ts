import type { BuildRequest, BuildSummary } from '../../common/contracts/builds';
import { appError } from '../../common/errors';
import type { HistoryEntry, HistoryItem, HistoryStep } from '../../common/contracts/history';
import type {
  HistoryFilter,
  HistoryFinishRow,
  HistoryLogRows,
  HistoryStartRow,
  HistoryStorePort,
  RecordedContext,
  StoredContext,
} from '../../core/history/ports';
import { registerMigrations, type Migration } from './database';
import { markInterruptedRuns, pruneRuns, type RunOwner } from './run-rows';
import type { SqliteDb } from './sqlite';

/** Schema of the `history` namespace. Append migrations; never edit a shipped one. */
export const HISTORY_MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE builds (
          id TEXT PRIMARY KEY,
          status TEXT NOT NULL,
          context_dir TEXT NOT NULL,
          dockerfile TEXT,
          builder TEXT NOT NULL,
          driver TEXT NOT NULL,
          platforms TEXT NOT NULL,
          tags TEXT NOT NULL,
          request TEXT NOT NULL,
          secret_ids TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          duration_ms INTEGER,
          digest TEXT,
          image_name TEXT,
          build_ref TEXT,
          steps INTEGER NOT NULL DEFAULT 0,
          cached_steps INTEGER NOT NULL DEFAULT 0,
          error TEXT,
          summary TEXT,
          failure TEXT,
          owner_pid INTEGER
        );
        CREATE INDEX builds_started ON builds (started_at DESC);
        CREATE INDEX builds_context ON builds (context_dir, started_at DESC);
        CREATE INDEX builds_builder ON builds (builder, started_at DESC);
        CREATE TABLE build_steps (
          build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          digest TEXT NOT NULL,
          lane TEXT NOT NULL,
          name TEXT NOT NULL,
          state TEXT NOT NULL,
          cached INTEGER NOT NULL,
          is_step INTEGER NOT NULL,
          started_at INTEGER,
          duration_ms INTEGER,
          error TEXT,
          PRIMARY KEY (build_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE build_logs (
          build_id TEXT PRIMARY KEY REFERENCES builds (id) ON DELETE CASCADE,
          lines TEXT NOT NULL,
          truncated INTEGER NOT NULL
        );
      `),
  },
  {
    // What BuildDeck knows about a build beyond its steps, for History details and `history.why`:
    // the Dockerfile as sent, content hashes of the context files sent, the resolved base images.
    version: 2,
    up: (db) =>
      db.exec(`
        CREATE TABLE build_context (
          build_id TEXT PRIMARY KEY REFERENCES builds (id) ON DELETE CASCADE,
          dockerfile_text TEXT,
          files TEXT,
          files_truncated INTEGER NOT NULL DEFAULT 0,
          materials TEXT
        );
        CREATE INDEX builds_ref ON builds (build_ref);
      `),
  },
];
registerMigrations('history', HISTORY_MIGRATIONS);

/** Builds per context folder that keep their file hashes (older ones drop them: storage stays bounded). */
export const HASHED_BUILDS_PER_CONTEXT = 10;

interface BuildRow {
  id: string;
  status: string;
  context_dir: string;
  dockerfile: string | null;
  builder: string;
  driver: string;
  platforms: string;
  tags: string;
  request: string;
  secret_ids: string;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  digest: string | null;
  image_name: string | null;
  build_ref: string | null;
  steps: number;
  cached_steps: number;
  error: string | null;
  summary: string | null;
  failure: string | null;
}

/** Who owns this process's running builds (decides "interrupted" at open). */
export type HistoryStoreOptions = RunOwner;

/** Build history in SQLite. Each finish is one transaction: a kill mid-write leaves the old row. */
export class SqliteHistoryStore implements HistoryStorePort {
  constructor(
    private readonly db: SqliteDb,
    private readonly options: HistoryStoreOptions,
  ) {
    this.markInterrupted();
  }

  /**
   * Builds left `running` by a process that is gone (crash, kill, power loss) become `interrupted`.
   * Another live BuildDeck (the CLI next to the app) keeps its running builds.
   */
  markInterrupted(): number {
    return markInterruptedRuns(this.db, 'builds', this.options, 'BuildDeck stopped while this build was running.');
  }

  insertStarted(row: HistoryStartRow): void {
    this.db
      .prepare(
        `INSERT INTO builds (id, status, context_dir, dockerfile, builder, driver, platforms, tags, request, secret_ids, started_at, owner_pid)
         VALUES (@id, 'running', @context, @dockerfile, @builder, @driver, @platforms, @tags, @request, @secretIds, @startedAt, @pid)`,
      )
      .run({
        id: row.buildId,
        context: row.request.contextDir,
        dockerfile: row.request.dockerfile ?? null,
        builder: row.builder,
        driver: row.driver,
        platforms: JSON.stringify(row.platforms),
        tags: JSON.stringify(row.request.tags),
        request: JSON.stringify({ ...row.request, secrets: [] }),
        secretIds: JSON.stringify(row.secretIds),
        startedAt: row.startedAt,
        pid: this.options.pid,
      });
  }

  finish(buildId: string, row: HistoryFinishRow): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE builds SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs, digest = @digest,
             image_name = @imageName, build_ref = @ref, steps = @steps, cached_steps = @cachedSteps, error = @error,
             summary = @summary, failure = @failure, owner_pid = NULL
           WHERE id = @id`,
        )
        .run({
          id: buildId,
          status: row.status,
          finishedAt: row.finishedAt,
          durationMs: row.durationMs,
          digest: row.digest ?? null,
          imageName: row.imageName ?? null,
          ref: row.ref ?? null,
          steps: row.steps,
          cachedSteps: row.cachedSteps,
          error: row.error ?? null,
          summary: JSON.stringify(row.summary),
          failure: row.failure ? JSON.stringify(row.failure) : null,
        });
      this.db.prepare('DELETE FROM build_steps WHERE build_id = @id').run({ id: buildId });
      const insert = this.db.prepare(
        `INSERT INTO build_steps (build_id, seq, digest, lane, name, state, cached, is_step, started_at, duration_ms, error)
         VALUES (@id, @seq, @digest, @lane, @name, @state, @cached, @isStep, @startedAt, @durationMs, @error)`,
      );
      row.stepRows.forEach((st, seq) =>
        insert.run({
          id: buildId,
          seq,
          digest: st.id,
          lane: st.lane,
          name: st.name,
          state: st.state,
          cached: st.cached ? 1 : 0,
          isStep: st.isStep ? 1 : 0,
          startedAt: st.startedAt ?? null,
          durationMs: st.durationMs ?? null,
          error: st.error ?? null,
        }),
      );
      if (row.logs) this.writeLogs(buildId, row.logs);
    });
  }

  saveLogs(buildId: string, logs: HistoryLogRows): void {
    this.writeLogs(buildId, logs);
  }

  private writeLogs(buildId: string, logs: HistoryLogRows): void {
    this.db
      .prepare('INSERT OR REPLACE INTO build_logs (build_id, lines, truncated) VALUES (@id, @lines, @truncated)')
      .run({
        id: buildId,
        lines: JSON.stringify(logs.lines.map((l) => [l.step, l.stream, l.text])),
        truncated: logs.truncated ? 1 : 0,
      });
  }

  list(filter: HistoryFilter): { items: HistoryItem[]; total: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.contextDir) {
      where.push('context_dir = @context');
      params['context'] = filter.contextDir;
    }
    if (filter.builder) {
      where.push('builder = @builder');
      params['builder'] = filter.builder;
    }
    if (filter.status) {
      where.push('status = @status');
      params['status'] = filter.status;
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total =
      (
        this.db.prepare(`SELECT COUNT(*) AS n FROM builds ${clause}`).get(params) as unknown as
          { n: number } | undefined
      )?.n ?? 0;
    const page = [...where];
    if (filter.before !== undefined) {
      page.push('started_at < @before');
      params['before'] = filter.before;
    }
    params['limit'] = filter.limit;
    const rows = this.db
      .prepare(
        `SELECT * FROM builds ${page.length > 0 ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all(params) as unknown as BuildRow[];
    return { items: rows.map(toItem), total: total };
  }

  get(buildId: string): HistoryEntry | undefined {
    const row = this.db.prepare('SELECT * FROM builds WHERE id = @id').get({ id: buildId }) as unknown as
      BuildRow | undefined;
    if (!row) return undefined;
    const steps = this.db
      .prepare('SELECT * FROM build_steps WHERE build_id = @id ORDER BY seq')
      .all({ id: buildId }) as unknown as {
      digest: string;
      lane: string;
      name: string;
      state: string;
      cached: number;
      is_step: number;
      started_at: number | null;
      duration_ms: number | null;
      error: string | null;
    }[];
    const logs = this.db
      .prepare('SELECT lines, truncated FROM build_logs WHERE build_id = @id')
      .get({ id: buildId }) as unknown as { lines: string; truncated: number } | undefined;
    const failure = row.failure ? (JSON.parse(row.failure) as HistoryEntry['failure']) : undefined;
    return {
      item: toItem(row),
      request: JSON.parse(row.request) as BuildRequest,
      secretIds: JSON.parse(row.secret_ids) as string[],
      ...(row.summary ? { summary: JSON.parse(row.summary) as BuildSummary } : {}),
      steps: steps.map((s): HistoryStep => ({
        id: s.digest,
        lane: s.lane,
        name: s.name,
        state: s.state as HistoryStep['state'],
        cached: s.cached === 1,
        isStep: s.is_step === 1,
        ...(s.started_at !== null ? { startedAt: s.started_at } : {}),
        ...(s.duration_ms !== null ? { durationMs: s.duration_ms } : {}),
        ...(s.error !== null ? { error: s.error } : {}),
      })),
      logs: logs
        ? (JSON.parse(logs.lines) as [string, number, string][]).map(([step, stream, text]) => ({ step, stream, text }))
        : [],
      logsTruncated: logs ? logs.truncated === 1 : false,
      ...(failure ? { failure } : {}),
    };
  }

  delete(buildId: string): boolean {
    return this.db.prepare('DELETE FROM builds WHERE id = @id').run({ id: buildId }).changes > 0;
  }

  setRef(buildId: string, ref: string): void {
    this.db.prepare('UPDATE builds SET build_ref = @ref WHERE id = @id').run({ id: buildId, ref });
  }

  findByRef(ref: string): string | undefined {
    const row = this.db.prepare('SELECT id FROM builds WHERE build_ref = @ref LIMIT 1').get({ ref }) as unknown as
      { id: string } | undefined;
    return row?.id;
  }

  saveContext(buildId: string, ctx: RecordedContext): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO build_context (build_id, dockerfile_text, files, files_truncated) VALUES (@id, @text, @files, @truncated)
           ON CONFLICT (build_id) DO UPDATE SET dockerfile_text = @text, files = @files, files_truncated = @truncated`,
        )
        .run({
          id: buildId,
          text: ctx.dockerfileText ?? null,
          files: JSON.stringify(ctx.files.map((f) => [f.path, f.hash])),
          truncated: ctx.truncated ? 1 : 0,
        });
      // Bounded storage: only the newest builds of a context folder keep their file hashes.
      this.db
        .prepare(
          `UPDATE build_context SET files = NULL WHERE files IS NOT NULL AND build_id IN (
             SELECT id FROM builds WHERE context_dir = (SELECT context_dir FROM builds WHERE id = @id)
             ORDER BY started_at DESC LIMIT -1 OFFSET @keep)`,
        )
        .run({ id: buildId, keep: HASHED_BUILDS_PER_CONTEXT });
    });
  }

  saveMaterials(buildId: string, materials: { uri: string; digests: string[] }[]): void {
    this.db
      .prepare(
        `INSERT INTO build_context (build_id, materials) VALUES (@id, @materials)
         ON CONFLICT (build_id) DO UPDATE SET materials = @materials`,
      )
      .run({ id: buildId, materials: JSON.stringify(materials) });
  }

  stepCounts(): Map<string, { total: number; completed: number; cached: number }> {
    const rows = this.db
      .prepare(
        `SELECT build_id, COUNT(*) AS total, SUM(cached) AS cached,
           SUM(CASE WHEN state IN ('done', 'cached', 'failed') THEN 1 ELSE 0 END) AS completed
         FROM build_steps GROUP BY build_id`,
      )
      .all() as unknown as { build_id: string; total: number; cached: number | null; completed: number | null }[];
    return new Map(
      rows.map((r) => [r.build_id, { total: r.total, completed: r.completed ?? 0, cached: r.cached ?? 0 }]),
    );
  }

  getContext(buildId: string): StoredContext | undefined {
    const row = this.db
      .prepare('SELECT dockerfile_text, files, files_truncated, materials FROM build_context WHERE build_id = @id')
      .get({ id: buildId }) as unknown as
      | { dockerfile_text: string | null; files: string | null; files_truncated: number; materials: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      ...(row.dockerfile_text !== null ? { dockerfileText: row.dockerfile_text } : {}),
      ...(row.files !== null
        ? { files: (JSON.parse(row.files) as [string, string][]).map(([path, hash]) => ({ path, hash })) }
        : {}),
      truncated: row.files_truncated === 1,
      ...(row.materials !== null
        ? { materials: JSON.parse(row.materials) as { uri: string; digests: string[] }[] }
        : {}),
    };
  }

  prune(policy: { keep: number; olderThan: number }): string[] {
    // Steps and logs go with their build (ON DELETE CASCADE).
    return pruneRuns(this.db, 'builds', policy);
  }
}

function toItem(r: BuildRow): HistoryItem {
  return {
    buildId: r.id,
    status: r.status as HistoryItem['status'],
    contextDir: r.context_dir,
    ...(r.dockerfile !== null ? { dockerfile: r.dockerfile } : {}),
    builder: r.builder,
    driver: r.driver,
    platforms: JSON.parse(r.platforms) as string[],
    tags: JSON.parse(r.tags) as string[],
    startedAt: r.started_at,
    ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
    ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
    ...(r.digest !== null ? { digest: r.digest } : {}),
    ...(r.image_name !== null ? { imageName: r.image_name } : {}),
    ...(r.build_ref !== null ? { ref: r.build_ref } : {}),
    steps: r.steps,
    cachedSteps: r.cached_steps,
    ...(r.error !== null ? { error: r.error } : {}),
  };
}

/** `kill(pid, 0)`: true while the process exists (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stands in when the database cannot be opened: builds still run, history says why it is missing. */
export class UnavailableHistoryStore implements HistoryStorePort {
  constructor(private readonly reason: string) {}
  private fail(): never {
    throw appError('INTERNAL', `Build history is unavailable: ${this.reason}`, {
      hint: 'Check that the data folder is writable and not on a network share, then restart BuildDeck.',
    });
  }
  insertStarted(): void {
    // Builds must not fail because history cannot record them.
  }
  finish(): void {
    // As above.
  }
  saveLogs(): void {
    // As above.
  }
  list(): never {
    return this.fail();
  }
  get(): never {
    return this.fail();
  }
  delete(): never {
    return this.fail();
  }
  prune(): string[] {
    return [];
  }
  setRef(): void {
    // Nothing is recorded without a database.
  }
  findByRef(): undefined {
    return undefined;
  }
  saveContext(): void {
    // As above.
  }
  saveMaterials(): void {
    // As above.
  }
  getContext(): undefined {
    return undefined;
  }
  stepCounts(): Map<string, { total: number; completed: number; cached: number }> {
    return new Map();
  }
}
