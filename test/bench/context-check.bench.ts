/**
 * Context check (`builds.inspectContext`, the form's "what will be sent" answer) against `du -sb` of
 * the same folder: a generated tree of 100k files in 500 folders (sizes 0-4 KB), walked with the
 * real file system adapter in-process (what a window waits for), `du -sb` as a process, alternating.
 *   npx tsx test/bench/context-check.bench.ts [files]
 * Prints figures; asserts nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeBuildFs } from '../../electron/adapters/fs/build-fs';
import { inspectContext } from '../../electron/core/builds/context';
import { alternate, loadNote, median, row, secs, timeProcess } from './lib';

const FILES = Number(process.argv[2] ?? 100_000);
const DIRS = 500;

const root = mkdtempSync(join(tmpdir(), 'bdbench-context-'));
try {
  const started = performance.now();
  writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
  for (let d = 0; d < DIRS; d++) {
    const dir = join(root, `pkg${d % 20}`, `mod${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES / DIRS; f++) writeFileSync(join(dir, `f${f}.js`), 'x'.repeat((d * 31 + f * 17) % 4096));
  }
  console.log(
    `tree: ${FILES.toLocaleString('en-US')} files in ${DIRS} folders, made in ${secs(performance.now() - started)}`,
  );

  const fs = new NodeBuildFs();
  let last: Awaited<ReturnType<typeof inspectContext>> | undefined;
  const firsts: number[] = [];
  const firstFiles: number[] = [];
  const times = await alternate(5, {
    ours: async () => {
      const t = performance.now();
      let first: number | undefined;
      last = await inspectContext(
        {
          fs,
          targets: undefined,
          now: () => Date.now(),
          // What a window hears as `build.contextProgress` while the walk goes on.
          progress: (p) => {
            if (first !== undefined) return;
            first = performance.now() - t;
            firsts.push(first);
            firstFiles.push(p.files);
          },
        },
        { contextDir: root },
      );
      return performance.now() - t;
    },
    du: async () => (await timeProcess('du', ['-sb', root])).ms,
  });
  const ours = median(times.ours);
  const du = median(times.du);
  console.log(
    `inspectContext: ${times.ours.map((x) => x.toFixed(0)).join(' ')} ms; du -sb: ${times.du.map((x) => x.toFixed(0)).join(' ')} ms`,
  );
  console.log(
    `  counted ${last?.files.toLocaleString('en-US')} files, ${last?.bytes.toLocaleString('en-US')} bytes${last?.truncated ? ' (TRUNCATED at the time bound)' : ''}`,
  );
  row({
    figure: `context check, ${FILES / 1000}k files (${loadNote()})`,
    ours: secs(ours),
    reference: `${secs(du)} (\`du -sb\`)`,
    ratio: ours / du,
    goal: '<= 4x du -sb',
    met: ours / du <= 4 && last?.truncated === false,
  });
  // The warm-up round's partial answers are counted too: each run is a whole walk.
  const first = median(firsts);
  console.log(
    `first partial answer: ${firsts.map((x) => x.toFixed(0)).join(' ')} ms, with ${firstFiles.map((n) => n.toLocaleString('en-US')).join(', ')} files counted`,
  );
  row({
    figure: 'context check: first partial answer (largest entries so far)',
    ours: `${secs(first)} (${median(firstFiles).toLocaleString('en-US')} files counted)`,
    reference: `${secs(ours)} (the whole answer)`,
    ratio: first / ours,
    goal: '<= 200 ms',
    met: first <= 200,
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
