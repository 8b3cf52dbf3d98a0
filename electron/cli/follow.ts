import type { EventName, EventPayload } from '../common/contract';
import type { AppError, Result } from '../common/errors';
import type { Core } from '../composition/create-core';

/**
 * Follows one stream of the core's events for a CLI verb, the way a window does: subscribes
 * passively (a one-shot verb must not start the watchers, polls and housekeeping a window would),
 * keeps the batches that arrive before `start` returns and applies those of its stream once the id
 * is known, hands Ctrl+C to `onInterrupt` (a run cancels, a followed record detaches) and waits for
 * the end event. `start` answers the stream's id and whatever else the call returned; `onStart`
 * returning true says the stream is already over (nothing to wait for). `onEnd` runs while Ctrl+C is
 * still handled. Builds, bakes (followRun) and `history logs --follow` all follow this way.
 */
export async function followEvents<B extends EventName, E extends EventName, S>(
  core: Pick<Core, 'events'>,
  spec: {
    /** The event carrying a batch, and the one ending the stream. */
    batch: B;
    end: E;
    /** The stream a batch or end event belongs to. */
    idOf(payload: EventPayload<B> | EventPayload<E>): string;
    start(): Promise<Result<{ id: string; started: S }>>;
    onStart(id: string, started: S): boolean;
    onBatch(batch: EventPayload<B>): void;
    /** Ctrl+C, with the id once it is known; `end` settles the follow as the end event would. */
    onInterrupt(id: string | undefined, end: (payload: EventPayload<E>) => void): void;
    onEnd?(ended: EventPayload<E> | undefined, id: string): Promise<void> | void;
  },
): Promise<{ ok: true; ended: EventPayload<E> | undefined } | { ok: false; error: AppError }> {
  let id: string | undefined;
  const early: EventPayload<B>[] = [];
  let end: (payload: EventPayload<E>) => void = () => undefined;
  const ended = new Promise<EventPayload<E>>((r) => (end = r));
  const listener = (event: EventName, payload: unknown) => {
    if (event === spec.batch) {
      const p = payload as EventPayload<B>;
      if (id === undefined) early.push(p);
      else if (spec.idOf(p) === id) spec.onBatch(p);
    } else if (event === spec.end) {
      const p = payload as EventPayload<E>;
      if (spec.idOf(p) === id) end(p);
    }
  };
  const unsubscribe = core.events.subscribe(listener, { passive: true });
  const onSigint = () => spec.onInterrupt(id, end);
  process.on('SIGINT', onSigint);
  try {
    const started = await spec.start();
    if (!started.ok) return started;
    const streamId = started.value.id;
    id = streamId;
    const done = spec.onStart(streamId, started.value.started);
    for (const b of early.splice(0)) if (spec.idOf(b) === streamId) spec.onBatch(b);
    const last = done ? undefined : await ended;
    await spec.onEnd?.(last, streamId);
    return { ok: true, ended: last };
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
  }
}

type Kind = 'build' | 'bake';
type Progressed<K extends Kind> = EventPayload<`${K}.progressed`>;
type Finished<K extends Kind> = EventPayload<`${K}.finished`>;

const idOf = (p: { buildId: string } | { bakeId: string }) => ('buildId' in p ? p.buildId : p.bakeId);

/**
 * Starts a build or bake and follows it to its summary: Ctrl+C cancels (once, after the start
 * answered), so BuildKit stops the solve and the summary still comes.
 */
export async function followRun<K extends Kind>(
  core: Pick<Core, 'events'>,
  kind: K,
  spec: {
    start(): Promise<Result<string>>;
    cancel(id: string): Promise<unknown>;
    /** The id is known; batches follow in order. */
    onStart(id: string): void;
    onBatch(batch: Progressed<K>): void;
  },
): Promise<{ summary: Finished<K>['summary'] } | { error: AppError }> {
  let interrupted = false;
  const outcome = await followEvents(core, {
    batch: `${kind}.progressed`,
    end: `${kind}.finished`,
    idOf,
    start: async () => {
      const r = await spec.start();
      return r.ok ? { ok: true, value: { id: r.value, started: undefined } } : r;
    },
    onStart: (id) => {
      spec.onStart(id);
      return false;
    },
    onBatch: (batch) => spec.onBatch(batch),
    onInterrupt: (id) => {
      if (id === undefined || interrupted) return;
      interrupted = true;
      process.stderr.write(`\nCancelling the ${kind}…\n`);
      void spec.cancel(id);
    },
  });
  if (!outcome.ok) return { error: outcome.error };
  // A run is never over at its start (onStart says nothing), so the end event came.
  return { summary: (outcome.ended as Finished<K>).summary };
}
