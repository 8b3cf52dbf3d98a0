import { describe, expect, it } from 'vitest';
import { buildEvents as buildEventSchemas } from '../../electron/common/contracts/builds';
import type { BuildEvent, BuildSnapshot } from '../../electron/common/contracts/builds';
import {
  applyProgress,
  createBuildSnapshot,
  logLines,
  logPage,
  reduceBuildEvents,
  stepStateOf,
  WINDOW_LOG_CHARS,
  WINDOW_LOG_EVENTS,
} from '../../electron/common/progress';
import { EventBus } from '../../electron/core/events';
import { buildOutbox } from '../../electron/core/outbox';

type Progressed = { buildId: string; firstIndex: number; events: BuildEvent[] };

/**
 * A build as the core reduces it and two listeners hear it: a window transport (IPC, serve mode)
 * and a passive one (the CLI following its build). Batches are flushed by hand, as the outbox's
 * timer would.
 */
function harness() {
  const bus = new EventBus();
  let core: BuildSnapshot = createBuildSnapshot('b1');
  const outbox = buildOutbox(bus, 'b1', () => core, 50);
  const toWindow: Progressed[] = [];
  const toCli: Progressed[] = [];
  // What crosses the wire: JSON, then the contract's own check of the payload.
  const wire = (p: unknown) => buildEventSchemas['build.progressed'].parse(JSON.parse(JSON.stringify(p)));
  bus.subscribe((event, payload) => event === 'build.progressed' && toWindow.push(wire(payload)), { window: true });
  bus.subscribe((event, payload) => event === 'build.progressed' && toCli.push(payload), { passive: true });
  return {
    push(events: BuildEvent[]) {
      core = reduceBuildEvents(core, events);
      outbox.push(events);
    },
    flush: () => outbox.flush(),
    core: () => core,
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
    expect(h.toWindow[0]?.events).toEqual(h.toCli[0]?.events);
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
    // A screenful and more of the build log, and the half line that ended a step is a line.
    expect(win.log.length).toBeGreaterThan(256);
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

  it('the flood costs a window a fraction of the bytes', () => {
    const h = harness();
    h.push(head);
    h.push(output(0, 5000));
    h.flush();
    const sizes = (bs: Progressed[]) => bs.reduce((n, b) => n + JSON.stringify(b).length, 0);
    expect(sizes(h.toWindow)).toBeLessThan(sizes(h.toCli) / 4);
  });
});
