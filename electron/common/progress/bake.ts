import type { BakeEvent, BakeSnapshot, BakeSummary, BakeTargetSummary } from '../contracts/bake';
import type { BuildEvent, BuildEventOf, BuildSnapshot, Step } from '../contracts/builds';
import { createBuildSnapshot, reduceBuildEvents } from './reducer';
import { summarizeBuild } from './summary';

/**
 * Bake progress on top of THE build reducer. `docker buildx bake --progress=rawjson` mixes the
 * vertexes of every target in one stream; each target gets its own BuildSnapshot, reduced by the
 * same `reduceBuildEvents` as a single build, so lanes, steps, logs and errors mean the same thing.
 * Steps are keyed by (target, digest): a step two targets share is solved once by BuildKit and
 * reported under both targets' names with the SAME digest (measured, buildkit-facts.md "Bake").
 *
 * Two halves:
 *  - {@link BakeAttributor} (the core): turns the parser's events into bake events tagged with
 *    their target, stripping the target from vertex names so the build reducer reads them as usual.
 *  - {@link reduceBakeEvents} (core and renderer): routes tagged events to their target's snapshot.
 */

/** Names bake gives the step that reads the definition files: the bake's own, not a target's. */
const BAKE_DEFINITION_STEP = /^\[internal\] load (?:local|remote) bake definitions?/;
const TARGET_ERROR = /^target ([^:\s]+): ([\s\S]*)$/;

/**
 * Splits a target off a vertex name of a multi-target bake: `[alpha linux/arm64 base 2/2] RUN x`
 * → `alpha`, `[linux/arm64 base 2/2] RUN x`; `[alpha internal] load .dockerignore` → `alpha`,
 * `[internal] load .dockerignore`; `[alpha] exporting to image` → `alpha`, `exporting to image`.
 * Only names of `targets` count (a stage or platform is never mistaken for a target).
 */
export function splitTargetPrefix(
  name: string,
  targets: ReadonlySet<string>,
): { target: string; name: string } | undefined {
  const m = /^\[([^\]\s]+)(?: ([^\]]*))?\]\s?([\s\S]*)$/.exec(name);
  if (!m) return undefined;
  const target = m[1] as string;
  if (!targets.has(target)) return undefined;
  const rest = m[2];
  const title = m[3] as string;
  return { target, name: rest ? `[${rest}] ${title}` : title };
}

/**
 * Attributes the events of one bake run to targets. Stateful (it remembers which targets reported
 * which digest), pure otherwise: no clock, no I/O.
 *
 * With one target buildx prints no prefix (measured): everything but the definition step is that
 * target's. With several, a vertex belongs to the target its name starts with; a log, status or
 * warning of a digest goes to every target that reported that digest (BuildKit sends a shared
 * step's output once). buildx's error block goes to the target it names (`target x: ...`, buildx
 * >= 0.20), else to the target whose step failed with that message.
 */
export class BakeAttributor {
  private readonly names: ReadonlySet<string>;
  private readonly single: string | undefined;
  /** digest → targets that reported it ('' for the bake itself). */
  private readonly owners = new Map<string, string[]>();
  /** Failed steps by target, in the order they failed. */
  private readonly failures: { target: string; error: string }[] = [];

  constructor(targets: readonly string[]) {
    this.names = new Set(targets);
    this.single = targets.length === 1 ? targets[0] : undefined;
  }

  attribute(events: readonly BuildEvent[]): BakeEvent[] {
    const out: BakeEvent[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'vertex': {
          const split = this.split(e.name);
          this.own(e.digest, split?.target ?? '');
          if (e.error && split) this.failures.push({ target: split.target, error: e.error });
          out.push(split ? { ...e, name: split.name, target: split.target } : e);
          break;
        }
        case 'status':
        case 'log':
          for (const target of this.owners.get(e.vertex) ?? ['']) out.push(target ? { ...e, target } : e);
          break;
        case 'warning':
          for (const target of (e.vertex ? this.owners.get(e.vertex) : undefined) ?? [''])
            out.push(target ? { ...e, target } : e);
          break;
        case 'error': {
          const owned = this.errorOwner(e.message);
          out.push(owned ? { ...e, message: owned.message, target: owned.target } : e);
          break;
        }
        case 'text':
        case 'started':
        case 'finished':
          out.push(e);
          break;
        case 'logSync':
          // Made only on the way to a window (eventsForWindows), never by the parser.
          break;
      }
    }
    return out;
  }

  private split(name: string): { target: string; name: string } | undefined {
    if (BAKE_DEFINITION_STEP.test(name)) return undefined;
    if (this.single !== undefined) return { target: this.single, name };
    return splitTargetPrefix(name, this.names);
  }

  private own(digest: string, target: string): void {
    const list = this.owners.get(digest);
    if (!list) this.owners.set(digest, [target]);
    else if (!list.includes(target)) list.push(target);
  }

  private errorOwner(message: string): { target: string; message: string } | undefined {
    const m = TARGET_ERROR.exec(message);
    if (m && this.names.has(m[1] as string)) return { target: m[1] as string, message: m[2] as string };
    if (this.single !== undefined) return { target: this.single, message };
    const byText = this.failures.find((f) => message.includes(f.error));
    const owner = byText ?? this.failures.find((f) => !/context canceled/i.test(f.error));
    return owner ? { target: owner.target, message } : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Reducer

export function createBakeSnapshot(bakeId: string): BakeSnapshot {
  return { bakeId, status: 'running', eventCount: 0, targets: {}, general: createBuildSnapshot(`${bakeId}:bake`) };
}

/** Routes each event to its target's snapshot (or the bake's own); one copy per touched snapshot per batch. */
export function reduceBakeEvents(snapshot: BakeSnapshot, events: readonly BakeEvent[]): BakeSnapshot {
  if (events.length === 0) return snapshot;
  // A window's `logSync` stands for the log events it replaced: the count stays the core's.
  let count = events.length;
  for (const e of events) if (e.type === 'logSync') count += e.events - 1;
  const next: BakeSnapshot = { ...snapshot, eventCount: snapshot.eventCount + count };
  let targets: Record<string, BuildSnapshot> | undefined;
  // Consecutive events of one target are reduced as one batch.
  let run: BuildEvent[] = [];
  let runTarget: string | undefined;
  const flushRun = () => {
    if (run.length === 0) return;
    if (runTarget === undefined) next.general = reduceBuildEvents(next.general, run);
    else {
      targets ??= { ...snapshot.targets };
      targets[runTarget] = reduceBuildEvents(
        targets[runTarget] ?? createBuildSnapshot(`${snapshot.bakeId}:${runTarget}`),
        run,
      );
    }
    run = [];
  };
  for (const e of events) {
    if (e.type === 'planned') {
      flushRun();
      next.startedAt = e.at;
      next.status = 'running';
      const { type: _type, at: _at, ...info } = e;
      next.info = info;
      continue;
    }
    const { target, ...event } = e as BakeEvent & { target?: string };
    if (target !== runTarget) {
      flushRun();
      runTarget = target;
    }
    run.push(event as BuildEvent);
    if (event.type === 'finished' && target === undefined) {
      flushRun();
      finishBake(next, event);
    }
  }
  flushRun();
  if (targets) next.targets = targets;
  return next;
}

function finishBake(s: BakeSnapshot, e: BuildEventOf<'finished'>): void {
  const startedAt = s.startedAt ?? e.at;
  s.finishedAt = e.at;
  s.status = e.cancelled ? 'cancelled' : e.ok ? 'succeeded' : 'failed';
  s.result = { ok: e.ok, cancelled: e.cancelled, exitCode: e.exitCode, durationMs: Math.max(0, e.at - startedAt) };
}

/**
 * Joins a `bake.progressed` batch to a snapshot: skips what it already has and reports a gap
 * (missed events: refetch with `bake.get`). Same rule as `applyProgress` for builds.
 */
export function applyBakeProgress(
  snapshot: BakeSnapshot,
  payload: { firstIndex: number; events: readonly BakeEvent[] },
): { snapshot: BakeSnapshot; gap: boolean } {
  if (payload.firstIndex > snapshot.eventCount) return { snapshot, gap: true };
  const skip = snapshot.eventCount - payload.firstIndex;
  if (skip >= payload.events.length) return { snapshot, gap: false };
  return { snapshot: reduceBakeEvents(snapshot, skip > 0 ? payload.events.slice(skip) : payload.events), gap: false };
}

/** Targets in the order the plan lists them, then any the stream named that the plan did not. */
export function bakeTargetNames(s: BakeSnapshot): string[] {
  const planned = s.info?.targets.map((t) => t.name) ?? [];
  return [...planned, ...Object.keys(s.targets).filter((t) => !planned.includes(t))];
}

// ---------------------------------------------------------------------------------------------
// The end of a bake: one `finished` per target, then the bake's own.

export interface BakeOutcome {
  at: number;
  /** buildx exited 0 and nobody cancelled. */
  ok: boolean;
  /** Stopped by `bake.cancel`. */
  cancelled: boolean;
  exitCode: number | null;
  /** From buildx's metadata file (written only when the whole bake succeeded). */
  metadata: Record<string, { digest?: string; imageName?: string; ref?: string }>;
  /** Why the bake failed when no target's step says so (builder unreachable, timeout...). */
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  hint?: string | undefined;
}

const isStepDone = (st: Step) => st.state === 'done' || st.state === 'cached';

/** Every step of the target ran to completion (the build's own result, before buildx's exit code). */
function ranToEnd(s: BuildSnapshot | undefined): boolean {
  if (!s) return false;
  const steps = Object.values(s.steps);
  return steps.length > 0 && steps.every(isStepDone) && !s.error;
}

function failedItself(s: BuildSnapshot | undefined): boolean {
  return s !== undefined && (s.error !== undefined || Object.values(s.steps).some((st) => st.state === 'failed'));
}

/**
 * The events that end a bake, decided per target from what its own steps did: a target whose
 * steps all completed succeeded even when another target failed the bake (truthful per target);
 * a target BuildKit stopped because another one failed is cancelled, and says which one; a target
 * that never got to run fails with the bake's error.
 */
export function finishBakeEvents(s: BakeSnapshot, o: BakeOutcome): BakeEvent[] {
  const names = bakeTargetNames(s);
  const culprits = names.filter((n) => failedItself(s.targets[n]));
  const out: BakeEvent[] = [];
  for (const target of names) {
    const ts = s.targets[target];
    const meta = o.metadata[target] ?? {};
    const ok = !o.cancelled && (o.ok || ranToEnd(ts));
    const own = culprits.includes(target);
    const stoppedByOther = !ok && !o.cancelled && !own && culprits.length > 0;
    if (stoppedByOther) {
      out.push({
        type: 'text',
        target,
        text: `Stopped when ${culprits.length === 1 ? `target ${culprits[0] ?? ''}` : `targets ${culprits.join(', ')}`} failed.`,
      });
    }
    out.push({
      type: 'finished',
      target,
      at: o.at,
      ok,
      cancelled: !ok && (o.cancelled || stoppedByOther),
      exitCode: o.exitCode,
      ...(meta.digest ? { digest: meta.digest } : {}),
      ...(meta.imageName ? { imageName: meta.imageName } : {}),
      ...(meta.ref ? { ref: meta.ref } : {}),
      ...(!ok && !o.cancelled && !own && !stoppedByOther
        ? {
            ...(o.errorCode ? { errorCode: o.errorCode } : {}),
            errorMessage: o.errorMessage ?? s.general.error?.message ?? 'The bake failed before this target ran.',
            ...(o.hint ? { hint: o.hint } : {}),
          }
        : {}),
    });
  }
  out.push({
    type: 'finished',
    at: o.at,
    ok: o.ok,
    cancelled: o.cancelled,
    exitCode: o.exitCode,
    ...(o.errorCode && !o.ok ? { errorCode: o.errorCode } : {}),
    ...(o.errorMessage && !o.ok ? { errorMessage: o.errorMessage } : {}),
    ...(o.hint && !o.ok ? { hint: o.hint } : {}),
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summary

export function summarizeBakeTarget(target: string, s: BuildSnapshot | undefined): BakeTargetSummary {
  if (!s) {
    return {
      target,
      ok: false,
      status: 'failed',
      cancelled: false,
      digest: null,
      imageName: null,
      ref: null,
      durationMs: 0,
      platforms: [],
      error: 'This target did not run.',
    };
  }
  const b = summarizeBuild(s);
  return {
    target,
    ok: b.ok,
    status: b.status,
    cancelled: b.cancelled,
    digest: b.digest,
    imageName: b.imageName,
    ref: s.result?.ref ?? null,
    durationMs: b.durationMs,
    platforms: b.platforms,
    ...(b.error !== undefined ? { error: b.error } : {}),
  };
}

/** The CLI's last line and `bake.finished`'s payload: the bake's result and every target's. */
export function summarizeBake(s: BakeSnapshot): BakeSummary {
  const targets = bakeTargetNames(s).map((t) => summarizeBakeTarget(t, s.targets[t]));
  const ok = s.result?.ok ?? false;
  const firstError = targets.find((t) => !t.ok && !t.cancelled && t.error)?.error;
  const error = ok ? undefined : (firstError ?? s.general.error?.message);
  return {
    type: 'summary',
    bakeId: s.bakeId,
    status: s.status,
    ok,
    cancelled: s.result?.cancelled ?? false,
    durationMs: s.result?.durationMs ?? 0,
    targets,
    ...(error !== undefined && !(s.result?.cancelled ?? false) ? { error } : {}),
  };
}
