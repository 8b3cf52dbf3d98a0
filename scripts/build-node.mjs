// Bundles the plain-Node entry points (CLI, browser-mode server) next to electron-vite's output.
// ESM with code splitting: every `import()` in the sources becomes its own chunk, so the CLI entry
// loads only Node built-ins and each verb pulls in just what it uses (see electron/cli/index.ts).
// zod is bundled in (pure JS, on every verb's path: one file to parse instead of ~40 to resolve and
// load costs a CLI call ~40% less of zod's start-up); native and heavy dependencies stay external and
// load from node_modules at run time, like the main process does. CommonJS packages that require()
// Node built-ins (@balena/dockerignore) stay external too: an ESM bundle cannot require.
import { rmSync } from 'node:fs';
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
await build({
  entryPoints: { cli: 'electron/cli/index.ts', serve: 'electron/serve/index.ts' },
  outdir: 'out/node',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['better-sqlite3', 'dockerode', 'docker-modem', 'ws', 'electron', '@balena/dockerignore'],
  plugins: [englishOnlyZod],
  // Smaller source is less for V8 to read and compile on every CLI call; the source map keeps
  // stack traces readable. BD_NO_MINIFY=1 keeps names for a CPU profile (node --cpu-prof).
  minify: process.env.BD_NO_MINIFY !== '1',
  sourcemap: true,
  logLevel: 'warning',
});
