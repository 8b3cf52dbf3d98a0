import type { BuildEvent, BuildLogPage, BuildSnapshot } from '../../common/contracts/builds';
import { AppException, appError } from '../../common/errors';
import { liveRecord, type LiveProgress } from '../live-progress';
import type { EventBus } from '../events';
import { pageOfLog } from '../log-page';
import type { Clock } from '../ports';
import type { BuildkitHistoryPort } from './ports';
import { finishedEvent, snapshotOf } from './record-model';

type Head = Parameters<typeof snapshotOf>[1];
type End = NonNullable<Parameters<typeof snapshotOf>[3]>;

interface Stream {
  id: string;
  recordId: string;
  live: LiveProgress<BuildSnapshot, BuildEvent>;
  abort: AbortController;
  done: boolean;
}

const COALESCE_MS = 50;

/**
 * Running BuildKit records followed live (`history logs --progress rawjson`): one stream per record,
 * shared by attach and details, reduced by THE reducer, its events sent as `history.progressed` in
 * coalesced batches like a build's own.
 */
export class LiveStreams {
  private readonly streams = new Map<string, Stream>();
  private counter = 0;

  constructor(private readonly deps: { buildkit: BuildkitHistoryPort; events: EventBus; clock: Clock }) {}

  /** A fresh stream id (also for the one-off snapshots of finished records). */
  newId(): string {
    return `h${this.deps.clock.now().toString(36)}${(this.counter++).toString(36)}`;
  }

  /**
   * The live stream of a running record, started on first use. `ended` gives the record's final
   * state once BuildKit's stream closes.
   */
  follow(
    record: { id: string; builder: string; bkId: string },
    head: Head,
    ended: () => Promise<End>,
  ): { id: string; snapshot: BuildSnapshot; done: boolean } {
    const existing = [...this.streams.values()].find((s) => s.recordId === record.id && !s.done);
    // A window attaches with this: it must end at a batch's end (see LiveProgress.joinSnapshot).
    if (existing) return { id: existing.id, snapshot: existing.live.joinSnapshot(), done: existing.done };
    const id = this.newId();
    const { events } = this.deps;
    const stream: Stream = {
      id,
      recordId: record.id,
      // Windows get the flood form of a batch, as a build's (live-progress.ts): the log tails after it.
      live: liveRecord(events, id, snapshotOf(id, head, [], undefined), COALESCE_MS, 1 /* the synthetic `started` */),
      abort: new AbortController(),
      done: false,
    };
    this.streams.set(id, stream);
    void this.deps.buildkit
      .logs(record.builder, record.bkId, {
        onEvents: (events) => this.push(stream, events),
        signal: stream.abort.signal,
        timeoutMs: 24 * 3600_000,
      })
      .then(async () => {
        // The record has ended: read its final status and close the snapshot like a build ends.
        this.push(stream, [finishedEvent(await ended())]);
        this.end(stream, 'finished');
      })
      .catch((err: unknown) => {
        const cancelled = err instanceof AppException && err.appError.code === 'CANCELLED';
        this.end(
          stream,
          cancelled ? 'detached' : 'failed',
          cancelled ? undefined : err instanceof AppException ? err.appError.message : String(err),
        );
      });
    return { id, snapshot: stream.live.snapshot, done: false };
  }

  private push(stream: Stream, events: BuildEvent[]): void {
    const useful = events.filter((e) => e.type !== 'text');
    if (useful.length === 0 || stream.done) return;
    stream.live.push(useful);
  }

  private end(stream: Stream, reason: 'finished' | 'detached' | 'failed', error?: string): void {
    if (stream.done) return;
    stream.live.flush();
    stream.done = true;
    this.deps.events.emit('history.streamEnded', { streamId: stream.id, reason, ...(error ? { error } : {}) });
    // Keep an ended stream briefly so a late `history.attach`/`details` still finds its snapshot.
    setTimeout(() => this.streams.delete(stream.id), 60_000).unref?.();
    if (reason === 'finished')
      this.deps.events.emit('history.recordsChanged', { ids: [stream.recordId], reason: 'finished' });
  }

  /** A stream's snapshot after every event so far (kept a minute after it ends). */
  snapshot(streamId: string): BuildSnapshot | undefined {
    return this.streams.get(streamId)?.live.snapshot;
  }

  /** Lines of a stream's log (or one step's): see `history.streamLogs`. */
  logs(streamId: string, from: number, limit: number, step?: string): BuildLogPage {
    const s = this.snapshot(streamId);
    if (!s) {
      throw appError('INVALID_INPUT', `No followed record ${streamId} in this session.`, {
        hint: 'Open the record again from History.',
        details: { field: 'streamId' },
      });
    }
    return pageOfLog(s, step, from, limit, {
      owner: `Record stream ${streamId}`,
      stepHint: 'Step ids are the vertex digests in the steps of the attached snapshot.',
    });
  }

  detach(streamId: string): { detached: boolean } {
    const s = this.streams.get(streamId);
    if (!s || s.done) return { detached: false };
    s.abort.abort();
    this.end(s, 'detached');
    return { detached: true };
  }

  dispose(): void {
    for (const s of this.streams.values()) if (!s.done) s.abort.abort();
  }
}
