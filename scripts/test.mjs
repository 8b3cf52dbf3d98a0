#!/usr/bin/env node
// `npm test`: lint, format check, typecheck, build, then every vitest project (unit, integration, e2e) in one run.
// Prints one closing line `N passed, N failed` (tests plus the lint/typecheck/build gates) and writes
// it to test-results/summary.txt so CI can repeat it as its very last line.
import { spawn, spawnSync } from 'node:child_process';
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

// Gates: each counts as one check, so a lint error can never hide behind green tests. lint, format
// and typecheck are single-threaded and independent, so they run side by side (CI's wall time on two
// cores); each one's output is printed whole when it ends, so logs never interleave.
function gate(name, cmd, args) {
  const t = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    child.on('close', (code) => {
      const ok = code === 0;
      process.stdout.write(
        `\n▶ ${name}: ${cmd} ${args.join(' ')}\n${Buffer.concat(out).toString()}${ok ? '✓' : '✗'} ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`,
      );
      resolve(ok);
    });
  });
}
const gates = await Promise.all([
  gate('lint', 'npx', ['eslint', '.']),
  gate('format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']),
  gate('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']),
]);
gates.push(step('build', 'npm', ['run', '--silent', 'build']));
for (const ok of gates) {
  if (ok) passed++;
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
