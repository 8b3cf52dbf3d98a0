import type { SqliteDb } from './sqlite';

/**
 * What build history and bake history do alike to their run rows (`builds`, `bake_runs`: id,
 * status, started_at, owner_pid): recovery after a crash and retention. Table names are constants
 * of this module's callers, never input.
 */
type RunTable = 'builds' | 'bake_runs';

export interface RunOwner {
  /** This process: its own `running` rows at open were left by an earlier life of it. */
  pid: number;
  /** Is the process that started a run still alive? */
  isAlive(pid: number): boolean;
}

/**
 * Rows left `running` by a process that is gone (crash, kill, power loss) become `interrupted`
 * with `error`. Another live BuildDeck (the CLI next to the app) keeps its running ones.
 */
export function markInterruptedRuns(db: SqliteDb, table: RunTable, owner: RunOwner, error: string): number {
  const rows = db.prepare(`SELECT id, owner_pid FROM ${table} WHERE status = 'running'`).all() as unknown as {
    id: string;
    owner_pid: number | null;
  }[];
  const mark = db.prepare(
    `UPDATE ${table} SET status = 'interrupted', error = @error WHERE id = @id AND status = 'running'`,
  );
  let n = 0;
  for (const r of rows) {
    if (r.owner_pid !== null && r.owner_pid !== owner.pid && owner.isAlive(r.owner_pid)) continue;
    n += mark.run({ id: r.id, error }).changes;
  }
  return n;
}

/**
 * Retention: deletes finished runs started before `olderThan` or beyond the newest `keep`, in one
 * transaction (a crash keeps all or none; child rows go by ON DELETE CASCADE). Returns their ids.
 */
export function pruneRuns(db: SqliteDb, table: RunTable, policy: { keep: number; olderThan: number }): string[] {
  const doomed = db
    .prepare(
      `SELECT id FROM ${table} WHERE status <> 'running' AND (started_at < @olderThan OR id NOT IN
         (SELECT id FROM ${table} ORDER BY started_at DESC LIMIT @keep))`,
    )
    .all({ olderThan: policy.olderThan, keep: policy.keep }) as { id: string }[];
  if (doomed.length === 0) return [];
  const del = db.prepare(`DELETE FROM ${table} WHERE id = @id`);
  db.transaction(() => {
    for (const { id } of doomed) del.run({ id });
  });
  return doomed.map((d) => d.id);
}
