import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests never read or write the user's real settings or history, nor the CLI's code cache
// (bin/builddeck.js; one folder for every run, since a cache only ever saves a compile).
const env = {
  BUILDDECK_DATA_DIR: join(tmpdir(), `builddeck-test-data-${process.pid}`),
  XDG_CACHE_HOME: join(tmpdir(), 'builddeck-test-cache'),
};

// Five projects, one runner: the README's `npm test` adds their totals up.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          env,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env,
          // Real docker and buildx: one file at a time on a 2-core machine, generous bounds.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The built desktop main process and preload under the FAKE electron (needs `npm run build`).
          name: 'desktop',
          include: ['test/desktop/**/*.test.ts'],
          environment: 'node',
          env,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Faults the tests inject on engines and builders they own (test/faults/lib), crash safety,
          // router fuzzing and serve mode under load; they write test-results/faults.md.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          env,
          globalSetup: ['test/faults/global-setup.ts'],
          // The router fuzzer reports heap growth after a real GC.
          execArgv: ['--expose-gc'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          env,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
