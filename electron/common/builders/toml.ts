/**
 * A TOML 1.0 reader small enough to live in common, so the Create builder form and the core reject
 * the same buildkitd.toml before buildx sees it (buildx only fails later, at bootstrap, inside the
 * container). It parses to plain values to catch what a syntax-only scan cannot: duplicate keys,
 * tables defined twice, values redefined as tables. No npm TOML parser is installed; see the report
 * of issue 3 for the request to replace this with one.
 */

export interface TomlError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

export type TomlResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: TomlError };

/** How a table came to exist decides what may still be added to it (TOML 1.0 "Table" rules). */
type Kind = 'explicit' | 'implicit' | 'dotted' | 'frozen';
interface Table {
  values: Record<string, unknown>;
  kinds: Map<string, Kind>;
}
const TABLE_META = new WeakMap<Record<string, unknown>, Table>();
/** Arrays created by [[header]] (appendable) as opposed to inline arrays (frozen). */
const ARRAY_OF_TABLES = new WeakSet<unknown[]>();

function newTable(): Table {
  const table: Table = { values: Object.create(null) as Record<string, unknown>, kinds: new Map() };
  TABLE_META.set(table.values, table);
  return table;
}

class Fail extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;
const DIGIT = /[0-9]/;

export function parseToml(text: string): TomlResult {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let i = 0;
  const root = newTable();
  let current = root;

  const fail = (message: string, at = i): never => {
    throw new Fail(at, message);
  };
  const peek = (offset = 0) => src[i + offset] ?? '';
  const eof = () => i >= src.length;
  const startsWith = (s: string) => src.startsWith(s, i);

  const skipWs = () => {
    while (peek() === ' ' || peek() === '\t') i++;
  };
  const skipComment = () => {
    if (peek() !== '#') return;
    i++;
    while (!eof() && peek() !== '\n' && !startsWith('\r\n')) {
      const c = src.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) fail('control characters are not allowed in comments');
      i++;
    }
  };
  const isNewline = () => peek() === '\n' || startsWith('\r\n');
  const eatNewline = () => {
    if (peek() === '\n') i++;
    else if (startsWith('\r\n')) i += 2;
    else fail(`expected the end of the line, found ${describe(peek())}`);
  };
  /** After a key/value or header: optional spaces and comment, then newline or end of file. */
  const endOfLine = () => {
    skipWs();
    skipComment();
    if (!eof()) eatNewline();
  };
  /** Inside arrays: whitespace, newlines and comments may appear anywhere between values. */
  const skipWsCommentsNewlines = () => {
    for (;;) {
      skipWs();
      if (peek() === '#') skipComment();
      else if (isNewline()) eatNewline();
      else return;
    }
  };

  const parseKeyPart = (): string => {
    if (peek() === '"') {
      if (startsWith('"""')) fail('a key cannot be a multi-line string');
      return parseBasicString();
    }
    if (peek() === "'") {
      if (startsWith("'''")) fail('a key cannot be a multi-line string');
      return parseLiteralString();
    }
    const start = i;
    while (BARE_KEY.test(peek()) && !eof()) i++;
    if (i === start) fail(`expected a key, found ${describe(peek())}`);
    return src.slice(start, i);
  };
  const parseKey = (): { parts: string[]; at: number } => {
    const at = i;
    const parts = [parseKeyPart()];
    for (;;) {
      skipWs();
      if (peek() !== '.') return { parts, at };
      i++;
      skipWs();
      parts.push(parseKeyPart());
    }
  };

  const parseEscape = (): string => {
    const at = i;
    i++; // backslash
    const c = peek();
    i++;
    switch (c) {
      case 'b':
        return '\b';
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'f':
        return '\f';
      case 'r':
        return '\r';
      case 'e':
        return fail('\\e is not a TOML 1.0 escape', at);
      case '"':
        return '"';
      case '\\':
        return '\\';
      case 'u':
      case 'U': {
        const len = c === 'u' ? 4 : 8;
        const hex = src.slice(i, i + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) fail(`\\${c} needs ${len} hex digits`, at);
        const code = parseInt(hex, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
          fail(`\\${c}${hex} is not a Unicode scalar value`, at);
        i += len;
        return String.fromCodePoint(code);
      }
      default:
        return fail(`invalid escape sequence \\${c === '' ? '(end of file)' : c}`, at);
    }
  };
  const checkStringChar = (multiline: boolean) => {
    const c = src.charCodeAt(i);
    const allowed = c === 0x09 || (multiline && (c === 0x0a || c === 0x0d));
    if (((c < 0x20 && !allowed) || c === 0x7f) && !eof()) fail('control characters must be escaped in strings');
  };

  function parseBasicString(): string {
    i++; // "
    let out = '';
    for (;;) {
      if (eof() || isNewline()) fail('unterminated string (a " is missing before the end of the line)');
      const c = peek();
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        out += parseEscape();
        continue;
      }
      checkStringChar(false);
      out += c;
      i++;
    }
  }
  function parseLiteralString(): string {
    const start = i;
    i++; // '
    for (;;) {
      if (eof() || isNewline()) fail("unterminated literal string (a ' is missing before the end of the line)", start);
      if (peek() === "'") {
        i++;
        return src.slice(start + 1, i - 1);
      }
      checkStringChar(false);
      i++;
    }
  }
  const parseMultilineBasic = (): string => {
    const start = i;
    i += 3;
    if (isNewline()) eatNewline();
    let out = '';
    for (;;) {
      if (eof()) fail('unterminated multi-line string (""" is missing)', start);
      if (startsWith('"""')) {
        // Up to two quotes may sit right before the closing delimiter.
        let quotes = 3;
        while (src[i + quotes] === '"' && quotes < 5) quotes++;
        out += '"'.repeat(quotes - 3);
        i += quotes;
        return out;
      }
      const c = peek();
      if (c === '\\') {
        // A line-ending backslash trims the newline and the whitespace that follows.
        let j = i + 1;
        while (src[j] === ' ' || src[j] === '\t') j++;
        if (src[j] === '\n' || (src[j] === '\r' && src[j + 1] === '\n')) {
          i = j;
          while (peek() === ' ' || peek() === '\t' || isNewline()) {
            if (isNewline()) eatNewline();
            else i++;
          }
          continue;
        }
        out += parseEscape();
        continue;
      }
      checkStringChar(true);
      if (c === '\r' && peek(1) !== '\n') fail('a bare carriage return is not allowed');
      out += c;
      i++;
    }
  };
  const parseMultilineLiteral = (): string => {
    const start = i;
    i += 3;
    if (isNewline()) eatNewline();
    const bodyStart = i;
    for (;;) {
      if (eof()) fail("unterminated multi-line literal string (''' is missing)", start);
      if (startsWith("'''")) {
        let quotes = 3;
        while (src[i + quotes] === "'" && quotes < 5) quotes++;
        const body = src.slice(bodyStart, i) + "'".repeat(quotes - 3);
        i += quotes;
        return body;
      }
      checkStringChar(true);
      i++;
    }
  };

  const parseArray = (): unknown[] => {
    const start = i;
    i++; // [
    const out: unknown[] = [];
    for (;;) {
      skipWsCommentsNewlines();
      if (eof()) fail('unterminated array (a ] is missing)', start);
      if (peek() === ']') {
        i++;
        return out;
      }
      out.push(parseValue());
      skipWsCommentsNewlines();
      if (peek() === ',') {
        i++;
        continue;
      }
      if (peek() === ']') {
        i++;
        return out;
      }
      fail(eof() ? 'unterminated array (a ] is missing)' : `expected "," or "]" in array, found ${describe(peek())}`);
    }
  };

  const parseInlineTable = (): Record<string, unknown> => {
    i++; // {
    const table = newTable();
    skipWs();
    if (peek() === '}') {
      i++;
      return table.values;
    }
    for (;;) {
      skipWs();
      const key = parseKey();
      skipWs();
      if (peek() !== '=') fail(`expected "=" after the key, found ${describe(peek())}`);
      i++;
      skipWs();
      const value = parseValue();
      assign(table, key.parts, value, key.at);
      skipWs();
      if (peek() === ',') {
        i++;
        skipWs();
        if (peek() === '}') fail('a trailing comma is not allowed in an inline table');
        if (isNewline()) fail('an inline table must stay on one line');
        continue;
      }
      if (peek() === '}') {
        i++;
        freeze(table);
        return table.values;
      }
      if (isNewline()) fail('an inline table must stay on one line');
      fail(`expected "," or "}" in inline table, found ${describe(peek())}`);
    }
  };

  const DATE = /^(\d{4})-(\d{2})-(\d{2})/;
  const TIME = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?/;
  const parseDateTimeOrNumber = (): unknown => {
    const start = i;
    const rest = src.slice(i);
    const date = DATE.exec(rest);
    if (date) {
      checkDate(Number(date[1]), Number(date[2]), Number(date[3]));
      i += date[0].length;
      const sep = peek();
      const afterSep = src.slice(i + 1);
      const time = (sep === 'T' || sep === 't' || sep === ' ') && TIME.exec(afterSep);
      if (time) {
        i += 1 + time[0].length;
        checkTime(Number(time[1]), Number(time[2]), Number(time[3]));
        if (peek() === 'Z' || peek() === 'z') i++;
        else {
          const off = /^[+-](\d{2}):(\d{2})/.exec(src.slice(i));
          if (off) {
            if (Number(off[1]) > 23 || Number(off[2]) > 59) fail('invalid time offset');
            i += off[0].length;
          }
        }
      } else if (sep === 'T' || sep === 't') {
        fail('expected a time (HH:MM:SS) after "T"');
      }
      return src.slice(start, i);
    }
    const time = TIME.exec(rest);
    if (time) {
      checkTime(Number(time[1]), Number(time[2]), Number(time[3]));
      i += time[0].length;
      return time[0];
    }
    return parseNumber();
  };
  const checkDate = (y: number, m: number, d: number) => {
    const days = [
      31,
      y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28,
      31,
      30,
      31,
      30,
      31,
      31,
      30,
      31,
      30,
      31,
    ];
    if (m < 1 || m > 12 || d < 1 || d > (days[m - 1] ?? 0)) fail('invalid date');
  };
  const checkTime = (h: number, m: number, s: number) => {
    if (h > 23 || m > 59 || s > 60) fail('invalid time');
  };

  const parseNumber = (): number => {
    const rest = src.slice(i);
    const token = /^[+-]?[0-9A-Za-z_.+-]*/.exec(rest)?.[0] ?? '';
    if (/^[+-]?(inf|nan)$/.test(token)) {
      i += token.length;
      return token.endsWith('nan') ? NaN : token.startsWith('-') ? -Infinity : Infinity;
    }
    const prefixed = /^0([xob])([0-9A-Fa-f_]*)$/.exec(token);
    if (prefixed) {
      const digits = { x: /^[0-9A-Fa-f](_?[0-9A-Fa-f])*$/, o: /^[0-7](_?[0-7])*$/, b: /^[01](_?[01])*$/ }[
        prefixed[1] as 'x' | 'o' | 'b'
      ];
      if (!digits.test(prefixed[2] ?? '')) fail(`invalid number "${token}"`);
      i += token.length;
      return parseInt((prefixed[2] ?? '').replace(/_/g, ''), { x: 16, o: 8, b: 2 }[prefixed[1] as 'x' | 'o' | 'b']);
    }
    const DEC = '(0|[1-9](_?[0-9])*)';
    const integer = new RegExp(`^[+-]?${DEC}$`);
    const float = new RegExp(`^[+-]?${DEC}((\\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?|[eE][+-]?[0-9](_?[0-9])*)$`);
    if (integer.test(token) || float.test(token)) {
      i += token.length;
      return Number(token.replace(/_/g, ''));
    }
    if (token === '') return fail(`expected a value, found ${describe(peek())}`);
    if (/^[+-]?0[0-9]/.test(token)) return fail(`invalid number "${token}" (leading zeros are not allowed)`);
    if (/^[A-Za-z]/.test(token)) {
      return fail(`"${token}" is not a TOML value (strings need quotes; booleans are true/false in lower case)`);
    }
    return fail(`invalid number "${token}"`);
  };

  function parseValue(): unknown {
    const c = peek();
    if (startsWith('"""')) return parseMultilineBasic();
    if (c === '"') return parseBasicString();
    if (startsWith("'''")) return parseMultilineLiteral();
    if (c === "'") return parseLiteralString();
    if (c === '[') return parseArray();
    if (c === '{') return parseInlineTable();
    if (startsWith('true') && !BARE_KEY.test(peek(4))) {
      i += 4;
      return true;
    }
    if (startsWith('false') && !BARE_KEY.test(peek(5))) {
      i += 5;
      return false;
    }
    if (DIGIT.test(c) || c === '+' || c === '-' || c === 'i' || c === 'n') return parseDateTimeOrNumber();
    if (eof() || isNewline()) return fail('expected a value after "="');
    const word = /^[A-Za-z_][\w.-]*/.exec(src.slice(i))?.[0];
    if (word) return fail(`"${word}" is not a TOML value (strings need quotes; booleans are true/false in lower case)`);
    return fail(`expected a value, found ${describe(c)}`);
  }

  /** Walks/creates the tables of a dotted key and sets the last part. */
  function assign(table: Table, parts: string[], value: unknown, at: number): void {
    let t = table;
    for (const [n, part] of parts.slice(0, -1).entries()) {
      const existing = t.values[part];
      if (existing === undefined) {
        const child = newTable();
        t.values[part] = child.values;
        t.kinds.set(part, 'dotted');
        t = child;
        continue;
      }
      const kind = t.kinds.get(part);
      const meta = isTable(existing) ? TABLE_META.get(existing) : undefined;
      // Dotted keys may only extend tables that dotted keys made (TOML 1.0, "Table").
      if (!meta || kind !== 'dotted') {
        fail(`cannot add keys to "${parts.slice(0, n + 1).join('.')}": it is already defined`, at);
      }
      t = meta as Table;
    }
    const last = parts[parts.length - 1] as string;
    if (Object.hasOwn(t.values, last)) fail(`duplicate key "${parts.join('.')}"`, at);
    t.values[last] = value;
    t.kinds.set(last, 'frozen');
  }

  const parseHeader = () => {
    const at = i;
    const isArray = startsWith('[[');
    i += isArray ? 2 : 1;
    skipWs();
    const { parts } = parseKey();
    skipWs();
    if (isArray ? !startsWith(']]') : peek() !== ']')
      fail(`expected "${isArray ? ']]' : ']'}" to close the table header`);
    i += isArray ? 2 : 1;
    let t = root;
    for (const [n, part] of parts.entries()) {
      const isLast = n === parts.length - 1;
      const existing = t.values[part];
      const kind = t.kinds.get(part);
      const path = parts.slice(0, n + 1).join('.');
      if (isLast && isArray) {
        if (existing === undefined) {
          const arr: unknown[] = [];
          ARRAY_OF_TABLES.add(arr);
          t.values[part] = arr;
          t.kinds.set(part, 'explicit');
        } else if (!Array.isArray(existing) || !ARRAY_OF_TABLES.has(existing)) {
          fail(`"${path}" is already defined and is not an array of tables`, at);
        }
        const child = newTable();
        (t.values[part] as unknown[]).push(child.values);
        t = child;
        continue;
      }
      if (existing === undefined) {
        const child = newTable();
        t.values[part] = child.values;
        t.kinds.set(part, isLast ? 'explicit' : 'implicit');
        t = child;
        continue;
      }
      if (Array.isArray(existing) && ARRAY_OF_TABLES.has(existing)) {
        if (isLast) fail(`"${path}" is an array of tables; use [[${path}]]`, at);
        const lastItem = existing[existing.length - 1] as Record<string, unknown>;
        t = TABLE_META.get(lastItem) as Table;
        continue;
      }
      const meta = isTable(existing) ? TABLE_META.get(existing) : undefined;
      if (!meta || kind === 'frozen') fail(`"${path}" is already defined as a value`, at);
      if (isLast) {
        if (kind === 'explicit') fail(`table [${path}] is defined twice`, at);
        if (kind === 'dotted') fail(`table [${path}] was already defined with dotted keys`, at);
        t.kinds.set(part, 'explicit');
      }
      t = meta as Table;
    }
    current = t;
    endOfLine();
  };

  try {
    while (!eof()) {
      skipWs();
      if (eof()) break;
      if (peek() === '#') {
        skipComment();
        if (!eof()) eatNewline();
        continue;
      }
      if (isNewline()) {
        eatNewline();
        continue;
      }
      if (peek() === '[') {
        parseHeader();
        continue;
      }
      const key = parseKey();
      skipWs();
      if (peek() !== '=') fail(`expected "=" after the key "${key.parts.join('.')}", found ${describe(peek())}`);
      i++;
      skipWs();
      const value = parseValue();
      assign(current, key.parts, value, key.at);
      endOfLine();
    }
  } catch (err) {
    if (!(err instanceof Fail)) throw err;
    return { ok: false, error: { ...position(src, err.at), message: err.message } };
  }
  return { ok: true, value: root.values };
}

function freeze(table: Table): void {
  for (const key of table.kinds.keys()) table.kinds.set(key, 'frozen');
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    TABLE_META.has(value as Record<string, unknown>)
  );
}

function describe(c: string): string {
  if (c === '') return 'the end of the file';
  if (c === '\n' || c === '\r') return 'the end of the line';
  return JSON.stringify(c);
}

function position(src: string, at: number): { line: number; column: number } {
  const before = src.slice(0, Math.min(at, src.length));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return { line, column };
}

/** One sentence for a form or CLI: `line 3, column 7: duplicate key "debug"`. */
export function formatTomlError(error: TomlError): string {
  return `line ${error.line}, column ${error.column}: ${error.message}`;
}
