/**
 * A small ANSI SGR parser for build output: turns `\x1b[1;31mERROR\x1b[0m` into styled segments that
 * React renders as text spans (never HTML). Handles the 16 basic colours (and their bright variants),
 * the 256-colour palette, 24-bit truecolor, bold/dim/italic/underline/inverse, for both foreground
 * and background. Other escape sequences (cursor moves, erase line, OSC titles and hyperlinks) are
 * dropped: a log is not a terminal screen.
 */

/** A colour: an index into the 16 basic colours (themed by CSS) or an `rgb(...)` string. */
export type AnsiColor = { kind: 'basic'; index: number } | { kind: 'rgb'; css: string };

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

const ESC = '\u001b';

/**
 * CSI (`ESC [ params final`), OSC (`ESC ] ... BEL|ST`), charset selection (`ESC ( B`, which
 * `tput sgr0` emits) and other two-character escapes.
 */
const ESCAPE =
  // eslint-disable-next-line no-control-regex
  /\u001b(?:\[([0-9;:?<=>]*)[ -/]*([@-~])|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[()*+][0-9A-Za-z]|[@-Z\\-_])/g;

/** The colour levels xterm uses for the 6×6×6 cube of the 256-colour palette. */
const CUBE = [0, 95, 135, 175, 215, 255];

function palette256(n: number): AnsiColor | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return { kind: 'basic', index: n };
  if (n < 232) {
    const i = n - 16;
    const r = CUBE[Math.floor(i / 36)] ?? 0;
    const g = CUBE[Math.floor(i / 6) % 6] ?? 0;
    const b = CUBE[i % 6] ?? 0;
    return { kind: 'rgb', css: `rgb(${r} ${g} ${b})` };
  }
  const level = 8 + (n - 232) * 10;
  return { kind: 'rgb', css: `rgb(${level} ${level} ${level})` };
}

function clampByte(n: number | undefined): number | undefined {
  return n === undefined || !Number.isFinite(n) ? undefined : Math.max(0, Math.min(255, Math.trunc(n)));
}

/**
 * Applies one SGR parameter list to a style (returns a new object). `38;5;n`, `38;2;r;g;b` and the
 * colon forms `38:5:n` / `38:2::r:g:b` are all accepted.
 */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  let next: AnsiStyle = { ...style };
  // Colon sub-parameters belong to one parameter; split them off first.
  const groups = params === '' ? ['0'] : params.split(';');
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? '';
    const sub = group.split(':');
    const code = sub[0] === '' ? 0 : Number(sub[0]);
    if (code === 38 || code === 48 || code === 58) {
      let color: AnsiColor | undefined;
      if (sub.length > 1) {
        // 38:5:n  or  38:2:[colorspace]:r:g:b
        if (sub[1] === '5') color = palette256(Number(sub[2]));
        else if (sub[1] === '2') {
          const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
          const [r, g, b] = rgb.map((v) => clampByte(Number(v)));
          if (r !== undefined && g !== undefined && b !== undefined)
            color = { kind: 'rgb', css: `rgb(${r} ${g} ${b})` };
        }
      } else if (groups[i + 1] === '5') {
        color = palette256(Number(groups[i + 2]));
        i += 2;
      } else if (groups[i + 1] === '2') {
        const [r, g, b] = [groups[i + 2], groups[i + 3], groups[i + 4]].map((v) => clampByte(Number(v)));
        if (r !== undefined && g !== undefined && b !== undefined) color = { kind: 'rgb', css: `rgb(${r} ${g} ${b})` };
        i += 4;
      }
      if (code === 38) {
        if (color) next.fg = color;
      } else if (code === 48) {
        if (color) next.bg = color;
      }
      // 58 (underline colour) is parsed only to skip its arguments.
      continue;
    }
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 21 || code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code >= 30 && code <= 37) next.fg = { kind: 'basic', index: code - 30 };
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = { kind: 'basic', index: code - 40 };
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = { kind: 'basic', index: code - 90 + 8 };
    else if (code >= 100 && code <= 107) next.bg = { kind: 'basic', index: code - 100 + 8 };
    // Anything else (blink, conceal, fonts, frames) is not worth showing in a build log.
  }
  return next;
}

/**
 * Splits one line into styled segments. `initial` carries a style over from a previous line (a
 * program may colour several lines with one escape); the returned `style` is the one in force at
 * the end. A carriage return keeps only what was written after it, as a terminal would show it.
 */
export function parseAnsi(line: string, initial: AnsiStyle = {}): { segments: AnsiSegment[]; style: AnsiStyle } {
  let text = line;
  const cr = text.lastIndexOf('\r');
  if (cr >= 0 && cr < text.length - 1) text = text.slice(cr + 1);
  else if (cr === text.length - 1) text = text.slice(0, -1);
  const segments: AnsiSegment[] = [];
  let style = initial;
  if (!text.includes(ESC)) {
    if (text) segments.push({ text, style });
    return { segments, style };
  }
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(text); m; m = ESCAPE.exec(text)) {
    if (m.index > last) segments.push({ text: text.slice(last, m.index), style });
    last = m.index + m[0].length;
    if (m[2] === 'm' && m[1] !== undefined && !m[1].startsWith('?')) style = applySgr(style, m[1]);
  }
  if (last < text.length) segments.push({ text: text.slice(last), style });
  // A stray ESC that started no known sequence is dropped rather than shown as a box.
  return {
    segments: segments
      .map((s) => (s.text.includes(ESC) ? { ...s, text: s.text.split(ESC).join('') } : s))
      .filter((s) => s.text),
    style,
  };
}

/** The visible text of a line (for search and copy). */
export function stripAnsi(line: string): string {
  let text = line;
  const cr = text.lastIndexOf('\r');
  if (cr >= 0 && cr < text.length - 1) text = text.slice(cr + 1);
  else if (cr === text.length - 1) text = text.slice(0, -1);
  if (!text.includes(ESC)) return text;
  return text.replace(ESCAPE, '').split(ESC).join('');
}

export function isPlainStyle(style: AnsiStyle): boolean {
  return Object.keys(style).length === 0;
}
