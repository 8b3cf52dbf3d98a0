import type { BuildSnapshot, Lane, Step, StepState } from '../../../../electron/common/contracts/builds';
import type { RecordStep, RecordTiming } from '../../../../electron/common/contracts/history';
import { orderedLaneSteps } from '../../../../electron/common/progress';
import { formatDuration } from '../builds/format';

/**
 * Build timing as the chart draws it: a waterfall of every step per lane and how the wall time
 * splits into executing, cache and waiting. From a record's `timing` (history.details) or, for a
 * build still running, from its live snapshot. Pure, so the chart, its table alternative and the
 * tests read the same numbers.
 */

export interface WaterfallBar {
  id: string;
  lane: string;
  /** Short label: `build 2/3 RUN make`, `internal load .dockerignore`. */
  label: string;
  /** The full vertex name, for tooltips. */
  name: string;
  state: StepState;
  cached: boolean;
  /** Milliseconds from the build's first step start. */
  offsetMs: number;
  durationMs: number;
  /** Still running: the bar ends at `now`. */
  open: boolean;
}

export interface WaterfallLane {
  key: string;
  kind: Lane['kind'];
  bars: WaterfallBar[];
  /** Steps that never started (queued, or skipped after a failure): listed, not drawn. */
  notStarted: number;
  breakdown: TimeBreakdown;
}

export interface Waterfall {
  /** Epoch ms of the earliest step start: offsets count from here. */
  origin: number;
  /** From the origin to the last step end (or `now` while something runs). */
  spanMs: number;
  lanes: WaterfallLane[];
  breakdown: TimeBreakdown;
}

/** A partition of wall time: at each moment the build was executing, only reading cache, or neither. */
export interface TimeBreakdown {
  /** At least one step that was not a cache hit was running. */
  executingMs: number;
  /** Only cache hits were being resolved. */
  cachedMs: number;
  /** No step active: scheduling, waiting for a lock or a worker, client-side work. */
  waitingMs: number;
  totalMs: number;
  /** Sum of every executed step's own duration; exceeds executingMs when steps ran in parallel. */
  stepTimeMs: number;
}

function stepLabel(step: Pick<Step, 'index' | 'stage' | 'total' | 'internal' | 'title'>): string {
  const where =
    step.index !== undefined
      ? `${step.stage ? `${step.stage} ` : ''}${step.index}/${step.total ?? '?'}`
      : step.internal
        ? 'internal'
        : '';
  return where ? `${where} ${step.title}` : step.title;
}

interface Interval {
  start: number;
  end: number;
  cached: boolean;
}

/**
 * Sweeps the intervals once: a moment counts as executing when any executed step covers it, as
 * cache when only cache hits do, as waiting otherwise. Touching intervals do not double count.
 */
export function timeBreakdown(intervals: readonly Interval[], from: number, to: number): TimeBreakdown {
  const totalMs = Math.max(0, to - from);
  const stepTimeMs = intervals.filter((i) => !i.cached).reduce((sum, i) => sum + Math.max(0, i.end - i.start), 0);
  const points: { t: number; executing: number; cached: number }[] = [];
  for (const i of intervals) {
    const start = Math.max(from, i.start);
    const end = Math.min(to, i.end);
    if (end <= start) continue;
    points.push({ t: start, executing: i.cached ? 0 : 1, cached: i.cached ? 1 : 0 });
    points.push({ t: end, executing: i.cached ? 0 : -1, cached: i.cached ? -1 : 0 });
  }
  points.sort((a, b) => a.t - b.t);
  let executingMs = 0;
  let cachedMs = 0;
  let executing = 0;
  let cached = 0;
  let last = from;
  for (const p of points) {
    const span = p.t - last;
    if (span > 0) {
      if (executing > 0) executingMs += span;
      else if (cached > 0) cachedMs += span;
    }
    executing += p.executing;
    cached += p.cached;
    last = p.t;
  }
  return { executingMs, cachedMs, waitingMs: Math.max(0, totalMs - executingMs - cachedMs), totalMs, stepTimeMs };
}

/** The waterfall of a build: lanes in the snapshot's order, steps in reading order within each. */
export function buildWaterfall(snapshot: BuildSnapshot, now: number = Date.now()): Waterfall {
  const started = Object.values(snapshot.steps).filter((s) => s.startedAt !== undefined);
  const origin = started.reduce((min, s) => Math.min(min, s.startedAt ?? min), Infinity);
  if (!Number.isFinite(origin)) {
    const empty = timeBreakdown([], 0, 0);
    return {
      origin: snapshot.startedAt ?? 0,
      spanMs: 0,
      lanes: snapshot.lanes.map((lane) => ({
        key: lane.key,
        kind: lane.kind,
        bars: [],
        notStarted: lane.steps.length,
        breakdown: empty,
      })),
      breakdown: empty,
    };
  }
  const endOf = (s: Step): { end: number; open: boolean } => {
    if (s.completedAt !== undefined) return { end: s.completedAt, open: false };
    if (s.durationMs !== undefined && s.startedAt !== undefined)
      return { end: s.startedAt + s.durationMs, open: false };
    // A step that never completed in a finished build stopped when the build did.
    const stop = snapshot.status === 'running' ? now : (snapshot.finishedAt ?? now);
    return { end: Math.max(s.startedAt ?? stop, stop), open: snapshot.status === 'running' };
  };

  let end = origin;
  const all: Interval[] = [];
  const lanes: WaterfallLane[] = snapshot.lanes.map((lane) => {
    const steps = orderedLaneSteps(snapshot, lane);
    const bars: WaterfallBar[] = [];
    const intervals: Interval[] = [];
    let notStarted = 0;
    for (const step of steps) {
      if (step.startedAt === undefined) {
        notStarted += 1;
        continue;
      }
      const { end: stepEnd, open } = endOf(step);
      end = Math.max(end, stepEnd);
      const interval = { start: step.startedAt, end: stepEnd, cached: step.cached };
      intervals.push(interval);
      all.push(interval);
      bars.push({
        id: step.id,
        lane: lane.key,
        label: stepLabel(step),
        name: step.name,
        state: step.state,
        cached: step.cached,
        offsetMs: step.startedAt - origin,
        durationMs: Math.max(0, stepEnd - step.startedAt),
        open,
      });
    }
    const laneStart = intervals.reduce((min, i) => Math.min(min, i.start), Infinity);
    const laneEnd = intervals.reduce((max, i) => Math.max(max, i.end), -Infinity);
    return {
      key: lane.key,
      kind: lane.kind,
      bars,
      notStarted,
      breakdown: Number.isFinite(laneStart) ? timeBreakdown(intervals, laneStart, laneEnd) : timeBreakdown([], 0, 0),
    };
  });
  return { origin, spanMs: end - origin, lanes, breakdown: timeBreakdown(all, origin, end) };
}

/**
 * The chart's view of a record's timing (the core computed it): labels from the record's steps,
 * the whole-build split as the core counted it, each lane's split from its own bars.
 */
export function waterfallFromTiming(timing: RecordTiming, steps: readonly RecordStep[], running = false): Waterfall {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const lanes: WaterfallLane[] = timing.lanes.map((lane) => {
    const bars: WaterfallBar[] = lane.bars.map((b) => {
      const step = byId.get(b.stepId);
      return {
        id: b.stepId,
        lane: lane.key,
        label: step ? stepLabel(step) : b.title,
        name: step?.name ?? b.title,
        state: b.state,
        cached: b.cached,
        offsetMs: b.start,
        durationMs: Math.max(0, b.end - b.start),
        open: running && b.state === 'running',
      };
    });
    const intervals = bars.map((b) => ({ start: b.offsetMs, end: b.offsetMs + b.durationMs, cached: b.cached }));
    const from = intervals.reduce((min, i) => Math.min(min, i.start), Infinity);
    const to = intervals.reduce((max, i) => Math.max(max, i.end), -Infinity);
    const notStarted = steps.filter((s) => s.lane === lane.key && s.startedAt === undefined).length;
    return {
      key: lane.key,
      kind: lane.kind,
      bars,
      notStarted,
      breakdown: Number.isFinite(from) ? timeBreakdown(intervals, from, to) : timeBreakdown([], 0, 0),
    };
  });
  const stepTimeMs = lanes
    .flatMap((l) => l.bars)
    .filter((b) => !b.cached)
    .reduce((sum, b) => sum + b.durationMs, 0);
  const { executedMs, cachedMs, waitingMs } = timing.byKind;
  return {
    origin: timing.startedAt,
    spanMs: timing.wallMs,
    lanes,
    breakdown: { executingMs: executedMs, cachedMs, waitingMs, totalMs: timing.wallMs, stepTimeMs },
  };
}

/** Sub-second spans in ms (a cache hit takes 3 ms, not "0.0 s"); longer ones as the build log shows them. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 1_000 ? `${Math.round(ms)} ms` : formatDuration(ms);
}

const TICK_STEPS_MS = [
  10, 20, 50, 100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000,
];

/** Round axis ticks (0, 0.5 s, 1 s, 1.5 s...) for a span: at most `max` of them, the last covering the span. */
export function niceTicks(spanMs: number, max = 8): number[] {
  const span = Math.max(1, spanMs);
  const step = TICK_STEPS_MS.find((s) => span / s <= max - 1) ?? Math.ceil(span / (max - 1) / 3_600_000) * 3_600_000;
  const ticks: number[] = [];
  for (let t = 0; t < span + step; t += step) ticks.push(t);
  return ticks;
}
