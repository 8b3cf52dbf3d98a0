/**
 * The one SQLite seam BuildDeck uses, over two drivers with one file format:
 *  - the built-in `node:sqlite` (DatabaseSync) where the runtime has it: Electron's main process
 *    (Node >= 22), so the desktop app needs no native module built for Electron's ABI;
 *  - better-sqlite3 12 on Node 20 (CLI, serve, tests), a native module built for plain Node.
 * Both are synchronous, which is what a small local history wants (no callback interleaving).
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = Record<string, SqlValue> | SqlValue[];

export type Row = Record<string, unknown>;

/** Rows come back untyped: callers cast to the row shape their SQL selects. */
export interface Statement {
  run(params?: SqlParams): { changes: number };
  get(params?: SqlParams): Row | undefined;
  all(params?: SqlParams): Row[];
}

export interface SqliteDb {
  readonly driver: 'node:sqlite' | 'better-sqlite3';
  exec(sql: string): void;
  prepare(sql: string): Statement;
  /** Runs fn in BEGIN IMMEDIATE … COMMIT (ROLLBACK on throw). Not re-entrant. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

interface NativeStatement {
  run(...args: unknown[]): { changes: number | bigint };
  get(...args: unknown[]): unknown;
  all(...args: unknown[]): unknown[];
}
interface NativeDb {
  exec(sql: string): unknown;
  prepare(sql: string): NativeStatement;
  close(): unknown;
}

type NodeSqlite = { DatabaseSync: new (path: string) => NativeDb };
type BetterSqlite = new (path: string, options?: { nativeBinding?: string }) => NativeDb;

function builtinSqlite(): NodeSqlite | undefined {
  // getBuiltinModule (Node >= 20.16) returns undefined where node:sqlite does not exist, without
  // the ExperimentalWarning-or-throw dance of a static import.
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    return get?.('node:sqlite') as NodeSqlite | undefined;
  } catch {
    return undefined;
  }
}

/** Which driver `openSqlite` will use here (for diagnostics and tests). */
export function sqliteDriverName(prefer?: SqliteDb['driver']): SqliteDb['driver'] {
  if (prefer) return prefer;
  return builtinSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

/**
 * Where npm's install built better-sqlite3's addon, when it is there. Left to itself the package
 * finds it with `bindings`, which learns its caller's folder from a stack trace and tries a dozen
 * paths (opening a database: 6.7 against 9.1 ms, fresh processes, alternating). Any other layout
 * (a debug build, a packaged app's unpacked copy) still goes through `bindings`.
 */
function betterBinding(require: NodeJS.Require): { nativeBinding?: string } {
  try {
    return { nativeBinding: require.resolve('better-sqlite3/build/Release/better_sqlite3.node') };
  } catch {
    return {};
  }
}

export function openSqlite(path: string, prefer?: SqliteDb['driver']): SqliteDb {
  const driver = sqliteDriverName(prefer);
  let db: NativeDb;
  if (driver === 'node:sqlite') {
    const mod = builtinSqlite();
    if (!mod) throw new Error('node:sqlite is not available in this runtime');
    db = new mod.DatabaseSync(path);
  } else {
    const { createRequire } = process.getBuiltinModule('node:module');
    const require = createRequire(import.meta.url);
    const Better = require('better-sqlite3') as BetterSqlite;
    db = new Better(path, betterBinding(require));
  }
  // node:sqlite wants named parameters with their prefix in the object keys unless told otherwise;
  // better-sqlite3 wants them without. We always write `@name` in SQL and pass bare keys.
  const bind = (params: SqlParams | undefined): unknown[] => {
    if (params === undefined) return [];
    if (Array.isArray(params)) return params;
    if (driver === 'better-sqlite3') return [params];
    const prefixed: Record<string, SqlValue> = {};
    for (const [k, v] of Object.entries(params)) prefixed[`@${k}`] = v;
    return [prefixed];
  };
  let depth = 0;
  return {
    driver,
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      const st = db.prepare(sql);
      return {
        run: (p) => ({ changes: Number(st.run(...bind(p)).changes) }),
        get: (p) => (st.get(...bind(p)) ?? undefined) as Row | undefined,
        all: (p) => st.all(...bind(p)) as Row[],
      };
    },
    transaction<T>(fn: () => T): T {
      if (depth > 0) return fn();
      db.exec('BEGIN IMMEDIATE');
      depth++;
      try {
        const out = fn();
        db.exec('COMMIT');
        return out;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      } finally {
        depth--;
      }
    },
    close: () => void db.close(),
  };
}
