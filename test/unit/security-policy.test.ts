import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/common/csp';
import {
  allowPermission,
  externalUrlToOpen,
  isAllowedNavigation,
  isTrustedSender,
  resolveAppAsset,
  secureWebPreferences,
} from '../../electron/main/security-policy';

const ROOT = '/opt/builddeck/out/renderer';

describe('Electron security policy (pure parts of electron/main)', () => {
  it('trusts IPC only from the bundled app:// page', () => {
    expect(isTrustedSender('app://builddeck/index.html')).toBe(true);
    expect(isTrustedSender('app://builddeck/')).toBe(true);
    for (const url of [
      undefined,
      '',
      'file:///etc/passwd',
      'https://builddeck/',
      'app://evil/index.html',
      'http://127.0.0.1:3000/',
      'not a url',
    ]) {
      expect(isTrustedSender(url)).toBe(false);
    }
  });

  it('never navigates away from the app', () => {
    expect(isAllowedNavigation('app://builddeck/index.html#/builders')).toBe(true);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
  });

  it('opens only plain https links externally', () => {
    expect(externalUrlToOpen('https://docs.docker.com/build/')).toBe('https://docs.docker.com/build/');
    expect(externalUrlToOpen('http://example.com/')).toBeUndefined();
    expect(externalUrlToOpen('file:///etc/passwd')).toBeUndefined();
    expect(externalUrlToOpen('https://user:pw@example.com/')).toBeUndefined();
    expect(externalUrlToOpen('smb://host/share')).toBeUndefined();
  });

  it('maps app:// URLs inside the renderer folder only', () => {
    expect(resolveAppAsset(ROOT, 'app://builddeck/index.html')).toBe(`${ROOT}/index.html`);
    expect(resolveAppAsset(ROOT, 'app://builddeck/')).toBe(`${ROOT}/index.html`);
    expect(resolveAppAsset(ROOT, 'app://builddeck/assets/x.js')).toBe(`${ROOT}/assets/x.js`);
    // The URL parser folds dot segments, so this stays inside the renderer folder.
    expect(resolveAppAsset(ROOT, 'app://builddeck/../../etc/passwd')).toBe(`${ROOT}/etc/passwd`);
    expect(resolveAppAsset(ROOT, 'app://builddeck/%2e%2e/%2e%2e/etc/passwd')).toBe(`${ROOT}/etc/passwd`);
    // Encoded slashes survive the URL parser; decoded, they would climb out: refused.
    expect(resolveAppAsset(ROOT, 'app://builddeck/..%2f..%2f..%2fetc%2fpasswd')).toBeUndefined();
    expect(resolveAppAsset(ROOT, 'app://builddeck/a%00b')).toBeUndefined();
    expect(resolveAppAsset(ROOT, 'app://other/index.html')).toBeUndefined();
    expect(resolveAppAsset(ROOT, 'file:///etc/passwd')).toBeUndefined();
  });

  it('denies every permission request', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'])
      expect(allowPermission(p)).toBe(false);
  });

  it('pins isolation, sandbox and no Node in every window', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('CSP allows no inline script, no eval and no remote origin', () => {
    const csp = contentSecurityPolicy(['ws://127.0.0.1:1234']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:1234");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe('dev server origin (npm run dev only)', () => {
  it('is trusted only when passed, and only on loopback', () => {
    expect(isTrustedSender('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender('http://localhost:5173/', undefined)).toBe(false);
    expect(isTrustedSender('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSender('http://evil.example:5173/', 'http://evil.example:5173')).toBe(false);
  });
});
