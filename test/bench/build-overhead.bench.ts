/**
 * Overhead of a build started through BuildDeck (checks, rawjson parsing, reducer, events, history)
 * against the same `docker buildx build` run directly, alternating, several runs each: through the
 * core with a window listening (History's streams and pollers run, as in the desktop app), through
 * the core with nobody watching, and `builddeck build` as a whole process (what a terminal user runs).
 *   npx tsx test/bench/build-overhead.bench.ts [runs]
 * The build is a small uncached one on the default builder (RUN with a 1 s sleep, --no-cache).
 * Prints each run and three table rows (medians, ratios); asserts nothing. Cleans up its image and cache.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createCore } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { alternate, loadNote, median, row, secs, timeProcess } from './lib';

const exec = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 5);
const token = `bdbench-${Math.random().toString(36).slice(2, 8)}`;
const tag = `${token}:overhead`;
const ctx = mkdtempSync(join(tmpdir(), 'bd-bench-ctx-'));
const dataDir = mkdtempSync(join(tmpdir(), 'bd-bench-data-'));
writeFileSync(
  join(ctx, 'Dockerfile'),
  `FROM local/busybox:latest\nRUN echo "${token}" && sleep 1 && seq 1 2000\nCOPY Dockerfile /d\n`,
);

const BUILD_ARGS = ['build', '--progress=rawjson', '--no-cache', '--tag', tag, ctx];

/** `docker buildx build`, or (`plugin`) the buildx plugin itself, as BuildDeck runs it. */
async function plain(plugin?: string): Promise<number> {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const [file, args] = plugin ? [plugin, BUILD_ARGS] : ['docker', ['buildx', ...BUILD_ARGS]];
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`buildx exited ${code}`))));
  });
  return performance.now() - t;
}

async function viaCore(core: ReturnType<typeof createCore>, passive: boolean): Promise<number> {
  const t = performance.now();
  let id: string | undefined = undefined;
  const done = new Promise<boolean>((resolve) => {
    const off = core.events.subscribe(
      (event, payload) => {
        if (event === 'build.finished' && (payload as { buildId: string }).buildId === id) {
          off();
          resolve((payload as { summary: { ok: boolean } }).summary.ok);
        }
      },
      { passive },
    );
  });
  const r = await core.router.invoke('builds.start', { contextDir: ctx, tags: [tag], noCache: true });
  if (!r.ok) throw new Error(r.error.message);
  id = (r.value as { buildId: string }).buildId;
  if (!(await done)) throw new Error('build failed');
  return performance.now() - t;
}

// Two cores: one with a listener that counts as a window (History streams, pollers, describes run
// as in the desktop app), one whose only listener is passive (as `builddeck build` in a terminal).
const windowed = createCore({ dataDir, pollIntervalMs: 3_600_000 });
const headless = createCore({ dataDir: `${dataDir}-headless`, pollIntervalMs: 3_600_000 });
const window = windowed.events.subscribe(() => undefined);
const rm = () =>
  exec('docker', ['image', 'rm', '-f', tag]).then(
    () => undefined,
    () => undefined,
  );
const timed = (f: () => Promise<number>) => async () => {
  const t = await f();
  // --no-cache with one tag would leave the previous image dangling (pinning its cache): drop it.
  await rm();
  return t;
};
try {
  const cli = resolve('bin/builddeck.js');
  // The plugin docker runs for `docker buildx` (BuildDeck runs it the same way, without the docker CLI).
  const plugin = (
    await exec('docker', [
      'info',
      '--format',
      '{{range .ClientInfo.Plugins}}{{if eq .Name "buildx"}}{{.Path}}{{end}}{{end}}',
    ])
  ).stdout.trim();
  const times = await alternate(
    RUNS,
    {
      buildx: timed(() => plain()),
      // The floor of any CLI written for Node: Node's own start, then the plugin's run.
      plugin: timed(() => plain(plugin)),
      node: async () => (await timeProcess(process.execPath, ['-e', '0'])).ms,
      window: timed(() => viaCore(windowed, false)),
      headless: timed(() => viaCore(headless, true)),
      cli: timed(async () => {
        const r = await timeProcess(process.execPath, [cli, 'build', '--no-cache', '--tag', tag, '--json', ctx]);
        if (r.code !== 0) throw new Error(`builddeck build exited ${r.code}: ${r.stderr.slice(-400)}`);
        return r.ms;
      }),
    },
    {
      log: (i, t) =>
        console.log(
          `run ${i}: docker buildx build ${t.buildx.toFixed(0)} ms, the plugin alone ${t.plugin.toFixed(0)} ms, node -e 0 ${t.node.toFixed(0)} ms, core with a window ${t.window.toFixed(0)} ms, core headless ${t.headless.toFixed(0)} ms, builddeck build (process) ${t.cli.toFixed(0)} ms`,
        ),
    },
  );
  const ref = median(times.buildx);
  const show = (figure: string, ms: number, goal = '<= 1.01x') =>
    row({
      figure,
      ours: secs(ms),
      reference: `${secs(ref)} (docker buildx build)`,
      ratio: ms / ref,
      goal,
      met: ms / ref <= 1.01,
    });
  console.log(loadNote());
  show('build through the core, a window listening (desktop)', median(times.window));
  show('build through the core, no window (serve/CLI core)', median(times.headless));
  show('`builddeck build` as a process vs `docker buildx build`', median(times.cli));
  // Informative: what the docker CLI adds before and around the plugin, against what Node alone
  // costs before a Node program can spawn anything. A Node CLI cannot go below this floor.
  const floor = median(times.node) + median(times.plugin);
  row({
    figure: 'floor of a Node.js CLI: `node -e 0` + the buildx plugin run alone',
    ours: `${secs(floor)} (${secs(median(times.node))} + ${secs(median(times.plugin))})`,
    reference: `${secs(ref)} (docker buildx build)`,
    ratio: floor / ref,
    goal: '-',
    met: true,
  });
} finally {
  window();
  await windowed.dispose();
  await headless.dispose();
  await rm();
  await pruneCacheByToken(token);
  rmSync(ctx, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}-headless`, { recursive: true, force: true });
}
