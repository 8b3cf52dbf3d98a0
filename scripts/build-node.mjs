// Bundles the plain-Node entry points (CLI, browser-mode server) next to electron-vite's output.
// Dependencies stay external: they are resolved from node_modules at run time like the main process.
// ESM with code splitting: every `import()` in the sources becomes its own chunk, so the CLI entry
// loads only Node built-ins and each verb pulls in just what it uses (see electron/cli/index.ts).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

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
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
