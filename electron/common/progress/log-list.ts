import type { LogLine, LogList } from '../contracts/builds';

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
  constructor(
    readonly chunks: LogLine[][],
    readonly length: number,
    readonly dropped: number,
    readonly chars: number,
  ) {}

  /** The view, and nothing a later snapshot appended (IPC/JSON see exactly this snapshot's lines). */
  toJSON(): LogList {
    return { chunks: viewChunks(this), length: this.length, dropped: this.dropped, chars: this.chars };
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
  return new LogView(chunks, length, dropped, chars);
}
