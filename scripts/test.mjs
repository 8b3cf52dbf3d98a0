#!/usr/bin/env node
// `npm test`: lint, format check, typecheck, build, then every vitest project (unit, integration, e2e) in one run.
// Prints one closing line `N passed, N failed` (tests plus the lint/typecheck/build gates) and writes
// it to test-results/summary.txt so CI can repeat it as its very last line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

mkdirSync('test-results', { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- --project unit`
let passed = 0;
let failed = 0;

function step(name, cmd, args) {
  const t = Date.now();
  process.stdout.write(`\n▶ ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const ok = r.status === 0;
  process.stdout.write(`${ok ? '✓' : '✗'} ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
  return ok;
}

// Gates: each counts as one check, so a lint error can never hide behind green tests.
for (const [name, cmd, args] of [
  ['lint', 'npx', ['eslint', '.']],
  ['format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['build', 'npm', ['run', '--silent', 'build']],
]) {
  if (step(name, cmd, args)) passed++;
  else failed++;
}

const report = 'test-results/vitest.json';
step('tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...only]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A file that failed to load, or whose beforeAll/afterAll threw (its tests then show as skipped),
  // has no failing test to count but is a failure all the same.
  failed += r.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length;
} else {
  failed++;
}

const summary = `${passed} passed, ${failed} failed`;
writeFileSync('test-results/summary.txt', `${summary}\n`);
process.stdout.write(`\n${summary}\n`);
process.exitCode = failed === 0 ? 0 : 1;
