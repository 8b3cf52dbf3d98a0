/**
 * Just enough protobuf to read BuildKit's answers (moby/buildkit api/services/control/control.proto,
 * api/types/worker.proto): walk the fields of a message in place, no schema compiler, no copies.
 * No npm package ships BuildKit's types (see buildkit-facts.md), and a generated client would load
 * protobufjs and grpc-js on a path whose whole budget is a fraction of `docker buildx ls`.
 */

export interface Field {
  no: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** The value of a varint field (int64 past 2^53 loses precision; negatives come out negative). */
  int: number;
  /** The bytes of a length-delimited field: [from, to) in the buffer. */
  from: number;
  to: number;
}

const TWO_32 = 0x1_0000_0000;
const TWO_64 = TWO_32 * TWO_32;

/** Calls `each` for every field of the message in buf[from, to). Throws on a truncated message. */
export function readFields(buf: Uint8Array, from: number, to: number, each: (f: Field) => void): void {
  let pos = from;
  const varint = (): number => {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= to) throw new Error('truncated protobuf message');
      const b = buf[pos++] as number;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new Error('malformed protobuf varint');
    }
    const value = (lo >>> 0) + (hi >>> 0) * TWO_32;
    return value >= TWO_64 / 2 ? value - TWO_64 : value;
  };
  const field: Field = { no: 0, wire: 0, int: 0, from: 0, to: 0 };
  while (pos < to) {
    const key = varint();
    field.no = Math.floor(key / 8);
    field.wire = key & 7;
    field.int = 0;
    field.from = field.to = pos;
    switch (field.wire) {
      case 0:
        field.int = varint();
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        field.from = pos;
        field.to = pos + len;
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${field.wire}`);
    }
    if (pos > to) throw new Error('truncated protobuf message');
    each(field);
  }
}

const decoder = new TextDecoder();
export const text = (buf: Uint8Array, f: Field): string => decoder.decode(buf.subarray(f.from, f.to));

/** google.protobuf.Timestamp {seconds = 1, nanos = 2} as epoch milliseconds. */
export function timestampMs(buf: Uint8Array, f: Field): number {
  let seconds = 0;
  let nanos = 0;
  readFields(buf, f.from, f.to, (t) => {
    if (t.no === 1) seconds = t.int;
    else if (t.no === 2) nanos = t.int;
  });
  return seconds * 1000 + Math.floor(nanos / 1e6);
}
