#!/usr/bin/env node
// `npm run bench`: runs every test/bench/*.bench.ts with tsx, one after another (they measure, so
// they must not compete for the 2 cores). Benchmarks print figures; they assert nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const filter = process.argv[2];
const benches = readdirSync('test/bench')
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const r = spawnSync('npx', ['tsx', '--expose-gc', `test/bench/${file}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
