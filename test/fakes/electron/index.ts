/**
 * FAKE of the `electron` module (main-process side), for tests only. The Electron binary cannot be
 * downloaded on the machines that run BuildDeck's tests, so test/desktop loads the BUILT main process
 * (out/main/index.js) with `electron` resolved here by a Node loader hook (register.mjs). It
 * implements only the API surface BuildDeck uses, records every call in order (recorder.ts), and
 * enforces the rules real Electron enforces, with Electron's own error messages:
 *  - app.enableSandbox and protocol.registerSchemesAsPrivileged only before `ready` (the latter once);
 *  - BrowserWindow, Tray, session.defaultSession, protocol.handle and screen only after `ready`;
 *  - ipcMain.handle once per channel; an invoke on a channel without a handler is an error;
 *  - calls on a destroyed window/webContents/tray throw;
 *  - the quit sequence of shell/browser/browser.cc (before-quit, close every window, will-quit, quit,
 *    then the process ends without waiting for pending work);
 *  - a single-instance lock per userData folder across processes (Chromium's ProcessSingleton);
 *  - IPC payloads are structured-cloned; the preload runs sandboxed with Electron's limited require.
 * What real Electron does that this cannot know is listed in test/desktop/main-process.test.ts.
 */
export { app } from './app';
export { BrowserWindow, ipcMain, protocol, session } from './windows';
export { Menu, MenuItem, nativeImage, Notification, screen, shell, Tray } from './desktop';
