import { join } from 'node:path';
import { defaultDataDir, ensurePrivateDir } from '../adapters/fs/data-dir';
import { JsonFileStore } from '../adapters/fs/json-file';
import type { Settings } from '../common/contracts/settings';
import type { EventBus } from '../core/events';
import type { Clock } from '../core/ports';
import { SettingsService } from '../core/settings/service';

/** What a process overrides of the persisted settings (composition/create-core.ts's CoreSettings). */
export interface SettingOverrides {
  dockerPath?: string;
  dockerHost?: string;
  healthTimeoutMs?: number;
}

/** What the opening reads of composition/create-core.ts's CoreSettings. */
export interface OpeningOverrides extends SettingOverrides {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Persisted settings with this process's overrides on top: the one rule for both compositions
 * (create-core.ts, builders-list.ts), so `builders ls` reads what the app would.
 */
export function effectiveSettings(
  s: Settings,
  overrides: SettingOverrides,
  baseEnv: NodeJS.ProcessEnv,
  dataDir: string,
) {
  const dockerHost = overrides.dockerHost ?? s.dockerHost ?? baseEnv['DOCKER_HOST'];
  const env = { ...baseEnv, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) };
  return {
    dockerHost,
    buildx: {
      dockerPath: overrides.dockerPath ?? s.dockerPath,
      env,
      versionCacheFile: join(dataDir, 'buildx-version.json'),
    },
    healthTimeoutMs: overrides.healthTimeoutMs ?? s.healthTimeoutMs,
  };
}

export type EffectiveSettings = ReturnType<typeof effectiveSettings>;

/**
 * The opening both compositions share (create-core.ts, builders-list.ts): the data folder made
 * private, this process's base environment, the persisted settings and their effective values.
 * One function, so `builders ls` starts from the same data files and settings rule as the app.
 */
export function openSettings(overrides: OpeningOverrides, events: EventBus, clock: Clock) {
  const dataDir = overrides.dataDir ?? defaultDataDir();
  try {
    // Private from the first start, whichever of the app, the CLI or serve comes first.
    ensurePrivateDir(dataDir);
  } catch {
    // Unwritable: the stores report it where they are used (history shows as unavailable, a saved
    // builders list is only lost).
  }
  const baseEnv: NodeJS.ProcessEnv = { ...(overrides.env ?? process.env) };
  const settingsStore = new JsonFileStore(join(dataDir, 'settings.json'));
  const settings = new SettingsService(settingsStore, events, clock, settingsStore.loadSync());
  /** Persisted settings with this process's overrides on top (again after a settings change). */
  const effective = (s: Settings): EffectiveSettings => effectiveSettings(s, overrides, baseEnv, dataDir);
  return { dataDir, baseEnv, settings, effective, eff: effective(settings.get()) };
}
