import type { BuildEvent, BuildEventOf, SnippetLine } from '../../common/contracts/builds';
import { JsonObjectSplitter } from '../../common/json-stream';
import { LogTexts } from './progress-logs';
import { flat, fraction, TimeParser } from './progress-text';

/**
 * Streaming parser for `docker buildx build --progress=rawjson` on stderr.
 *
 * Both shapes: buildx 0.13 prints pretty-printed SolveStatus objects back to back, 0.29 prints one
 * per line. On failure buildx then prints plain text: a `Dockerfile:3` header, a snippet between
 * dashed rules (`   3 | >>> RUN false`) and `ERROR: ...`; that becomes one `error` event. Anything
 * else outside the JSON becomes a `text` event. Malformed, truncated or foreign input never throws:
 * bad items are skipped, unparseable objects become text.
 *
 * Feed chunks as they arrive (`push`), then `end()`. Each returns the events it completed.
 */
export class RawJsonParser {
  private out: BuildEvent[] = [];
  private readonly splitter: JsonObjectSplitter;
  /** Log chunks' text, decoded a push at a time (see progress-logs.ts). */
  private readonly logs = new LogTexts();
  private block: { file?: string; line?: number; snippet: SnippetLine[]; inRule: boolean; raw: string[] } | undefined;
  /** The unterminated last line of what was pushed (the line-at-a-time fast path waits for its end). */
  private partial = '';
  private longLine = false;
  private readonly clock = new TimeParser();
  /** Where the next backslash in the text being pushed is (Infinity: none after it). */
  private backslash = -1;
  /**
   * The last few log lines' heads, `{"logs":[{"vertex":"…","stream":N,"data":"` (strings of their
   * own), with their vertex and stream, the latest first: consecutive log lines mostly share one
   * (a RUN's stdout and stderr interleaved are two), and one native comparison of a slice replaces
   * checking its parts and slicing the digest again.
   */
  private logHeads: { head: string; vertex: string; stream: number }[] = [];
  /** The last `","timestamp":"` + second read on a log line, and that second in epoch ms. */
  private timeHead = '';
  private timeHeadMs = 0;
  /**
   * One string per digest: a log line's vertex is the very string its step was made with, so the
   * reducer's per-line step check is a pointer comparison, not 71 characters. Looked up once per
   * change of head, not per line.
   */
  private readonly digests = new Map<string, string>();

  constructor() {
    this.splitter = new JsonObjectSplitter(
      (json) => this.object(json),
      (line) => this.text(line),
      true,
    );
  }

  push(chunk: string): BuildEvent[] {
    this.read(chunk);
    return this.take();
  }

  /** `push` of each chunk in turn, the events taken once (a frame's reads, see FrameParser). */
  pushAll(chunks: readonly string[]): BuildEvent[] {
    for (let k = 0; k < chunks.length; k++) this.read(chunks[k] as string);
    return this.take();
  }

  /** Reads a chunk; its events wait in `out` for `take`. */
  private read(chunk: string): void {
    let text = chunk;
    let from = 0;
    if (this.longLine) {
      // The rest of a line already handed to the splitter goes there too.
      const nl = text.indexOf('\n');
      this.splitter.push(nl < 0 ? text : text.slice(0, nl + 1));
      if (nl < 0) return;
      this.longLine = false;
      from = nl + 1;
    } else if (this.partial) {
      const nl = text.indexOf('\n');
      if (nl < 0) text = this.partial + text;
      else {
        // The line cut by the last read is read on its own: the chunk itself stays the string the
        // lines below are read from (a concatenation would be a cons string, slower to scan).
        const first = this.partial + text.slice(0, nl + 1);
        this.backslash = -1;
        this.line(first, 0, first.length - 1);
        from = nl + 1;
      }
      this.partial = '';
    }
    this.backslash = -1;
    for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
      this.line(text, from, nl);
      from = nl + 1;
    }
    this.partial = from === 0 ? text : text.slice(from);
    if (this.partial.length > LONG_LINE) {
      // No newline for a long while: stream it through the splitter rather than re-scan it per chunk.
      this.splitter.push(this.partial);
      this.partial = '';
      this.longLine = true;
    }
  }

  end(): BuildEvent[] {
    if (this.partial) this.splitter.push(this.partial);
    this.partial = '';
    this.longLine = false;
    this.splitter.end();
    this.logs.flush(this.out);
    // A header/snippet with no ERROR line after it (truncated output) is still worth showing.
    if (this.block) for (const raw of this.block.raw) this.out.push({ type: 'text', text: raw });
    this.block = undefined;
    this.logs.end(this.out);
    return this.take();
  }

  private take(): BuildEvent[] {
    this.logs.flush(this.out);
    const events = this.out;
    this.out = [];
    return events;
  }

  /**
   * One whole line of input. buildx 0.29 prints one SolveStatus per line: such a line, met between
   * objects, is parsed here directly (a log line without even JSON.parse); anything else (0.13's
   * pretty-printed objects, plain text, a line that is not exactly one object) goes through the
   * splitter, character for character as before.
   */
  private line(text: string, from: number, nl: number): void {
    const end = nl > from && text.charCodeAt(nl - 1) === 13 /* \r */ ? nl - 1 : nl;
    if (
      this.splitter.idle &&
      end - from > 1 &&
      text.charCodeAt(from) === 123 /* { */ &&
      text.charCodeAt(end - 1) === 125 /* } */
    ) {
      if (this.fastLog(text, from, end) || this.fastStatus(text, from, end)) return;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(from, end));
      } catch {
        value = undefined;
      }
      if (isRecord(value)) return this.value(value);
    }
    this.splitter.push(text.slice(from, nl + 1));
  }

  /**
   * The commonest line by far, `{"logs":[{"vertex":"…","stream":N,"data":"…","timestamp":"…"}]}`
   * (Go's field order), read in place in the pushed text: no line slice, no object tree, the stream
   * and the timestamp read digit by digit, the base64 decoded into one reused buffer. (Reusing the
   * digest string of a recent line measured slower than slicing it: comparing costs more.) Returns
   * false for anything not exactly that shape (a backslash anywhere in the line, other fields,
   * several logs, a stream JSON would not accept), which then takes the JSON.parse path; both paths
   * give the same event (test/unit/builds-progress.test.ts).
   */
  private fastLog(t: string, from: number, end: number): boolean {
    if (!this.escapeFree(t, from, end)) return false;
    let vertex: string;
    let stream: number;
    let i: number;
    let j: number;
    const hit = this.knownHead(t, from, end);
    if (hit !== undefined) {
      vertex = hit.vertex;
      stream = hit.stream;
      i = from + hit.head.length;
    } else {
      if (!t.startsWith(LOG_HEAD, from)) return false;
      i = from + LOG_HEAD.length;
      j = t.indexOf('"', i);
      // An empty digest is no log line (the general path skips it).
      if (j <= i || j >= end || !t.startsWith(LOG_STREAM, j)) return false;
      const vertexFrom = i;
      const vertexEnd = j;
      i = j + LOG_STREAM.length;
      stream = this.integer(t, i, end);
      if (stream < 0 || !t.startsWith(LOG_DATA, this.numberEnd)) return false;
      i = this.numberEnd + LOG_DATA.length;
      vertex = this.digest(t.slice(vertexFrom, vertexEnd));
      this.logHeads.unshift({ head: flat(t.slice(from, i)), vertex, stream });
      if (this.logHeads.length > LOG_HEADS) this.logHeads.pop();
    }
    j = t.indexOf('"', i);
    if (j < 0 || j >= end) return false;
    const dataFrom = i;
    const dataEnd = j;
    let at: number | undefined;
    if (end - j > LOG_TAIL.length + 1) {
      const time = this.logTime(t, j, end - LOG_TAIL.length - 1);
      if (time === null) return false;
      at = time;
      j = end - LOG_TAIL.length - 1;
    }
    // j is the closing quote of the last string; the line ends `"}]}` right after it.
    if (
      j + 1 + LOG_TAIL.length !== end ||
      t.charCodeAt(j) !== 34 /* " */ ||
      t.charCodeAt(j + 1) !== 125 /* } */ ||
      t.charCodeAt(j + 2) !== 93 /* ] */ ||
      t.charCodeAt(j + 3) !== 125 /* } */
    )
      return false;
    this.logData(vertex, stream, t.slice(dataFrom, dataEnd), at);
    return true;
  }

  /**
   * The next commonest line, a transfer's progress (Go's field order; `name`, `total`, `started`
   * and `completed` may be absent): `{"statuses":[{"id":"…","vertex":"…","name":"…","total":N,
   * "current":N,"timestamp":"…","started":"…","completed":"…"}]}`, read in place as `fastLog` reads
   * log lines. JSON.parse built a tree of two objects, an array and eight strings per such line
   * (~1 us) only for `status` to pick four fields out of it. Anything else (a backslash, another
   * field or order, several statuses, a number JSON would read otherwise) returns false and takes
   * JSON.parse; both paths give the same event (test/unit/builds-progress.test.ts).
   */
  private fastStatus(t: string, from: number, end: number): boolean {
    if (!this.escapeFree(t, from, end) || !t.startsWith(STATUS_HEAD, from)) return false;
    let i = from + STATUS_HEAD.length;
    let j = t.indexOf('"', i);
    if (j <= i || j >= end || !t.startsWith(STATUS_VERTEX, j)) return false;
    const idFrom = i;
    const idEnd = j;
    i = j + STATUS_VERTEX.length;
    j = t.indexOf('"', i);
    if (j <= i || j >= end) return false;
    const vertexFrom = i;
    const vertexEnd = j;
    i = j + 1;
    let name: string | undefined;
    if (t.startsWith(STATUS_NAME, i)) {
      i += STATUS_NAME.length;
      j = t.indexOf('"', i);
      if (j < 0 || j >= end) return false;
      if (j > i) name = this.digest(t.slice(i, j));
      i = j + 1;
    }
    let total: number | undefined;
    if (t.startsWith(STATUS_TOTAL, i)) {
      i += STATUS_TOTAL.length;
      total = this.integer(t, i, end);
      if (total < 0) return false;
      i = this.numberEnd;
    }
    if (!t.startsWith(STATUS_CURRENT, i)) return false;
    i += STATUS_CURRENT.length;
    const current = this.integer(t, i, end);
    if (current < 0) return false;
    i = this.numberEnd;
    let at: number | undefined;
    let started: number | undefined;
    let completed: number | undefined;
    for (let k = 0; k < STATUS_TIMES.length; k++) {
      const key = STATUS_TIMES[k] as string;
      if (!t.startsWith(key, i)) continue;
      i += key.length;
      j = t.indexOf('"', i);
      if (j < 0 || j >= end) return false;
      const v = this.clock.parseIn(t, i, j);
      if (k === 0) at = v;
      else if (k === 1) started = v;
      else completed = v;
      i = j + 1;
    }
    if (i + LOG_TAIL.length !== end || !t.startsWith(LOG_TAIL, i)) return false;
    const vertex = this.digest(t.slice(vertexFrom, vertexEnd));
    this.statusEvent(vertex, this.digest(t.slice(idFrom, idEnd)), name, current, total, started, completed, at);
    return true;
  }

  /** No backslash in t[from, end): every '"' there ends a string. One scan per backslash, not per line. */
  private escapeFree(t: string, from: number, end: number): boolean {
    if (this.backslash < from) {
      const b = t.indexOf('\\', from);
      this.backslash = b < 0 ? Infinity : b;
    }
    return this.backslash >= end;
  }

  /** Where the last `integer` read ended. */
  private numberEnd = 0;

  /**
   * A JSON integer at `i` as JSON.parse reads it, its end in `numberEnd`; -1 for anything this
   * path leaves to JSON.parse: a sign, more than 15 digits (past a safe integer), a leading zero
   * ("01" is not JSON: the general path makes that line text). A fraction or an exponent after
   * the digits fails the caller's check of what follows.
   */
  private integer(t: string, i: number, end: number): number {
    let n = 0;
    let k = i;
    for (; k < end && k - i < 16; k++) {
      const d = t.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (k === i || k - i > 15 || (k - i > 1 && t.charCodeAt(i) === 48)) return -1;
    this.numberEnd = k;
    return n;
  }

  /** The entry of `logHeads` the line at `from` starts with (moved to the front), or undefined. */
  private knownHead(
    t: string,
    from: number,
    end: number,
  ): { head: string; vertex: string; stream: number } | undefined {
    const heads = this.logHeads;
    let cut = '';
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k] as { head: string; vertex: string; stream: number };
      const n = h.head.length;
      if (end - from <= n) continue;
      // (A slice and `===` measured 3-4x faster than startsWith of the same characters.)
      if (cut.length !== n) cut = t.slice(from, from + n);
      if (cut !== h.head) continue;
      if (k > 0) {
        heads[k] = heads[0] as typeof h;
        heads[0] = h;
      }
      return h;
    }
    return undefined;
  }

  /**
   * `","timestamp":"…"` from `j` (the data's closing quote) to `q` (the timestamp's closing quote,
   * where the line's tail starts): its time, or null if that is not what is there. The usual one
   * repeats the last one's second: then one comparison covers the key and the second.
   */
  private logTime(t: string, j: number, q: number): number | undefined | null {
    const th = this.timeHead;
    const from = j + LOG_TIME.length;
    if (th !== '' && q - j > th.length + 2 && t.slice(j, j + th.length) === th) {
      // .1-9 digits, Z after the second (what parseIn's own fast form reads).
      const n = q - from;
      if (n >= 22 && n <= 30 && t.charCodeAt(from + 19) === 46 && t.charCodeAt(q - 1) === 90) {
        const ms = fraction(t, from + 20, q - 1);
        if (ms >= 0) {
          const at = this.timeHeadMs + ms;
          return at > 0 ? at : undefined;
        }
      }
    }
    if (!t.startsWith(LOG_TIME, j) || t.indexOf('"', from) !== q) return null;
    const at = this.clock.parseIn(t, from, q);
    const secondMs = this.clock.secondOf(t, from, q);
    if (secondMs !== undefined) {
      this.timeHead = flat(t.slice(j, from + 19));
      this.timeHeadMs = secondMs;
    }
    return at;
  }

  /**
   * The one string kept for this digest (or a transfer's id or name; bounded: a foreign stream of
   * values only resets it).
   */
  private digest(d: string): string {
    const known = this.digests.get(d);
    if (known !== undefined) return known;
    if (this.digests.size >= MAX_DIGESTS) this.digests.clear();
    // A string of its own: the slice would keep the whole pushed chunk alive.
    const own = flat(d);
    this.digests.set(own, own);
    return own;
  }

  private object(json: string): void {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      this.out.push({ type: 'text', text: json.length > 2000 ? `${json.slice(0, 2000)}…` : json });
      return;
    }
    if (isRecord(value)) this.value(value);
  }

  private value(value: Record<string, unknown>): void {
    // Item by item, no filtered copy of each list (most lines have one list, the rest absent).
    const { vertexes, statuses, logs, warnings } = value;
    if (Array.isArray(vertexes)) for (const v of vertexes) if (isRecord(v)) this.vertex(v);
    if (Array.isArray(statuses)) for (const s of statuses) if (isRecord(s)) this.status(s);
    if (Array.isArray(logs)) for (const l of logs) if (isRecord(l)) this.log(l);
    if (Array.isArray(warnings)) for (const w of warnings) if (isRecord(w)) this.warning(w);
  }

  private vertex(v: Record<string, unknown>): void {
    const d = str(v['digest']);
    if (!d) return;
    const digest = this.digest(d);
    const inputs = Array.isArray(v['inputs'])
      ? v['inputs'].filter((i): i is string => typeof i === 'string')
      : undefined;
    const started = this.time(v['started']);
    const completed = this.time(v['completed']);
    const error = str(v['error']);
    this.out.push({
      type: 'vertex',
      digest,
      name: str(v['name']) ?? digest,
      ...(inputs && inputs.length > 0 ? { inputs } : {}),
      ...(started !== undefined ? { started } : {}),
      ...(completed !== undefined ? { completed } : {}),
      ...(v['cached'] === true ? { cached: true } : {}),
      ...(error ? { error } : {}),
    });
  }

  private status(s: Record<string, unknown>): void {
    const vertex = str(s['vertex']);
    const id = str(s['id']);
    if (!vertex || !id) return;
    this.statusEvent(
      vertex,
      id,
      str(s['name']),
      num(s['current']) ?? 0,
      num(s['total']),
      this.time(s['started']),
      this.time(s['completed']),
      this.time(s['timestamp']),
    );
  }

  /** A status event, whichever path read its line (one shape, key for key). */
  private statusEvent(
    vertex: string,
    id: string,
    name: string | undefined,
    current: number,
    total: number | undefined,
    started: number | undefined,
    completed: number | undefined,
    at: number | undefined,
  ): void {
    // Fields set one by one (the order the spreads gave): no temporary object per absent field.
    const e: BuildEventOf<'status'> = name
      ? { type: 'status', vertex, id, name, current }
      : { type: 'status', vertex, id, current };
    if (total !== undefined) e.total = total;
    if (started !== undefined) e.started = started;
    if (completed !== undefined) e.completed = completed;
    if (at !== undefined) e.at = at;
    this.out.push(e);
  }

  private log(l: Record<string, unknown>): void {
    const vertex = str(l['vertex']);
    const data = str(l['data']);
    if (!vertex || data === undefined) return;
    this.logData(vertex, num(l['stream']) ?? 1, data, this.time(l['timestamp']));
  }

  private logData(vertex: string, stream: number, base64: string, at: number | undefined): void {
    this.logs.add(this.out, vertex, stream, base64, at);
  }

  private time(v: unknown): number | undefined {
    return typeof v === 'string' ? this.clock.parse(v) : undefined;
  }

  private warning(w: Record<string, unknown>): void {
    const vertex = str(w['vertex']);
    const level = num(w['level']);
    const url = str(w['url']);
    const info = isRecord(w['sourceInfo']) ? w['sourceInfo'] : undefined;
    const file = info ? str(info['filename']) : undefined;
    const sourceData = info ? str(info['data']) : undefined;
    const source = sourceData ? decodeBase64Text(sourceData) : undefined;
    const ranges = arrayOf(w['range'])
      .map((r) => {
        const start = isRecord(r['start']) ? num(r['start']['line']) : undefined;
        const end = isRecord(r['end']) ? num(r['end']['line']) : undefined;
        return start === undefined ? undefined : { start, end: end ?? start };
      })
      .filter((r): r is { start: number; end: number } => r !== undefined);
    const short = str(w['short']);
    this.out.push({
      type: 'warning',
      ...(vertex ? { vertex } : {}),
      ...(level !== undefined ? { level } : {}),
      short: short ? decodeBase64Text(short).trim() : '',
      detail: (Array.isArray(w['detail']) ? w['detail'] : [])
        .filter((d): d is string => typeof d === 'string')
        .map((d) => decodeBase64Text(d)),
      ...(url ? { url } : {}),
      ...(file ? { file } : {}),
      ...(source !== undefined ? { source } : {}),
      ranges,
    });
  }

  private text(line: string): void {
    const header = /^(\S.*):(\d+)$/.exec(line);
    if (header && !this.block?.inRule) {
      if (this.block) this.flushBlockAsText();
      this.block = { file: header[1] as string, line: Number(header[2]), snippet: [], inRule: false, raw: [line] };
      return;
    }
    if (/^-{6,}$/.test(line)) {
      this.block ??= { snippet: [], inRule: false, raw: [] };
      this.block.raw.push(line);
      this.block.inRule = !this.block.inRule;
      return;
    }
    if (this.block?.inRule) {
      const m = /^(\d+) \|(?: (>>>| {3}) ?(.*))?$/.exec(line);
      if (m) {
        this.block.raw.push(line);
        this.block.snippet.push({ line: Number(m[1]), text: m[3] ?? '', marked: m[2] === '>>>' });
        return;
      }
    }
    const error = /^ERROR:\s*(.*)$/.exec(line);
    if (error) {
      const b = this.block;
      this.block = undefined;
      this.out.push({
        type: 'error',
        // 0.29 wraps the same message in "failed to build: "; one wording for both versions.
        message: (error[1] as string).replace(/^failed to build: /, ''),
        ...(b?.file ? { file: b.file } : {}),
        ...(b?.line !== undefined ? { line: b.line } : {}),
        snippet: b?.snippet ?? [],
      });
      return;
    }
    if (this.block) this.flushBlockAsText();
    this.out.push({ type: 'text', text: line });
  }

  private flushBlockAsText(): void {
    for (const raw of this.block?.raw ?? []) this.out.push({ type: 'text', text: raw });
    this.block = undefined;
  }
}

/**
 * rawjson text as buildx writes it, parsed a frame at a time instead of a pipe read at a time.
 *
 * buildx writes each status as it happens, so a reader that keeps up gets one event per read, and
 * a parse has costs per call (its event list, the log texts' decode): per read they add up to ~2 us
 * an event, twice the parse itself (issue 14's "one event at a time" row, docs/performance.md).
 * Reads within `delayMs` are parsed together, one after another with one event list and one decode
 * of their log texts; 64 KiB waiting (a flood) is parsed at once. They are not joined first: that
 * copied every byte once more, 64 KiB a frame for the young generation to hold and collect
 * (8-14% of the one-event figure, docs/performance.md). Nothing sees the delay: the events leave
 * the core in 50 ms batches anyway (live-progress.ts).
 */
export class FrameParser {
  private texts: string[] = [];
  private size = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly parser = new RawJsonParser();

  constructor(
    private readonly deliver: (events: BuildEvent[]) => void,
    private readonly delayMs = 16,
  ) {}

  push(chunk: string): void {
    if (chunk.length === 0) return;
    this.texts.push(chunk);
    this.size += chunk.length;
    if (this.size >= FRAME_TEXT) this.parseNow();
    else this.timer ??= setTimeout(() => this.parseNow(), this.delayMs);
  }

  /** Parses what waits now: the frame has passed, 64 KiB wait, or the stream ended. */
  private parseNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.texts.length === 0) return;
    const texts = this.texts;
    this.texts = [];
    this.size = 0;
    const events = this.parser.pushAll(texts);
    if (events.length > 0) this.deliver(events);
  }

  /** The stream has ended: everything left, including an unterminated last line. */
  end(): void {
    this.parseNow();
    const rest = this.parser.end();
    if (rest.length > 0) this.deliver(rest);
  }
}

const FRAME_TEXT = 64 * 1024;

/** Parses a whole recorded stream at once (tests, history import). */
export function parseRawJson(text: string): BuildEvent[] {
  const p = new RawJsonParser();
  return [...p.push(text), ...p.end()];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Past this many characters without a newline, input streams through the splitter. */
const LONG_LINE = 1 << 20;
const LOG_HEAD = '{"logs":[{"vertex":"';
const LOG_STREAM = '","stream":';
const LOG_DATA = ',"data":"';
const LOG_TIME = '","timestamp":"';
const LOG_TAIL = '}]}';
const STATUS_HEAD = '{"statuses":[{"id":"';
const STATUS_VERTEX = '","vertex":"';
const STATUS_NAME = ',"name":"';
const STATUS_TOTAL = ',"total":';
const STATUS_CURRENT = ',"current":';
/** A status line's times in Go's order: `at`, `started`, `completed`. */
const STATUS_TIMES = [',"timestamp":"', ',"started":"', ',"completed":"'];
/** Log line heads the parser remembers (vertex and stream pairs in recent lines). */
const LOG_HEADS = 4;
/** Digests the parser keeps one string for; a build has hundreds of vertexes at most. */
const MAX_DIGESTS = 16_384;

function decodeBase64Text(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}
