import type { BuildEvent, BuildSnapshot, LogList } from '../contracts/builds';
import { logTail } from './log-list';

/**
 * Output a window still gets event by event, per batch: 512 events (buildx's worst case is one line
 * per event) or 48 KiB of text (BuildKit packs a burst of lines into few events). Beyond either, at
 * the outbox's 50 ms (10k lines or ~1 MiB a second), no one reads along, and sending every line cost
 * more than showing it: a 100k-line build at full speed was ~20 MB of JSON for the page to receive,
 * parse and reduce, while the core's serialising competed for the same cores (frame intervals of
 * 50-130 ms on 2 cores, measured by the renderer-frames bench).
 */
export const WINDOW_LOG_EVENTS = 512;
export const WINDOW_LOG_CHARS = 48 * 1024;
/** Build-log chunks a sync carries (257-512 lines: a screenful above the last line and then some). */
const SYNC_LOG_CHUNKS = 2;
/** Step-log chunks a sync carries per step it names (the step's last, partial chunk). */
const SYNC_STEP_CHUNKS = 1;

const plain = (list: LogList): LogList => {
  const json = (list as { toJSON?: () => LogList }).toJSON;
  return json ? json.call(list) : list;
};

/**
 * A progress batch as windows get it. `after` is the core's snapshot once the whole batch is
 * reduced (the outbox emits everything pending, so the builds service's current snapshot). Small
 * batches go as they are; a batch with more output than that goes without its
 * `log` events and with one `logSync` at its end carrying the log tails after it. The other events
 * keep their order, so steps, statuses, warnings and the end reduce exactly as before; only the
 * output lines a window could not have read along are left at the core (`builds.logs` pages them).
 * Nothing else listens to the reduced form: the CLI and the history store get every event.
 */
export function eventsForWindows(after: BuildSnapshot, events: BuildEvent[]): BuildEvent[] {
  let logs = 0;
  let chars = 0;
  for (const e of events) {
    if (e.type !== 'log') continue;
    logs++;
    chars += e.data.length;
  }
  if (logs <= WINDOW_LOG_EVENTS && chars <= WINDOW_LOG_CHARS) return events;
  const out: BuildEvent[] = [];
  const touched = new Set<string>();
  for (const e of events) {
    if (e.type === 'log') touched.add(e.vertex);
    else out.push(e);
  }
  const steps: Record<string, { logs: LogList; pending: Record<string, string> }> = {};
  for (const id of touched) {
    const step = after.steps[id];
    if (step) steps[id] = { logs: plain(logTail(step.logs, SYNC_STEP_CHUNKS)), pending: step.pending };
  }
  out.push({ type: 'logSync', events: logs, log: plain(logTail(after.log, SYNC_LOG_CHUNKS)), steps });
  return out;
}
