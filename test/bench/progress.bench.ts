/**
 * Progress pipeline benchmark: rawjson text → RawJsonParser → reducer, on a generated stream of
 * 100k SolveStatus events shaped like buildx 0.29's NDJSON (and once pretty-printed like 0.13).
 *   npx tsx test/bench/progress.bench.ts [events]
 * Prints throughput and peak memory; asserts nothing.
 */
import { RawJsonParser } from '../../electron/adapters/buildx/progress';
import type { BuildEvent } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, reduceBuild, reduceBuildEvents } from '../../electron/common/progress';

const TOTAL = Number(process.argv[2] ?? 100_000);
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const STEPS_PER_PLATFORM = 40;

/** A deterministic build: per platform 40 steps; ~80% log chunks, ~15% byte statuses, the rest vertexes. */
function generate(total: number): string[] {
  const objects: string[] = [];
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
  for (const v of digests) {
    objects.push(JSON.stringify({ vertexes: [{ digest: v.d, name: v.name, started: iso(clock) }] }));
    n++;
    for (let k = 0; k < perStep - 2 && n < total - 1; k++, n++) {
      clock += 3;
      if (k % 7 === 0) {
        objects.push(
          JSON.stringify({
            statuses: [
              {
                id: `sha256:layer${k}`,
                vertex: v.d,
                name: 'downloading',
                current: k * 4096,
                total: perStep * 4096,
                timestamp: iso(clock),
                started: iso(t0),
              },
            ],
          }),
        );
      } else {
        const text = `[${k}] compiling module ${k} of ${v.name.slice(-10)} with some typical compiler output\n`;
        objects.push(
          JSON.stringify({
            logs: [
              {
                vertex: v.d,
                stream: k % 5 === 0 ? 2 : 1,
                data: Buffer.from(text).toString('base64'),
                timestamp: iso(clock),
              },
            ],
          }),
        );
      }
    }
    objects.push(
      JSON.stringify({
        vertexes: [
          {
            digest: v.d,
            name: v.name,
            started: iso(t0),
            completed: iso(clock),
            ...(n % 5 === 0 ? { cached: true } : {}),
          },
        ],
      }),
    );
    n++;
  }
  return objects;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function run(label: string, text: string, mode: 'batch' | 'single'): void {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const parser = new RawJsonParser();
  let snapshot = createBuildSnapshot('bench');
  let events = 0;
  let parseMs = 0;
  let reduceMs = 0;
  const CHUNK = 64 * 1024; // what a pipe delivers at a time
  const started = performance.now();
  for (let i = 0; i <= text.length; i += CHUNK) {
    let t = performance.now();
    const batch: BuildEvent[] = i < text.length ? parser.push(text.slice(i, i + CHUNK)) : parser.end();
    parseMs += performance.now() - t;
    events += batch.length;
    t = performance.now();
    if (mode === 'batch') snapshot = reduceBuildEvents(snapshot, batch);
    else for (const e of batch) snapshot = reduceBuild(snapshot, e);
    reduceMs += performance.now() - t;
    if ((i / CHUNK) % 16 === 0) sample();
  }
  sample();
  const totalMs = performance.now() - started;
  console.log(
    [
      `${label} (${mode} reduce): ${events.toLocaleString('en-US')} events, ${mb(text.length)} of rawjson`,
      `  parse  ${parseMs.toFixed(0)} ms  (${Math.round(events / (parseMs / 1000)).toLocaleString('en-US')} events/s)`,
      `  reduce ${reduceMs.toFixed(0)} ms  (${Math.round(events / (reduceMs / 1000)).toLocaleString('en-US')} events/s)`,
      `  total  ${totalMs.toFixed(0)} ms  (${Math.round(events / (totalMs / 1000)).toLocaleString('en-US')} events/s)`,
      `  peak heap ${mb(peakHeap)} (+${mb(peakHeap - heapBefore)} over start), peak RSS ${mb(peakRss)}`,
      `  snapshot: ${snapshot.lanes.length} lanes, ${Object.keys(snapshot.steps).length} steps, ${snapshot.log.length.toLocaleString('en-US')} log lines kept (${snapshot.log.dropped} dropped)`,
    ].join('\n'),
  );
}

const objects = generate(TOTAL);
const ndjson = `${objects.join('\n')}\n`;
run('buildx 0.29 NDJSON', ndjson, 'batch');
run('buildx 0.29 NDJSON', ndjson, 'single');
const pretty = objects.map((o) => JSON.stringify(JSON.parse(o), null, 2)).join('\n');
run('buildx 0.13 pretty-printed', pretty, 'batch');
