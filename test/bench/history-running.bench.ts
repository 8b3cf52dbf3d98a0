// How soon a build started elsewhere (plain `docker buildx build`) shows in History as running,
// while a window listens and the History view holds a watch lease. Measured from BuildKit's own
// record start time (`created_at`) to the `history.recordsChanged` event, against the real engine.
// Also `builddeck history ls --json` against `docker buildx history ls --format json` as whole
// processes, alternating (BuildDeck lists every builder's records over BuildKit's own API and merges
// its own; buildx lists one builder). Prints medians and a table row; asserts nothing.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox } from '../helpers/buildx-sandbox';
import { alternate, row, secs, timeProcess } from './lib';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const sandbox = buildxSandbox();
const dir = mkdtempSync(join(tmpdir(), 'bd-bench-hist-'));
const core = createCore({ env: sandbox.env, dataDir: join(dir, 'data') });
const token = `bdbench-hist-${Math.random().toString(36).slice(2, 8)}`;
const seen = new Map<string, number>();
const off = core.events.subscribe((event, payload) => {
  if (event === 'history.recordsChanged' && payload.reason === 'appeared')
    for (const id of payload.ids) if (!seen.has(id)) seen.set(id, Date.now());
});
const latencies: number[] = [];
const lsTimes: number[] = [];
const refs: string[] = [];
try {
  await core.router.call('history.watch', { seconds: 300 });
  for (let i = 0; i < RUNS; i++) {
    const ctx = join(dir, `ctx${i}`);
    execFileSync('mkdir', ['-p', ctx]);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM local/busybox:latest\nRUN echo "${token} ${i}"; sleep 4\n`);
    const child = spawn('docker', ['buildx', 'build', '--progress=quiet', ctx], { env: sandbox.env, stdio: 'ignore' });
    await new Promise((r) => child.on('close', r));
    const list = await core.router.call('history.records', { folder: ctx, refresh: true });
    const item = list.ok ? list.value.items[0] : undefined;
    if (!item?.ref) continue;
    refs.push(item.ref);
    const at = seen.get(item.ref);
    if (at !== undefined) latencies.push(at - item.startedAt);
    const t = performance.now();
    execFileSync('docker', ['buildx', 'history', 'ls', '--format', 'json'], { env: sandbox.env, stdio: 'ignore' });
    lsTimes.push(performance.now() - t);
  }
  console.log(
    `running record seen after  median ${median(latencies).toFixed(0)} ms (${latencies.map((l) => l.toFixed(0)).join(', ')})`,
  );
  console.log(`docker buildx history ls    median ${median(lsTimes).toFixed(0)} ms`);

  // Whole processes, as a terminal runs them (the CLI needs `npm run build`).
  const env = { ...sandbox.env, BUILDDECK_DATA_DIR: join(dir, 'cli-data') };
  const ls = await alternate(RUNS, {
    builddeck: async () =>
      (await timeProcess(process.execPath, ['bin/builddeck.js', 'history', 'ls', '--json'], { env })).ms,
    buildx: async () => (await timeProcess('docker', ['buildx', 'history', 'ls', '--format', 'json'], { env })).ms,
  });
  const ours = median(ls.builddeck);
  const ref = median(ls.buildx);
  console.log(`builddeck history ls --json median ${ours.toFixed(0)} ms vs buildx ${ref.toFixed(0)} ms`);
  row({
    figure: "`builddeck history ls --json` (every builder) vs one builder's `buildx history ls`",
    ours: secs(ours),
    reference: `${secs(ref)} (docker buildx history ls --format json)`,
    ratio: ours / ref,
    goal: '<= 1.0x',
    met: ours <= ref,
  });
} finally {
  off();
  await core.dispose();
  for (const ref of refs)
    execFileSync('docker', ['buildx', 'history', 'rm', ref.split('/')[2] ?? ''], { env: sandbox.env, stdio: 'ignore' });
  await sandbox.cleanup();
  await pruneCacheByToken(token);
  rmSync(dir, { recursive: true, force: true });
}
