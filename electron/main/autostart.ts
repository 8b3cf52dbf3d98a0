import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Launch at login on Linux: Electron's setLoginItemSettings covers macOS and Windows only, so the
 * desktop app writes an XDG autostart entry (the freedesktop.org Desktop Application Autostart
 * spec: $XDG_CONFIG_HOME/autostart/*.desktop) and removes it when the setting is turned off.
 * No electron import: unit tested in plain Node.
 */

/** Exec= quoting per the Desktop Entry spec: quote every argument, escape \ " ` $ inside. */
function quoteExecArg(arg: string): string {
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=BuildDeck',
    'Comment=BuildKit builders, builds and cache',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=builddeck',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'autostart', 'builddeck.desktop');
}

/** Writes or removes the entry; returns the file it manages. */
export async function applyLinuxAutostart(enabled: boolean, file: string, command: readonly string[]): Promise<string> {
  if (enabled) {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, autostartEntry(command), { mode: 0o644 });
  } else {
    await rm(file, { force: true });
  }
  return file;
}
