#!/usr/bin/env node
// `npm start` (after `npm run build`): the Electron app when its binary is installed, otherwise the
// browser mode (out/node/serve.js: same core, same UI, served on localhost).
//
//   BUILDDECK_MODE=browser    always start the browser mode
//   BUILDDECK_MODE=electron   always try Electron (fails clearly if the binary is missing)
// Extra arguments (`npm start -- --foo`) are passed on to Electron or to serve.js.
//
// We never `import 'electron'` here: from plain Node its index.js returns the binary path when the
// binary is installed, but when it is not, it synchronously tries to download it. So we read
// electron's path.txt ourselves first, and only ask require('electron') once the binary exists.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const info = (line) => console.log(`builddeck: ${line}`);
const fail = (line) => console.error(`builddeck: ${line}`);

/** Absolute path of the installed Electron executable, or null. Never triggers a download. */
function electronBinary() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let candidate;
  if (override) candidate = join(override, relative || 'electron');
  else if (relative) candidate = join(dir, 'dist', relative);
  else return null;
  if (!existsSync(candidate)) return null;
  try {
    // Safe now: the binary exists, so electron/index.js just returns its path.
    const fromElectron = require('electron');
    return typeof fromElectron === 'string' && existsSync(fromElectron) ? fromElectron : candidate;
  } catch {
    return candidate;
  }
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function requireBuilt(relative) {
  if (existsSync(join(ROOT, relative))) return true;
  fail(`${relative} is missing; run \`npm run build\` first.`);
  process.exitCode = 1;
  return false;
}

/** Runs a child with inherited stdio, forwards termination signals, and mirrors its exit. */
function run(label, command, args, env = process.env) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

  child.on('error', (err) => {
    fail(`could not start ${label}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    if (signal) {
      // Die of the same signal, so our parent sees what really happened.
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(1), 1000).unref();
      return;
    }
    process.exit(code ?? 1);
  });
}

function startElectron(binary, args) {
  if (!requireBuilt('out/main/index.js')) return;
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron run our project folder as a Node script
  run('Electron', binary, [ROOT, ...args], env);
}

function startBrowser(args) {
  if (!requireBuilt('out/node/serve.js')) return;
  run('the browser mode', process.execPath, [join(ROOT, 'out', 'node', 'serve.js'), ...args]);
}

const args = process.argv.slice(2);
const mode = (process.env.BUILDDECK_MODE || '').toLowerCase();

if (mode === 'browser') {
  startBrowser(args);
} else {
  const binary = electronBinary();
  if (binary && (hasDisplay() || mode === 'electron')) {
    startElectron(binary, args);
  } else if (mode === 'electron') {
    fail(
      'BUILDDECK_MODE=electron but the Electron binary is not installed; run `node node_modules/electron/install.js`.',
    );
    process.exitCode = 1;
  } else {
    if (binary) {
      info(
        'no display ($DISPLAY / $WAYLAND_DISPLAY are unset); starting the browser mode instead (same core, same UI).',
      );
    } else {
      info('Electron binary is not installed here; starting the browser mode instead (same core, same UI).');
    }
    startBrowser(args);
  }
}
