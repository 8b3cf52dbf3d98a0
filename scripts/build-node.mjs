// Bundles the plain-Node entry points (CLI, browser-mode server) next to electron-vite's output.
// The CLI is ONE CommonJS file (out/node/cli.cjs) so bin/builddeck.js can run it from a V8 code cache
// (Node 20 has no compile cache for ES modules; see bin/builddeck.js and docs/performance.md): every
// `import()` in the sources becomes a lazily evaluated part of that file, so a verb still EVALUATES
// only what it uses, and with the cache nothing is parsed or compiled twice. The server stays ESM with
// code splitting (a long-lived process; its start-up is not per command).
// zod is bundled in (pure JS, on every verb's path: one file to parse instead of ~40 to resolve and
// load costs a CLI call ~40% less of zod's start-up); native and heavy dependencies stay external and
// load from node_modules at run time, like the main process does. CommonJS packages that require()
// Node built-ins (@balena/dockerignore) stay external too: an ESM bundle cannot require.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * zod's namespace export re-exports all of its ~50 locales (a third of the bundle); BuildDeck only
 * ever uses English messages (the default), so the locale index is replaced by English alone.
 */
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: resolve(args.resolveDir, dirname(args.path)), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from './en.js';`,
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

rmSync('out/node', { recursive: true, force: true }); // no stale chunks from an earlier build
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'dockerode', 'docker-modem', 'ws', 'electron', '@balena/dockerignore'],
  plugins: [englishOnlyZod],
  // Smaller source is less for V8 to read and compile; the source map keeps stack traces readable.
  // BD_NO_MINIFY=1 keeps names for a CPU profile (node --cpu-prof).
  minify: process.env.BD_NO_MINIFY !== '1',
  sourcemap: true,
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: { serve: 'electron/serve/index.ts' },
  outdir: 'out/node',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  format: 'esm',
});
await build({
  ...common,
  entryPoints: { cli: 'electron/cli/index.ts' },
  outdir: 'out/node',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // bin/builddeck.js runs this file as a vm.Script, which has no loader for import(): an import() of
  // an external package (dockerode) kept as is failed at run time ("A dynamic import callback was
  // not specified": `engine info` was broken). Lowered, it is a require() on first use, still lazy.
  supported: { 'dynamic-import': false },
  // ASCII only, so bin/builddeck.js reads it as latin1: a one-byte string without UTF-8 decoding.
  charset: 'ascii',
  // The sources are ES modules: import.meta.url is the bundle's own file URL, as it was in ESM.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// bin/builddeck.js reads the CLI as latin1 (no UTF-8 decoding); esbuild escapes non-ASCII text in
// strings but not in regular-expression literals, so a stray character there fails the build here
// instead of reaching users as mojibake. Escape it in the source (\u00b5). A BD_NO_MINIFY=1 build
// (profiles only) keeps comments, whose non-ASCII text is harmless there and not checked.
const cliBytes = readFileSync('out/node/cli.cjs');
const dynamicImport = /\bimport\((?!\))/.exec(cliBytes.toString('latin1'));
if (dynamicImport)
  throw new Error(`out/node/cli.cjs must not use import() (no loader in a vm.Script), at ${dynamicImport.index}`);
const nonAscii = cliBytes.findIndex((b) => b > 0x7f);
if (nonAscii >= 0 && process.env.BD_NO_MINIFY !== '1') {
  const around = cliBytes.subarray(Math.max(0, nonAscii - 40), nonAscii + 20).toString('utf8');
  throw new Error(`out/node/cli.cjs must be ASCII: non-ASCII byte at ${nonAscii}, near: ${around}`);
}
