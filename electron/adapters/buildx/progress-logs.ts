import type { BuildEvent, BuildEventOf } from '../../common/contracts/builds';
import { endsWholeUtf8 } from './progress-text';

/** Past this many decoded bytes a batch is decoded at once (a whole recorded stream is one push). */
const BATCH_BYTES = 256 * 1024;

/**
 * The text of the parser's log events. Each log's base64 is decoded into one shared buffer as it
 * is read, its event made with its text to come; `flush` (at the end of every push) decodes the
 * batch's bytes as ONE string and, when every byte was ASCII (the usual build output), gives each
 * event its slice of it. Decoding each line on its own was a string, a native call and a Buffer
 * method's argument checks per line, and the kept lines were 85k strings the young-generation
 * collector copied one by one (now a few hundred). Otherwise each line is decoded on its own, in
 * order, exactly as before: a chunk that ends inside a UTF-8 character gives its stream a
 * streaming decoder (log chunks are not UTF-8 aligned), and a chunk that decodes to nothing yet is
 * no event.
 *
 * The text of a batch is kept alive by any of its lines a snapshot keeps (at most one batch of
 * extra text past a log cap).
 */
export class LogTexts {
  /** Streaming decoders, per vertex and stream, from the first chunk that split a character. */
  private readonly decoders = new Map<string, TextDecoder>();
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private events: BuildEventOf<'log'>[] = [];
  /** Each waiting event's bytes: [from, to) pairs in `bytes`. */
  private spans: number[] = [];

  /** A log chunk: its event goes to `out` now, its text with the next `flush`. */
  add(out: BuildEvent[], vertex: string, stream: number, base64: string, at: number | undefined): void {
    // base64 is 4 characters per 3 bytes (padding and invalid characters only make it less).
    const most = (base64.length >> 2) * 3 + 3;
    if (this.used > 0 && this.used + most > BATCH_BYTES) this.flush(out);
    if (this.bytes.length - this.used < most) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + most));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    const from = this.used;
    const n = this.bytes.write(base64, from, 'base64');
    // No bytes is no text (a decoder holding part of a character gives none for them either).
    if (n === 0) return;
    this.used = from + n;
    const e: BuildEventOf<'log'> =
      at !== undefined ? { type: 'log', vertex, stream, data: '', at } : { type: 'log', vertex, stream, data: '' };
    out.push(e);
    this.events.push(e);
    this.spans.push(from, from + n);
  }

  /** Gives the waiting events their text (`out` holds them; ones with none are taken out). */
  flush(out: BuildEvent[]): void {
    const events = this.events;
    if (events.length === 0) return;
    const spans = this.spans;
    const bytes = this.bytes;
    const used = this.used;
    this.events = [];
    this.spans = [];
    this.used = 0;
    if (this.decoders.size === 0) {
      // (No encoding name: Buffer's toString then skips its encoding lookup; utf8 is the default.)
      const all = bytes.toString(undefined, 0, used);
      // One character per byte and no U+FFFD (what an invalid byte becomes): every byte was ASCII.
      if (all.length === used && all.indexOf('\uFFFD') < 0) {
        for (let k = 0; k < events.length; k++)
          (events[k] as BuildEventOf<'log'>).data = all.slice(spans[2 * k], spans[2 * k + 1]);
        return;
      }
    }
    let empty = false;
    for (let k = 0; k < events.length; k++) {
      const e = events[k] as BuildEventOf<'log'>;
      e.data = this.decode(e.vertex, e.stream, bytes.subarray(spans[2 * k], spans[2 * k + 1]));
      if (!e.data) empty = true;
    }
    if (empty) {
      const kept = out.filter((e) => e.type !== 'log' || e.data !== '');
      out.length = 0;
      for (const e of kept) out.push(e);
    }
  }

  /** The end of the stream: what the streaming decoders still hold, as events of their own. */
  end(out: BuildEvent[]): void {
    this.flush(out);
    for (const [key, decoder] of this.decoders) {
      const rest = decoder.decode();
      if (rest) {
        const i = key.indexOf(':');
        out.push({ type: 'log', vertex: key.slice(i + 1), stream: Number(key.slice(0, i)), data: rest });
      }
    }
    this.decoders.clear();
  }

  /** One chunk's text, on its own. */
  private decode(vertex: string, stream: number, bytes: Buffer): string {
    const n = bytes.length;
    const key = this.decoders.size > 0 ? `${stream}:${vertex}` : undefined;
    const decoder = key === undefined ? undefined : this.decoders.get(key);
    // (A leading BOM goes to TextDecoder, which drops it at the start of a stream, as it always did.)
    if (!decoder && endsWholeUtf8(bytes, n) && bytes[0] !== 0xef) {
      // The usual chunk ends on a character boundary: decode it at once, no per-stream decoder.
      return bytes.toString(undefined, 0, n);
    }
    // A character split across chunks: this stream keeps a streaming decoder from here on.
    let d = decoder;
    if (!d) {
      d = new TextDecoder('utf-8');
      this.decoders.set(key ?? `${stream}:${vertex}`, d);
    }
    return d.decode(bytes, { stream: true });
  }
}
