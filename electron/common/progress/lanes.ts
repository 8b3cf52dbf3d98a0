import type { BuildSnapshot, Lane, LaneSummary, Step } from '../contracts/builds';

/**
 * Lane-level views of a build snapshot: the per-lane summary the reducer keeps current, and the
 * reading order of a lane's steps. Split from reducer.ts, which keeps the event handling.
 */

export function emptySummary(): LaneSummary {
  return { ok: false, state: 'queued', wallMs: 0, steps: 0, cachedSteps: 0, cacheHitRatio: null };
}

export function summarizeLane(lane: Lane, s: BuildSnapshot): LaneSummary {
  let steps = 0;
  let cachedSteps = 0;
  let first = Infinity;
  let last = -Infinity;
  let failed: Step | undefined;
  let running = false;
  let cancelled = false;
  let open = false;
  for (const id of lane.steps) {
    const step = s.steps[id];
    if (!step) continue;
    if (step.isStep) {
      steps++;
      if (step.cached) cachedSteps++;
    }
    if (step.startedAt !== undefined) first = Math.min(first, step.startedAt);
    const end = step.completedAt ?? step.startedAt;
    if (end !== undefined) last = Math.max(last, end);
    if (step.state === 'failed') failed ??= step;
    else if (step.state === 'running') running = true;
    else if (step.state === 'cancelled') cancelled = true;
    else if (step.state === 'queued') open = true;
  }
  const finished = s.result !== undefined;
  let state: LaneSummary['state'];
  if (failed) state = 'failed';
  else if (cancelled) state = 'cancelled';
  else if (running) state = 'running';
  else if (lane.steps.length === 0)
    state = finished ? (s.result?.ok ? 'done' : s.result?.cancelled ? 'cancelled' : 'failed') : 'queued';
  else if (open && !finished) state = first === Infinity ? 'queued' : 'running';
  else state = 'done';
  // A lane that never got to run fails with the build's own error (a Dockerfile syntax error).
  const error = failed?.error ?? (state === 'failed' && lane.kind === 'platform' ? s.error?.message : undefined);
  return {
    // Only a finished build can say a lane passed; a lane whose steps all ran is truthfully ok even
    // when another platform failed the build.
    ok: state === 'done' && finished,
    state,
    wallMs: first === Infinity || last === -Infinity ? 0 : Math.max(0, last - first),
    steps,
    cachedSteps,
    cacheHitRatio: steps > 0 ? cachedSteps / steps : null,
    ...(error !== undefined ? { error } : {}),
    ...(failed ? { failedStep: failed.id } : {}),
  };
}

/**
 * A lane's steps in the order a person reads a build: Dockerfile steps (`[stage n/m]`) stage by stage
 * and by n within a stage, so a multi-stage build reads top to bottom even when cache hits finish in
 * any order. The frontend numbers steps across all stages (`[base 1/4]` ... `[stage-1 4/4]`) or, for
 * a stage built FROM another one, per stage (`[base 1/2]`, `[base 2/2]`, `[final 1/1]`); stages are
 * ordered by when their first step started, then by their lowest n, so both read right. Steps
 * without a number (`[internal] ...`, exporting) are slotted in before the first numbered step that
 * started after them, and the ones not started yet go last. (`lane.steps` is BuildKit's announcement order.)
 */
export function orderedLaneSteps(s: BuildSnapshot, lane: Lane): Step[] {
  const steps = lane.steps.map((id) => s.steps[id]).filter((x): x is Step => x !== undefined);
  const stages = new Map<string, { started: number; index: number; order: number }>();
  for (const st of steps) {
    if (st.index === undefined) continue;
    const key = st.stage ?? '';
    const prev = stages.get(key);
    stages.set(key, {
      started: Math.min(prev?.started ?? Infinity, st.startedAt ?? Infinity),
      index: Math.min(prev?.index ?? Infinity, st.index),
      order: Math.min(prev?.order ?? Infinity, st.order),
    });
  }
  const stageOf = (st: Step) => stages.get(st.stage ?? '') ?? { started: Infinity, index: 0, order: 0 };
  const numbered = steps
    .filter((x) => x.index !== undefined)
    .sort((a, b) => {
      const sa = stageOf(a);
      const sb = stageOf(b);
      // Stages by their lowest n (global numbering), then by first start (per-stage numbering).
      if ((a.stage ?? '') !== (b.stage ?? ''))
        return sa.index - sb.index || sa.started - sb.started || sa.order - sb.order;
      return (a.index ?? 0) - (b.index ?? 0) || a.order - b.order;
    });
  const others = steps
    .filter((x) => x.index === undefined)
    .sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || a.order - b.order);
  const out: Step[] = [];
  let o = 0;
  for (const step of numbered) {
    while (o < others.length && (others[o]?.startedAt ?? Infinity) < (step.startedAt ?? Infinity))
      out.push(others[o++] as Step);
    out.push(step);
  }
  while (o < others.length) out.push(others[o++] as Step);
  return out;
}
