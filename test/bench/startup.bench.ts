/**
 * Start-up: `builddeck --version` as a user runs it (bin/builddeck.js, a whole process) against Node
 * itself doing nothing (`node -e 0`), alternating. The goal is stated for a quiet machine (0.08 s
 * where Node alone takes 0.05 s); on a loaded one both grow, so it is judged as a ratio to Node (1.6x).
 *   npx tsx test/bench/startup.bench.ts            (BENCH_RUNS=15 by default)
 */
import { existsSync } from 'node:fs';
import { alternate, median, row, secs, timeProcess } from './lib';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);
if (!existsSync('out/node/cli.cjs')) throw new Error('run `npm run build` first');

const runs = await alternate(RUNS, {
  builddeck: async () => (await timeProcess(process.execPath, ['bin/builddeck.js', '--version'])).ms,
  node: async () => (await timeProcess(process.execPath, ['-e', '0'])).ms,
});
const ours = median(runs.builddeck);
const node = median(runs.node);
console.log(`builddeck --version median ${secs(ours)}, node -e 0 median ${secs(node)} over ${RUNS} alternating runs`);
row({
  figure: 'start-up: `builddeck --version`',
  ours: secs(ours),
  reference: `${secs(node)} (node -e 0)`,
  ratio: ours / node,
  goal: '<= 0.08 s at node 0.05 s (<= 1.6x node)',
  met: ours / node <= 1.6,
});
