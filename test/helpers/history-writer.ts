/**
 * Child process for the history crash test: records builds into the database as fast as it can
 * until it is killed (-9). Prints "ready" once a first build is fully recorded.
 * Usage: node --import tsx test/helpers/history-writer.ts DB_FILE
 */
import { openDatabase } from '../../electron/adapters/db/database';
import { SqliteHistoryStore } from '../../electron/adapters/db/history-store';

const file = process.argv[2] as string;
const db = openDatabase(file);
const store = new SqliteHistoryStore(db, { pid: process.pid, isAlive: () => true });
const STEPS = 200;
const request = {
  contextDir: '/ctx',
  platforms: [],
  tags: ['x:y'],
  buildArgs: {},
  noCache: false,
  pull: false,
  secrets: [],
  outputs: [],
  cacheFrom: [],
  cacheTo: [],
  labels: {},
};
for (let i = 0; ; i++) {
  const buildId = `w${process.pid}-${i}`;
  store.insertStarted({
    buildId,
    request,
    secretIds: [],
    builder: 'default',
    driver: 'docker',
    platforms: ['linux/amd64'],
    startedAt: Date.now(),
  });
  store.finish(buildId, {
    status: 'succeeded',
    finishedAt: Date.now(),
    durationMs: 5,
    steps: STEPS,
    cachedSteps: 1,
    summary: {
      type: 'summary',
      buildId,
      status: 'succeeded',
      ok: true,
      cancelled: false,
      digest: null,
      imageName: null,
      durationMs: 5,
      platforms: [],
    },
    stepRows: Array.from({ length: STEPS }, (_, n) => ({
      id: `d${n}`,
      lane: 'linux/amd64',
      name: `[${n}/${STEPS}] RUN x`,
      state: 'done' as const,
      cached: false,
      isStep: true,
    })),
    logs: {
      lines: Array.from({ length: 5000 }, (_, n) => ({ step: 'd1', stream: 1, text: `line ${n} ${'x'.repeat(80)}` })),
      truncated: false,
    },
  });
  if (i === 0) process.stdout.write('ready\n');
}
