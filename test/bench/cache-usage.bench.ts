/**
 * Cache usage, against `docker buildx du` run alternately in the same bench:
 *  1. `builddeck cache du --json` vs `docker buildx du` on the default builder (whole processes);
 *  2. the same on a docker-container builder with ~1,000 cache records (whole processes);
 *  3. the core's cache.usage on that builder (in-process: what a window waits for) vs
 *     `docker buildx du --format json` (a process: what it would otherwise run).
 * Prints medians and ratios; asserts nothing. Builders, records and data are the bench's own.
 *   npx tsx test/bench/cache-usage.bench.ts        (BENCH_RECORDS=1000 BENCH_RUNS=11 by default)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheUsage } from '../../electron/common/contracts/cache';
import { createCore } from '../../electron/composition/create-core';
import { buildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';
import { alternate, median, row, secs, timeProcess } from './lib';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 1000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 11);
const STEPS = 200; // COPY steps per build: each is one cache record; a unique first file makes every chain new
if (!existsSync('out/node/cli.cjs')) throw new Error('run `npm run build` first');

const sandbox = buildxSandbox();
const dataDir = mkdtempSync(join(tmpdir(), 'bd-bench-data-'));
const ctx = mkdtempSync(join(tmpdir(), 'bd-bench-ctx-'));
const env = { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir };
const core = createCore({ env: sandbox.env, dataDir });
const builddeck = (args: string[]) => timeProcess(process.execPath, ['bin/builddeck.js', ...args], { env });
const buildx = (args: string[]) => timeProcess('docker', ['buildx', ...args], { env });

async function usage(builder: string): Promise<CacheUsage> {
  const r = await core.router.invoke('cache.usage', { builder });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as CacheUsage;
}

function compare(figure: string, goal: number, a: number[], b: number[], reference: string): void {
  const ours = median(a);
  const ref = median(b);
  console.log(
    `${figure}: BuildDeck median ${secs(ours)}, ${reference} median ${secs(ref)}, ratio ${(ours / ref).toFixed(2)}`,
  );
  row({
    figure,
    ours: secs(ours),
    reference: `${secs(ref)} (${reference})`,
    ratio: ours / ref,
    goal: `<= ${goal}x`,
    met: ours / ref <= goal,
  });
}

try {
  const dc = sandbox.name('benchdu');
  await sandbox.docker(containerBuilderArgs(dc, { hostNetwork: true, bootstrap: true }));
  for (let i = 1; i <= STEPS; i++) writeFileSync(join(ctx, `f${i}`), `${i}\n`);
  const builds = Math.max(1, Math.ceil(RECORDS / STEPS));
  const started = performance.now();
  for (let b = 0; b < builds; b++) {
    writeFileSync(join(ctx, 'seed'), `${b} ${Math.random()}\n`);
    const lines = [
      'FROM 127.0.0.1:5000/busybox',
      'COPY seed /seed',
      ...Array.from({ length: STEPS }, (_, i) => `COPY f${i + 1} /f${i + 1}`),
    ];
    writeFileSync(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
    await sandbox.docker(['buildx', 'build', '--builder', dc, ctx], { timeoutMs: 600_000 });
  }
  const records = (await usage(dc)).totals.records;
  const defaultRecords = (await usage('default')).totals.records;
  console.log(
    `setup: ${records} cache records on ${dc} in ${((performance.now() - started) / 1000).toFixed(1)} s; ${defaultRecords} on default`,
  );

  const def = await alternate(RUNS, {
    builddeck: async () => (await builddeck(['cache', 'du', '--json'])).ms,
    buildx: async () => (await buildx(['du'])).ms,
  });
  compare('`builddeck cache du --json`, default builder', 1.0, def.builddeck, def.buildx, 'docker buildx du');

  const onDc = await alternate(RUNS, {
    builddeck: async () => (await builddeck(['cache', 'du', '--json', '--builder', dc])).ms,
    buildx: async () => (await buildx(['du', '--builder', dc])).ms,
  });
  compare(
    `\`builddeck cache du --json\`, docker-container builder (${records} records)`,
    1.0,
    onDc.builddeck,
    onDc.buildx,
    'docker buildx du',
  );

  const inProcess = await alternate(RUNS, {
    core: async () => {
      const t = performance.now();
      await usage(dc);
      return performance.now() - t;
    },
    buildx: async () => (await buildx(['du', '--builder', dc, '--format', 'json'])).ms,
  });
  compare(
    `cache usage in the core, ${records} records, docker-container builder`,
    0.2,
    inProcess.core,
    inProcess.buildx,
    'docker buildx du --format json',
  );
} finally {
  await core.dispose();
  await sandbox.cleanup();
  rmSync(ctx, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
