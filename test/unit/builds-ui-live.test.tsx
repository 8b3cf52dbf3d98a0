// @vitest-environment happy-dom
import { act, render } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BuildEvent, BuildSnapshot } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, logLines, reduceBuildEvents } from '../../electron/common/progress';

/**
 * The renderer's live build store joins a running build the way the contract says: builds.get,
 * then only the events past snapshot.eventCount; batches that arrive during the get are buffered;
 * a gap triggers another get. The bridge is a fake here (the real one is covered by the e2e tests);
 * the events and reducer are the real ones.
 */

const at = 1_700_000_000_000;
const events: BuildEvent[] = [
  {
    type: 'started',
    at,
    builder: 'default',
    driver: 'docker',
    platforms: [],
    defaultPlatform: 'linux/amd64',
    contextDir: '/src',
    tags: [],
    command: ['docker', 'buildx', 'build', '/src'],
  },
  { type: 'vertex', digest: 'd1', name: '[1/2] FROM busybox', started: at + 1 },
  { type: 'vertex', digest: 'd1', name: '[1/2] FROM busybox', started: at + 1, completed: at + 2, cached: true },
  { type: 'vertex', digest: 'd2', name: '[2/2] RUN echo', started: at + 3 },
  { type: 'log', vertex: 'd2', stream: 1, data: 'one\n' },
  { type: 'log', vertex: 'd2', stream: 1, data: 'two\n' },
  { type: 'log', vertex: 'd2', stream: 1, data: 'three\n' },
  { type: 'vertex', digest: 'd2', name: '[2/2] RUN echo', started: at + 3, completed: at + 9 },
  { type: 'finished', at: at + 10, ok: true, cancelled: false, exitCode: 0, digest: 'sha256:abc' },
];
const full = reduceBuildEvents(createBuildSnapshot('b1'), events);

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
let coreSnapshot: BuildSnapshot = createBuildSnapshot('b1');
let getCalls = 0;
let releaseGet: (() => void) | undefined;

function emit(event: string, payload: unknown) {
  for (const l of listeners.get(event) ?? []) l(payload);
}
function progressed(firstIndex: number, count: number) {
  emit('build.progressed', { buildId: 'b1', firstIndex, events: events.slice(firstIndex, firstIndex + count) });
}

let live: typeof import('../../renderer/src/features/builds/live-store');

beforeAll(async () => {
  Object.defineProperty(window, 'builddeck', {
    value: {
      invoke: async (command: string) => {
        if (command !== 'builds.get') throw new Error(`unexpected ${command}`);
        getCalls++;
        // The core's snapshot at the moment the request arrived; the answer can be held back.
        const value = coreSnapshot;
        if (releaseGet) await new Promise<void>((r) => (releaseGet = r));
        return { ok: true, value };
      },
      on: (event: string, listener: Listener) => {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
      pathForFile: () => undefined,
    },
    configurable: true,
  });
  live = await import('../../renderer/src/features/builds/live-store');
});

afterEach(() => {
  live.useLiveBuilds.setState({ builds: {}, requests: {} });
  getCalls = 0;
  releaseGet = undefined;
});

function Subscriber() {
  live.useLiveBuildEvents();
  return null;
}

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

describe('live build store', () => {
  it('a window that joins mid-build applies only the events past the snapshot, including those that raced the get', async () => {
    render(<Subscriber />);
    coreSnapshot = reduceBuildEvents(createBuildSnapshot('b1'), events.slice(0, 5));
    releaseGet = () => undefined; // hold the get's answer
    live.trackBuild('b1');
    await flush();
    // While builds.get is in flight: a batch overlapping what the snapshot has, then the next one.
    progressed(3, 3); // events 3..5, of which 3 and 4 are already in the snapshot
    progressed(6, 3);
    releaseGet();
    await flush();
    const s = live.useLiveBuilds.getState().builds['b1']?.snapshot;
    expect(s?.eventCount).toBe(events.length);
    expect(s?.status).toBe('succeeded');
    // Each line exactly once, in order.
    expect(logLines(s?.log ?? { chunks: [], length: 0, dropped: 0 }).map((l) => l.text)).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(s).toEqual(full);
    expect(getCalls).toBe(1);
  });

  it('a gap in the events (missed batch) makes it read the snapshot again', async () => {
    render(<Subscriber />);
    coreSnapshot = reduceBuildEvents(createBuildSnapshot('b1'), events.slice(0, 2));
    live.trackBuild('b1');
    await flush();
    expect(live.useLiveBuilds.getState().builds['b1']?.snapshot?.eventCount).toBe(2);
    coreSnapshot = full;
    progressed(6, 3); // 2..5 were never seen
    await flush();
    expect(getCalls).toBe(2);
    expect(live.useLiveBuilds.getState().builds['b1']?.snapshot).toEqual(full);
  });

  it('batches between two frames change the store once, with every event in order', async () => {
    render(<Subscriber />);
    coreSnapshot = reduceBuildEvents(createBuildSnapshot('b1'), events.slice(0, 4));
    live.trackBuild('b1');
    await flush();
    const shown = live.useLiveBuilds.getState().builds['b1']?.snapshot;
    expect(shown?.eventCount).toBe(4);
    let changes = 0;
    const off = live.useLiveBuilds.subscribe((state, prev) => {
      if (state.builds['b1']?.snapshot !== prev.builds['b1']?.snapshot) changes++;
    });
    progressed(4, 2);
    progressed(6, 3);
    // Reduced as they arrive, shown at the frame: nothing on screen has changed yet.
    expect(live.useLiveBuilds.getState().builds['b1']?.snapshot).toBe(shown);
    await flush();
    off();
    expect(changes).toBe(1);
    expect(live.useLiveBuilds.getState().builds['b1']?.snapshot).toEqual(full);
    // What was on screen before is untouched by the reduction after it.
    expect(shown?.eventCount).toBe(4);
    expect(getCalls).toBe(1);
  });

  it('ignores events of builds nobody follows and keeps a failed read as an error to retry', async () => {
    render(<Subscriber />);
    progressed(0, 3);
    expect(live.useLiveBuilds.getState().builds).toEqual({});
    const spy = vi
      .spyOn(window.builddeck as unknown as { invoke: (c: string) => Promise<unknown> }, 'invoke')
      .mockResolvedValueOnce({
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'No build b2 in this session.' },
      });
    live.trackBuild('b2');
    await flush();
    expect(live.useLiveBuilds.getState().builds['b2']?.error?.message).toMatch(/No build b2/);
    spy.mockRestore();
  });
});
