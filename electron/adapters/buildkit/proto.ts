/**
 * Just enough protobuf to read BuildKit's answers (moby/buildkit api/services/control/control.proto,
 * api/types/worker.proto): a cursor over the message bytes, read field by field in place - no schema
 * compiler, no intermediate objects. No npm package ships BuildKit's types (see buildkit-facts.md),
 * and a generated client would load protobufjs and grpc-js on a path whose whole budget is a
 * fraction of `docker buildx ls`.
 */

const TWO_32 = 0x1_0000_0000;
const TWO_63 = TWO_32 * TWO_32 * 0.5;

export const WIRE_VARINT = 0;
export const WIRE_BYTES = 2;

export class ProtoReader {
  pos: number;
  /** Field number and wire type of the field `next()` read. */
  field = 0;
  wire = 0;

  constructor(
    readonly buf: Buffer,
    from = 0,
    readonly end = buf.length,
  ) {
    this.pos = from;
  }

  /** Reads the next field's key; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const key = this.varint();
    this.field = Math.floor(key / 8);
    this.wire = key & 7;
    return true;
  }

  /** A varint (int64 past 2^53 loses precision; negative int64 comes out negative). */
  varint(): number {
    const buf = this.buf;
    if (this.pos >= this.end) throw new Error('truncated protobuf message');
    let b = buf[this.pos++] as number;
    if (b < 0x80) return b;
    let lo = b & 0x7f;
    let shift = 7;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated protobuf message');
      b = buf[this.pos++] as number;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else {
        // Past 28 bits: continue in floating point (exact to 2^53).
        let value = (lo >>> 0) + (b & 0x7f) * 2 ** shift;
        while (b >= 0x80) {
          if (this.pos >= this.end) throw new Error('truncated protobuf message');
          shift += 7;
          b = buf[this.pos++] as number;
          if (shift < 64) value += (b & 0x7f) * 2 ** shift;
        }
        return value >= TWO_63 ? value - TWO_63 * 2 : value;
      }
      if (b < 0x80) return lo >>> 0;
      shift += 7;
    }
  }

  /** The end offset of a length-delimited field; the cursor is at its first byte. */
  bytes(): number {
    const len = this.varint();
    const to = this.pos + len;
    if (to > this.end) throw new Error('truncated protobuf message');
    return to;
  }

  string(): string {
    const to = this.bytes();
    const s = this.buf.toString('utf8', this.pos, to);
    this.pos = to;
    return s;
  }

  /** google.protobuf.Timestamp {seconds = 1, nanos = 2} as epoch milliseconds. */
  timestampMs(): number {
    const to = this.bytes();
    let seconds = 0;
    let nanos = 0;
    while (this.pos < to) {
      const key = this.varint();
      if (key === 8) seconds = this.varint();
      else if (key === 16) nanos = this.varint();
      else this.skipWire(key & 7);
    }
    return seconds * 1000 + Math.floor(nanos / 1e6);
  }

  skip(): void {
    this.skipWire(this.wire);
  }

  private skipWire(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        break;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.bytes();
        break;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    if (this.pos > this.end) throw new Error('truncated protobuf message');
  }
}
