import type { BuildEvent, SnippetLine } from '../../common/contracts/builds';
import { JsonObjectSplitter } from '../../common/json-stream';

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
  /** Log chunks are not UTF-8 aligned: one streaming decoder per vertex and stream. */
  private readonly decoders = new Map<string, TextDecoder>();
  private block: { file?: string; line?: number; snippet: SnippetLine[]; inRule: boolean; raw: string[] } | undefined;

  constructor() {
    this.splitter = new JsonObjectSplitter(
      (json) => this.object(json),
      (line) => this.text(line),
      true,
    );
  }

  push(chunk: string): BuildEvent[] {
    this.splitter.push(chunk);
    return this.take();
  }

  end(): BuildEvent[] {
    this.splitter.end();
    // A header/snippet with no ERROR line after it (truncated output) is still worth showing.
    if (this.block) for (const raw of this.block.raw) this.out.push({ type: 'text', text: raw });
    this.block = undefined;
    for (const [key, decoder] of this.decoders) {
      const rest = decoder.decode();
      if (rest) {
        const [vertex, stream] = splitKey(key);
        this.out.push({ type: 'log', vertex, stream, data: rest });
      }
    }
    this.decoders.clear();
    return this.take();
  }

  private take(): BuildEvent[] {
    const events = this.out;
    this.out = [];
    return events;
  }

  private object(json: string): void {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      this.out.push({ type: 'text', text: json.length > 2000 ? `${json.slice(0, 2000)}…` : json });
      return;
    }
    if (!isRecord(value)) return;
    for (const v of arrayOf(value['vertexes'])) this.vertex(v);
    for (const s of arrayOf(value['statuses'])) this.status(s);
    for (const l of arrayOf(value['logs'])) this.log(l);
    for (const w of arrayOf(value['warnings'])) this.warning(w);
  }

  private vertex(v: Record<string, unknown>): void {
    const digest = str(v['digest']);
    if (!digest) return;
    const inputs = Array.isArray(v['inputs'])
      ? v['inputs'].filter((i): i is string => typeof i === 'string')
      : undefined;
    const started = time(v['started']);
    const completed = time(v['completed']);
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
    const name = str(s['name']);
    const total = num(s['total']);
    const started = time(s['started']);
    const completed = time(s['completed']);
    const at = time(s['timestamp']);
    this.out.push({
      type: 'status',
      vertex,
      id,
      ...(name ? { name } : {}),
      current: num(s['current']) ?? 0,
      ...(total !== undefined ? { total } : {}),
      ...(started !== undefined ? { started } : {}),
      ...(completed !== undefined ? { completed } : {}),
      ...(at !== undefined ? { at } : {}),
    });
  }

  private log(l: Record<string, unknown>): void {
    const vertex = str(l['vertex']);
    const data = str(l['data']);
    if (!vertex || data === undefined) return;
    const stream = num(l['stream']) ?? 1;
    const key = `${stream}:${vertex}`;
    let decoder = this.decoders.get(key);
    if (!decoder) {
      decoder = new TextDecoder('utf-8');
      this.decoders.set(key, decoder);
    }
    const text = decoder.decode(base64Bytes(data), { stream: true });
    if (!text) return;
    const at = time(l['timestamp']);
    this.out.push({ type: 'log', vertex, stream, data: text, ...(at !== undefined ? { at } : {}) });
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

/** Parses a whole recorded stream at once (tests, history import). */
export function parseRawJson(text: string): BuildEvent[] {
  const p = new RawJsonParser();
  return [...p.push(text), ...p.end()];
}

function splitKey(key: string): [string, number] {
  const i = key.indexOf(':');
  return [key.slice(i + 1), Number(key.slice(0, i))];
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

/** RFC 3339 with nanoseconds → epoch ms; Go's zero time and garbage → undefined. */
function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function base64Bytes(data: string): Uint8Array {
  return Buffer.from(data, 'base64');
}

function decodeBase64Text(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}
