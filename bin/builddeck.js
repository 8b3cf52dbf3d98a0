#!/usr/bin/env node
// The `builddeck` command: runs the bundled CLI from `npm run build` (out/node/cli.cjs, one CommonJS
// file) from a V8 code cache.
//
// Why: a one-shot command is compared with a Go binary (`docker buildx ...`), and compiling the
// bundle was a fifth of a `cache du` (docs/performance.md). Node 20 caches compiled code only for
// what it is handed as a vm.Script, never for ES modules (module.enableCompileCache is Node >= 22.1),
// so the bundle is CommonJS and is compiled here with the cache of an earlier run of the same verb.
// V8 checks a cache against its own version and flags and rejects it on any mismatch; it does NOT
// check the source's content, so the cache's name carries the bundle's size and modification time.
// One cache per verb: each holds the functions that verb compiled. Any failure to read or write a
// cache only costs the compile it would have saved. BUILDDECK_NO_COMPILE_CACHE=1 turns it off.
'use strict';
// CommonJS (bin/package.json says so): Node starts a CommonJS entry ~12 ms sooner than an ES module
// one (its ESM loader is not set up), for every verb, `--version` included (docs/performance.md).
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const cli = join(__dirname, '..', 'out', 'node', 'cli.cjs');
if (!existsSync(cli)) {
  process.stderr.write('builddeck: not built yet. Run `npm run build` in the BuildDeck checkout first.\n');
  process.exit(1);
}

/** The per-user cache folder, as each platform names it (never the app's data folder: this is disposable). */
function cacheDir() {
  const env = process.env;
  if (process.platform === 'win32')
    return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'BuildDeck', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'BuildDeck');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'builddeck');
}

const VERBS = new Set(['builders', 'build', 'bake', 'cache', 'history', 'engine']);

/** FNV-1a of the bundle's path, in hex: a name part, not a secret (node:crypto would cost its load). */
function pathHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

function run() {
  const source = readFileSync(cli, 'latin1'); // ASCII by construction (scripts/build-node.mjs checks)
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  let cacheFile;
  let cached;
  if (process.env.BUILDDECK_NO_COMPILE_CACHE !== '1') {
    try {
      const st = statSync(cli);
      const verb = VERBS.has(process.argv[2]) ? process.argv[2] : 'other';
      // Two checkouts (or installs) never delete each other's caches: the bundle's path is in the name.
      const key = `${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}`;
      cacheFile = join(cacheDir(), `cli-${verb}-${pathHash(cli)}-${key}.v8`);
      cached = readFileSync(cacheFile);
    } catch {
      // no cache yet for this verb and this build
    }
  }
  const script = new Script(wrapper, { filename: cli, cachedData: cached });
  if (cacheFile && (!cached || script.cachedDataRejected)) {
    // Written when the process ends, so the cache also holds the functions this verb compiled.
    process.once('exit', () => save(script, cacheFile));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(cli), module, cli, dirname(cli));
}

function save(script, file) {
  try {
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Another build's caches for the same verb are stale for good.
    const prefix =
      file
        .slice(dir.length + 1)
        .split('-')
        .slice(0, 3)
        .join('-') + '-';
    for (const name of readdirSync(dir))
      if (name.startsWith(prefix) && join(dir, name) !== file) rmSync(join(dir, name), { force: true });
    // Whole or not at all: a concurrent run must never read half a file (V8 would reject it anyway).
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written costs the next run its compile, nothing else.
  }
}

run();
