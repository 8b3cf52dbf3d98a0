import type { LogLine, LogList } from '../contracts/builds';

/**
 * Lines per chunk. Appending copies at most one chunk (and the chunk index), never the whole log,
 * so a reducer can stay immutable at 100k lines. Every chunk but the last is full.
 */
export const LOG_CHUNK = 256;

export const emptyLogList = (): LogList => ({ chunks: [], length: 0, dropped: 0 });

/** The i-th kept line (0 ≤ i < list.length), or undefined. */
export function logLineAt(list: LogList, i: number): LogLine | undefined {
  if (i < 0 || i >= list.length) return undefined;
  return list.chunks[Math.floor(i / LOG_CHUNK)]?.[i % LOG_CHUNK];
}

/** All kept lines as one array (copies: for export/copy, not for rendering). */
export function logLines(list: LogList): LogLine[] {
  return list.chunks.flat();
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

/**
 * Copy-on-write bookkeeping for one reduction pass: objects created during the pass may be
 * mutated in place; anything older is copied first (so earlier snapshots never change).
 */
export class Owner {
  private readonly owned = new WeakSet<object>();
  own<T extends object>(value: T): T {
    this.owned.add(value);
    return value;
  }
  has(value: object): boolean {
    return this.owned.has(value);
  }
  /** A shallow copy owned by this pass, or the value itself if already owned. */
  writable<T extends object>(value: T): T {
    if (this.owned.has(value)) return value;
    const copy = (Array.isArray(value) ? value.slice() : { ...value }) as T;
    this.owned.add(copy);
    return copy;
  }
}

/**
 * Appends a line, dropping whole head chunks beyond `max` lines or `maxChars` characters of text;
 * returns the (possibly new) list. `dropped` counts what went (the log view says so).
 */
export function appendLine(owner: Owner, list: LogList, line: LogLine, max: number, maxChars = Infinity): LogList {
  const l = owner.writable(list);
  const chunks = owner.writable(l.chunks);
  l.chunks = chunks;
  let last = chunks[chunks.length - 1];
  if (!last || last.length >= LOG_CHUNK) {
    last = owner.own<LogLine[]>([]);
    chunks.push(last);
  } else if (!owner.has(last)) {
    last = owner.own(last.slice());
    chunks[chunks.length - 1] = last;
  }
  last.push(line);
  l.length++;
  l.chars = (l.chars ?? 0) + line.text.length;
  while ((l.length > max || l.chars > maxChars) && chunks.length > 1) {
    const head = chunks.shift() as LogLine[];
    l.length -= head.length;
    l.dropped += head.length;
    for (const gone of head) l.chars -= gone.text.length;
  }
  return l;
}
