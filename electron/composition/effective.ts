import { join } from 'node:path';
import type { Settings } from '../common/contracts/settings';

/** What a process overrides of the persisted settings (composition/create-core.ts's CoreSettings). */
export interface SettingOverrides {
  dockerPath?: string;
  dockerHost?: string;
  healthTimeoutMs?: number;
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
