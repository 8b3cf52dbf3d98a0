import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileStore } from '../../electron/adapters/fs/json-file';
import { createCore } from '../../electron/composition/create-core';
import { EventBus } from '../../electron/core/events';
import { DisposableStore, toDisposable } from '../../electron/core/lifetime';
import { SettingsService } from '../../electron/core/settings/service';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('lifetimes', () => {
  it('a store releases newest first, awaiting each async disposal before the next', async () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => void order.push('database')));
    store.add(
      toDisposable(async () => {
        await tick();
        order.push('builds');
      }),
    );
    store.add(toDisposable(() => void order.push('watcher')));
    await store.dispose();
    expect(order).toEqual(['watcher', 'builds', 'database']);
  });

  it('dispose is idempotent: a second call gets the same promise and releases nothing twice', async () => {
    let count = 0;
    const store = new DisposableStore();
    store.add(
      toDisposable(async () => {
        await tick();
        count++;
      }),
    );
    const first = store.dispose();
    expect(store.dispose()).toBe(first);
    await first;
    await store.dispose();
    expect(count).toBe(1);
    expect(store.isDisposed).toBe(true);
  });

  it('one failing disposal does not keep the others from running; its error surfaces after', async () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => void order.push('database')));
    store.add(
      toDisposable(() => {
        throw new Error('watcher would not stop');
      }),
    );
    await expect(store.dispose()).rejects.toThrow('watcher would not stop');
    expect(order).toEqual(['database']);
  });

  it('something added after dispose is released at once instead of leaking', async () => {
    const store = new DisposableStore();
    await store.dispose();
    let released = false;
    store.add(toDisposable(() => void (released = true)));
    await tick();
    expect(released).toBe(true);
  });

  it('onActive and settings.onChange return disposers that really stop the callbacks', async () => {
    const events = new EventBus();
    const seen: boolean[] = [];
    const off = events.onActive((active) => seen.push(active));
    const unsubscribe = events.subscribe(() => undefined);
    off();
    unsubscribe();
    events.subscribe(() => undefined);
    expect(seen).toEqual([true]);

    const dir = mkdtempSync(join(tmpdir(), 'bd-lifetime-'));
    try {
      const store = new JsonFileStore(join(dir, 'settings.json'));
      const settings = new SettingsService(store, events, { now: () => 0 }, undefined);
      const changes: number[] = [];
      const stop = settings.onChange((next) => changes.push(next.healthTimeoutMs));
      await settings.update({ healthTimeoutMs: 7000 });
      stop();
      await settings.update({ healthTimeoutMs: 8000 });
      expect(changes).toEqual([7000]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an awaited Core.dispose() has closed the database: its write-ahead log is checkpointed and gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-lifetime-core-'));
    try {
      const core = createCore({ dataDir: dir });
      // The database opens on first use (a CLI verb that never needs it never loads SQLite).
      expect(existsSync(join(dir, 'builddeck.db'))).toBe(false);
      expect((await core.router.invoke('history.list', {})).ok).toBe(true);
      // Opening runs migrations in WAL mode, so the log exists while the database is open.
      expect(existsSync(join(dir, 'builddeck.db-wal'))).toBe(true);
      await core.dispose();
      expect(existsSync(join(dir, 'builddeck.db-wal'))).toBe(false);
      expect(existsSync(join(dir, 'builddeck.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
