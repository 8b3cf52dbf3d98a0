// Builder list latency: BuildDeck's core (buildx ls + store read + validation) vs `docker buildx ls`
// alone, alternating runs against the real engine. Prints medians; asserts nothing.
import { execFileSync } from 'node:child_process';
import { createCore } from '../../electron/composition/create-core';
import { buildxSandbox } from '../helpers/buildx-sandbox';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const sandbox = buildxSandbox();
const core = createCore({ env: sandbox.env });
const ours: number[] = [];
const plain: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const r = await core.router.invoke('builders.list', { refresh: true });
    if (!r.ok) throw new Error(r.error.message);
    ours.push(performance.now() - t);
    t = performance.now();
    execFileSync('docker', ['buildx', 'ls', '--format', 'json'], { env: sandbox.env });
    plain.push(performance.now() - t);
  }
  const a = median(ours);
  const b = median(plain);
  console.log(`builders.list   median ${a.toFixed(1)} ms over ${RUNS} runs`);
  console.log(`docker buildx ls median ${b.toFixed(1)} ms`);
  console.log(`ratio (BuildDeck / buildx) ${(a / b).toFixed(2)}`);
} finally {
  await core.dispose();
  await sandbox.cleanup();
}
