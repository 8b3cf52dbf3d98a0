import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../electron/composition/create-core';
import { buildxSandbox } from '../helpers/buildx-sandbox';

describe('settings applied to the real engine without a restart', () => {
  it('a Docker endpoint change reaches dockerode and buildx at once, and back', async () => {
    const sandbox = buildxSandbox();
    const core = createCore({ env: sandbox.env, dataDir: mkdtempSync(join(tmpdir(), 'bd-data-')) });
    const reasons: string[] = [];
    const off = core.events.subscribe((event, payload) => {
      if (event === 'builders.changed') reasons.push(payload.reason);
    });
    try {
      expect((await core.router.invoke('engine.info', {})).ok).toBe(true);
      expect((await core.router.invoke('builders.list', {})).ok).toBe(true);

      await core.router.invoke('settings.update', {
        patch: { dockerHost: 'unix:///tmp/builddeck-settings-test-none.sock' },
      });
      expect(reasons).toContain('docker settings changed');
      expect(await core.router.invoke('engine.info', {})).toMatchObject({
        ok: false,
        error: { code: 'DOCKER_UNREACHABLE' },
      });
      expect(await core.router.invoke('builders.list', {})).toMatchObject({
        ok: false,
        error: { code: 'DOCKER_UNREACHABLE' },
      });

      await core.router.invoke('settings.update', { patch: { dockerHost: null } });
      expect(await core.router.invoke('engine.info', {})).toMatchObject({ ok: true, value: { reachable: true } });
      const list = await core.router.invoke('builders.list', {});
      expect(list.ok).toBe(true);
    } finally {
      off();
      await core.dispose();
      await sandbox.cleanup();
    }
  });
});
