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

/**
 * The window form of a batch whose output belongs to one or more build snapshots (a build has
 * one; a bake one per target and its own): under the limits the batch as it is, else the batch
 * without its `log` events, then one `logSync` per snapshot they touched, made by `sync` from that
 * snapshot after the batch. `ownerOf` names a log event's snapshot.
 */
function windowForm<E extends { type: string }>(
  events: E[],
  ownerOf: (log: E & { type: 'log'; vertex: string; data: string }) => string,
  sync: (owner: string, make: (after: BuildSnapshot) => LogSync) => E | undefined,
): E[] {
  const isLog = (e: E): e is E & { type: 'log'; vertex: string; data: string } => e.type === 'log';
  let logs = 0;
  let chars = 0;
  for (const e of events) {
    if (!isLog(e)) continue;
    logs++;
    chars += e.data.length;
  }
  if (logs <= WINDOW_LOG_EVENTS && chars <= WINDOW_LOG_CHARS) return events;
  const out: E[] = [];
  const touched = new Map<string, { vertices: Set<string>; events: number }>();
  for (const e of events) {
    if (!isLog(e)) {
      out.push(e);
      continue;
    }
    const owner = ownerOf(e);
    let t = touched.get(owner);
    if (!t) touched.set(owner, (t = { vertices: new Set(), events: 0 }));
    t.vertices.add(e.vertex);
    t.events++;
  }
  for (const [owner, t] of touched) {
    // A snapshot the core has not got (it reduces every event it sends) leaves a gap in the
    // window's numbering: the window re-reads, as after any missed batch.
    const e = sync(owner, (after) => logSyncOf(after, t.vertices, t.events));
    if (e) out.push(e);
  }
  return out;
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

/**
 * A progress batch as windows get it. `after` is the core's snapshot once the whole batch is
 * reduced (a batch leaves with the snapshot after all of it, see core/live-progress.ts). Small
 * batches go as they are; a batch with more output than that goes without its
 * `log` events and with one `logSync` at its end carrying the log tails after it. The other events
 * keep their order, so steps, statuses, warnings and the end reduce exactly as before; only the
 * output lines a window could not have read along are left at the core (`builds.logs` pages them).
 * Nothing else listens to the reduced form: the CLI and the history store get every event.
 * The same form serves an attached history record (`history.progressed`, its stream's snapshot).
 */
export function eventsForWindows(after: BuildSnapshot, events: BuildEvent[]): BuildEvent[] {
  return windowForm(
    events,
    () => '',
    (_, make) => make(after),
  );
}

/**
 * A bake batch as windows get it: the same rule over the whole batch (`eventsForWindows`), with one
 * `logSync` per target whose output it left out (and one untagged for the bake's own steps), each
 * from that target's snapshot in `after`. Bake has no paged log command: the lines before the
 * tails stay at the core (the log view says how many).
 */
export function bakeEventsForWindows(after: BakeSnapshot, events: BakeEvent[]): BakeEvent[] {
  return windowForm(
    events,
    (e) => e.target ?? '',
    (target, make) => {
      const snapshot = target ? after.targets[target] : after.general;
      return snapshot ? { ...make(snapshot), ...(target ? { target } : {}) } : undefined;
    },
  );
}
