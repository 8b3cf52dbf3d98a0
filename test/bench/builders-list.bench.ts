/**
 * Builder list, whole processes as a user runs them, alternating with the buildx command they would
 * otherwise run, on a test-owned BUILDX_CONFIG with the default builder and one docker-container builder:
 *  1. `builddeck builders ls --json` vs `docker buildx ls --format json`; builddeck's data folder is
 *     kept between runs as a user's is, so after the first run its nodes' platforms come from the
 *     saved whole read (no BuildKit ListWorkers) while their keys hold; `--refresh` (a whole read
 *     every time, as the first run after a restart) alternates with them as its own row;
 *  2. the same store plus one remote builder that accepts and never answers (a FAKE hung host: a
 *     loopback listener, test/helpers/net.ts): when is every live builder on screen (`builddeck
 *     builders ls`, read line by line) compared with `docker buildx ls` on the store WITHOUT the silent
 *     one, and when is the silent one printed (as unreachable) compared with the bound (5 s).
 *   npx tsx test/bench/builders-list.bench.ts        (BENCH_RUNS=11, BENCH_SILENT_RUNS=5 by default)
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';
import { freePort, silentListener } from '../helpers/net';
import { alternate, median, row, secs, timeProcess } from './lib';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 11);
const SILENT_RUNS = Number(process.env['BENCH_SILENT_RUNS'] ?? 5);
const BOUND_MS = 5000; // the default health timeout (settings)
if (!existsSync('out/node/cli.cjs')) throw new Error('run `npm run build` first');

const sandbox = buildxSandbox();
const dataDir = mkdtempSync(join(tmpdir(), 'bd-bench-data-'));
const withoutSilent = mkdtempSync(join(tmpdir(), 'bd-bench-buildx-'));
let silent: { close(): void } | undefined;
const env = { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir };
const builddeck = (args: string[], e = env) => timeProcess(process.execPath, ['bin/builddeck.js', ...args], { env: e });
const buildx = (args: string[], e = env) => timeProcess('docker', ['buildx', ...args], { env: e });

try {
  const dc = sandbox.name('benchls');
  await sandbox.docker(containerBuilderArgs(dc, { hostNetwork: true, bootstrap: true }));
  const check = JSON.parse((await builddeck(['builders', 'ls', '--json'])).stdout) as { name: string }[];
  console.log(`builders: ${check.map((b) => b.name).join(', ')}`);

  const ls = await alternate(
    RUNS,
    {
      builddeck: async () => (await builddeck(['builders', 'ls', '--json'])).ms,
      refresh: async () => (await builddeck(['builders', 'ls', '--json', '--refresh'])).ms,
      buildx: async () => (await buildx(['ls', '--format', 'json'])).ms,
    },
    {
      log: (i, t) =>
        console.log(
          `run ${i}: builddeck ${t.builddeck.toFixed(0)} ms, --refresh ${t.refresh.toFixed(0)} ms, buildx ${t.buildx.toFixed(0)} ms`,
        ),
    },
  );
  const a = median(ls.builddeck);
  const b = median(ls.buildx);
  const w = median(ls.refresh);
  console.log(
    `builders ls --json median ${secs(a)} (--refresh ${secs(w)}); docker buildx ls --format json median ${secs(b)}`,
  );
  row({
    figure: '`builddeck builders ls --json` (default + one docker-container builder)',
    ours: secs(a),
    reference: `${secs(b)} (docker buildx ls --format json)`,
    ratio: a / b,
    goal: '<= 1.0x',
    met: a / b <= 1.0,
  });
  row({
    figure: '`builddeck builders ls --json --refresh` (every node read in full, as after a restart)',
    ours: secs(w),
    reference: `${secs(b)} (docker buildx ls --format json)`,
    ratio: w / b,
    goal: 'none (informative)',
    met: true,
  });

  // The same store without the silent builder is what `buildx ls` is compared against.
  cpSync(sandbox.env['BUILDX_CONFIG'] as string, join(withoutSilent, 'buildx'), { recursive: true });
  const envWithout = { ...env, BUILDX_CONFIG: join(withoutSilent, 'buildx') };
  const port = await freePort();
  const silentName = sandbox.name('benchsilent');
  await sandbox.docker(['buildx', 'create', '--name', silentName, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
  silent = await silentListener(port);

  const live: number[] = [];
  const dead: number[] = [];
  const reference: number[] = [];
  let lastOutput = '';
  const shownAt = (lines: { at: number; text: string }[], name: string) => {
    const i = lines.findIndex((l) => l.text.startsWith(`${name} `) || l.text === name);
    return i >= 0 && lines[i + 1] ? (lines[i + 1]?.at ?? NaN) : NaN; // its first node row
  };
  await alternate(
    SILENT_RUNS,
    {
      builddeck: async () => {
        const r = await builddeck(['builders', 'ls']);
        lastOutput = r.stdout;
        live.push(Math.max(shownAt(r.lines, dc), shownAt(r.lines, 'default *')));
        dead.push(shownAt(r.lines, silentName));
        return r.ms;
      },
      buildx: async () => {
        const t = (await buildx(['ls'], envWithout)).ms;
        reference.push(t);
        return t;
      },
    },
    { warmup: false },
  );
  console.log(lastOutput.trimEnd());
  const liveMs = median(live);
  const refMs = median(reference);
  const deadMs = median(dead);
  const unreachable = new RegExp(`${silentName}[\\s\\S]*unreachable`).test(lastOutput);
  console.log(
    `with a silent remote: live builders shown at ${secs(liveMs)}, the silent one at ${secs(deadMs)} (${unreachable ? 'unreachable' : 'NOT marked unreachable'}); docker buildx ls without it ${secs(refMs)}`,
  );
  row({
    figure: 'list with a silent remote: every live builder shown (`builddeck builders ls`)',
    ours: secs(liveMs),
    reference: `${secs(refMs)} (docker buildx ls, store without the silent one)`,
    ratio: liveMs / refMs,
    goal: '<= 1.0x',
    met: liveMs / refMs <= 1.0,
  });
  row({
    figure: 'list with a silent remote: the silent one shown unreachable',
    ours: secs(deadMs),
    reference: `${secs(BOUND_MS)} (the bound)`,
    ratio: deadMs / BOUND_MS,
    goal: 'at the bound, < 2x it',
    met: unreachable && deadMs / BOUND_MS < 2,
  });
} finally {
  silent?.close();
  await sandbox.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(withoutSilent, { recursive: true, force: true });
}
