#!/usr/bin/env node
// The `builddeck` command: runs the bundled CLI from `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/node/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('builddeck: not built yet. Run `npm run build` in the BuildDeck checkout first.\n');
  process.exit(1);
}
await import(cli);
