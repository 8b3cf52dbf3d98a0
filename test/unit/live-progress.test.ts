import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameParser, parseRawJson } from '../../electron/adapters/buildx/progress';
import type { BuildEvent, BuildSnapshot } from '../../electron/common/contracts/builds';
import {
  buildWindowBatch,
  createBuildSnapshot,
  reduceBuildEvents,
  WINDOW_LOG_EVENTS,
} from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { liveBuild, LiveProgress } from '../../electron/core/live-progress';

/**
 * The live path's batching (issue 14, "one event at a time"): buildx's reads parsed a frame at a
 * time, their events reduced when the snapshot is read. What a user would notice if it were wrong:
 * a window's progress differing from `builds.get`, a late or missing batch, lost output at the end.
 */

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/rawjson', `${name}.txt`), 'utf8');

/** A recorded stream as a reader that keeps up gets it: one line a read (cut lines included). */
function reads(text: string): string[] {
  const out: string[] = [];
  for (let from = 0; from < text.length;) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl + 1;
    // Every third line comes in two reads, cut inside its JSON.
    if (out.length % 3 === 2 && end - from > 10) {
      const mid = from + Math.floor((end - from) / 2);
      out.push(text.slice(from, mid), text.slice(mid, end));
    } else out.push(text.slice(from, end));
    from = end;
  }
  return out;
}

describe('FrameParser: reads parsed a frame at a time', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  for (const v of ['0.29.1', '0.13.1']) {
    it(`buildx ${v}: the same events as the whole stream parsed at once, in one batch per frame`, () => {
      const text = fixture(`multi-success-${v}`);
      const batches: BuildEvent[][] = [];
      const parser = new FrameParser((events) => batches.push(events));
      const pieces = reads(text);
      for (const piece of pieces) parser.push(piece);
      // Nothing before the frame ends (the recorded stream is far under 64 KiB)...
      expect(text.length).toBeLessThan(64 * 1024);
      expect(batches).toHaveLength(0);
      vi.advanceTimersByTime(16);
      // ...then one parse for all of it.
      expect(batches).toHaveLength(1);
      parser.end();
      expect(batches.flat()).toEqual(parseRawJson(text));
      expect(pieces.length).toBeGreaterThan(20);
    });
  }

  it('a flood is parsed as soon as 64 KiB wait, without waiting for the frame', () => {
    const line = `${JSON.stringify({ logs: [{ vertex: 'sha256:a', stream: 1, data: Buffer.from('x'.repeat(600)).toString('base64') }] })}\n`;
    const batches: BuildEvent[][] = [];
    const parser = new FrameParser((events) => batches.push(events));
    let pushed = 0;
    while (batches.length === 0) {
      parser.push(line);
      pushed += line.length;
    }
    expect(pushed).toBeGreaterThanOrEqual(64 * 1024);
    expect(pushed).toBeLessThan(64 * 1024 + line.length);
    expect(batches[0]).toHaveLength(Math.ceil((64 * 1024) / line.length));
  });

  it('the end delivers what waits, an unterminated last line included, and leaves no timer', () => {
    const batches: BuildEvent[][] = [];
    const parser = new FrameParser((events) => batches.push(events));
    parser.push('{"vertexes":[{"digest":"sha256:a","name":"[1/1] RUN true","started":"2026-11-27T06:00:00Z"}]}\n');
    parser.push('#0 plain text without a newline');
    parser.end();
    expect(batches.flat().map((e) => e.type)).toEqual(['vertex', 'text']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('LiveProgress: reduced when read, emitted in batches', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const events = parseRawJson(fixture('multi-success-0.29.1'));

  function live(emitted = 0) {
    const reduce = vi.fn(reduceBuildEvents);
    const batches: { firstIndex: number; events: BuildEvent[]; after: BuildSnapshot }[] = [];
    // A window listens (as the desktop app's IPC transport always does); nothing else does.
    const progress = new LiveProgress<BuildSnapshot, BuildEvent>(
      createBuildSnapshot('b1'),
      reduce,
      {
        listening: (audience) => audience === 'windows',
        all: () => undefined,
        windows: (firstIndex, batch, after) => batches.push({ firstIndex, events: batch, after }),
        batch: buildWindowBatch(),
      },
      50,
      emitted,
    );
    return { progress, reduce, batches };
  }

  it('events pushed one at a time are reduced once, when something reads the snapshot', () => {
    const { progress, reduce } = live();
    for (const e of events) progress.push([e]);
    expect(reduce).not.toHaveBeenCalled();
    // The same state as reducing the stream at once: a `builds.get` sees every event pushed.
    expect(progress.snapshot).toEqual(reduceBuildEvents(createBuildSnapshot('b1'), events));
    expect(reduce).toHaveBeenCalledTimes(1);
    expect(progress.snapshot).toBe(progress.snapshot);
    expect(reduce).toHaveBeenCalledTimes(1);
  });

  it('a batch leaves within the window, with its first index and the state after it', () => {
    const { progress, batches } = live(1);
    const half = Math.floor(events.length / 2);
    for (const e of events.slice(0, half)) progress.push([e]);
    vi.advanceTimersByTime(49);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    for (const e of events.slice(half)) progress.push([e]);
    progress.flush();
    expect(batches.map((b) => [b.firstIndex, b.events.length])).toEqual([
      [1, half],
      [1 + half, events.length - half],
    ]);
    // Each batch's state is the stream reduced up to its end: what a window replays it into.
    // (As JSON: log views share append-only chunks that later lines grow, each view its own length.)
    expect(JSON.stringify(batches[0]?.after)).toBe(
      JSON.stringify(reduceBuildEvents(createBuildSnapshot('b1'), events.slice(0, half))),
    );
    expect(batches[1]?.after).toBe(progress.snapshot);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a flood nothing reads is reduced in bounded steps, not held whole', () => {
    const { progress, reduce } = live();
    const log = (i: number): BuildEvent => ({ type: 'log', vertex: 'v', stream: 1, data: `line ${i}\n` });
    for (let i = 0; i < 10_000; i++) progress.push([log(i)]);
    expect(reduce.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...reduce.mock.calls.map((c) => c[1].length))).toBeLessThanOrEqual(512);
    expect(progress.snapshot.eventCount).toBe(10_000);
  });

  it('listeners that are not windows get each push at once, numbered; windows still get batches', () => {
    const bus = new EventBus();
    const live = liveBuild(bus, 'b1', createBuildSnapshot('b1'), 50);
    const cli: { firstIndex: number; n: number }[] = [];
    const window: { firstIndex: number; n: number }[] = [];
    bus.subscribe((e, p) => e === 'build.progressed' && cli.push({ firstIndex: p.firstIndex, n: p.events.length }), {
      passive: true,
    });
    bus.subscribe((e, p) => e === 'build.progressed' && window.push({ firstIndex: p.firstIndex, n: p.events.length }), {
      window: true,
    });
    live.push(events.slice(0, 3));
    live.push(events.slice(3, 5));
    // The CLI prints output as it comes, not 50 ms later.
    expect(cli).toEqual([
      { firstIndex: 0, n: 3 },
      { firstIndex: 3, n: 2 },
    ]);
    expect(window).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(window).toEqual([{ firstIndex: 0, n: 5 }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with no window listening nothing is held for one, and a window that joins starts at its snapshot', () => {
    const bus = new EventBus();
    const live = liveBuild(bus, 'b1', createBuildSnapshot('b1'), 50);
    const log = (i: number): BuildEvent => ({ type: 'log', vertex: 'v', stream: 1, data: `line ${i}\n` });
    for (let i = 0; i < 2000; i++) live.push([log(i)]);
    live.flush();
    const window: { firstIndex: number; events: BuildEvent[] }[] = [];
    bus.subscribe((e, p) => e === 'build.progressed' && window.push(p), { window: true });
    const joined = live.joinSnapshot();
    expect(joined.eventCount).toBe(2000);
    for (let i = 2000; i < 2000 + WINDOW_LOG_EVENTS + 10; i++) live.push([log(i)]);
    live.flush();
    // One batch, right after the snapshot; a flood, so its output comes as the core's log tail.
    expect(window.map((b) => b.firstIndex)).toEqual([2000]);
    expect(window[0]?.events.map((e) => e.type)).toEqual(['logSync']);
  });

  it('a window that leaves mid-batch and one that comes before the flush: no batch with a hole', () => {
    const bus = new EventBus();
    const live = liveBuild(bus, 'b1', createBuildSnapshot('b1'), 50);
    const first = bus.subscribe(() => undefined, { window: true });
    live.push(events.slice(0, 3));
    first();
    live.push(events.slice(3, 5)); // nobody listens: not held
    const got: { firstIndex: number; n: number }[] = [];
    bus.subscribe((e, p) => e === 'build.progressed' && got.push({ firstIndex: p.firstIndex, n: p.events.length }), {
      window: true,
    });
    live.push(events.slice(5, 7));
    vi.advanceTimersByTime(50);
    // The batch starts where its events do; the window sees the gap (0-4) and re-reads.
    expect(got).toEqual([{ firstIndex: 5, n: 2 }]);
  });
});
