import type { BakeEvent, BakeSnapshot } from '../contracts/bake';
import type { BuildEvent, BuildSnapshot, LogList } from '../contracts/builds';
import { LOG_CHUNK, logTail, stepTailBesideLog } from './log-list';

/**
 * Output a window still gets event by event, per batch: 512 events (buildx's worst case is one line
 * per event) or 48 KiB of text (BuildKit packs a burst of lines into few events). Beyond either, at
 * a build's 50 ms batches (10k lines or ~1 MiB a second), no one reads along, and sending every line cost
 * more than showing it: a 100k-line build at full speed was ~20 MB of JSON for the page to receive,
 * parse and reduce, while the core's serialising competed for the same cores (frame intervals of
 * 50-130 ms on 2 cores, measured by the renderer-frames bench).
 */
export const WINDOW_LOG_EVENTS = 512;
export const WINDOW_LOG_CHARS = 48 * 1024;
/**
 * Lines of the build log a sync carries at least: whole chunks from the end until there are this
 * many (128-383 lines; a tall window shows ~100 rows). A flood's window follows the last lines or
 * is replaced by the next sync within 50 ms; anything earlier pages in (`builds.logs`). Two chunks
 * (257-512 lines) were sent before: each flood message was that many line objects for Chromium to
 * receive and parse (6-12 ms of main-thread tasks between frames, measured in traces).
 */
const SYNC_LOG_LINES = LOG_CHUNK / 2;
/** Step-log chunks a sync carries per step it names (the step's last, partial chunk). */
const SYNC_STEP_CHUNKS = 1;

const plain = (list: LogList): LogList => {
  const json = (list as { toJSON?: () => LogList }).toJSON;
  return json ? json.call(list) : list;
};

type LogSync = Extract<BuildEvent, { type: 'logSync' }>;
type LogOf<E> = E & { type: 'log'; vertex: string; data: string };

/**
 * A batch's window form, built as its events arrive: under the limits the batch as it is, else the
 * batch without its `log` events, then one `logSync` per snapshot they touched, made by `sync` from
 * that snapshot after the batch (`take`). `ownerOf` names a log event's snapshot (a build has one;
 * a bake one per target and its own).
 *
 * Incremental so that the core holds no more than a window gets: once a batch is over the limits
 * its log events only count (which steps, how many), so a flood of output is not kept alive until
 * the batch leaves (issue 14's live path: peak heap 43-46 MB against 43-51 MB when every event
 * waited 50 ms; the same speed, docs/performance.md).
 */
export class WindowBatch<E extends { type: string }, S> {
  private held: E[] = [];
  private logs = 0;
  private chars = 0;
  /** Over the limits: per owner, the steps whose output was left out and how many events it was. */
  private flood: Map<string, { vertices: Set<string>; events: number }> | undefined;

  constructor(
    private readonly ownerOf: (log: LogOf<E>) => string,
    private readonly sync: (owner: string, after: S, make: (snapshot: BuildSnapshot) => LogSync) => E | undefined,
  ) {}

  get empty(): boolean {
    return this.held.length === 0 && this.flood === undefined;
  }

  add(e: E): void {
    if (e.type !== 'log') {
      this.held.push(e);
      return;
    }
    const log = e as LogOf<E>;
    if (this.flood) {
      this.count(log);
      return;
    }
    this.held.push(e);
    this.logs++;
    this.chars += log.data.length;
    if (this.logs <= WINDOW_LOG_EVENTS && this.chars <= WINDOW_LOG_CHARS) return;
    // Over the limits: what is held keeps only what a window will get.
    const held = this.held;
    this.held = [];
    this.flood = new Map();
    for (const h of held) {
      if (h.type === 'log') this.count(h as LogOf<E>);
      else this.held.push(h);
    }
  }

  /** Forgets what was added (a take, or no window listens any more: a later batch starts afresh). */
  clear(): void {
    this.held = [];
    this.flood = undefined;
    this.logs = 0;
    this.chars = 0;
  }

  /** The window form of everything added since the last take, `after` being the state after it. */
  take(after: S): E[] {
    const out = this.held;
    const flood = this.flood;
    this.clear();
    if (flood) {
      for (const [owner, t] of flood) {
        // A snapshot the core has not got (it reduces every event it sends) leaves a gap in the
        // window's numbering: the window re-reads, as after any missed batch.
        const e = this.sync(owner, after, (snapshot) => logSyncOf(snapshot, t.vertices, t.events));
        if (e) out.push(e);
      }
    }
    return out;
  }

  private count(log: LogOf<E>): void {
    const flood = this.flood as Map<string, { vertices: Set<string>; events: number }>;
    const owner = this.ownerOf(log);
    let t = flood.get(owner);
    if (!t) flood.set(owner, (t = { vertices: new Set(), events: 0 }));
    t.vertices.add(log.vertex);
    t.events++;
  }
}

/** The sync standing for `events` log events of `vertices`: the log tails of `after`. */
function logSyncOf(after: BuildSnapshot, vertices: Iterable<string>, events: number): LogSync {
  const last = ((after.log.length - 1) % LOG_CHUNK) + 1;
  const log = logTail(after.log, last >= SYNC_LOG_LINES ? 1 : 2);
  const steps: LogSync['steps'] = {};
  for (const id of vertices) {
    const step = after.steps[id];
    if (!step) continue;
    // The lines the step's tail shares with the build log's go once (the receiver takes them from there).
    const { logs, fromLog } = stepTailBesideLog(id, logTail(step.logs, SYNC_STEP_CHUNKS), log);
    steps[id] = { logs: plain(logs), pending: step.pending, ...(fromLog ? { fromLog } : {}) };
  }
  return { type: 'logSync', events, log: plain(log), steps };
}

/** The window form of a build's batches (a followed record's too): one snapshot, one sync. */
export function buildWindowBatch(): WindowBatch<BuildEvent, BuildSnapshot> {
  return new WindowBatch<BuildEvent, BuildSnapshot>(
    () => '',
    (_, after, make) => make(after),
  );
}

/**
 * The window form of a bake's batches: the same rule over the whole batch, with one `logSync` per
 * target whose output it left out (and one untagged for the bake's own steps), each from that
 * target's snapshot after the batch. Bake has no paged log command: the lines before the tails
 * stay at the core (the log view says how many).
 */
export function bakeWindowBatch(): WindowBatch<BakeEvent, BakeSnapshot> {
  return new WindowBatch<BakeEvent, BakeSnapshot>(
    (e) => e.target ?? '',
    (target, after, make) => {
      const snapshot = target ? after.targets[target] : after.general;
      return snapshot ? { ...make(snapshot), ...(target ? { target } : {}) } : undefined;
    },
  );
}

/**
 * A progress batch as windows get it, `after` being the core's snapshot once the whole batch is
 * reduced (a batch leaves with the snapshot after all of it, see core/live-progress.ts). Small
 * batches go as they are; a batch with more output than that goes without its `log` events and
 * with one `logSync` at its end carrying the log tails after it. The other events keep their
 * order, so steps, statuses, warnings and the end reduce exactly as before; only the output lines
 * a window could not have read along are left at the core (`builds.logs` pages them). Nothing else
 * listens to the reduced form: the CLI and the history store get every event. The same form serves
 * an attached history record (`history.progressed`, its stream's snapshot).
 */
export function eventsForWindows(after: BuildSnapshot, events: readonly BuildEvent[]): BuildEvent[] {
  return formOf(buildWindowBatch(), after, events);
}

/** A bake batch as windows get it (see `bakeWindowBatch`). */
export function bakeEventsForWindows(after: BakeSnapshot, events: readonly BakeEvent[]): BakeEvent[] {
  return formOf(bakeWindowBatch(), after, events);
}

function formOf<E extends { type: string }, S>(batch: WindowBatch<E, S>, after: S, events: readonly E[]): E[] {
  for (const e of events) batch.add(e);
  return batch.take(after);
}
