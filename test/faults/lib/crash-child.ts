/**
 * The core in a process of its own, writing all the time, for test/faults/crash-safety.test.ts to
 * kill -9: settings saves back to back, cache usage samples, and builds (history records) two at a
 * time on the default builder. Every write it reports on stdout has completed (was awaited), so the
 * test knows what must survive. Run with `node --import tsx crash-child.ts <dataDir> <contextDir> <token>`.
 */
import { createCore } from '../../../electron/composition/create-core';

const [dataDir, contextDir, token] = process.argv.slice(2);
if (!dataDir || !contextDir || !token) throw new Error('usage: crash-child <dataDir> <contextDir> <token>');
const core = createCore({ dataDir, pollIntervalMs: 600_000 });
const say = (line: string) => process.stdout.write(`${line}\n`);

core.events.subscribe((event, payload) => {
  // Recorded: the history row exists (build.started may come before the row is written).
  if (event === 'history.changed' && payload.reason === 'started') say(`started ${payload.buildId}`);
  if (event === 'build.finished') say(`finished ${payload.buildId} ${payload.summary.status}`);
});

async function settingsLoop(): Promise<void> {
  for (let n = 1; ; n++) {
    const r = await core.router.invoke('settings.update', { patch: { healthTimeoutMs: 5000 + (n % 1000) } });
    if (!r.ok) throw new Error(`settings.update: ${r.error.message}`);
    say(`settings ${5000 + (n % 1000)}`);
  }
}

async function samplesLoop(): Promise<void> {
  for (;;) {
    const r = await core.router.invoke('cache.usage', {});
    if (r.ok) say('sample');
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function buildsLoop(lane: number): Promise<void> {
  for (let n = 0; ; n++) {
    let id = '';
    const done = new Promise<void>((resolve) => {
      const off = core.events.subscribe((event, payload) => {
        if (event === 'build.finished' && payload.buildId === id) {
          off();
          resolve();
        }
      });
    });
    const r = await core.router.invoke('builds.start', {
      contextDir,
      outputs: [{ type: 'cacheonly' }],
      buildArgs: { N: `${token}-${lane}-${n}` },
    });
    if (!r.ok) throw new Error(`builds.start: ${r.error.message}`);
    id = (r.value as { buildId: string }).buildId;
    await done;
  }
}

void settingsLoop();
void samplesLoop();
void buildsLoop(1);
void buildsLoop(2);
say('ready');
