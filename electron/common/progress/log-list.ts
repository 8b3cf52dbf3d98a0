import type { BuildSnapshot, LogLine, LogList, Step } from '../contracts/builds';

/** Lines per chunk. Every chunk but the last is full. */
export const LOG_CHUNK = 256;

/**
 * A snapshot's log: the first `length` lines of `chunks` (after `dropped` older ones fell off).
 *
 * Appending is O(1): snapshots SHARE their chunks, and a later snapshot pushes its new lines into
 * the same arrays, past the end of every earlier snapshot's view. An earlier snapshot therefore
 * never sees a line it did not have: every reader goes through `length` (`logLineAt`, `logLines`,
 * `lastLogLines`), and `toJSON` (what `builds.get`, serve mode and history stores send or write)
 * cuts the chunks to the view. Copying the last chunk and the chunk index on every append (the
 * previous design) cost ~600 element copies per log line at 85k lines and dominated the live path.
 * A second reduction from the same base (a fork) is detected because the shared chunk is already
 * longer than the view; the fork then copies that one chunk, so branches never see each other.
 */
export class LogView implements LogList {
  // Not readonly: `appendLineInPlace` grows a view no one else has seen yet (one reduction pass's own).
  constructor(
    public chunks: LogLine[][],
    public length: number,
    public dropped: number,
    public chars: number,
    /** Head lines counted in `dropped` that the core still holds (see `logTail`). */
    public held?: number,
  ) {}

  /** The view, and nothing a later snapshot appended (IPC/JSON see exactly this snapshot's lines). */
  toJSON(): LogList {
    const out: LogList = { chunks: viewChunks(this), length: this.length, dropped: this.dropped, chars: this.chars };
    if (this.held) out.held = this.held;
    return out;
  }
}

export const emptyLogList = (): LogList => new LogView([], 0, 0, 0);

/** The i-th kept line (0 ≤ i < list.length), or undefined. */
export function logLineAt(list: LogList, i: number): LogLine | undefined {
  if (i < 0 || i >= list.length) return undefined;
  return list.chunks[Math.floor(i / LOG_CHUNK)]?.[i % LOG_CHUNK];
}

/** All kept lines as one array (copies: for export/copy, not for rendering). */
export function logLines(list: LogList): LogLine[] {
  return viewChunks(list).flat();
}

/** The last n kept lines. */
export function lastLogLines(list: LogList, n: number): LogLine[] {
  const out: LogLine[] = [];
  for (let i = Math.max(0, list.length - n); i < list.length; i++) {
    const line = logLineAt(list, i);
    if (line) out.push(line);
  }
  return out;
}

/** The chunks cut to the list's own lines (the same arrays when nothing lies past the view). */
function viewChunks(list: LogList): LogLine[][] {
  const count = Math.ceil(list.length / LOG_CHUNK);
  const chunks = list.chunks.length > count ? list.chunks.slice(0, count) : list.chunks;
  const tail = list.length - (count - 1) * LOG_CHUNK;
  const last = chunks[count - 1];
  if (!last || last.length <= tail) return chunks;
  const out = chunks.slice(0, count - 1);
  out.push(last.slice(0, tail));
  return out;
}

/**
 * Appends a line, dropping whole head chunks beyond `max` lines or `maxChars` characters of text;
 * returns the new list (the given one is unchanged as a view). `dropped` counts what went.
 */
export function appendLine(list: LogList, line: LogLine, max: number, maxChars = Infinity): LogList {
  const n = list.length;
  const slot = n % LOG_CHUNK;
  const at = (n - slot) / LOG_CHUNK;
  let chunks = list.chunks;
  if (slot === 0) {
    // A new chunk; the index is shared only if it ends where this view does.
    if (chunks.length !== at || !Object.isExtensible(chunks)) chunks = chunks.slice(0, at);
    chunks.push([line]);
  } else {
    let last = chunks[at] as LogLine[];
    if (chunks.length !== at + 1 || last.length !== slot || !Object.isExtensible(last)) {
      // Someone appended to this base already (or it was cut, or frozen by its holder): branch off.
      last = last.slice(0, slot);
      chunks = chunks.slice(0, at);
      chunks.push(last);
    }
    last.push(line);
  }
  let length = n + 1;
  let dropped = list.dropped;
  let chars = (list.chars ?? 0) + line.text.length;
  let head = 0;
  while ((length > max || chars > maxChars) && length > LOG_CHUNK) {
    const gone = chunks[head++] as LogLine[];
    length -= gone.length;
    dropped += gone.length;
    for (const g of gone) chars -= g.text.length;
  }
  // Dropping copies the index (once per chunk at the cap); earlier views keep their head.
  if (head > 0) chunks = chunks.slice(head);
  // Held lines sit at the head, so they are the first to go.
  const held = list.held ? Math.max(0, list.held - (dropped - list.dropped)) : 0;
  return new LogView(chunks, length, dropped, chars, held || undefined);
}

/**
 * `appendLine` for a view made by the caller's own reduction pass (no earlier snapshot holds it):
 * grows it in place instead of allocating a new view per line, which was two objects per output
 * line (build log and step log) on the live path. The shared-chunk rules are `appendLine`'s.
 */
export function appendLineInPlace(view: LogView, line: LogLine, max: number, maxChars = Infinity): void {
  const n = view.length;
  const slot = n % LOG_CHUNK;
  const last = view.chunks[(n - slot) / LOG_CHUNK];
  // The common case: the view ends where its shared last chunk ends, under every cap.
  if (
    slot !== 0 &&
    last !== undefined &&
    view.chunks.length === (n - slot) / LOG_CHUNK + 1 &&
    last.length === slot &&
    Object.isExtensible(last) &&
    n + 1 <= max &&
    view.chars + line.text.length <= maxChars
  ) {
    last.push(line);
    view.length = n + 1;
    view.chars += line.text.length;
    return;
  }
  const next = appendLine(view, line, max, maxChars);
  view.chunks = next.chunks;
  view.length = next.length;
  view.dropped = next.dropped;
  view.chars = next.chars ?? 0;
  view.held = next.held;
}

/** Lines of the build log `builds.get` sends whole (4 chunks); the rest is paged in by `builds.logs`. */
export const SENT_LOG_CHUNKS = 4;
/** Lines of each step's log it sends (its last, partial chunk: 0-255 lines). */
export const SENT_STEP_LOG_CHUNKS = 1;

/**
 * The list as `builds.get` sends it: its last `chunks` chunks (whole chunks, so absolute line
 * numbers stay chunk-aligned and the receiver's reducer appends as before). The lines before are
 * counted in `dropped` (so `seq` and every reader carry on unchanged) and in `held`, which says
 * the core still has them for `builds.logs`. Sending the whole snapshot sent every line twice
 * (build log and step log): 37 MB for an 85k-line build.
 */
export function logTail(list: LogList, chunks: number): LogList {
  const view = viewChunks(list);
  const cut = view.length - Math.max(1, chunks);
  // The last chunk may be full: keep whole chunks only, and at least the last one.
  if (cut <= 0) return list;
  const kept = view.slice(cut);
  const unsent = cut * LOG_CHUNK;
  let chars = 0;
  for (const c of kept) for (const l of c) chars += l.text.length;
  return new LogView(kept, list.length - unsent, list.dropped + unsent, chars, (list.held ?? 0) + unsent);
}

/**
 * Kept lines `from` (absolute: 0 is the first line the list ever had) up to `from + limit`, or
 * undefined when `from` lies outside [dropped, dropped + length] (the caller says which way).
 */
export function logPage(list: LogList, from: number, limit: number): LogLine[] | undefined {
  const first = list.dropped - (list.held ?? 0);
  const end = list.dropped + list.length;
  if (from < first || from > end) return undefined;
  const out: LogLine[] = [];
  for (let abs = from; abs < Math.min(end, from + limit); abs++) {
    const line = logLineAt(list, abs - list.dropped);
    if (line) out.push(line);
  }
  return out;
}

/**
 * A snapshot as `builds.get` sends it: the build log's tail and each step log's last chunk (see
 * `logTail`); everything else shared. Short logs go whole, so a small build looks exactly as before.
 */
export function snapshotToSend(s: BuildSnapshot): BuildSnapshot {
  const steps: Record<string, Step> = {};
  for (const [id, step] of Object.entries(s.steps)) {
    const logs = logTail(step.logs, SENT_STEP_LOG_CHUNKS);
    steps[id] = logs === step.logs ? step : { ...step, logs };
  }
  return { ...s, steps, log: logTail(s.log, SENT_LOG_CHUNKS) };
}

/** A view over a plain list (as JSON or IPC delivered it), so the reducer's appends work on it. */
export function viewOf(list: LogList): LogView {
  return new LogView(list.chunks, list.length, list.dropped, list.chars ?? 0, list.held);
}

/**
 * Whole chunks of earlier lines (a `builds.logs` page ending where the list starts) put in front
 * of it: the lines move from `held` to kept. Lists start on a chunk boundary (the core drops and
 * `logTail` cuts whole chunks), so every chunk but the last stays full; a page that is not whole
 * chunks would break that, and is refused (the list comes back unchanged).
 */
export function prependChunks(list: LogList, chunks: readonly LogLine[][]): LogList {
  let n = 0;
  let chars = list.chars ?? 0;
  for (const c of chunks) {
    if (c.length !== LOG_CHUNK) return list;
    n += c.length;
    for (const l of c) chars += l.text.length;
  }
  if (n === 0 || n > list.dropped) return list;
  const held = Math.max(0, (list.held ?? 0) - n);
  return new LogView([...chunks, ...viewChunks(list)], list.length + n, list.dropped - n, chars, held || undefined);
}

/** Lines as whole chunks (the last one partial), for a list that starts on a chunk boundary. */
function chunked(lines: LogLine[]): LogLine[][] {
  const out: LogLine[][] = [];
  for (let i = 0; i < lines.length; i += LOG_CHUNK) out.push(lines.slice(i, i + LOG_CHUNK));
  return out;
}

/**
 * A step's log tail for a sync that also carries the build log's tail `log`: the step's lines
 * before `log` starts (in `logs`), and how many of its last lines are its lines in `log`
 * (`fromLog`), which the receiver takes from there (`stepTailFromLog`). A step printing alone in a
 * flood has all its tail in the build log's, so it costs no lines. Checked by identity (the core
 * appends the same line object to both lists); anything else goes whole.
 */
export function stepTailBesideLog(step: string, tail: LogList, log: LogList): { logs: LogList; fromLog?: number } {
  const lines = logLines(tail);
  let shared = 0;
  let j = log.length - 1;
  for (let i = lines.length - 1; i >= 0; i--) {
    while (j >= 0 && logLineAt(log, j)?.step !== step) j--;
    if (j < 0 || logLineAt(log, j) !== lines[i]) break;
    shared++;
    j--;
  }
  if (shared === 0) return { logs: tail };
  const own = lines.slice(0, lines.length - shared);
  let chars = 0;
  for (const l of own) chars += l.text.length;
  return { logs: new LogView(chunked(own), own.length, tail.dropped, chars, tail.held), fromLog: shared };
}

/** The receiving side of `stepTailBesideLog`: `logs` then the step's last `fromLog` lines of `log`. */
export function stepTailFromLog(step: string, logs: LogList, fromLog: number, log: LogList): LogView {
  const shared: LogLine[] = [];
  for (let j = log.length - 1; j >= 0 && shared.length < fromLog; j--) {
    const line = logLineAt(log, j);
    if (line?.step === step) shared.push(line);
  }
  shared.reverse();
  let chars = logs.chars ?? 0;
  for (const l of shared) chars += l.text.length;
  const lines = [...logLines(logs), ...shared];
  return new LogView(chunked(lines), lines.length, logs.dropped, chars, logs.held);
}
