#!/usr/bin/env node
// Our "postinstall": download the Electron binary where that is possible, and never fail the install.
//
// Electron's own install script is turned off in package.json (`"allowScripts": {"electron": false}`):
// npm 11 blocks dependency install scripts anyway, and on machines without internet the download makes
// the whole `npm install` fail. We run the same step ourselves and only warn when it cannot succeed;
// `npm start` then falls back to the browser mode (scripts/start.mjs).
//
// Environment:
//   ELECTRON_SKIP_BINARY_DOWNLOAD=1          skip the download (one line says so)
//   BUILDDECK_ELECTRON_INSTALL_TIMEOUT_MS=N  give up after N ms (default 5 minutes)
// Electron's own variables (ELECTRON_MIRROR, electron_config_cache, ...) reach install.js unchanged.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;
const STDERR_KEEP_BYTES = 64 * 1024;
const RETRY = 'node node_modules/electron/install.js';

function warn(reason) {
  console.warn(
    `builddeck: Electron binary not downloaded (${reason}); \`npm start\` will run the browser mode instead. Retry with: ${RETRY}`,
  );
}

function isSet(value) {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function timeoutMs() {
  const raw = process.env.BUILDDECK_ELECTRON_INSTALL_TIMEOUT_MS;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_TIMEOUT_MS;
}

function formatMs(ms) {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}

/** One short line out of install.js's stderr (usually an error stack): its first meaningful line. */
function shortReason(stderr, fallback) {
  const line = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('at ') && !/^node:internal/.test(l));
  if (!line) return fallback;
  let oneLine = line.replace(/\s+/g, ' ');
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/.test(oneLine)) {
    oneLine += ', no network access?';
  }
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine;
}

function findElectronDir() {
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function runInstall(installJs, cwd, limitMs) {
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    let child;
    try {
      child = spawn(process.execPath, [installJs], {
        cwd,
        stdio: ['ignore', 'inherit', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      resolve({ ok: false, reason: `could not start install.js: ${err.message}` });
      return;
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > STDERR_KEEP_BYTES) stderr = stderr.slice(-STDERR_KEEP_BYTES);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, limitMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `could not start install.js: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve({ ok: false, reason: `timed out after ${formatMs(limitMs)}` });
      } else if (code === 0) {
        resolve({ ok: true });
      } else {
        const status = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve({ ok: false, reason: shortReason(stderr, status) });
      }
    });
  });
}

async function main() {
  const electronDir = findElectronDir();
  // Not installed (e.g. `npm install --omit=dev`): nothing to download, nothing to say.
  if (!electronDir) return;

  if (isSet(process.env.ELECTRON_SKIP_BINARY_DOWNLOAD)) {
    console.log('builddeck: ELECTRON_SKIP_BINARY_DOWNLOAD is set; not downloading the Electron binary.');
    return;
  }

  const installJs = join(electronDir, 'install.js');
  if (!existsSync(installJs)) {
    warn('node_modules/electron/install.js is missing');
    return;
  }

  const result = await runInstall(installJs, electronDir, timeoutMs());
  if (!result.ok) warn(result.reason);
}

try {
  await main();
} catch (err) {
  warn(`unexpected error: ${err && err.message ? err.message : String(err)}`);
}
process.exitCode = 0;
