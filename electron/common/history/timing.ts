import type { BuildSnapshot } from '../contracts/builds';
import type { RecordTiming } from '../contracts/history';
import { orderedLaneSteps } from '../progress';

type Interval = [number, number];

/** Sorted, merged union of intervals. */
function union(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const total = (intervals: Interval[]) => intervals.reduce((n, [a, b]) => n + (b - a), 0);

/** Length of `a` minus its overlap with `b` (both merged unions). */
function minus(a: Interval[], b: Interval[]): number {
  let n = 0;
  for (const [s, e] of a) {
    let covered = 0;
    for (const [bs, be] of b) covered += Math.max(0, Math.min(e, be) - Math.max(s, bs));
    n += e - s - covered;
  }
  return n;
}

/**
 * The timing chart of a build (live or finished) from its reduced snapshot: one bar per started
 * step per lane, and the wall time split into executed / cached / waiting (see `recordTiming`).
 * Pure, so the renderer can recompute it for a live record from the same snapshot it draws.
 * `now` ends running steps and running builds. Undefined when no step has started yet.
 */
export function recordTimingOf(s: BuildSnapshot, now: number): RecordTiming | undefined {
  const starts = Object.values(s.steps)
    .map((st) => st.startedAt)
    .filter((t): t is number => t !== undefined);
  if (starts.length === 0) return undefined;
  const startedAt = Math.min(s.startedAt ?? Infinity, ...starts);
  const ends = Object.values(s.steps).map((st) => st.completedAt ?? (st.startedAt !== undefined ? now : 0));
  const endedAt = s.status === 'running' ? now : (s.finishedAt ?? Math.max(...ends));
  const wallMs = Math.max(0, Math.max(endedAt, ...ends) - startedAt);
  const executed: Interval[] = [];
  const cached: Interval[] = [];
  const lanes = s.lanes.map((lane) => ({
    key: lane.key,
    kind: lane.kind,
    bars: orderedLaneSteps(s, lane)
      .filter((st) => st.startedAt !== undefined)
      .map((st) => {
        const start = (st.startedAt as number) - startedAt;
        const end = Math.max(start, (st.completedAt ?? now) - startedAt);
        (st.cached ? cached : executed).push([start, end]);
        return { stepId: st.id, title: st.title, start, end, cached: st.cached, state: st.state, isStep: st.isStep };
      }),
  }));
  const ex = union(executed);
  const executedMs = total(ex);
  const cachedMs = minus(union(cached), ex);
  return {
    startedAt,
    wallMs,
    lanes,
    byKind: { executedMs, cachedMs, waitingMs: Math.max(0, wallMs - executedMs - cachedMs) },
  };
}
