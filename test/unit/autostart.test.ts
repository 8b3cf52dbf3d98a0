import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLinuxAutostart, autostartEntry, autostartFile } from '../../electron/main/autostart';

describe('launch at login on Linux (XDG autostart)', () => {
  it('writes an entry when turned on and removes it when turned off', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bd-autostart-'));
    const file = autostartFile({}, home);
    expect(file).toBe(join(home, '.config', 'autostart', 'builddeck.desktop'));
    await applyLinuxAutostart(true, file, ['/opt/BuildDeck/builddeck']);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]');
    expect(text).toContain('Exec="/opt/BuildDeck/builddeck"');
    await applyLinuxAutostart(true, file, ['/opt/BuildDeck/builddeck']); // idempotent
    await applyLinuxAutostart(false, file, []);
    expect(existsSync(file)).toBe(false);
    await applyLinuxAutostart(false, file, []); // nothing to remove is fine
  });

  it('honours XDG_CONFIG_HOME and quotes paths with spaces and shell characters', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: '/cfg' }, '/home/me')).toBe('/cfg/autostart/builddeck.desktop');
    expect(autostartEntry(['/home/me/My Apps/Build$Deck.AppImage'])).toContain(
      'Exec="/home/me/My Apps/Build\\$Deck.AppImage"',
    );
  });
});
