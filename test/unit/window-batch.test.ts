import { describe, expect, it, vi } from 'vitest';
import { buildEvents as buildEventSchemas } from '../../electron/common/contracts/builds';
import type { BuildEvent, BuildSnapshot } from '../../electron/common/contracts/builds';
import {
  applyBakeProgress,
  applyProgress,
  createBakeSnapshot,
  createBuildSnapshot,
  logLines,
  logPage,
  stepStateOf,
  WINDOW_LOG_CHARS,
  WINDOW_LOG_EVENTS,
} from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { liveBake, liveBuild } from '../../electron/core/live-progress';
import { LiveStreams } from '../../electron/core/history/live-streams';
import type { BuildkitHistoryPort } from '../../electron/core/history/ports';
import { historyEvents } from '../../electron/common/contracts/history';
import { bakeEvents as bakeEventSchemas, type BakeEvent } from '../../electron/common/contracts/bake';

type Progressed = { buildId: string; firstIndex: number; events: BuildEvent[] };

/**
 * A build as the core reduces it and two listeners hear it: a window transport (IPC, serve mode)
 * and a passive one (the CLI following its build). Batches are flushed by hand, as LiveProgress's
 * timer would.
 */
function harness() {
  const bus = new EventBus();
  const live = liveBuild(bus, 'b1', createBuildSnapshot('b1'), 50);
  const toWindow: Progressed[] = [];
  const toCli: Progressed[] = [];
  // What crosses the wire: JSON, then the contract's own check of the payload.
  const wire = (p: unknown) => buildEventSchemas['build.progressed'].parse(JSON.parse(JSON.stringify(p)));
  bus.subscribe((event, payload) => event === 'build.progressed' && toWindow.push(wire(payload)), { window: true });
  bus.subscribe((event, payload) => event === 'build.progressed' && toCli.push(payload), { passive: true });
  return {
    push(events: BuildEvent[]) {
      live.push(events);
    },
    flush: () => live.flush(),
    core: () => live.snapshot,
    toWindow,
    toCli,
  };
}

const head: BuildEvent[] = [
  { type: 'started', at: 0, builder: 'b', driver: 'docker', platforms: [], contextDir: '/w', tags: [], command: [] },
  { type: 'vertex', digest: 'a', name: '[1/3] RUN a', started: 1 },
  { type: 'vertex', digest: 'b', name: '[2/3] RUN b', started: 1 },
];

/** n output events from two steps, some of them halves of a line (the rest comes in the next). */
function output(from: number, n: number): BuildEvent[] {
  const out: BuildEvent[] = [];
  for (let i = from; i < from + n; i++) {
    const vertex = i % 3 ? 'a' : 'b';
    // Every 7th event ends mid-line; the next one of that step finishes it.
    out.push({ type: 'log', vertex, stream: i % 5 ? 1 : 2, data: i % 7 ? `line ${i}\n` : `half ${i} ` });
  }
  return out;
}

/** A window joining at the start and applying every batch it got, as the renderer's store does. */
function windowView(batches: readonly Progressed[]): BuildSnapshot {
  let s = createBuildSnapshot('b1');
  for (const b of batches) {
    const r = applyProgress(s, b);
    expect(r.gap).toBe(false);
    s = r.snapshot;
  }
  return s;
}

const kept = (s: BuildSnapshot, step?: string) => logLines(step ? (s.steps[step]?.logs ?? s.log) : s.log);

describe("a flood of output reaches a window as the core's log tails (eventsForWindows)", () => {
  it('a batch a window can read along goes as it is, to windows and the CLI alike', () => {
    const h = harness();
    h.push(head);
    h.push(output(0, WINDOW_LOG_EVENTS));
    h.flush();
    // The CLI had them as they came (two pushes); the window as one batch, the same events.
    expect(h.toCli.map((b) => b.firstIndex)).toEqual([0, head.length]);
    expect(h.toWindow[0]?.events).toEqual(h.toCli.flatMap((b) => b.events));
    expect(h.toWindow[0]?.events.some((e) => e.type === 'logSync')).toBe(false);
  });

  it('a flood: the window ends with the core state, its last lines, and the rest held at the core', () => {
    const h = harness();
    h.push(head);
    h.push(output(0, 100));
    h.flush();
    // A flood with a step finishing and a warning inside it, then the end in a small batch.
    h.push(output(100, 3000));
    h.push([
      { type: 'vertex', digest: 'b', name: '[2/3] RUN b', started: 1, completed: 2 },
      { type: 'warning', vertex: 'a', level: 1, short: 'JSONArgsRecommended', detail: [], ranges: [] },
    ]);
    h.push(output(3100, 2000));
    h.flush();
    h.push(output(5100, 40));
    h.push([{ type: 'vertex', digest: 'a', name: '[1/3] RUN a', started: 1, completed: 3 }]);
    h.push([{ type: 'finished', at: 4, ok: true, cancelled: false, exitCode: 0 }]);
    h.flush();

    const core = h.core();
    const win = windowView(h.toWindow);
    // The CLI heard every output event; the window one sync for the flood.
    expect(h.toCli.flatMap((b) => b.events).filter((e) => e.type === 'log')).toHaveLength(5140);
    expect(h.toWindow[1]?.events.filter((e) => e.type === 'log')).toHaveLength(0);
    expect(h.toWindow[1]?.events.at(-1)?.type).toBe('logSync');
    // Everything but the held lines is the core's.
    expect(win.eventCount).toBe(core.eventCount);
    expect(win.status).toBe(core.status);
    expect(win.warnings).toEqual(core.warnings);
    const stepOf = (s: BuildSnapshot, id: string) => {
      const step = s.steps[id];
      if (!step) throw new Error(`no step ${id}`);
      return step;
    };
    for (const id of ['a', 'b']) expect(stepStateOf(stepOf(win, id))).toBe(stepStateOf(stepOf(core, id)));
    for (const step of [undefined, 'a', 'b']) {
      const mine = step ? stepOf(win, step).logs : win.log;
      const theirs = step ? stepOf(core, step).logs : core.log;
      expect(mine.dropped + mine.length).toBe(theirs.dropped + theirs.length);
      expect(kept(win, step)).toEqual(kept(core, step).slice(mine.dropped - theirs.dropped));
      // What the window lacks, the core still has: `builds.logs` pages it in.
      expect(mine.held).toBe(mine.dropped - theirs.dropped);
      expect(logPage(theirs, theirs.dropped, mine.dropped - theirs.dropped)).toEqual(
        kept(core, step).slice(0, mine.dropped - theirs.dropped),
      );
    }
    // Several screenfuls of the build log, and the half line that ended a step is a line.
    expect(win.log.length).toBeGreaterThanOrEqual(128);
    expect(kept(win, 'b').at(-1)?.text).toBe(kept(core, 'b').at(-1)?.text);
  });

  it('a line split across a flood and the next batch is whole in the window', () => {
    const h = harness();
    h.push(head);
    h.push(output(0, 1000));
    h.push([{ type: 'log', vertex: 'a', stream: 1, data: 'start of a line ' }]);
    h.flush();
    h.push([{ type: 'log', vertex: 'a', stream: 1, data: 'and its end\n' }]);
    h.flush();
    const win = windowView(h.toWindow);
    expect(kept(win, 'a').at(-1)?.text).toBe('start of a line and its end');
    expect(kept(win).at(-1)?.text).toBe(kept(h.core()).at(-1)?.text);
  });

  it('a burst packed into a few events (as BuildKit sends `seq 1 20000`) is a flood too', () => {
    const h = harness();
    h.push(head);
    const burst = Array.from({ length: 20_000 }, (_, i) => `${i + 1}\n`).join('');
    expect(burst.length).toBeGreaterThan(WINDOW_LOG_CHARS);
    h.push(
      [0, 1, 2].map((k) => ({
        type: 'log',
        vertex: 'a',
        stream: 1,
        data: burst.slice((k * burst.length) / 3, ((k + 1) * burst.length) / 3),
      })),
    );
    h.flush();
    expect(h.toWindow[0]?.events.at(-1)?.type).toBe('logSync');
    const win = windowView(h.toWindow);
    expect(win.log.dropped + win.log.length).toBe(20_000);
    expect(kept(win).at(-1)?.text).toBe('20000');
  });

  it("one step flooding: its tail is the build log tail's lines, sent once, and ends as the core has it", () => {
    for (const n of [1000, 1100, 1300, 5000]) {
      const h = harness();
      h.push(head);
      h.push(
        Array.from({ length: n }, (_, i): BuildEvent => ({ type: 'log', vertex: 'a', stream: 1, data: `l${i}\n` })),
      );
      h.flush();
      const sync = h.toWindow[0]?.events.at(-1);
      if (sync?.type !== 'logSync') throw new Error('no logSync');
      // At least 128 build-log lines, whole chunks; the step's own tail adds no line of its own.
      expect(sync.log.length).toBeGreaterThanOrEqual(128);
      expect(sync.log.length).toBeLessThan(128 + 256);
      expect(sync.log.dropped % 256).toBe(0);
      expect(sync.steps['a']?.logs.length).toBe(0);
      expect(sync.steps['a']?.fromLog).toBe(((n - 1) % 256) + 1);
      const win = windowView(h.toWindow);
      const core = h.core();
      const mine = win.steps['a']?.logs;
      const theirs = core.steps['a']?.logs;
      if (!mine || !theirs) throw new Error('no step a');
      expect(mine.dropped + mine.length).toBe(n);
      expect(mine.held).toBe(mine.dropped - theirs.dropped);
      expect(kept(win, 'a')).toEqual(kept(core, 'a').slice(mine.dropped - theirs.dropped));
      expect(mine.chars).toBe(kept(win, 'a').reduce((c, l) => c + l.text.length, 0));
    }
  });

  it("a step's tail starting before the build log's: its earlier lines go in the sync, the rest once", () => {
    const h = harness();
    h.push(head);
    // 'b' prints 200 lines, then 'a' floods: b's tail is almost all before the build log's tail.
    h.push(
      Array.from({ length: 200 }, (_, i): BuildEvent => ({ type: 'log', vertex: 'b', stream: 1, data: `b${i}\n` })),
    );
    h.push(
      Array.from({ length: 1000 }, (_, i): BuildEvent => ({ type: 'log', vertex: 'a', stream: 1, data: `a${i}\n` })),
    );
    h.push([{ type: 'log', vertex: 'b', stream: 2, data: 'b last\n' }]);
    h.flush();
    const sync = h.toWindow[0]?.events.at(-1);
    if (sync?.type !== 'logSync') throw new Error('no logSync');
    expect(sync.steps['b']?.logs.length).toBe(200);
    expect(sync.steps['b']?.fromLog).toBe(1);
    const win = windowView(h.toWindow);
    expect(kept(win, 'b')).toEqual(kept(h.core(), 'b'));
    expect(kept(win, 'b').at(-1)?.stream).toBe(2);
    expect(kept(win, 'a').at(-1)?.text).toBe('a999');
  });

  it('the flood costs a window a fraction of the bytes', () => {
    const h = harness();
    h.push(head);
    h.push(output(0, 5000));
    h.flush();
    const sizes = (bs: Progressed[]) => bs.reduce((n, b) => n + JSON.stringify(b).length, 0);
    expect(sizes(h.toWindow)).toBeLessThan(sizes(h.toCli) / 4);
  });
});

describe('a window that joins inside a batch (builds.get, history.attach)', () => {
  // A flood batch's window form has other indexes than the core's events (no `log` events, one
  // `logSync`), and a window skips what its snapshot has by index: a snapshot cut inside such a batch
  // made it skip the wrong events. Here a step's end and a warning came right after the snapshot.
  const after: BuildEvent[] = [
    { type: 'vertex', digest: 'b', name: '[2/3] RUN b', started: 1, completed: 2 },
    { type: 'warning', vertex: 'a', level: 1, short: 'JSONArgsRecommended', detail: [], ranges: [] },
  ];

  it('a build: the snapshot a window joins with ends where a batch ends', () => {
    const bus = new EventBus();
    const live = liveBuild(bus, 'b1', createBuildSnapshot('b1'), 50);
    const toWindow: Progressed[] = [];
    const wire = (p: unknown) => buildEventSchemas['build.progressed'].parse(JSON.parse(JSON.stringify(p)));
    bus.subscribe((event, payload) => event === 'build.progressed' && toWindow.push(wire(payload)), { window: true });
    live.push(head);
    live.flush();
    live.push(output(0, 2));
    // builds.get (BuildsService.get), as JSON over IPC.
    let win = JSON.parse(JSON.stringify(live.joinSnapshot())) as BuildSnapshot;
    live.push(after);
    live.push(output(2, 2000));
    live.flush();
    for (const b of toWindow.slice(1)) {
      const r = applyProgress(win, b);
      expect(r.gap).toBe(false);
      win = r.snapshot;
    }
    const core = live.snapshot;
    expect(win.eventCount).toBe(core.eventCount);
    expect(win.steps['b']?.state).toBe('done');
    expect(win.warnings).toEqual(core.warnings);
    expect(kept(win).at(-1)?.text).toBe(kept(core).at(-1)?.text);
  });

  it('a followed record: a second attach gets a snapshot that ends where a batch ends', () => {
    const bus = new EventBus();
    let feed: ((events: BuildEvent[]) => void) | undefined;
    const buildkit = {
      logs: (_b: string, _id: string, o: { onEvents(events: BuildEvent[]): void }) => {
        feed = (events) => o.onEvents(events);
        return new Promise<{ exitCode: number }>(() => undefined);
      },
    } as unknown as BuildkitHistoryPort;
    const streams = new LiveStreams({ buildkit, events: bus, clock: { now: () => 1 } });
    type Batch = { streamId: string; firstIndex: number; events: BuildEvent[] };
    const toWindow: Batch[] = [];
    bus.subscribe(
      (event, payload) =>
        event === 'history.progressed' &&
        toWindow.push(historyEvents['history.progressed'].parse(JSON.parse(JSON.stringify(payload)))),
      { window: true },
    );
    const follow = () =>
      streams.follow({ id: 'b/n/r1', builder: 'b', bkId: 'r1' }, { builder: 'b', platforms: [], startedAt: 0 }, () =>
        Promise.resolve({ at: 9, ok: true, cancelled: false }),
      );
    const first = follow();
    feed?.([head[1] as BuildEvent, head[2] as BuildEvent, ...output(0, 2)]);
    const second = follow();
    expect(second.id).toBe(first.id);
    let win = JSON.parse(JSON.stringify(second.snapshot)) as BuildSnapshot;
    const seen = toWindow.length;
    feed?.([...after, ...output(2, 2000)]);
    streams.dispose();
    streams.detach(first.id);
    for (const b of toWindow.slice(seen)) {
      const r = applyProgress(win, b);
      expect(r.gap).toBe(false);
      win = r.snapshot;
    }
    const core = streams.snapshot(first.id);
    expect(win.eventCount).toBe(core?.eventCount);
    expect(win.steps['b']?.state).toBe('done');
    expect(win.warnings).toEqual(core?.warnings);
  });
});

describe('an attached History record and a bake get the same window form (history.progressed, bake.progressed)', () => {
  it('a flood through a record stream reaches a window as one logSync; a non-window listener gets every event', async () => {
    const bus = new EventBus();
    let feed: ((events: BuildEvent[]) => void) | undefined;
    let end: (() => void) | undefined;
    const buildkit = {
      logs: (_b: string, _id: string, o: { onEvents(events: BuildEvent[]): void }) => {
        feed = (events) => o.onEvents(events);
        return new Promise<{ exitCode: number }>((resolve) => (end = () => resolve({ exitCode: 0 })));
      },
    } as unknown as BuildkitHistoryPort;
    const streams = new LiveStreams({ buildkit, events: bus, clock: { now: () => 1 } });
    type Batch = { streamId: string; firstIndex: number; events: BuildEvent[] };
    const toWindow: Batch[] = [];
    const toCli: Batch[] = [];
    const wire = (p: unknown) => historyEvents['history.progressed'].parse(JSON.parse(JSON.stringify(p)));
    bus.subscribe((event, payload) => event === 'history.progressed' && toWindow.push(wire(payload)), {
      window: true,
    });
    bus.subscribe((event, payload) => event === 'history.progressed' && toCli.push(payload), { passive: true });
    const stream = streams.follow(
      { id: 'b/n/r1', builder: 'b', bkId: 'r1' },
      { builder: 'b', platforms: [], startedAt: 0 },
      () => Promise.resolve({ at: 9, ok: true, cancelled: false }),
    );
    // What attach answered the window: the stream's snapshot so far.
    let win = stream.snapshot;
    feed?.([head[1] as BuildEvent, head[2] as BuildEvent, ...output(0, 3000)]);
    end?.();
    await vi.waitFor(() => expect(toCli.some((b) => b.events.some((e) => e.type === 'finished'))).toBe(true));

    expect(toCli.flatMap((b) => b.events).filter((e) => e.type === 'log')).toHaveLength(3000);
    expect(toWindow.flatMap((b) => b.events).filter((e) => e.type === 'log')).toHaveLength(0);
    expect(toWindow.flatMap((b) => b.events).filter((e) => e.type === 'logSync')).toHaveLength(1);
    for (const b of toWindow) {
      const r = applyProgress(win, { ...b });
      expect(r.gap).toBe(false);
      win = r.snapshot;
    }
    // The core's snapshot of the stream, after every event.
    const core = streams.snapshot(stream.id);
    if (!core) throw new Error('no stream');
    expect(win.eventCount).toBe(core.eventCount);
    expect(win.status).toBe('succeeded');
    expect(kept(win).at(-1)?.text).toBe(kept(core).at(-1)?.text);
    expect(win.log.dropped + win.log.length).toBe(core.log.dropped + core.log.length);
    expect(win.log.held).toBeGreaterThan(0);
    // The held lines page in from the stream (history.streamLogs), first line first.
    const page = streams.logs(stream.id, 0, 256);
    expect(page.lines.map((l) => l.text)).toEqual(
      kept(core)
        .slice(0, 256)
        .map((l) => l.text),
    );
    expect(() => streams.logs('h-nope', 0, 10)).toThrow(/No followed record/);
    streams.dispose();
  });

  it('a bake flood: one logSync per snapshot it touched, and each target ends as the core has it', () => {
    const bus = new EventBus();
    const live = liveBake(bus, 'k1', createBakeSnapshot('k1'), 50);
    type Batch = { bakeId: string; firstIndex: number; events: BakeEvent[] };
    const toWindow: Batch[] = [];
    const toCli: Batch[] = [];
    const wire = (p: unknown) => bakeEventSchemas['bake.progressed'].parse(JSON.parse(JSON.stringify(p)));
    bus.subscribe((event, payload) => event === 'bake.progressed' && toWindow.push(wire(payload)), { window: true });
    bus.subscribe((event, payload) => event === 'bake.progressed' && toCli.push(payload), { passive: true });
    const push = (events: BakeEvent[]) => {
      live.push(events);
    };
    const tagged = (target: string, events: BuildEvent[]) => events.map((e): BakeEvent => ({ ...e, target }));
    // The bake's own step (the definition files) is untagged.
    const own: BakeEvent[] = [
      { type: 'vertex', digest: 'def', name: '[internal] load local bake definitions', started: 1 },
      { type: 'log', vertex: 'def', stream: 1, data: 'reading docker-bake.hcl\n' },
    ];
    push([...own, ...tagged('alpha', head), ...tagged('beta', head)]);
    push(tagged('alpha', output(0, 100)));
    live.flush();
    expect(toWindow[0]?.events).toEqual(toCli.flatMap((b) => b.events));
    // Both targets and the bake itself print at once: a flood over the whole batch.
    push([...tagged('alpha', output(100, 2000)), ...own.slice(1), ...tagged('beta', output(0, 1500))]);
    live.flush();
    const finished = { type: 'finished', at: 4, ok: true, cancelled: false, exitCode: 0 } as const;
    push([
      ...tagged('alpha', output(2100, 10)),
      { ...finished, target: 'alpha' },
      { ...finished, target: 'beta' },
      finished,
    ]);
    live.flush();

    const syncs = toWindow[1]?.events.filter((e) => e.type === 'logSync') ?? [];
    expect(syncs.map((e) => e.target ?? '').sort()).toEqual(['', 'alpha', 'beta']);
    expect(toWindow[1]?.events.filter((e) => e.type === 'log')).toHaveLength(0);
    expect(toCli.flatMap((b) => b.events).filter((e) => e.type === 'log')).toHaveLength(2 + 2110 + 1500);

    let win = createBakeSnapshot('k1');
    for (const b of toWindow) {
      const r = applyBakeProgress(win, b);
      expect(r.gap).toBe(false);
      win = r.snapshot;
    }
    const core = live.snapshot;
    expect(win.eventCount).toBe(core.eventCount);
    expect(win.status).toBe('succeeded');
    for (const t of ['alpha', 'beta']) {
      const mine = win.targets[t];
      const theirs = core.targets[t];
      if (!mine || !theirs) throw new Error(`no target ${t}`);
      expect(mine.eventCount).toBe(theirs.eventCount);
      expect(mine.log.dropped + mine.log.length).toBe(theirs.log.dropped + theirs.log.length);
      expect(mine.log.held).toBeGreaterThan(0);
      expect(kept(mine).at(-1)?.text).toBe(kept(theirs).at(-1)?.text);
      // Step logs too, whether their tail came in the sync or from its build log's tail (fromLog).
      for (const id of ['a', 'b']) {
        const held = (mine.steps[id]?.logs.dropped ?? 0) - (theirs.steps[id]?.logs.dropped ?? 0);
        expect(kept(mine, id)).toEqual(kept(theirs, id).slice(held));
      }
    }
    expect(kept(win.general)).toEqual(kept(core.general));
  });
});
