import { join } from 'node:path';
import { SqliteBakeStore } from '../adapters/db/bake-store';
import { SqliteCacheStore } from '../adapters/db/cache-store';
import { openDatabase } from '../adapters/db/database';
import { processAlive, SqliteHistoryStore, UnavailableHistoryStore } from '../adapters/db/history-store';
import type { SqliteDb } from '../adapters/db/sqlite';
import type { HistoryStorePort } from '../core/history/ports';

export type BakeDb = { store: SqliteBakeStore } | { unavailable: string };

/** The stores of `<dataDir>/builddeck.db`; only `history` and `bake` exist when it cannot open (they say why). */
export interface Stores {
  handle?: SqliteDb;
  history: HistoryStorePort;
  cache?: SqliteCacheStore;
  bake: BakeDb;
}

/**
 * Opens the one database file every feature shares, with every feature's store (and so every
 * feature's migrations), for both compositions that write history (create-core.ts, build-run.ts).
 * A database that cannot be opened (unwritable folder, a newer BuildDeck's file) is not an error
 * here: history and bakes then answer "unavailable" with the reason, and builds still run.
 */
export function openStores(dataDir: string): Stores {
  try {
    const handle = openDatabase(join(dataDir, 'builddeck.db'));
    const owner = { pid: process.pid, isAlive: processAlive };
    return {
      handle,
      history: new SqliteHistoryStore(handle, owner),
      cache: new SqliteCacheStore(handle),
      bake: { store: new SqliteBakeStore(handle, owner) },
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { history: new UnavailableHistoryStore(reason), bake: { unavailable: reason } };
  }
}

/**
 * A history store that asks `store()` on every call, so the database opens on the first command
 * that needs it: verbs that never touch history never load SQLite, and a build records its start
 * only once buildx has been spawned (docs/performance.md).
 */
export function historyStoreOnFirstUse(store: () => HistoryStorePort): HistoryStorePort {
  return {
    insertStarted: (row) => store().insertStarted(row),
    finish: (id, row) => store().finish(id, row),
    saveLogs: (id, logs) => store().saveLogs(id, logs),
    list: (filter) => store().list(filter),
    get: (id) => store().get(id),
    delete: (id) => store().delete(id),
    prune: (policy) => store().prune(policy),
    setRef: (id, ref) => store().setRef(id, ref),
    findByRef: (ref) => store().findByRef(ref),
    saveContext: (id, context) => store().saveContext(id, context),
    saveMaterials: (id, materials) => store().saveMaterials(id, materials),
    getContext: (id) => store().getContext(id),
    stepCounts: () => store().stepCounts(),
  };
}
