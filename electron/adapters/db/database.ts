import { chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from '../fs/data-dir';
import { openSqlite, type SqliteDb } from './sqlite';

/**
 * BuildDeck's embedded database: one file (`<dataDir>/builddeck.db`) shared by the desktop app,
 * the CLI and serve mode, with per-feature schemas.
 *
 * ## Adding your own tables (migration registration API)
 * A feature owns a *namespace* and an ordered list of migrations; each migration runs once, in its
 * own transaction, and is recorded in `schema_migrations(namespace, version)`:
 *
 * ```ts
 * // electron/adapters/db/cache-usage-schema.ts (the cache feature's own file)
 * import { registerMigrations } from './database';
 * registerMigrations('cache-usage', [
 *   { version: 1, up: (db) => db.exec(`CREATE TABLE cache_usage_samples (
 *       builder TEXT NOT NULL, at INTEGER NOT NULL, bytes INTEGER NOT NULL,
 *       PRIMARY KEY (builder, at)) WITHOUT ROWID`) },
 *   // never edit a shipped migration: append { version: 2, up: ... }
 * ]);
 * ```
 * Import that module before `openDatabase` runs (the composition root does), or pass the list in
 * `openDatabase(file, { migrations: { 'cache-usage': [...] } })`. Versions must increase; a database
 * newer than the code (a later BuildDeck wrote it) is left alone rather than "migrated" backwards.
 */
export interface Migration {
  version: number;
  up(db: SqliteDb): void;
}

const registry = new Map<string, Migration[]>();

export function registerMigrations(namespace: string, migrations: Migration[]): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1 || (i > 0 && m.version === sorted[i - 1]?.version)) {
      throw new Error(`Migrations of "${namespace}" need distinct positive integer versions`);
    }
  });
  registry.set(namespace, sorted);
}

export interface OpenOptions {
  /** Extra namespaces for this open only (tests); merged over the registry. */
  migrations?: Record<string, Migration[]>;
  driver?: SqliteDb['driver'];
  /** ms a writer waits for another process's write lock (CLI and app share the file). */
  busyTimeoutMs?: number;
}

export function openDatabase(file: string, options: OpenOptions = {}): SqliteDb {
  if (file !== ':memory:') {
    ensurePrivateDir(dirname(file));
    // SQLite gives -wal and -shm the database file's mode, so making this one 0600 covers all three.
    ensurePrivateFile(file);
    for (const extra of ['-wal', '-shm']) if (existsSync(file + extra)) chmodSync(file + extra, 0o600);
  }
  const db = openSqlite(file, options.driver);
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    // WAL: readers never block the writer and a killed process leaves a consistent file (the
    // uncommitted tail of the log is discarded on the next open). NORMAL is durable across an app
    // crash; only a power loss may drop the last transactions, never corrupt the file.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      namespace TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
      PRIMARY KEY (namespace, version))`);
    const all = new Map(registry);
    for (const [ns, list] of Object.entries(options.migrations ?? {}))
      all.set(
        ns,
        [...list].sort((a, b) => a.version - b.version),
      );
    for (const [ns, list] of all) migrate(db, ns, list);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: SqliteDb, namespace: string, list: Migration[]): void {
  for (const m of list) {
    db.transaction(() => {
      // Checked inside the write transaction: two processes opening at once apply each step once.
      const done = db
        .prepare('SELECT 1 AS x FROM schema_migrations WHERE namespace = @ns AND version = @v')
        .get({ ns: namespace, v: m.version });
      if (done) return;
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (namespace, version, applied_at) VALUES (@ns, @v, @at)').run({
        ns: namespace,
        v: m.version,
        at: Date.now(),
      });
    });
  }
}
