import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * `builddeck`: the same core and contract from a terminal. This entry imports nothing but Node
 * built-ins (and, for `cache` and `build`, the small early-request module): each verb's module (and with it the core, zod, dockerode, the database) is loaded with
 * `import()` only when that verb runs, so `--version` costs no more than Node itself. The help text
 * is assembled from the verb modules' own lines, loaded only when it is printed.
 */

/** Verbs of electron/cli/list.ts: one contract command each, with the common --json flag. */
const LIST_VERBS: readonly string[] = ['builders ls', 'engine info'];

/** package.json sits two folders up from both electron/cli/index.ts and the bundled out/node/cli.cjs. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

async function usage(): Promise<string> {
  const [bake, build, builders, cache, history] = await Promise.all([
    import('./bake'),
    import('./build'),
    import('./builders'),
    import('./cache'),
    import('./history'),
  ]);
  return `Usage: builddeck <command> [--json]

Commands:
  builders ls        List every builder buildx knows, with nodes, status and platforms
                     (--refresh: ask every node its platforms again, ignoring the last read's)
${builders.BUILDERS_USAGE_LINES}
  engine info        Docker Engine facts (version, API, OS/arch, storage driver) and buildx version
${build.BUILD_USAGE_LINES}
${bake.BAKE_USAGE_LINES}
${cache.CACHE_USAGE_LINES}
${history.HISTORY_USAGE_LINES}

buildx's own verbs work too: ls, create, inspect, stop, use, rm (builders), du, prune (cache),
version; with buildx's flags where BuildDeck has the feature (see each verb's --help).

Options:
  --json             Print machine-readable JSON
  -h, --help         Show this help
  -v, --version      Print the BuildDeck version

Environment: DOCKER_HOST, BUILDX_CONFIG and DOCKER_CONFIG are honoured as docker and buildx do.
Exit codes: 0 success, 1 failure (the error code is printed), 2 usage error.`;
}

/**
 * `docker buildx`'s top-level verbs, as BuildDeck names them: a buildx user's `builddeck create
 * --name x --driver-opt ...`, `builddeck du` or `builddeck prune --filter until=24h` runs the verb
 * that does the same thing.
 */
const BUILDX_VERBS: Record<string, readonly string[]> = {
  ls: ['builders', 'ls'],
  create: ['builders', 'create'],
  inspect: ['builders', 'inspect'],
  stop: ['builders', 'stop'],
  use: ['builders', 'use'],
  rm: ['builders', 'rm'],
  du: ['cache', 'du'],
  prune: ['cache', 'prune'],
  version: ['--version'],
};

async function main(args: string[]): Promise<number> {
  // `builddeck help history` is `builddeck history --help`, as `docker help buildx` is.
  const helped = args[0] === 'help' ? [...args.slice(1), '--help'] : args;
  const alias = BUILDX_VERBS[helped[0] ?? ''];
  const argv = alias ? [...alias, ...helped.slice(1)] : helped;
  // Before the verb's module (and the core) load: dockerd answers while they compile (composition/early.ts).
  // An exec into a BuildKit container is waited for until it has started (at most 150 ms): see early.ts.
  if (argv[0] === 'cache' || argv[0] === 'build') await (await import('../composition/early')).startEarlyRequests(argv);
  // `cache`, `build`, `bake`, `history` and most `builders` verbs take their own flags: their modules parse them.
  if (argv[0] === 'cache') return (await import('./cache')).runCacheCli(argv.slice(1));
  if (argv[0] === 'build') return (await import('./build')).runBuildCli(argv.slice(1));
  if (argv[0] === 'bake') return (await import('./bake')).runBakeCli(argv.slice(1));
  if (argv[0] === 'history') return (await import('./history')).runHistoryCli(argv.slice(1));
  // Every `builders` verb but `ls` (./list) is electron/cli/builders.ts's, which names them.
  if (argv[0] === 'builders' && argv[1] !== 'ls') {
    const builders = await import('./builders');
    if ([...builders.BUILDERS_VERBS, '--help', '-h'].includes(argv[1] ?? ''))
      return builders.runBuildersCli(argv.slice(1));
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        refresh: { type: 'boolean', default: false },
        // buildx's `ls --format json|table|TEMPLATE` and `--no-trunc` (every platform in the table).
        format: { type: 'string' },
        'no-trunc': { type: 'boolean' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`builddeck: ${(err as Error).message}\n\n${await usage()}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${await usage()}\n`);
    return values.help ? 0 : 2;
  }
  const words = positionals.join(' ');
  if (!LIST_VERBS.includes(words)) {
    process.stderr.write(`builddeck: unknown command "${words}"\n\n${await usage()}\n`);
    return 2;
  }
  for (const [flag, given] of [
    ['--refresh', values.refresh],
    ['--format', values.format !== undefined],
    ['--no-trunc', values['no-trunc']],
  ] as const) {
    if (given && words !== 'builders ls') {
      process.stderr.write(`builddeck: ${words} does not take ${flag}\n`);
      return 2;
    }
  }
  if (values.json && values.format !== undefined) {
    process.stderr.write("builddeck: give --json (BuildDeck's list) or --format (buildx's forms), not both\n");
    return 2;
  }
  return (await import('./list')).runListVerb(words, {
    json: values.json,
    refresh: values.refresh,
    format: values.format,
    noTrunc: values['no-trunc'] === true,
  });
}

// `builddeck history ls | head` closes the pipe before the output ends: stop quietly, as git and
// docker do, instead of an unhandled EPIPE with a stack trace (and exit code 1) on the terminal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

/**
 * Exits once what was written has been handed to the OS. A natural exit first drains V8's pending
 * tasks, which after a read of 1,000 cache records is typically an incremental GC finishing: 15-50 ms
 * of a process that has nothing left to do (`--trace-gc`: "finalize incremental marking via task"
 * after the output). Every verb has disposed its core (timers, sockets, children) by the time
 * `main` resolves, so nothing else is waiting.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    process.stderr.write(`builddeck: INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
