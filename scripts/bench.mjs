#!/usr/bin/env node
// `npm run bench`: runs every test/bench/*.bench.ts with tsx, one after another (they measure, so
// they must not compete for the 2 cores), passes their detail through, and ends with ONE table of
// every figure: BuildDeck, the reference it is compared with (run alternately in the same bench),
// the ratio, the goal and whether it is met. Benchmarks print figures; they assert nothing.
//   npm run bench [-- filter]     (only benches whose file name contains `filter`)
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

const filter = process.argv[2];
const benches = readdirSync('test/bench')
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();

const rows = [];
let failed = 0;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
const loadsSeen = [];
for (const file of benches) {
  process.stdout.write(`\n=== ${file} (load ${load()}) ===\n`);
  loadsSeen.push(loadavg()[0]);
  const code = await new Promise((resolve) => {
    const child = spawn('npx', ['tsx', '--expose-gc', `test/bench/${file}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let partial = '';
    child.stdout.on('data', (c) => {
      partial += c.toString('utf8');
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (line.startsWith('BENCH_ROW ')) rows.push({ bench: file, ...JSON.parse(line.slice('BENCH_ROW '.length)) });
        else process.stdout.write(`${line}\n`);
      }
    });
    child.on('close', resolve);
  });
  if (code !== 0) {
    failed++;
    rows.push({
      bench: file,
      figure: `${file} did not finish (exit ${code})`,
      ours: '-',
      reference: '-',
      goal: '-',
      met: false,
    });
  }
}

const header = ['figure', 'BuildDeck', 'reference', 'ratio', 'goal', 'met?'];
const cells = rows.map((r) => [
  r.figure,
  r.ours,
  r.reference,
  typeof r.ratio === 'number' ? `${r.ratio.toFixed(2)}x` : '-',
  r.goal,
  r.goal === '-' ? '-' : r.met ? 'yes' : 'NO', // informative rows (no goal) are neither
]);
const md = [
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...cells.map((c) => `| ${c.map((x) => String(x).replace(/\|/g, '\\|')).join(' | ')} |`),
].join('\n');
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average (1 min) at each bench's start: ${loadsSeen.map((x) => x.toFixed(2)).join(', ')}`;
process.stdout.write(`\n=== all figures ===\n${md}\n\n${machine}\n`);
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/bench.md', `${md}\n\n${machine}\n`);
process.exitCode = failed ? 1 : 0;
