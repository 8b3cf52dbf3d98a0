import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCore } from '../composition/create-core';
import { startServer } from './server';

/** `npm run serve`: the UI in any browser on this machine, over the same core as the desktop app. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: node out/node/serve.js [--port N]\nServes BuildDeck on 127.0.0.1 with a random token.\n',
    );
    return;
  }
  const portText = values.port ?? process.env['BUILDDECK_PORT'] ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`builddeck serve: --port must be 0-65535, got "${portText}"\n`);
    process.exitCode = 2;
    return;
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const core = createCore({});
  const server = await startServer({
    router: core.router,
    events: core.events,
    staticDir: resolve(here, '../renderer'),
    port,
  });
  process.stdout.write(
    `BuildDeck is serving on ${server.openUrl}\n(loopback only; the token in the URL is required. Ctrl+C to stop.)\n`,
  );
  const stop = () => {
    void Promise.allSettled([core.dispose(), server.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`builddeck serve: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
