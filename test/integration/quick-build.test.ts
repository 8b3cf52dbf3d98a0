import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../electron/common/contracts/builds';
import type { HistoryItem } from '../../electron/common/contracts/history';
import { createCore, type Core } from '../../electron/composition/create-core';
import { loadTrayInputs, quickBuildFolder, runTrayAction, trayIcon, trayMenu } from '../../electron/main/desktop-model';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);

// The tray's quick build over the real core: the same commands the window uses, real builds.
describe('tray quick build', () => {
  const token = `bdquick${Math.random().toString(36).slice(2, 8)}`;
  let sandbox: BuildxSandbox;
  let core: Core;
  let dir: string;

  const finished = (buildId: string) =>
    new Promise<BuildSummary>((resolve) => {
      const off = core.events.subscribe((event, payload) => {
        if (event === 'build.finished' && payload.buildId === buildId) {
          off();
          resolve(payload.summary);
        }
      });
    });

  beforeAll(() => {
    sandbox = buildxSandbox();
    core = createCore({ env: sandbox.env, dataDir: mkdtempSync(join(tmpdir(), 'bd-quick-data-')) });
    dir = mkdtempSync(join(tmpdir(), 'bd-quick-ctx-'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM local/busybox:latest\nLABEL builddeck.test=${token}\nRUN echo ${token} > /quick.txt\n`,
    );
  });
  afterAll(async () => {
    await core.dispose();
    const { stdout } = await exec('docker', ['image', 'ls', '-q', '--filter', `label=builddeck.test=${token}`]);
    const ids = [...new Set(stdout.split('\n').filter(Boolean))];
    if (ids.length) await exec('docker', ['rmi', '-f', ...ids]).catch(() => undefined);
    await pruneCacheByToken(token);
    rmSync(dir, { recursive: true, force: true });
    await sandbox.cleanup();
  });

  it('builds a folder, then rebuilds it with the same options, and the tray reflects both', async () => {
    const first = await quickBuildFolder(core.router, dir);
    expect(first.ok).toBe(true);
    const firstId = (first.ok ? first.value : { buildId: '' }).buildId;
    const during = await loadTrayInputs(core.router);
    const summary1 = await finished(firstId);
    expect(summary1.ok).toBe(true);
    expect(['building', 'idle']).toContain(trayIcon(during));

    const second = await quickBuildFolder(core.router, dir);
    expect(second.ok).toBe(true);
    const secondId = (second.ok ? second.value : { buildId: '' }).buildId;
    expect(secondId).not.toBe(firstId);
    const summary2 = await finished(secondId);
    expect(summary2.ok).toBe(true);
    // The rebuild hit the cache for its RUN step.
    expect(summary2.platforms.reduce((n, p) => n + p.cachedSteps, 0)).toBeGreaterThan(0);

    const history = await core.router.invoke('history.list', { contextDir: dir });
    const items = history.ok ? (history.value as { items: HistoryItem[] }).items : [];
    expect(items.map((i) => i.buildId)).toEqual([secondId, firstId]);

    const inputs = await loadTrayInputs(core.router);
    expect(trayIcon(inputs)).toBe('idle');
    const again = trayMenu(inputs).find((m) => m.action?.kind === 'rerun');
    expect(again?.action).toEqual({ kind: 'rerun', buildId: secondId });
  });

  it('a file or a missing folder is refused with a clear error, nothing started', async () => {
    for (const bad of [join(dir, 'Dockerfile'), join(dir, 'no-such-folder'), 'relative/path']) {
      const r = await quickBuildFolder(core.router, bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_INPUT');
        expect(r.error.message.length).toBeGreaterThan(10);
      }
    }
  });

  it('switching the default builder from the tray uses the same command as the window', async () => {
    const name = sandbox.name('tray');
    await sandbox.docker(['buildx', 'create', '--name', name, '--driver', 'remote', 'tcp://127.0.0.1:1']);
    const r = await runTrayAction(core.router, { kind: 'useBuilder', name });
    expect(r?.ok).toBe(true);
    const { stdout } = await sandbox.docker(['buildx', 'inspect']);
    expect(stdout).toContain(`Name:          ${name}`);
    await runTrayAction(core.router, { kind: 'useBuilder', name: 'default' });
  });
});
