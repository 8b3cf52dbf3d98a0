import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where BuildDeck keeps settings and history when not run by Electron (CLI, serve, tests), chosen to
 * be the same folder Electron's app.getPath('userData') gives the desktop app, so all three share it.
 * BUILDDECK_DATA_DIR overrides (tests use a temporary one).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = homedir(),
): string {
  if (env['BUILDDECK_DATA_DIR']) return env['BUILDDECK_DATA_DIR'];
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'BuildDeck');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'BuildDeck');
  return join(env['XDG_CONFIG_HOME'] ?? join(home, '.config'), 'BuildDeck');
}
