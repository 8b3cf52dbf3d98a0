import type { EventPayload } from '../common/contract';
import type { AppError, Result } from '../common/errors';
import type { Core } from '../composition/create-core';

type Kind = 'build' | 'bake';
type Progressed<K extends Kind> = EventPayload<`${K}.progressed`>;
type Finished<K extends Kind> = EventPayload<`${K}.finished`>;

const idOf = (p: { buildId: string } | { bakeId: string }) => ('buildId' in p ? p.buildId : p.bakeId);

/**
 * Starts a build or bake and follows it to its summary, the way a window does: batches that
 * arrive before the start call returns are kept and applied once the id is known; Ctrl+C cancels
 * (once), so BuildKit stops the solve and the summary still comes.
 */
export async function followRun<K extends Kind>(
  core: Core,
  kind: K,
  spec: {
    start(): Promise<Result<string>>;
    cancel(id: string): Promise<unknown>;
    /** The id is known; batches follow in order. */
    onStart(id: string): void;
    onBatch(batch: Progressed<K>): void;
  },
): Promise<{ summary: Finished<K>['summary'] } | { error: AppError }> {
  let id: string | undefined;
  const early: Progressed<K>[] = [];
  let finish: (summary: Finished<K>['summary']) => void = () => undefined;
  const finished = new Promise<Finished<K>['summary']>((r) => (finish = r));
  // Passive: following this run must not start the watchers and housekeeping a window would.
  const unsubscribe = core.events.subscribe(
    (event, payload) => {
      if (event === `${kind}.progressed`) {
        const p = payload as Progressed<K>;
        if (id === undefined) early.push(p);
        else if (idOf(p) === id) spec.onBatch(p);
      } else if (event === `${kind}.finished`) {
        const p = payload as Finished<K>;
        if (idOf(p) === id) finish(p.summary);
      }
    },
    { passive: true },
  );
  let interrupted = false;
  const onSigint = () => {
    if (id === undefined || interrupted) return;
    interrupted = true;
    process.stderr.write(`\nCancelling the ${kind}…\n`);
    void spec.cancel(id);
  };
  process.on('SIGINT', onSigint);
  try {
    const started = await spec.start();
    if (!started.ok) return { error: started.error };
    id = started.value;
    spec.onStart(id);
    for (const b of early.splice(0)) if (idOf(b) === id) spec.onBatch(b);
    return { summary: await finished };
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
  }
}
