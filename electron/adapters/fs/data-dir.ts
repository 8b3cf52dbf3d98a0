import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

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

/**
 * Creates the data folder (and any missing parents) for its owner only, whatever the umask. A folder
 * that already exists is left as it is: BUILDDECK_DATA_DIR may name a folder that is not ours to
 * change (even /tmp, for a process running as root). The files inside are private on their own
 * (settings.json and builddeck.db are 0600).
 */
export function ensurePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // mkdir's mode passes through the umask; chmod does not. Everything from `first` down is new.
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === first || dirname(d) === d) break;
  }
}

/**
 * Creates (or tightens) a file that only its owner may read or write, before a library such as
 * SQLite opens it with its own, wider default (0644 minus the umask).
 */
export function ensurePrivateFile(file: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}
