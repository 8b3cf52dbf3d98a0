import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../../electron/common/contracts/builds';
import { createBuildSnapshot, reduceBuildEvents } from '../../../electron/common/progress';
import { previousRun, runSeries } from '../../../renderer/src/features/history/runs';
import { buildWaterfall, timeBreakdown } from '../../../renderer/src/features/history/timing';

const at = 1_700_000_000_000;

/** A two-platform build through the real reducer: what a live build or an opened record becomes. */
function twoPlatformBuild(): BuildEvent[] {
  return [
    {
      type: 'started',
      at,
      builder: 'multi',
      driver: 'docker-container',
      platforms: ['linux/amd64', 'linux/arm64'],
      contextDir: '/src',
      tags: [],
      command: [],
    },
    { type: 'vertex', digest: 'ctx', name: '[internal] load build context', started: at, completed: at + 100 },
    {
      type: 'vertex',
      digest: 'a1',
      name: '[linux/amd64 1/2] FROM busybox',
      started: at + 100,
      completed: at + 110,
      cached: true,
    },
    { type: 'vertex', digest: 'a2', name: '[linux/amd64 2/2] RUN make', started: at + 1_000, completed: at + 4_000 },
    {
      type: 'vertex',
      digest: 'b1',
      name: '[linux/arm64 1/2] FROM busybox',
      started: at + 100,
      completed: at + 110,
      cached: true,
    },
    {
      type: 'vertex',
      digest: 'b2',
      name: '[linux/arm64 2/2] RUN make',
      started: at + 2_000,
      completed: at + 6_000,
      error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
    },
    { type: 'finished', at: at + 6_500, ok: false, cancelled: false, exitCode: 1 },
  ];
}

describe('build timing waterfall', () => {
  it('places every step on one time axis per lane, marks cached and failed steps', () => {
    const snapshot = reduceBuildEvents(createBuildSnapshot('b'), twoPlatformBuild());
    const w = buildWaterfall(snapshot);
    expect(w.origin).toBe(at);
    expect(w.spanMs).toBe(6_000);
    const amd = w.lanes.find((l) => l.key === 'linux/amd64');
    const arm = w.lanes.find((l) => l.key === 'linux/arm64');
    expect(amd?.bars.map((b) => [b.label, b.offsetMs, b.durationMs, b.cached])).toEqual([
      ['1/2 FROM busybox', 100, 10, true],
      ['2/2 RUN make', 1_000, 3_000, false],
    ]);
    expect(arm?.bars.at(-1)).toMatchObject({ state: 'failed', offsetMs: 2_000, durationMs: 4_000 });
    expect(w.lanes.find((l) => l.kind === 'shared')?.bars[0]?.label).toBe('internal load build context');
  });

  it('splits wall time into executing, cache and waiting without double counting parallel steps', () => {
    const snapshot = reduceBuildEvents(createBuildSnapshot('b'), twoPlatformBuild());
    const b = buildWaterfall(snapshot).breakdown;
    // 0-100 context (executing), 100-110 cache only, 110-1000 nothing, 1000-6000 RUN steps overlap.
    expect(b).toEqual({ executingMs: 5_100, cachedMs: 10, waitingMs: 890, totalMs: 6_000, stepTimeMs: 7_100 });
  });

  it('a running step grows to now; steps that never started are counted, not drawn', () => {
    const events: BuildEvent[] = [
      ...twoPlatformBuild().slice(0, 3),
      { type: 'vertex', digest: 'a2', name: '[linux/amd64 2/2] RUN make', started: at + 1_000 },
      { type: 'vertex', digest: 'b1', name: '[linux/arm64 1/2] FROM busybox' },
    ];
    const snapshot = reduceBuildEvents(createBuildSnapshot('b'), events);
    const w = buildWaterfall(snapshot, at + 2_500);
    const amd = w.lanes.find((l) => l.key === 'linux/amd64');
    expect(amd?.bars.at(-1)).toMatchObject({ open: true, durationMs: 1_500 });
    expect(w.lanes.find((l) => l.key === 'linux/arm64')?.notStarted).toBe(1);
    expect(w.spanMs).toBe(2_500);
  });

  it('an empty build has no bars and a zero breakdown', () => {
    const w = buildWaterfall(createBuildSnapshot('b'));
    expect(w.lanes).toEqual([]);
    expect(w.breakdown.totalMs).toBe(0);
  });

  it('timeBreakdown clips intervals to the window', () => {
    expect(timeBreakdown([{ start: -50, end: 50, cached: false }], 0, 100)).toMatchObject({
      executingMs: 50,
      waitingMs: 50,
    });
  });
});

describe('runs of the same build', () => {
  const runs = [
    { id: 'c', startedAt: 3, durationMs: 1_000, steps: 4, cachedSteps: 4, status: 'succeeded' },
    { id: 'a', startedAt: 1, durationMs: 9_000, steps: 4, cachedSteps: 0, status: 'succeeded' },
    { id: 'b', startedAt: 2, durationMs: 5_000, steps: 0, cachedSteps: 0, status: 'failed' },
    { id: 'd', startedAt: 4, steps: 4, cachedSteps: 1, status: 'running' },
    { id: 'a', startedAt: 1, durationMs: 9_000, steps: 4, cachedSteps: 0, status: 'succeeded' },
  ];

  it('orders oldest first, drops duplicates, has no duration while running and no ratio without steps', () => {
    const points = runSeries(runs, 'c');
    expect(points.map((p) => [p.id, p.durationMs, p.cacheHitRatio, p.current])).toEqual([
      ['a', 9_000, 0, false],
      ['b', 5_000, null, false],
      ['c', 1_000, 1, true],
      ['d', null, 0.25, false],
    ]);
  });

  it('the previous run is the one just before in time', () => {
    const points = runSeries(runs);
    expect(previousRun(points, 'c')?.id).toBe('b');
    expect(previousRun(points, 'a')).toBeUndefined();
  });
});
