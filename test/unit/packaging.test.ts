import { existsSync, readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

// electron-builder cannot run here (it downloads Electron), so its configuration is checked as data.
interface BuilderConfig {
  appId: string;
  productName: string;
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  files: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  mac: { target: string; hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string };
  win: { target: string };
}

const config = load(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it('names the app and targets Linux AppImage + deb, macOS dmg, Windows nsis', () => {
    expect(config.productName).toBe('BuildDeck');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
  });

  it('packs into asar with native modules unpacked and rebuilt for Electron', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.npmRebuild).toBe(true);
    expect(config.files).toContain('out/**');
  });

  it('flips the security fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('signs macOS with the hardened runtime and existing entitlements; icons exist', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    for (const f of [
      config.mac.entitlements,
      config.mac.entitlementsInherit,
      'assets/icon.png',
      'assets/icons/512x512.png',
      'assets/icons/16x16.png',
    ]) {
      expect(existsSync(f), f).toBe(true);
    }
    const plist = readFileSync(config.mac.entitlements, 'utf8');
    expect(plist).toContain('com.apple.security.cs.allow-jit');
    expect(plist).not.toContain('<key>com.apple.security.cs.disable-library-validation</key>');
  });

  it('package.json has what the deb target and the app need', () => {
    expect(pkg['main']).toBe('out/main/index.js');
    expect(pkg['author']).toHaveProperty('email');
    expect(pkg['homepage']).toBeTruthy();
    // The binary is a real dependency (users need it); only its install script is ours to run.
    expect(pkg['devDependencies']).toHaveProperty('electron');
    expect(pkg['allowScripts']).toMatchObject({ electron: false });
    expect((pkg['scripts'] as Record<string, string>)['postinstall']).toContain('install-electron');
  });
});

describe('tray icons ship with the app', () => {
  it('extraResources copies assets/tray, which has every state in both densities', () => {
    const extra = (config as unknown as { extraResources: { from: string; to: string }[] }).extraResources;
    expect(extra).toContainEqual({ from: 'assets/tray', to: 'tray' });
    for (const state of ['idle', 'building', 'failed']) {
      for (const suffix of ['', '@2x', 'Template', 'Template@2x'])
        expect(existsSync(`assets/tray/${state}${suffix}.png`)).toBe(true);
    }
  });
});
