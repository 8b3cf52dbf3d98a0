/**
 * Applies progress batches (`build.progressed`, `bake.progressed`) to a snapshot in event order,
 * whatever order they arrived in, stopping at the first gap (missed events: refetch the snapshot).
 */
export function applyInOrder<S, B extends { firstIndex: number }>(
  snapshot: S,
  batches: readonly B[],
  apply: (s: S, batch: B) => { snapshot: S; gap: boolean },
): { snapshot: S; gap: boolean } {
  let current = snapshot;
  for (const batch of [...batches].sort((a, b) => a.firstIndex - b.firstIndex)) {
    const r = apply(current, batch);
    if (r.gap) return { snapshot: current, gap: true };
    current = r.snapshot;
  }
  return { snapshot: current, gap: false };
}
