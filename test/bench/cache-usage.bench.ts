// Cache usage latency on a builder with many records: BuildDeck's cache.usage (records parsed,
// validated, totals and per-type breakdown computed) vs `docker buildx du` alone, alternating runs.
// Three paths: a docker-container builder (buildctl inside its container, exact), the same BuildKit
// through a remote docker-container:// builder (`buildx du --format json`), and the time `buildx du`
// itself takes. Prints medians and ratios; asserts nothing.
//
//   npx tsx test/bench/cache-usage.bench.ts            (BENCH_RECORDS=1000 BENCH_RUNS=7 by default)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheUsage } from '../../electron/common/contracts/cache';
import { createCore } from '../../electron/composition/create-core';
import { buildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 1000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);
const STEPS = 200; // COPY steps per build: each is one cache record; a unique first file makes every chain new
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const sandbox = buildxSandbox();
const dataDir = mkdtempSync(join(tmpdir(), 'bd-bench-data-'));
const ctx = mkdtempSync(join(tmpdir(), 'bd-bench-ctx-'));
const core = createCore({ env: sandbox.env, dataDir });
const docker = (args: string[]) =>
  execFileSync('docker', args, {
    env: sandbox.env,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();

async function usage(builder: string): Promise<CacheUsage> {
  const r = await core.router.invoke('cache.usage', { builder });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as CacheUsage;
}

async function time(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

try {
  const dc = sandbox.name('bench');
  const remote = sandbox.name('benchremote');
  docker(containerBuilderArgs(dc, { hostNetwork: true, bootstrap: true }));
  docker(['buildx', 'create', '--name', remote, '--driver', 'remote', `docker-container://buildx_buildkit_${dc}0`]);
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
    docker(['buildx', 'build', '--builder', dc, ctx]);
  }
  const count = (await usage(dc)).totals.records;
  console.log(`setup: ${count} cache records on ${dc} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const rows: [string, number[]][] = [
    ['cache.usage docker-container (buildctl, exact)', []],
    ['cache.usage remote (buildx du --format json)', []],
    ['docker buildx du --format json', []],
    ['docker buildx du (table + summary)', []],
  ];
  for (let i = 0; i < RUNS; i++) {
    rows[0]?.[1].push(await time(() => usage(dc)));
    rows[1]?.[1].push(await time(() => usage(remote)));
    rows[2]?.[1].push(await time(() => docker(['buildx', 'du', '--builder', dc, '--format', 'json'])));
    rows[3]?.[1].push(await time(() => docker(['buildx', 'du', '--builder', dc])));
  }
  const base = median(rows[2]?.[1] ?? []);
  for (const [label, xs] of rows) {
    console.log(
      `${label.padEnd(48)} median ${median(xs).toFixed(0).padStart(6)} ms   ratio to buildx du --format json ${(median(xs) / base).toFixed(2)}`,
    );
  }
  console.log(`(${RUNS} alternating runs each; ${count} records)`);
} finally {
  await core.dispose();
  await sandbox.cleanup();
  rmSync(ctx, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
