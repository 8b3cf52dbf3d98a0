/**
 * Overhead of a build started through BuildDeck's core (checks, rawjson parsing, reducer, events,
 * history) against the same `docker buildx build` run directly, alternating, several runs each.
 *   npx tsx test/bench/build-overhead.bench.ts [runs]
 * The build is a small uncached one on the default builder (RUN with a 1 s sleep, --no-cache).
 * Prints each run, the medians and their ratio; asserts nothing. Cleans up its image and cache.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCore } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function plain(): Promise<number> {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('docker', ['buildx', 'build', '--progress=rawjson', '--no-cache', '--tag', tag, ctx], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`buildx exited ${code}`))));
  });
  return performance.now() - t;
}

async function viaCore(core: ReturnType<typeof createCore>): Promise<number> {
  const t = performance.now();
  let id: string | undefined = undefined;
  const done = new Promise<boolean>((resolve) => {
    const off = core.events.subscribe((event, payload) => {
      if (event === 'build.finished' && (payload as { buildId: string }).buildId === id) {
        off();
        resolve((payload as { summary: { ok: boolean } }).summary.ok);
      }
    });
  });
  const r = await core.router.invoke('builds.start', { contextDir: ctx, tags: [tag], noCache: true });
  if (!r.ok) throw new Error(r.error.message);
  id = (r.value as { buildId: string }).buildId;
  if (!(await done)) throw new Error('build failed');
  return performance.now() - t;
}

const core = createCore({ dataDir, pollIntervalMs: 3_600_000 });
try {
  await plain(); // warm: base image metadata, buildx plugin start
  await exec('docker', ['image', 'rm', '-f', tag]);
  await viaCore(core);
  await exec('docker', ['image', 'rm', '-f', tag]);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await plain();
    await exec('docker', ['image', 'rm', '-f', tag]);
    const c = await viaCore(core);
    a.push(p);
    b.push(c);
    // --no-cache with one tag would leave the previous image dangling (pinning its cache): drop it.
    await exec('docker', ['image', 'rm', '-f', tag]).catch(() => undefined);
    console.log(`run ${i + 1}: docker buildx build ${p.toFixed(0)} ms, BuildDeck core ${c.toFixed(0)} ms`);
  }
  const ma = median(a);
  const mb = median(b);
  console.log(
    `median: docker buildx build ${ma.toFixed(0)} ms, BuildDeck core ${mb.toFixed(0)} ms, ratio ${(mb / ma).toFixed(3)} (overhead ${(mb - ma).toFixed(0)} ms)`,
  );
} finally {
  await core.dispose();
  await exec('docker', ['image', 'rm', '-f', tag]).catch(() => undefined);
  await pruneCacheByToken(token);
  rmSync(ctx, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
