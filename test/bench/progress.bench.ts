/**
 * Progress pipeline benchmark: rawjson text → the core's live path (FrameParser → LiveProgress, the
 * reducer) on a generated stream of 100k SolveStatus events shaped like buildx 0.29's NDJSON (and once
 * pretty-printed like 0.13), read one event at a time and a pipe's 64 KiB at a time.
 *   npx tsx test/bench/progress.bench.ts [events]
 * Prints throughput and peak memory; asserts nothing. Each figure runs in a process of its own
 * (`[events] single|snapshots|live|pretty`; `single` is the median of three processes): run after
 * another in one process, a figure's peak RSS counted what the run before it had left on the heap
 * (170 vs 144 MB for the live path at load 1.3).
 *
 * The measured processes run this file bundled by esbuild as the CLI ships (scripts/build-node.mjs:
 * one minified CommonJS file, plain `node`), not under tsx: tsx's loader keeps a second V8 isolate
 * (its module-hooks thread) in the process, ~29 MB of the peak RSS this bench holds against the
 * goal, and its per-module wrappers are not the code the app runs (docs/performance.md).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { row } from './lib';
import { FrameParser, RawJsonParser } from '../../electron/adapters/buildx/progress';
import { buildSnapshot, type BuildEvent, type BuildSnapshot } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, logPage, reduceBuild, snapshotToSend } from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { liveBuild } from '../../electron/core/live-progress';

const TOTAL = Number(process.argv[2] ?? 100_000);
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const STEPS_PER_PLATFORM = 40;

/**
 * A deterministic build: per platform 40 steps; ~80% log chunks, ~15% byte statuses (three
 * transfers per step, each updated as its bytes arrive), the rest vertexes. Yields one JSON object
 * text at a time, so the input never sits in memory as a whole (buildx's output arrives through a
 * pipe; holding 25-30 MB of fixture counted against the pipeline's peak RSS in earlier runs of
 * this bench).
 */
function* generate(total: number): Generator<string> {
  const t0 = Date.parse('2026-11-27T06:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '123456Z');
  const digests: { d: string; name: string }[] = [];
  for (const p of PLATFORMS)
    for (let i = 1; i <= STEPS_PER_PLATFORM; i++)
      digests.push({
        d: `sha256:${p.replace('/', '')}${String(i).padStart(58, '0')}`,
        name: `[${p} build ${i}/${STEPS_PER_PLATFORM}] RUN make -j2 target-${i}`,
      });
  let n = 0;
  let clock = t0;
  const perStep = Math.floor(total / digests.length);
  for (const [step, v] of digests.entries()) {
    yield JSON.stringify({ vertexes: [{ digest: v.d, name: v.name, started: iso(clock) }] });
    n++;
    for (let k = 0; k < perStep - 2 && n < total - 1; k++, n++) {
      clock += 3;
      if (k % 7 === 0) {
        yield JSON.stringify({
          statuses: [
            {
              // Three layers downloading at once, each reported again as its bytes arrive (BuildKit
              // sends a transfer's updates under one id).
              id: `sha256:layer${step}-${(k / 7) % 3}`,
              vertex: v.d,
              name: 'downloading',
              // Go's field order (VertexStatus): total before current.
              total: perStep * 4096,
              current: Math.floor(k / 21) * 3 * 4096,
              timestamp: iso(clock),
              started: iso(t0),
            },
          ],
        });
      } else {
        const text = `[${k}] compiling module ${k} of ${v.name.slice(-10)} with some typical compiler output\n`;
        yield JSON.stringify({
          logs: [
            {
              vertex: v.d,
              stream: k % 5 === 0 ? 2 : 1,
              data: Buffer.from(text).toString('base64'),
              timestamp: iso(clock),
            },
          ],
        });
      }
    }
    yield JSON.stringify({
      vertexes: [
        {
          digest: v.d,
          name: v.name,
          started: iso(t0),
          completed: iso(clock),
          ...(n % 5 === 0 ? { cached: true } : {}),
        },
      ],
    });
    n++;
  }
}

const CHUNK = 64 * 1024; // what a pipe delivers at a time
const FLUSH_MS = 50; // a build's coalescing window (composition: coalesceMs)

/**
 * The stream as pipe reads: pipe-sized chunks, NDJSON (0.29) or pretty-printed objects back to back
 * (0.13); or, `perEvent`, one event's line per read (buildx writes each status as it happens, so a
 * reader that keeps up gets one event a read: the worst case for any per-read cost).
 */
function* chunks(total: number, pretty: boolean, perEvent = false): Generator<string> {
  if (perEvent) {
    // Each read is a string decoded from the pipe's bytes, as the core's reader gets it (the child's
    // stderr with setEncoding('utf8')): a flat string. A template literal (`${o}\n`) is a cons
    // string, which a pipe read never is: the FrameParser's join of a frame's reads (it joined
    // then) cost ~3x on them what it cost on flat reads (60 against 20 ms a run; docs/performance.md).
    const lines: string[] = [];
    const flush = function* () {
      const bytes = Buffer.from(lines.join(''));
      let at = 0;
      for (const line of lines) {
        const n = Buffer.byteLength(line);
        yield bytes.toString('utf8', at, at + n);
        at += n;
      }
      lines.length = 0;
    };
    for (const o of generate(total)) {
      lines.push(`${o}\n`);
      if (lines.length === 256) yield* flush();
    }
    yield* flush();
    return;
  }
  let buf = '';
  for (const o of generate(total)) {
    buf += pretty ? `${JSON.stringify(JSON.parse(o), null, 2)}\n` : `${o}\n`;
    while (buf.length >= CHUNK) {
      yield buf.slice(0, CHUNK);
      buf = buf.slice(CHUNK);
    }
  }
  if (buf) yield buf;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * How the stream is read and reduced: `core`, as the core takes buildx's reads: into its FrameParser
 * (reads joined, parsed once 64 KiB wait or a frame has passed) and its LiveProgress (events
 * reduced when the 50 ms batch leaves for the window, as the core's flush); `snapshots`, each read
 * parsed and a new snapshot per event (reduceBuild, the reducer's one-event API, no caller's path).
 * `perEvent`: one event per read (a reader that keeps up with buildx), else pipe-sized reads.
 */
type Mode = 'core' | 'snapshots';

function run(
  label: string,
  mode: Mode,
  pretty: boolean,
  perEvent: boolean,
  quiet = false,
  total = TOTAL,
): { rate: number; cpuRate: number; rss: number; snapshot: BuildSnapshot } {
  global.gc?.();
  const input = chunks(total, pretty, perEvent);
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const parser = new RawJsonParser();
  let snapshot = createBuildSnapshot('bench');
  // The desktop app's listeners: a window transport (batches in their window form, a flood's output
  // as the log tail after it) and the tray (not a window: every event as it comes).
  const bus = new EventBus();
  bus.subscribe(() => undefined, { window: true });
  bus.subscribe(() => undefined);
  const live = liveBuild(bus, 'bench', snapshot, FLUSH_MS);
  const frames = new FrameParser((batch) => {
    events += batch.length;
    live.push(batch);
  });
  let flushedAt = performance.now();
  let events = 0;
  let bytes = 0;
  let parseMs = 0;
  let reduceMs = 0;
  let cpuMs = 0;
  let n = 0;
  // Reads are taken a group at a time (untimed), then parsed and reduced a read at a time (timed per
  // group): timing each of 100k one-event reads would time the clocks (getrusage, ~1 us a call).
  const group = perEvent ? 1024 : 1;
  for (let done = false; !done;) {
    const reads: string[] = [];
    while (reads.length < group) {
      const chunk = input.next();
      if (chunk.done) {
        done = true;
        break;
      }
      reads.push(chunk.value);
      bytes += chunk.value.length;
    }
    const cpu0 = process.cpuUsage();
    let t = performance.now();
    if (mode === 'core') {
      // Parse and reduce interleave here (the parser hands its events on): timed as one.
      for (let k = 0; k < reads.length; k++) {
        frames.push(reads[k] as string);
        // The core's flush is a timer; reading the clock per one-event read (~50 ns) was the
        // harness's own cost, ~2% of that figure: every 32 such reads still flushes within a fraction
        // of a ms of 50 ms. A pipe-sized read (a group of one) looks at the clock every time (the
        // check was every 32nd read of a group, so the live figure never flushed until the end).
        if ((group === 1 || (k & 31) === 31) && performance.now() - flushedAt >= FLUSH_MS) {
          live.flush();
          flushedAt = performance.now();
        }
      }
      if (done) {
        frames.end();
        live.flush();
        snapshot = live.snapshot;
      }
      parseMs += performance.now() - t;
    } else {
      const batches: BuildEvent[][] = reads.map((r) => parser.push(r));
      if (done) batches.push(parser.end());
      parseMs += performance.now() - t;
      t = performance.now();
      for (const batch of batches) {
        events += batch.length;
        for (const e of batch) snapshot = reduceBuild(snapshot, e);
      }
      reduceMs += performance.now() - t;
    }
    const cpu = process.cpuUsage(cpu0);
    cpuMs += (cpu.user + cpu.system) / 1000;
    if (n++ % (perEvent ? 1 : 16) === 0) sample();
  }
  sample();
  const perSec = (ms: number) => Math.round(events / (ms / 1000));
  if (quiet) return { rate: perSec(parseMs + reduceMs), cpuRate: perSec(cpuMs), rss: peakRss, snapshot };
  const rate = (ms: number) => perSec(ms).toLocaleString('en-US');
  console.log(
    [
      `${label} (${mode}): ${events.toLocaleString('en-US')} events, ${mb(bytes)} of rawjson`,
      ...(mode === 'core'
        ? []
        : [
            `  parse  ${parseMs.toFixed(0)} ms  (${rate(parseMs)} events/s)`,
            `  reduce ${reduceMs.toFixed(0)} ms  (${rate(reduceMs)} events/s)`,
          ]),
      `  total  ${(parseMs + reduceMs).toFixed(0)} ms wall (${rate(parseMs + reduceMs)} events/s), ${cpuMs.toFixed(0)} ms CPU (${rate(cpuMs)} events/s)`,
      `  peak heap ${mb(peakHeap)} (+${mb(peakHeap - before.heapUsed)} over start), peak RSS ${mb(peakRss)} (+${mb(peakRss - before.rss)})`,
      `  snapshot: ${snapshot.lanes.length} lanes, ${Object.keys(snapshot.steps).length} steps, ${snapshot.log.length.toLocaleString('en-US')} log lines kept (${snapshot.log.dropped} dropped)`,
    ].join('\n'),
  );
  return { rate: perSec(parseMs + reduceMs), cpuRate: perSec(cpuMs), rss: peakRss, snapshot };
}

function report(figure: string, r: { rate: number; cpuRate: number; rss: number }, informative = false): void {
  const k = (x: number) => `${Math.round(x / 1000)}k`;
  row({
    figure,
    ours: `${k(r.rate)} events/s (${k(r.cpuRate)}/s of CPU), peak RSS ${Math.round(r.rss / 1024 / 1024)} MB`,
    reference: '-',
    goal: informative ? '-' : '>= 500k events/s, <= 150 MB',
    met: !informative && r.rate >= 500_000 && r.rss <= 150 * 1024 * 1024,
  });
}

const only = process.argv[3];
const load = (loadavg()[0] ?? 0).toFixed(1);

// One function (no top-level await): the bundle is CommonJS.
async function main(): Promise<void> {
  if (only === undefined) {
    // This file and the core it measures as one bundle, built as the CLI's (see the header).
    const bundle = join(tmpdir(), `builddeck-progress-bench-${process.pid}.cjs`);
    const { buildSync } = await import('esbuild');
    buildSync({
      external: ['esbuild'],
      entryPoints: [process.argv[1] as string],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      logLevel: 'warning',
    });
    try {
      for (const figure of ['single', 'snapshots', 'live', 'pretty']) {
        // A fresh heap per figure; --expose-gc for the collections between runs.
        const r = spawnSync(process.execPath, ['--expose-gc', bundle, String(TOTAL), figure], { stdio: 'inherit' });
        if (r.status !== 0) process.exitCode = r.status ?? 1;
      }
    } finally {
      rmSync(bundle, { force: true });
    }
  } else if (only === 'single') {
    // The live path when every pipe read carries one event, as the core takes them (FrameParser, then
    // LiveProgress). Three processes, the median reported: one run moved by +-15% with the machine's
    // load. A process each, as every figure here: runs one after another in one process let a run's
    // peak RSS count what the run before it left (169 against 144 MB, measured).
    console.log(`load average ${load}`);
    const runs = [1, 2, 3].map((i) => {
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, process.argv[1] as string, String(TOTAL), 'single-run'],
        {
          encoding: 'utf8',
        },
      );
      const out = r.stdout.replace(/^RESULT .*\n/m, '');
      process.stdout.write(out.replace(/^buildx/m, `run ${i} of 3: buildx`));
      const result = /^RESULT (.*)$/m.exec(r.stdout)?.[1];
      if (r.status !== 0 || !result) throw new Error(`single-run ${i} failed: ${r.stderr.slice(-400)}`);
      return JSON.parse(result) as { rate: number; cpuRate: number; rss: number };
    });
    const median = [...runs].sort((a, b) => a.rate - b.rate)[1] as (typeof runs)[number];
    report(`progress, one event at a time (one event a pipe read), ${TOTAL / 1000}k events (load ${load})`, {
      ...median,
      rss: Math.max(...runs.map((r) => r.rss)),
    });
  } else if (only === 'single-run') {
    // Warmed up as the live figure below is (a core that has run a build before).
    run('warm-up', 'core', false, true, true);
    const { rate, cpuRate, rss } = run('buildx 0.29 NDJSON', 'core', false, true);
    console.log(`RESULT ${JSON.stringify({ rate, cpuRate, rss })}`);
  } else if (only === 'snapshots') {
    // No caller does this (the core reduces when read, the renderer a batch at a time): what the
    // reducer's contract (a new snapshot per call, earlier ones unchanged) costs per event.
    console.log(`load average ${load}`);
    report(
      `progress, a new snapshot per event (\`reduceBuild\` per event; informative), ${TOTAL / 1000}k events (load ${load})`,
      run('buildx 0.29 NDJSON', 'snapshots', false, false),
      true,
    );
  } else if (only === 'live') {
    console.log(`load average ${load}`);
    // A core that has run a build before (as the figures before each ran in its own process were
    // taken): in a fresh process the same run costs up to 2x the CPU, JIT and heap still growing.
    run('warm-up', 'core', false, false, true);
    const live = run('buildx 0.29 NDJSON', 'core', false, false);
    report(`progress, live path (a pipe read at a time), ${TOTAL / 1000}k events (load ${load})`, live);
    // What `builds.get` answers for this build in serve mode: the snapshot as sent (each line once, a
    // long log's tail), through the router's output check, as JSON; and one `builds.logs` page.
    const whole = JSON.stringify(buildSnapshot.parse(live.snapshot)).length;
    const sent = snapshotToSend(live.snapshot);
    const wire = JSON.stringify(buildSnapshot.parse(sent)).length;
    const page = JSON.stringify(logPage(live.snapshot.log, 0, 1024)).length;
    row({
      figure: `serve mode \`builds.get\`, ${live.snapshot.log.length.toLocaleString('en-US')}-line build`,
      ours: `${mb(wire)} (${sent.log.length} lines of the build log, ${sent.log.held ?? 0} held; a 1,024-line \`builds.logs\` page ${mb(page)})`,
      reference: `${mb(whole)} (the whole snapshot)`,
      goal: '<= 6 MB, paged',
      met: wire <= 6 * 1024 * 1024,
    });
  } else {
    run('buildx 0.13 pretty-printed', 'core', true, false);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
