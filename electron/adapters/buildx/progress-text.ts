/**
 * The progress parser's in-place readers (split out of progress.ts): timestamps, owned strings and
 * UTF-8 boundaries, each read from a pushed chunk without slicing it where it can.
 */

/**
 * RFC 3339 with nanoseconds → epoch ms; Go's zero time and garbage → undefined. Consecutive events
 * mostly share their second (`2026-11-27T06:36:46`): that part is parsed once and only the
 * fraction read after it, which is what Date.parse would give (it keeps milliseconds, truncated).
 */
export class TimeParser {
  // The last two seconds seen: a status line carries its start and its timestamp, often in
  // different seconds, and one entry would be re-parsed twice per such line.
  private second = '';
  private secondMs = 0;
  private other = '';
  private otherMs = 0;

  parse(v: string): number | undefined {
    return this.parseIn(v, 0, v.length);
  }

  /** `parse(t.slice(from, end))` without the slice. */
  parseIn(t: string, from: number, end: number): number | undefined {
    // 2026-11-27T06:36:46.52357514Z: 19 characters of second, '.', 1-9 digits, 'Z'.
    const n = end - from;
    if (n >= 22 && n <= 30 && t.charCodeAt(from + 19) === 46 && t.charCodeAt(end - 1) === 90) {
      let secondMs: number;
      if (sameAt(this.second, t, from)) secondMs = this.secondMs;
      else if (sameAt(this.other, t, from)) {
        const other = this.other;
        secondMs = this.otherMs;
        this.other = this.second;
        this.otherMs = this.secondMs;
        this.second = other;
        this.secondMs = secondMs;
      } else {
        const second = flat(t.slice(from, from + 19));
        const ms = Date.parse(`${second}Z`);
        if (!Number.isFinite(ms)) return slowTime(t.slice(from, end));
        this.other = this.second;
        this.otherMs = this.secondMs;
        this.second = second;
        this.secondMs = secondMs = ms;
      }
      const frac = fraction(t, from + 20, end - 1);
      if (frac < 0) return slowTime(t.slice(from, end));
      const ms = secondMs + frac;
      return ms > 0 ? ms : undefined;
    }
    return slowTime(t.slice(from, end));
  }

  /** The epoch ms of the second `parseIn(t, from, end)` just read in its fast form, or undefined. */
  secondOf(t: string, from: number, end: number): number | undefined {
    return end - from >= 22 && sameAt(this.second, t, from) ? this.secondMs : undefined;
  }
}

/** The milliseconds of a fraction's digits t[from, end) (truncated; .5 is 500), or -1 for a non-digit. */
export function fraction(t: string, from: number, end: number): number {
  let frac = 0;
  for (let i = from; i < end; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    if (i < from + 3) frac = frac * 10 + d;
  }
  // Fewer than 3 digits: .5 is 500 ms.
  for (let i = end; i < from + 3; i++) frac *= 10;
  return frac;
}

/**
 * `second` (19 characters, or '' for none) is what t has at `from`. From the end, where seconds
 * differ; a loop, as startsWith at an offset measured slower here.
 */
function sameAt(second: string, t: string, from: number): boolean {
  if (second === '') return false;
  let i = 18;
  while (i >= 0 && second.charCodeAt(i) === t.charCodeAt(from + i)) i--;
  return i < 0;
}

function slowTime(v: string): number | undefined {
  const ms = Date.parse(v);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** A string of its own: V8 keeps a slice's whole parent (the pushed chunk) alive; this copies. */
export function flat(s: string): string {
  return (' ' + s).slice(1);
}

/** The first n bytes end on a whole UTF-8 character (ASCII, or a complete 2-4 byte sequence). */
export function endsWholeUtf8(b: Uint8Array, n: number): boolean {
  if (n === 0 || (b[n - 1] as number) < 0x80) return true;
  let i = n - 1;
  while (i > 0 && i > n - 4 && ((b[i] as number) & 0xc0) === 0x80) i--;
  const lead = b[i] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  return need === n - i;
}
