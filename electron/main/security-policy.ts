import { isAbsolute, join, normalize, relative } from 'node:path';

/**
 * The decisions behind the Electron security checklist, kept free of `electron` so they are unit
 * tested in plain Node. electron/main/window.ts applies them. Numbers cite
 * https://www.electronjs.org/docs/latest/tutorial/security.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'builddeck';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

function parse(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * #17 Validate the sender of all IPC messages: only our own app:// page may call the core.
 * `devOrigin` is electron-vite's dev server (http://localhost:5173), passed only by an unpackaged
 * app started with `npm run dev`; a packaged app never trusts an http origin.
 */
export function isTrustedSender(frameUrl: string | undefined, devOrigin?: string): boolean {
  const u = parse(frameUrl);
  if (u === undefined) return false;
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  const dev = parse(devOrigin);
  return dev !== undefined && u.origin === dev.origin && (dev.hostname === 'localhost' || dev.hostname === '127.0.0.1');
}

/** #13 Disable or limit navigation: the window never leaves the bundled app. */
export function isAllowedNavigation(url: string, devOrigin?: string): boolean {
  return isTrustedSender(url, devOrigin);
}

/**
 * #14 Disable or limit creation of new windows: every window.open is denied; https links a user
 * clicks (docs, warnings' URLs) go to the system browser instead. #15 Do not use shell.openExternal
 * with untrusted content: only https URLs without credentials qualify.
 */
export function externalUrlToOpen(url: string): string | undefined {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password) return undefined;
  return u.toString();
}

/**
 * #18 Avoid usage of the file:// protocol: the renderer is served from app://builddeck/, and this maps
 * its URLs onto the built files, refusing anything that would escape the folder.
 */
export function resolveAppAsset(root: string, url: string): string | undefined {
  const u = parse(url);
  if (!u || u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return file;
}

/** #5 Handle session permission requests: BuildDeck needs none (no camera, notifications go through main). */
export function allowPermission(_permission: string): boolean {
  return false;
}

/** #2/#3/#4/#6/#8/#9/#10 The webPreferences every BuildDeck window gets, in one place so no caller can weaken them. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}
