// Bundles the plain-Node entry points (CLI, browser-mode server) next to electron-vite's output.
// Dependencies stay external: they are resolved from node_modules at run time like the main process.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'electron/cli/index.ts', serve: 'electron/serve/index.ts' },
  outdir: 'out/node',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
