import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppError } from '../common/errors';
import type { Router } from '../core/router';
import { createCore } from '../composition/create-core';
import { BAKE_USAGE_LINES, runBakeCli } from './bake';
import { BUILD_USAGE_LINES, runBuildCli } from './build';
import { BUILDERS_USAGE_LINES, BUILDERS_VERBS, runBuildersCli } from './builders';
import { CACHE_USAGE_LINES, runCacheCli } from './cache';
import { HISTORY_USAGE_LINES, runHistoryCli } from './history';
import { formatBuilders, formatEngine } from './format';

/**
 * `builddeck`: the same core and contract from a terminal. Each verb is one contract command;
 * --json prints the command's output as the contract types it, so scripts and the UI agree.
 */
interface Verb {
  words: readonly string[];
  run(router: Router): Promise<{ value: unknown; text: () => string } | { error: AppError }>;
}

const VERBS: Verb[] = [
  {
    words: ['builders', 'ls'],
    run: async (router) => {
      const r = await router.call('builders.list', { refresh: true });
      if (!r.ok) return { error: r.error };
      const { builders } = r.value;
      return { value: builders, text: () => formatBuilders(builders) };
    },
  },
  {
    words: ['engine', 'info'],
    run: async (router) => {
      const [engine, buildx] = await Promise.all([router.call('engine.info', {}), router.call('buildx.info', {})]);
      if (!engine.ok) return { error: engine.error };
      if (!buildx.ok) return { error: buildx.error };
      const value = { engine: engine.value, buildx: buildx.value };
      return { value, text: () => formatEngine(value) };
    },
  },
];

/** package.json sits two folders up from both electron/cli/index.ts and the bundled out/node/cli.js. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

const USAGE = `Usage: builddeck <command> [--json]

Commands:
  builders ls        List every builder buildx knows, with nodes, status and platforms
${BUILDERS_USAGE_LINES}
  engine info        Docker Engine facts (version, API, OS/arch, storage driver) and buildx version
${BUILD_USAGE_LINES}
${BAKE_USAGE_LINES}
${CACHE_USAGE_LINES}
${HISTORY_USAGE_LINES}

Options:
  --json             Print machine-readable JSON
  -h, --help         Show this help
  -v, --version      Print the BuildDeck version

Environment: DOCKER_HOST, BUILDX_CONFIG and DOCKER_CONFIG are honoured as docker and buildx do.
Exit codes: 0 success, 1 failure (the error code is printed), 2 usage error.`;

async function main(argv: string[]): Promise<number> {
  // `cache` verbs take their own flags (--builder, --until, ...): electron/cli/cache.ts parses them.
  if (argv[0] === 'cache') return runCacheCli(argv.slice(1));
  if (argv[0] === 'build') return runBuildCli(argv.slice(1));
  if (argv[0] === 'history') return runHistoryCli(argv.slice(1));
  if (argv[0] === 'bake') return runBakeCli(argv.slice(1));
  if (argv[0] === 'builders' && (BUILDERS_VERBS as readonly string[]).includes(argv[1] ?? ''))
    return runBuildersCli(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`builddeck: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }

  const verb = VERBS.find(
    (v) => v.words.length === positionals.length && v.words.every((w, i) => positionals[i] === w),
  );
  if (!verb) {
    process.stderr.write(`builddeck: unknown command "${positionals.join(' ')}"\n\n${USAGE}\n`);
    return 2;
  }
  const core = createCore({});
  try {
    const outcome = await verb.run(core.router);
    if ('error' in outcome) {
      const e = outcome.error;
      if (values.json) process.stdout.write(`${JSON.stringify({ error: e }, null, 2)}\n`);
      process.stderr.write(`builddeck: ${e.code}: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return e.code === 'INVALID_INPUT' ? 2 : 1;
    }
    process.stdout.write(values.json ? `${JSON.stringify(outcome.value, null, 2)}\n` : `${outcome.text()}\n`);
    return 0;
  } finally {
    await core.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`builddeck: INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
