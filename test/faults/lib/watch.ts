import type { EventName } from '../../../electron/common/contract';
import type {
  BuildEvent,
  BuildRequestInput,
  BuildSnapshot,
  BuildSummary,
} from '../../../electron/common/contracts/builds';
import { applyProgress, createBuildSnapshot, logLines } from '../../../electron/common/progress';
import type { Core } from '../../../electron/composition/create-core';

export interface SeenEvent {
  at: number;
  event: EventName;
  payload: unknown;
}

/**
 * Listens to a core as a window does (which also starts its watchers), keeping every event with the
 * time it arrived, so a test can ask "when did the app first say X".
 */
export function listen(core: Core): {
  events: SeenEvent[];
  /** The first event (already received, or still to come) that matches. */
  next(pred: (e: SeenEvent) => boolean, ms: number): Promise<SeenEvent>;
  stop(): void;
} {
  const events: SeenEvent[] = [];
  const waiters: { pred: (e: SeenEvent) => boolean; resolve: (e: SeenEvent) => void }[] = [];
  const stop = core.events.subscribe((event, payload) => {
    const e = { at: Date.now(), event, payload };
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  return {
    events,
    stop,
    next: (pred, ms) =>
      new Promise<SeenEvent>((resolve, reject) => {
        const past = events.find(pred);
        if (past) {
          resolve(past);
          return;
        }
        const t = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), ms);
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(t);
            resolve(e);
          },
        });
      }),
  };
}

export interface WatchedBuild {
  buildId: string;
  /** What a window sees: the core's build.progressed events through the shared reducer. */
  seen(): BuildSnapshot;
  /** Every event of this build in order, as the window received them. */
  received(): BuildEvent[];
  finished: Promise<{ at: number; summary: BuildSummary }>;
  /** Resolves when a log line containing the text arrives (rejects if the build ends first). */
  logged(text: string): Promise<number>;
}

/** builds.start through the router, following its events like the renderer does. */
export async function startBuild(core: Core, input: BuildRequestInput): Promise<WatchedBuild> {
  // Written once builds.start answers; read by the subscriber before that (events can come first).
  let buildId: string | undefined = undefined;
  let snapshot: BuildSnapshot | undefined;
  const early: { buildId: string; firstIndex: number; events: BuildEvent[] }[] = [];
  const all: BuildEvent[] = [];
  const waiters: { text: string; resolve: (at: number) => void }[] = [];
  let done: (v: { at: number; summary: BuildSummary }) => void = () => undefined;
  const finished = new Promise<{ at: number; summary: BuildSummary }>((r) => (done = r));
  const apply = (b: { firstIndex: number; events: BuildEvent[] }) => {
    const next = applyProgress(snapshot ?? createBuildSnapshot(buildId ?? ''), b);
    if (next.gap) throw new Error(`gap in build.progressed of ${buildId}`);
    snapshot = next.snapshot;
    all.push(...b.events);
    if (waiters.length === 0) return;
    const text = logLines(snapshot.log)
      .map((l) => l.text)
      .join('\n');
    for (const w of waiters.splice(0)) {
      if (text.includes(w.text)) w.resolve(Date.now());
      else waiters.push(w);
    }
  };
  const unsubscribe = core.events.subscribe((event, payload) => {
    if (event === 'build.progressed') {
      if (buildId === undefined) early.push(payload);
      else if (payload.buildId === buildId) apply(payload);
    }
    if (event === 'build.finished' && payload.buildId === buildId) {
      unsubscribe();
      done({ at: Date.now(), summary: payload.summary });
    }
  });
  const r = await core.router.invoke('builds.start', input);
  if (!r.ok) {
    unsubscribe();
    throw new Error(`builds.start: ${r.error.code}: ${r.error.message}`);
  }
  buildId = (r.value as { buildId: string }).buildId;
  snapshot = createBuildSnapshot(buildId);
  for (const b of early.splice(0)) if (b.buildId === buildId) apply(b);
  const id = buildId;
  return {
    buildId: id,
    seen: () => snapshot as BuildSnapshot,
    received: () => all,
    finished,
    logged: (text) =>
      Promise.race([
        new Promise<number>((resolve) => waiters.push({ text, resolve })),
        finished.then(() => {
          throw new Error(`build ${id} ended before "${text}" was logged: ${JSON.stringify(snapshot?.error)}`);
        }),
      ]),
  };
}

/** Times an async call. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}
