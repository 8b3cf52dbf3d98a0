import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileStore } from '../../electron/adapters/fs/json-file';
import { EventBus } from '../../electron/core/events';
import { createRouter } from '../../electron/core/router';
import { settingsHandlers } from '../../electron/core/settings/handlers';
import { SettingsService } from '../../electron/core/settings/service';
import { handlersWith } from '../helpers/handlers';

const clock = { now: () => 1_700_000_000_000 };

function setup(initial?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bd-settings-'));
  const file = join(dir, 'settings.json');
  if (initial !== undefined) writeFileSync(file, initial);
  const store = new JsonFileStore(file);
  const events = new EventBus();
  const service = new SettingsService(store, events, clock, store.loadSync());
  const router = createRouter(handlersWith(settingsHandlers(service)));
  return { dir, file, store, events, service, router };
}

describe('settings', () => {
  it('starts from defaults, persists a patch owner-only, and reads it back after a restart', async () => {
    const { file, router, store, events } = setup();
    const seen: unknown[] = [];
    events.subscribe((e, p) => seen.push([e, p]));
    expect(await router.invoke('settings.get', {})).toMatchObject({
      ok: true,
      value: {
        settings: { dockerPath: 'docker', healthTimeoutMs: 5000, theme: 'system', startMinimized: false },
        path: file,
      },
    });
    const r = await router.invoke('settings.update', {
      patch: { healthTimeoutMs: 8000, theme: 'dark', dockerHost: 'tcp://127.0.0.1:2375' },
    });
    expect(r).toMatchObject({
      ok: true,
      value: { settings: { healthTimeoutMs: 8000, theme: 'dark', dockerHost: 'tcp://127.0.0.1:2375' } },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(seen).toHaveLength(1);
    const again = new SettingsService(store, new EventBus(), clock, store.loadSync());
    expect(again.get()).toMatchObject({ healthTimeoutMs: 8000, theme: 'dark', dockerHost: 'tcp://127.0.0.1:2375' });
    // null clears an optional field back to "use DOCKER_HOST or the local socket".
    await router.invoke('settings.update', { patch: { dockerHost: null } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('dockerHost');
  });

  it('rejects bad values with INVALID_INPUT naming the field, and changes nothing', async () => {
    const { router, service } = setup();
    const bad: [Record<string, unknown>, string][] = [
      [{ healthTimeoutMs: -1 }, 'patch.healthTimeoutMs'],
      [{ healthTimeoutMs: 'fast' }, 'patch.healthTimeoutMs'],
      [{ theme: 'neon' }, 'patch.theme'],
      [{ dockerHost: 'ssh://me@host; rm -rf /' }, 'patch.dockerHost'],
      [{ dockerPath: 'docker\nrm' }, 'patch.dockerPath'],
      [{ colour: 'red' }, 'patch'],
    ];
    for (const [patch, field] of bad) {
      const r = await router.invoke('settings.update', { patch });
      expect(r, JSON.stringify(patch)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', details: { field } },
      });
    }
    expect(service.get().healthTimeoutMs).toBe(5000);
  });

  it('a damaged file keeps its valid fields and is set aside, not lost', async () => {
    const { dir, service } = setup(JSON.stringify({ theme: 'light', healthTimeoutMs: 'soon', launchAtLogin: true }));
    expect(service.get()).toMatchObject({ theme: 'light', launchAtLogin: true, healthTimeoutMs: 5000 });
    expect(service.loadWarnings.join()).toMatch(/healthTimeoutMs/);
    await service.repaired;
    const files = readdirSync(dir);
    const aside = files.find((f) => f.startsWith('settings.json.invalid-'));
    expect(aside).toBeDefined();
    expect(readFileSync(join(dir, aside as string), 'utf8')).toContain('"soon"');
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toMatchObject({
      theme: 'light',
      launchAtLogin: true,
    });
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a file that is not JSON gives defaults and is kept aside', async () => {
    const { dir, service } = setup('{ this is not json');
    expect(service.get().theme).toBe('system');
    await service.repaired;
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.invalid-'))).toBe(true);
  });

  it('reset keeps the previous file as a backup', async () => {
    const { dir, router } = setup();
    await router.invoke('settings.update', { patch: { theme: 'dark' } });
    expect(await router.invoke('settings.reset', {})).toMatchObject({
      ok: true,
      value: { settings: { theme: 'system' } },
    });
    const backup = readdirSync(dir).find((f) => f.startsWith('settings.json.backup-'));
    expect(readFileSync(join(dir, backup as string), 'utf8')).toContain('"dark"');
  });
});
