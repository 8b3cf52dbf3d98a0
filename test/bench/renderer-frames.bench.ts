/**
 * The renderer in Chromium while a 100k-line build streams into it at full speed: frame times
 * (requestAnimationFrame intervals, long-animation-frame entries) and the page's JS heap (CDP
 * Runtime.getHeapUsage). Also the JS a window had fetched before its first contentful paint.
 *
 * What is real: the built renderer (out/renderer, `npm run build`) in Debian's Chromium, serve mode
 * (HTTP + WebSocket) over a real core (createCore), and for the build's progress the core's own
 * parts: buildx 0.29's rawjson text in pipe-sized chunks → RawJsonParser → the reducer (the
 * snapshot `builds.get` answers) → the build's live progress (50 ms, as create-core wires it) → `build.progressed`
 * on the core's event bus, in its window form (eventsForWindows) for the page. What is not: buildx itself. A real 100k-line build cannot stream at full
 * speed (BuildKit clips a step's output beyond ~200 KiB/s; the e2e test paces its 100k lines over
 * ~25 s), so the rawjson text is generated here, one line per log event (the parser's worst case),
 * and `builds.get` / `builds.logs` for that one build are answered from the snapshot above instead of
 * a BuildService, the way its handlers answer (`snapshotToSend`: a long log's tail; `logPage`).
 *   npx tsx test/bench/renderer-frames.bench.ts [lines]
 * Prints figures; asserts nothing. Diagnostics, each off unless set (they add work of their own, so
 * the figures of a run with them are not the bench's): BENCH_TRACE=1 (+ BENCH_TRACE_CATS),
 * BENCH_PROFILE=1 (+ BENCH_PROFILE_US), BENCH_FRAMES=1 (every interval in order), BENCH_CPU=1 (CPU of
 * the bench's and the browser's processes and threads), BENCH_LAYERS=1 (the compositor's layers),
 * BENCH_SHOT=1; BENCH_RENDERER_DIR serves another build of the renderer.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import type { BuildEvent } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, logPage, snapshotToSend, summarizeBuild } from '../../electron/common/progress';
import { RawJsonParser } from '../../electron/adapters/buildx/progress';
import { createCore } from '../../electron/composition/create-core';
import { liveBuild } from '../../electron/core/live-progress';
import type { Router } from '../../electron/core/router';
import { startServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox } from '../helpers/buildx-sandbox';
import { row } from './lib';

const LINES = Number(process.argv[2] ?? 100_000);
const BUILD_ID = 'bbenchframes0';
const CHUNK = 64 * 1024; // what a pipe delivers at a time
const FRAME_GOAL_MS = 16;
const HEAP_GOAL = 200 * 1024 * 1024;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) : NaN;
};

/** buildx 0.29's rawjson for a FROM and a RUN that prints LINES lines, one log event per line. */
function* rawjson(): Generator<string> {
  const t0 = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '123456Z');
  const from = `sha256:${'f'.repeat(64)}`;
  const run = `sha256:${'a'.repeat(64)}`;
  yield JSON.stringify({
    vertexes: [
      {
        digest: from,
        name: '[1/2] FROM docker.io/library/busybox:latest',
        started: iso(t0),
        completed: iso(t0),
        cached: true,
      },
    ],
  });
  yield JSON.stringify({
    vertexes: [{ digest: run, inputs: [from], name: '[2/2] RUN ./generate-100k-lines', started: iso(t0) }],
  });
  for (let i = 1; i <= LINES; i++) {
    const text = `line ${i}: compiling module ${i % 997} of target-${i % 13} with some typical compiler output\n`;
    yield JSON.stringify({
      logs: [
        {
          vertex: run,
          stream: i % 5 === 0 ? 2 : 1,
          data: Buffer.from(text).toString('base64'),
          timestamp: iso(t0 + i),
        },
      ],
    });
  }
  yield JSON.stringify({
    vertexes: [
      {
        digest: run,
        inputs: [from],
        name: '[2/2] RUN ./generate-100k-lines',
        started: iso(t0),
        completed: iso(Date.now()),
      },
    ],
  });
}

function* pipeChunks(): Generator<string> {
  let buf = '';
  for (const line of rawjson()) {
    buf += `${line}\n`;
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/**
 * BENCH_CPU=1: CPU seconds (user + system) of this process and of every process under it (the
 * browser's), by command name, from /proc: what the stream cost each side of the two cores.
 */
function processCpu(): Record<string, number> {
  const parent = new Map<number, number>();
  const stat = (path: string) => {
    const text = readFileSync(path, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
      ppid: Number(f[1]),
      cpu: (Number(f[11]) + Number(f[12])) / 100,
    };
  };
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      parent.set(Number(d), stat(`/proc/${d}/stat`).ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: Record<string, number> = {};
  for (const pid of parent.keys()) {
    let ours = false;
    for (let p: number | undefined = pid; p && p > 1 && !ours; p = parent.get(p)) ours = p === process.pid;
    if (!ours) continue;
    try {
      // By process kind (the browser's --type) and thread name.
      const type =
        pid === process.pid
          ? 'node'
          : (/--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser');
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const t = stat(`/proc/${pid}/task/${tid}/stat`);
        const k = `${type}/${t.comm.replace(/\d+$/, '')}`;
        out[k] = (out[k] ?? 0) + t.cpu;
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

const sandbox = buildxSandbox();
const dataDir = mkdtempSync(join(tmpdir(), 'bd-bench-frames-'));
const core = createCore({ env: sandbox.env, healthTimeoutMs: 5000, dataDir });
// As the builds service wires it: windows get each batch's window form (a flood of output as tails).
const live = liveBuild(core.events, BUILD_ID, createBuildSnapshot(BUILD_ID), 50);
const push = (events: BuildEvent[]) => live.push(events);
// Every command goes to the real core, except `builds.get` and `builds.logs` of the streamed build,
// answered as core/builds/handlers.ts does: a resync fetches the log's tail, not every line (until
// 2026-12-02 07:00 this sent the whole snapshot, ~32 MB, which the real `builds.get` stopped doing).
let gets = 0;
const router: Router = {
  invoke: (command, input, ctx) => {
    const ask = (input ?? {}) as { buildId?: unknown; from?: number; limit?: number };
    if (ask.buildId !== BUILD_ID || (command !== 'builds.get' && command !== 'builds.logs')) {
      return core.router.invoke(command, input, ctx);
    }
    if (command === 'builds.logs') {
      const { log } = live.snapshot;
      const from = ask.from ?? 0;
      const lines = logPage(log, from, ask.limit ?? 1024) ?? [];
      const end = log.dropped + log.length;
      return Promise.resolve({ ok: true, value: { from, lines, first: log.dropped - (log.held ?? 0), end } });
    }
    gets++;
    return Promise.resolve({ ok: true, value: snapshotToSend(live.snapshot) });
  },
  call: (command, input, ctx) => core.router.call(command, input, ctx),
  callUnchecked: (command, input, ctx) => core.router.callUnchecked(command, input, ctx),
};
const server = await startServer({
  router,
  events: core.events,
  // BENCH_RENDERER_DIR: another build of the renderer (a before/after pair run alternately).
  staticDir: process.env['BENCH_RENDERER_DIR'] ?? 'out/renderer',
});
const browser = await launchChromium();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.openUrl);
  await page.getByRole('button', { name: 'Builds', exact: true }).waitFor();

  // The first paint: which scripts had arrived by then (fetched, an upper bound of what ran), and
  // whether the workspace chunk (TanStack Query, live builds; app/Workspace.tsx marks its
  // evaluation) ran before it.
  const paint = await page.evaluate<{
    fcp: number;
    workspace: number;
    scripts: { name: string; end: number; size: number }[];
  }>(`(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    const workspace = performance.getEntriesByName('builddeck:workspace')[0]?.startTime ?? NaN;
    const scripts = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'))
      .map((r) => ({ name: r.name.replace(/.*\\//, ''), end: r.responseEnd, size: r.decodedBodySize }));
    return { fcp, workspace, scripts };
  })()`);
  const before = paint.scripts.filter((s) => s.end <= paint.fcp);
  const beforeBytes = before.reduce((n, s) => n + s.size, 0);
  console.log(
    `first contentful paint at ${paint.fcp.toFixed(0)} ms; workspace chunk evaluated at ${paint.workspace.toFixed(0)} ms (${paint.workspace < paint.fcp ? 'BEFORE' : 'after'} the paint)`,
  );
  console.log(
    `scripts fetched by the paint (${(beforeBytes / 1000).toFixed(1)} kB): ${before.map((s) => s.name).join(', ')}`,
  );
  console.log(
    `after it: ${
      paint.scripts
        .filter((s) => s.end > paint.fcp)
        .map((s) => s.name)
        .join(', ') || 'none'
    }`,
  );

  // Open the build the way a notification does, before it has printed anything.
  push([
    {
      type: 'started',
      at: Date.now(),
      builder: 'default',
      driver: 'docker',
      platforms: [],
      defaultPlatform: 'linux/amd64',
      contextDir: '/bench/ctx',
      tags: [],
      command: ['docker', 'buildx', 'build', '/bench/ctx'],
    },
  ]);
  live.flush();
  core.events.emit('app.openRequested', { view: 'builds', buildId: BUILD_ID });
  await page.locator('[data-testid="build-view"]').waitFor({ timeout: 30_000 });

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const heapAtStart = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  // A string, not a function: tsx would wrap the inner functions in a helper the page lacks.
  // BENCH_FRAMES=1 prints every interval in order, marked where the log first had rows and where
  // the view first said "succeeded" (two selector queries per frame: diagnostics, not the figure).
  const frameLog = process.env['BENCH_FRAMES'] === '1';
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__marks = [];
    const marks = ${frameLog};
    window.__loaf = [];
    window.__loafWhere = {};
    window.__rec = true;
    let last = 0;
    const tick = (t) => {
      if (last) window.__frames.push(t - last);
      if (marks) {
        const rows = document.querySelector('[data-testid="log-view"] [data-index]') !== null;
        const done = document.querySelector('[data-testid="build-view"][data-status="succeeded"]') !== null;
        window.__marks.push((rows ? 'r' : '') + (done ? 'd' : ''));
      }
      last = t;
      if (window.__rec) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          window.__loaf.push(e.duration);
          // Where a long frame's time went: each script by what invoked it, and the rendering
          // (style, layout, paint) after the frame's callbacks; forced layouts are inside scripts.
          const add = (k, ms) => (window.__loafWhere[k] = (window.__loafWhere[k] ?? 0) + ms);
          for (const s of e.scripts ?? []) {
            add('script ' + s.invokerType + ' ' + (s.invoker || '').slice(0, 60), s.duration);
            if (s.forcedStyleAndLayoutDuration) add('  of which forced style+layout', s.forcedStyleAndLayoutDuration);
          }
          if (e.renderStart) add('rendering (rAF callbacks, style, layout)', e.startTime + e.duration - e.renderStart);
          if (e.styleAndLayoutStart) add('  of which style+layout+paint', e.startTime + e.duration - e.styleAndLayoutStart);
        }
      }).observe({ type: 'long-animation-frame' });
    } catch {
      // A Chromium without LoAF: the rAF intervals still say it.
    }
  })()`);

  // Stream at full speed, a pipe read at a time; the event loop turns between reads (the
  // live progress' timer and the socket run as they would in the core).
  let peakHeap = heapAtStart;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakHeap = Math.max(peakHeap, (await cdp.send('Runtime.getHeapUsage')).usedSize);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  // BENCH_PROFILE=1 writes the page's CPU profile of the stream to test-results (open it in DevTools).
  const profile = process.env['BENCH_PROFILE'] === '1';
  if (profile) {
    await cdp.send('Profiler.enable');
    // BENCH_PROFILE_US: a finer sampling interval (µs) than the default 1 ms.
    if (process.env['BENCH_PROFILE_US']) {
      await cdp.send('Profiler.setSamplingInterval', { interval: Number(process.env['BENCH_PROFILE_US']) });
    }
    await cdp.send('Profiler.start');
  }
  // BENCH_TRACE=1 writes a Chromium trace of the stream (layout, style, paint, script per frame).
  const trace = process.env['BENCH_TRACE'] === '1';
  if (trace) {
    await browser.startTracing(page, {
      path: 'test-results/bench-renderer-100k.trace.json',
      // BENCH_TRACE_CATS: more categories, comma-separated (e.g. v8,disabled-by-default-v8.compile).
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'blink.user_timing',
        ...(process.env['BENCH_TRACE_CATS']?.split(',') ?? []),
      ],
    });
  }
  // The page's main-thread CPU time and layout/style/script work over the stream (CDP Performance
  // metrics): what the renderer spent, less sensitive to the machine's load than frame intervals.
  await cdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  // BENCH_LAYERS=1 prints the compositor's layers (cc ids, as in a trace's raster tiles) before the
  // stream, half-way through it and after it, with their sizes, paint counts, compositing reasons
  // and the DOM node they come from.
  const layersOn = process.env['BENCH_LAYERS'] === '1';
  let layers: {
    layerId: string;
    parentLayerId?: string;
    backendNodeId?: number;
    offsetX: number;
    offsetY: number;
    width: number;
    height: number;
    paintCount: number;
    drawsContent: boolean;
  }[] = [];
  const printLayers = async (when: string) => {
    const lines = [];
    for (const l of layers) {
      let node = '';
      if (l.backendNodeId) {
        try {
          const { node: n } = await cdp.send('DOM.describeNode', { backendNodeId: l.backendNodeId });
          node = `${n.localName}${
            n.attributes
              ? ` ${n.attributes
                  .filter((_, i) => i % 2 === 1)
                  .join(' ')
                  .slice(0, 80)}`
              : ''
          }`;
        } catch {
          node = '?';
        }
      }
      let why = '';
      try {
        why =
          (await cdp.send('LayerTree.compositingReasons', { layerId: l.layerId })).compositingReasonIds?.join(',') ??
          '';
      } catch {
        why = '?';
      }
      lines.push(
        `  L${l.layerId}<L${l.parentLayerId ?? '-'} @${l.offsetX},${l.offsetY} ${l.width}x${l.height} paints ${l.paintCount}${l.drawsContent ? '' : ' (no content)'} [${why}] ${node}`,
      );
    }
    console.log(`layers ${when}:\n${lines.join('\n')}`);
  };
  if (layersOn) {
    await cdp.send('DOM.enable');
    await cdp.send('DOM.getDocument', { depth: -1 });
    cdp.on('LayerTree.layerTreeDidChange', (e) => {
      if (e.layers) layers = e.layers;
    });
    await cdp.send('LayerTree.enable');
    await new Promise((r) => setTimeout(r, 300));
    await printLayers('before the stream');
  }
  const cpu0 = process.env['BENCH_CPU'] === '1' ? processCpu() : undefined;
  const m0 = await metrics();
  const t0 = performance.now();
  const parser = new RawJsonParser();
  // BENCH_SHOT=1 also takes a screenshot mid-stream (it costs the page a frame or two).
  let shot = process.env['BENCH_SHOT'] === '1';
  let midLayers = false;
  for (const chunk of pipeChunks()) {
    push(parser.push(chunk));
    await nextTick();
    if (layersOn && !midLayers && live.snapshot.log.length + live.snapshot.log.dropped >= LINES / 2) {
      midLayers = true;
      await printLayers('mid-stream');
    }
    if (shot && live.snapshot.log.length + live.snapshot.log.dropped >= LINES / 2) {
      shot = false;
      await page.screenshot({ path: 'test-results/bench-renderer-100k-streaming.png' });
    }
  }
  push(parser.end());
  push([{ type: 'finished', at: Date.now(), ok: true, cancelled: false, exitCode: 0 }]);
  live.flush();
  core.events.emit('build.finished', { buildId: BUILD_ID, summary: summarizeBuild(live.snapshot) });
  const fed = performance.now() - t0;
  // Asked every 50 ms, not per frame: a locator's waitFor runs its selector and reads the text of
  // every row on each animation frame, script of ours inside the frames being measured. (Not
  // waitForFunction: its string predicate is an eval, which the page's CSP refuses.)
  const done = `[...document.querySelectorAll('[data-testid="log-view"] [data-index]')].some((r) => r.textContent.includes('line ${LINES}:')) && document.querySelector('[data-testid="build-view"][data-status="succeeded"]') !== null`;
  for (const until = Date.now() + 120_000; !(await page.evaluate<boolean>(done));) {
    if (Date.now() > until) throw new Error(`line ${LINES} not shown within 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const shown = performance.now() - t0;
  const m1 = await metrics();
  if (layersOn) await printLayers('after the stream');
  if (cpu0) {
    const cpu1 = processCpu();
    const used = Object.entries(cpu1)
      .map(([k, v]) => [k, v - (cpu0[k] ?? 0)] as const)
      .filter(([, v]) => v > 0.005)
      .sort((a, b) => b[1] - a[1]);
    console.log(`CPU over the stream (s): ${used.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  }
  const spent = (k: string) => (m1[k] ?? 0) - (m0[k] ?? 0);
  if (trace) await browser.stopTracing();
  if (profile) {
    const { profile: cpu } = await cdp.send('Profiler.stop');
    writeFileSync('test-results/bench-renderer-100k.cpuprofile', JSON.stringify(cpu));
  }
  // A second of idle frames after the last line is not part of the stream.
  const { frames, loaf, loafWhere, marks } = await page.evaluate(() => {
    const w = window as unknown as {
      __frames: number[];
      __loaf: number[];
      __loafWhere: Record<string, number>;
      __marks: string[];
      __rec: boolean;
    };
    w.__rec = false;
    return { frames: w.__frames, loaf: w.__loaf, loafWhere: w.__loafWhere, marks: w.__marks };
  });
  if (frameLog) {
    // Interval i ends at frame i + 1; a mark change says what that frame showed first.
    const seq = frames.map((f, i) => {
      const m = marks[i + 1] ?? '';
      const changed = m !== (marks[i] ?? '') ? `<${m || '-'}>` : '';
      return `${changed}${f.toFixed(0)}`;
    });
    console.log(`intervals in order (<r> log rows shown, <rd> succeeded): ${seq.join(' ')}`);
  }
  sampling = false;
  await sampler;
  peakHeap = Math.max(peakHeap, (await cdp.send('Runtime.getHeapUsage')).usedSize);
  await cdp.send('HeapProfiler.collectGarbage');
  const heapAfterGc = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  const rows = await page.locator('[data-testid="log-view"] [data-index]').count();
  await page.screenshot({ path: 'test-results/bench-renderer-100k.png' });

  const p95 = pct(frames, 95);
  const dropped = frames.filter((f) => f > 16.7 * 1.5).length;
  console.log(
    `load ${loadavg()[0]?.toFixed(1)}; ${LINES.toLocaleString()} lines (${live.snapshot.eventCount.toLocaleString()} events) fed by the core in ${(fed / 1000).toFixed(2)} s; last line on screen after ${(shown / 1000).toFixed(2)} s; ${rows} rows in the DOM; builds.get asked ${gets} times (1 = no resync)`,
  );
  console.log(
    `frames ${frames.length}: interval p50 ${pct(frames, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${pct(frames, 99).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms; ${dropped} over 25 ms; long animation frames (>= 50 ms): ${loaf.length}, longest ${loaf.length ? Math.max(...loaf).toFixed(0) : 0} ms`,
  );
  console.log(
    `JS heap: ${mb(heapAtStart)} before, peak ${mb(peakHeap)} (sampled every 200 ms), ${mb(heapAfterGc)} after GC with the build shown`,
  );
  console.log(
    `main thread CPU ${spent('ThreadTime').toFixed(2)} s; script ${spent('ScriptDuration').toFixed(2)} s, layout ${spent('LayoutDuration').toFixed(2)} s (${spent('LayoutCount')} layouts), style ${spent('RecalcStyleDuration').toFixed(2)} s (${spent('RecalcStyleCount')} recalcs), tasks ${spent('TaskDuration').toFixed(2)} s`,
  );
  const where = Object.entries(loafWhere).sort((a, b) => b[1] - a[1]);
  console.log(
    `long frames' time (ms): ${
      where
        .slice(0, 10)
        .map(([k, v]) => `${k.trim()} ${v.toFixed(0)}`)
        .join('; ') || 'none'
    }`,
  );
  if (errors.length) console.log(`page errors: ${errors.join(' | ')}`);

  row({
    figure: 'first paint in Chromium (serve mode) is the shell alone',
    ours: `${paint.workspace > paint.fcp ? 'yes' : 'NO'}: paint at ${paint.fcp.toFixed(0)} ms, workspace ran at ${paint.workspace.toFixed(0)} ms`,
    reference: '-',
    goal: 'only the shell JS (renderer-bundle bench) before it',
    met: paint.workspace > paint.fcp,
  });
  row({
    figure: `renderer frame interval p95, ${LINES.toLocaleString()}-line build streamed at full speed`,
    ours: `${p95.toFixed(1)} ms (max ${Math.max(...frames).toFixed(0)} ms, ${dropped}/${frames.length} over 25 ms)`,
    reference: '16.7 ms (one frame at 60 Hz)',
    ratio: p95 / 16.7,
    goal: `< ${FRAME_GOAL_MS} ms (no frame dropped)`,
    met: p95 <= 16.7 * 1.1,
  });
  row({
    figure: `renderer JS heap peak, same build`,
    ours: `${mb(peakHeap)} (${mb(heapAfterGc)} after GC)`,
    reference: '-',
    goal: '<= 200 MB',
    met: peakHeap <= HEAP_GOAL,
  });
} finally {
  await browser.close();
  await server.close();
  await core.dispose();
  await sandbox.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
