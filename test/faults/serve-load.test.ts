import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  SERVE_RESYNC_EVENT,
  SERVE_TOKEN_HEADER,
  SERVE_WS_PROTOCOL,
  SERVE_WS_TOKEN_PROTOCOL,
} from '../../electron/common/bridge';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { mb, ms, record, type Measure } from './lib/report';

/**
 * Serve mode as many browser tabs and scripts use it at once, against the real core and a real build:
 * HTTP clients hammering commands, event subscribers that must see every event in order (or be told
 * how many they missed), and one subscriber that stops reading while a noisy build streams.
 */
const HTTP_CLIENTS = 200;
const SUBSCRIBERS = 50;
const LOAD_MS = 30_000;
/** The flooding build's parallel stages. */
const STAGES = [1, 2, 3, 4, 5, 6, 7, 8];

interface Subscriber {
  ws: WebSocket;
  /** seq of every event received, and the `missed` of every resync marker, in arrival order. */
  seqs: number[];
  resyncs: { seq: number; missed: number }[];
  finished: Set<string>;
  bytes: number;
}

/** Only the head of each message is parsed: `{"event":"…","seq":N,…` (the payload can be megabytes). */
const HEAD = /^\{"event":"([^"]+)","seq":(\d+)/;

function subscribe(server: RunningServer): Promise<Subscriber> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, [
    SERVE_WS_PROTOCOL,
    `${SERVE_WS_TOKEN_PROTOCOL}${server.token}`,
  ]);
  const sub: Subscriber = { ws, seqs: [], resyncs: [], finished: new Set(), bytes: 0 };
  ws.on('message', (data: Buffer) => {
    sub.bytes += data.length;
    const text = data.toString('utf8', 0, Math.min(data.length, 200));
    const m = HEAD.exec(text);
    if (!m) return;
    const seq = Number(m[2]);
    if (m[1] === SERVE_RESYNC_EVENT) {
      const missed = /"missed":(\d+)/.exec(data.toString('utf8'))?.[1];
      sub.resyncs.push({ seq, missed: Number(missed) });
      return;
    }
    sub.seqs.push(seq);
    if (m[1] === 'build.finished') {
      const id = /"buildId":"([^"]+)"/.exec(data.toString('utf8'))?.[1];
      if (id) sub.finished.add(id);
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(sub));
    ws.once('error', reject);
  });
}

/** Every event in order with no gap, except gaps a resync marker announced exactly. */
function gapsUnannounced(sub: Subscriber): number {
  let bad = 0;
  for (let i = 1; i < sub.seqs.length; i++) {
    const prev = sub.seqs[i - 1] as number;
    const cur = sub.seqs[i] as number;
    if (cur === prev + 1) continue;
    const marker = sub.resyncs.find((r) => r.seq === cur);
    if (!marker || cur !== prev + marker.missed + 1) bad++;
  }
  return bad;
}

/** One command over serve's HTTP API as a page sends it; never rejects (status 0: no answer). */
function invoke(
  server: RunningServer,
  command: string,
  input: unknown,
): Promise<{ status: number; ok: boolean; body: unknown }> {
  const body = JSON.stringify({ command, input });
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/invoke',
        method: 'POST',
        headers: {
          [SERVE_TOKEN_HEADER]: server.token,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
          const ok = (parsed as { ok?: boolean } | undefined)?.ok === true;
          resolve({ status: res.statusCode ?? 0, ok, body: parsed });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, ok: false, body: undefined }));
    req.end(body);
  });
}

async function startBuild(server: RunningServer, contextDir: string): Promise<string> {
  const r = await invoke(server, 'builds.start', { contextDir, builder: 'default' });
  const value = r.body as { value?: { buildId: string }; error?: { message: string } } | undefined;
  if (r.ok && value?.value) return value.value.buildId;
  throw new Error(`builds.start: ${value?.error?.message ?? JSON.stringify(r.body)}`);
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('serve mode under load, against the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let dataDir: string;
  let ctx: string;
  let noisy: string;
  const token = `bdfault-serve-${Math.random().toString(36).slice(2, 8)}`;
  const rows: Measure[] = [];

  beforeAll(async () => {
    sandbox = buildxSandbox();
    dataDir = mkdtempSync(join(tmpdir(), 'bd-fault-serve-data-'));
    ctx = mkdtempSync(join(tmpdir(), 'bd-fault-serve-ctx-'));
    noisy = mkdtempSync(join(tmpdir(), 'bd-fault-serve-noisy-'));
    // A build that streams for a while: a line a second for the whole load window.
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM local/busybox:latest\nRUN for i in $(seq 1 25); do echo "${token} tick $i"; sleep 1; done\n`,
    );
    // A build that floods: BuildKit passes at most 200 KiB/s of log per step, so eight stages built in
    // parallel each print that much every second for 12 s (~19 MB in all). A window (this socket) gets
    // a flood as the core's log tails (eventsForWindows), a few MB: more than the kernel's buffers of a
    // paused reader (~4 MB here) only with this many steps printing at once.
    const stage = (n: number) =>
      `FROM local/busybox:latest AS s${n}\nRUN echo ${token}-${n} && for i in $(seq 1 12); do head -c 200000 /dev/zero | tr '\\0' x | fold -w 120; sleep 1; done\n`;
    writeFileSync(
      join(noisy, 'Dockerfile'),
      `${STAGES.map(stage).join('')}FROM local/busybox:latest\n${STAGES.map((n) => `COPY --from=s${n} /etc/hostname /s${n}\n`).join('')}`,
    );
    core = createCore({ env: sandbox.env, dataDir, pollIntervalMs: 600_000 });
    // The server's own default high-water mark is 8 MiB; a smaller one lets one build's logs cross it.
    server = await startServer({ router: core.router, events: core.events, socketHighWaterBytes: 256 * 1024 });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await core?.dispose();
    await sandbox?.cleanup();
    await pruneCacheByToken(token).catch(() => undefined);
    for (const d of [ctx, noisy, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
    record('serve-load', `Serve mode: ${HTTP_CLIENTS} HTTP clients and ${SUBSCRIBERS} event subscribers`, rows);
  });

  it(`${HTTP_CLIENTS} HTTP clients and ${SUBSCRIBERS} subscribers for ${LOAD_MS / 1000} s while a build streams`, async () => {
    const subs = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => subscribe(server)));
    const rss: number[] = [process.memoryUsage().rss];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
    const buildId = await startBuild(server, ctx);
    const deadline = Date.now() + LOAD_MS;
    const latencies: number[] = [];
    let failed = 0;
    const statuses = new Map<number, number>();
    const commands: [string, unknown][] = [
      ['settings.get', {}],
      ['builds.list', {}],
      ['history.capabilities', {}],
    ];
    await Promise.all(
      Array.from({ length: HTTP_CLIENTS }, async (_, i) => {
        let k = i;
        while (Date.now() < deadline) {
          const [command, input] = commands[k++ % commands.length] as [string, unknown];
          const t = Date.now();
          const r = await invoke(server, command, input);
          latencies.push(Date.now() - t);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status !== 200 || !r.ok) failed++;
        }
      }),
    );
    const finishedInTime = await until(() => subs.every((s) => s.finished.has(buildId)), 60_000);
    clearInterval(sampler);
    for (const s of subs) s.ws.close();

    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    const gaps = subs.reduce((n, s) => n + gapsUnannounced(s), 0);
    const counts = subs.map((s) => s.seqs.length);
    rows.push(
      { what: 'requests answered', value: latencies.length, note: `${HTTP_CLIENTS} clients, ${LOAD_MS / 1000} s` },
      { what: 'failed requests', value: failed, note: [...statuses].map(([k, v]) => `HTTP ${k}: ${v}`).join(', ') },
      { what: 'latency p50 / p99 / max', value: `${ms(pct(0.5))} / ${ms(pct(0.99))} / ${ms(pct(1))}` },
      {
        what: 'events per subscriber (min / max)',
        value: `${Math.min(...counts)} / ${Math.max(...counts)}`,
        note: 'every subscriber saw the build finish',
      },
      { what: 'gaps not announced by a resync marker', value: gaps, note: `${SUBSCRIBERS} subscribers` },
      {
        what: 'RSS of server + clients (one process): start / peak / end',
        value: `${mb(rss[0] ?? 0)} / ${mb(Math.max(...rss))} / ${mb(rss.at(-1) ?? 0)}`,
      },
    );
    expect(failed).toBe(0);
    expect(finishedInTime).toBe(true);
    expect(gaps).toBe(0);
    expect(Math.min(...counts)).toBe(Math.max(...counts));
  }, 180_000);

  it('a subscriber that stops reading is told how many events it missed, and memory stays bounded', async () => {
    const slow = await subscribe(server);
    const fast = await subscribe(server);
    slow.ws.pause(); // reads nothing: the kernel's buffers fill, then the server's queue would
    const rss: number[] = [process.memoryUsage().rss];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
    const buildId = await startBuild(server, noisy);
    const done = await until(() => fast.finished.has(buildId), 150_000);
    clearInterval(sampler);
    slow.ws.resume();
    // A live event after the flood delivers the marker: the page learns it must re-read.
    const afterId = await startBuild(server, ctx);
    await until(() => slow.finished.has(afterId) && fast.finished.has(afterId), 90_000);
    slow.ws.close();
    fast.ws.close();
    const missed = slow.resyncs.reduce((n, r) => n + r.missed, 0);
    rows.push(
      { what: 'stalled subscriber: events missed, announced', value: missed, note: `${slow.resyncs.length} marker(s)` },
      { what: 'stalled subscriber: unannounced gaps', value: gapsUnannounced(slow) },
      {
        what: 'reading subscriber: events (gaps), bytes',
        value: `${fast.seqs.length} (${gapsUnannounced(fast)}), ${mb(fast.bytes)}`,
      },
      {
        what: 'RSS of server + clients during the flood: start / peak',
        value: `${mb(rss[0] ?? 0)} / ${mb(Math.max(...rss))}`,
      },
    );
    expect(done).toBe(true);
    expect(fast.resyncs).toEqual([]);
    expect(gapsUnannounced(fast)).toBe(0);
    expect(missed).toBeGreaterThan(0);
    expect(gapsUnannounced(slow)).toBe(0);
    expect(slow.finished.has(afterId)).toBe(true);
  }, 300_000);
});
