/**
 * Runs of the same build (one context, Dockerfile and target) as chart points, oldest first.
 * Pure; the chart, its table alternative and the tests read the same points.
 */

export interface RunLike {
  id: string;
  startedAt: number;
  durationMs?: number | undefined;
  steps: number;
  cachedSteps: number;
  status: string;
}

export interface RunPoint {
  id: string;
  at: number;
  /** null while running or when the record has no duration. */
  durationMs: number | null;
  /** 0..1, null with no steps (a build that failed before its first step). */
  cacheHitRatio: number | null;
  status: string;
  /** The run on screen: drawn highlighted. */
  current: boolean;
}

export function runSeries(runs: readonly RunLike[], currentId?: string): RunPoint[] {
  const seen = new Set<string>();
  return runs
    .filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)))
    .map((r) => ({
      id: r.id,
      at: r.startedAt,
      durationMs: r.status === 'running' || r.durationMs === undefined ? null : r.durationMs,
      cacheHitRatio: r.steps > 0 ? Math.min(1, r.cachedSteps / r.steps) : null,
      status: r.status,
      current: r.id === currentId,
    }))
    .sort((a, b) => a.at - b.at);
}

/** The run before `id` in time among the same build's runs: the default to compare a cache miss against. */
export function previousRun(points: readonly RunPoint[], id: string): RunPoint | undefined {
  const index = points.findIndex((p) => p.id === id);
  return index > 0 ? points[index - 1] : undefined;
}
