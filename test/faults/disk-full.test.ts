import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../electron/adapters/db/sqlite';
import type { HistoryEntry } from '../../electron/common/contracts/history';
import { createCore, type Core } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { ms, record, type Measure } from './lib/report';
import { startBuild } from './lib/watch';

const exec = promisify(execFile);

/** Writes zeros into `file` until the filesystem refuses: the disk is then full. */
function fill(file: string): number {
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  for (let size = chunk.length; size >= 512; size = Math.floor(size / 2)) {
    try {
      for (;;) {
        writeFileSync(file, chunk.subarray(0, size), { flag: 'a' });
        written += size;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
  return written;
}

describe('disk full: the data folder on a tiny tmpfs', () => {
  let sandbox: BuildxSandbox;
  let mount: string;
  let mounted = false;
  let ctx: string;
  let core: Core;
  const token = `bdfault-full-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('mounting a tmpfs needs root; CI runs as root');
    sandbox = buildxSandbox();
    mount = mkdtempSync(join(tmpdir(), 'bd-fault-full-'));
    // Our own mount point and filesystem, unmounted in afterAll whatever happened.
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'bdfault-full', mount]);
    mounted = true;
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-full-ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM local/busybox:latest\nARG N\nRUN echo ${token} $N\n`);
    core = createCore({ env: sandbox.env, dataDir: join(mount, 'data'), pollIntervalMs: 600_000 });
  });

  afterAll(async () => {
    await core?.dispose();
    await sandbox?.cleanup();
    if (mounted) await exec('umount', [mount]).catch(() => exec('umount', ['-l', mount]));
    rmSync(mount, { recursive: true, force: true });
    rmSync(ctx, { recursive: true, force: true });
    await pruneCacheByToken(token).catch(() => undefined);
    record('disk-full', 'Disk full (data folder on a 2 MB tmpfs)', rows);
  });

  it('refuses saves with STORAGE_FULL, keeps building, damages nothing stored, and saves again once there is room', async () => {
    // Before: a saved setting and a recorded build.
    const saved = await core.router.invoke('settings.update', { patch: { healthTimeoutMs: 7000 } });
    expect(saved.ok).toBe(true);
    const before = await startBuild(core, { contextDir: ctx, buildArgs: { N: 'before' } });
    expect((await before.finished).summary.status).toBe('succeeded');
    const beforeEntry = await core.router.invoke('history.get', { buildId: before.buildId });
    if (!beforeEntry.ok) throw new Error(beforeEntry.error.message);

    const filler = join(mount, 'filler');
    const filled = fill(filler);

    // A save the user asked for: a clear error, the old value kept on disk and in the app.
    const refused = await core.router.invoke('settings.update', { patch: { healthTimeoutMs: 9000 } });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('STORAGE_FULL');
    expect(refused.error.message).toMatch(/disk .* is full/);
    expect(refused.error.hint).toMatch(/Free some space/);
    const settings = await core.router.invoke('settings.get', {});
    if (!settings.ok) throw new Error(settings.error.message);
    expect((settings.value as { settings: { healthTimeoutMs: number } }).settings.healthTimeoutMs).toBe(7000);
    const onDisk = JSON.parse(readFileSync(join(mount, 'data', 'settings.json'), 'utf8')) as {
      healthTimeoutMs: number;
    };
    expect(onDisk.healthTimeoutMs).toBe(7000);
    expect(readdirSync(join(mount, 'data')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    rows.push(
      { what: 'settings.update on the full disk', value: refused.error.code, note: refused.error.message },
      { what: 'settings.json after the refused save', value: 'unchanged (7000), no temp file left' },
    );

    // A build still runs and reports, though its history cannot be written.
    const t0 = Date.now();
    const during = await startBuild(core, { contextDir: ctx, buildArgs: { N: 'during' } });
    const end = await during.finished;
    expect(end.summary.status).toBe('succeeded');
    expect(during.seen().status).toBe('succeeded');
    rows.push({ what: 'build on the full disk', value: end.summary.status, note: ms(end.at - t0) });

    // Nothing stored is damaged: SQLite's own check, and the record made before reads the same.
    const raw = openSqlite(join(mount, 'data', 'builddeck.db'));
    const integrity = (raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
    raw.close();
    expect(integrity).toBe('ok');
    const again = await core.router.invoke('history.get', { buildId: before.buildId });
    if (!again.ok) throw new Error(again.error.message);
    expect((again.value as HistoryEntry).item).toEqual((beforeEntry.value as HistoryEntry).item);
    expect((again.value as HistoryEntry).logs).toEqual((beforeEntry.value as HistoryEntry).logs);
    const listed = await core.router.invoke('history.list', {});
    expect(listed.ok).toBe(true);
    rows.push(
      { what: 'SQLite integrity_check on the full disk', value: integrity },
      { what: 'build recorded before the disk filled', value: 'intact (item and logs equal)' },
    );

    // Room again: saving works without a restart.
    rmSync(filler);
    const after = await core.router.invoke('settings.update', { patch: { healthTimeoutMs: 9000 } });
    expect(after.ok).toBe(true);
    rows.push({
      what: 'after freeing space: settings.update',
      value: after.ok ? 'saved' : 'refused',
      note: `filler was ${(filled / 1024).toFixed(0)} KiB`,
    });
  });
});
