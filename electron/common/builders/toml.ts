import { parse, TomlError as SmolTomlError } from 'smol-toml';

/**
 * The buildkitd.toml check shared by the Create builder form (live, in the renderer), the router and
 * the CLI, so all three refuse the same file before buildx sees it (buildx only fails later, at
 * bootstrap, inside the container). Parsing is smol-toml's (small, maintained, no dependencies,
 * runs in the browser bundle too); this module adds what a hostile or mistyped file needs on top:
 *
 * - a nesting cap: inline arrays/tables through smol-toml's `maxDepth`, dotted keys and table
 *   headers (`[a.a.a....]`, which smol-toml walks without recursion) by a look at the result. A real
 *   buildkitd.toml nests four levels; a 4,200-deep array overflowed the old hand-written parser's
 *   stack and a 65,535-character header took seconds in it.
 * - messages a person can act on, with the line and column the form shows.
 *
 * smol-toml reads TOML 1.1, buildkitd 0.13 reads TOML 1.0 with pelletier/go-toml v1 (measured: it
 * accepts an inline table over several lines, like TOML 1.1, and refuses a trailing comma in one,
 * which TOML 1.1 allows). Such a comma passes this check and buildkitd reports it at bootstrap.
 */

export interface TomlError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

export type TomlResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: TomlError };

/** Deepest nesting accepted (tables and arrays together); buildkitd.toml needs four or five. */
export const MAX_TOML_DEPTH = 32;

export function parseToml(text: string): TomlResult {
  const long = longKey(text);
  if (long)
    return { ok: false, error: { ...long, message: `${TOO_DEEP} (a key or table name of ${long.parts} parts)` } };
  let value: Record<string, unknown>;
  try {
    value = parse(text, { maxDepth: MAX_TOML_DEPTH });
  } catch (err) {
    if (err instanceof SmolTomlError) {
      return { ok: false, error: { line: err.line, column: err.column, message: explain(text, err) } };
    }
    // RangeError and the like: never thrown at the caller (the router must answer, not crash).
    return { ok: false, error: { line: 1, column: 1, message: err instanceof Error ? err.message : String(err) } };
  }
  const deep = deepestPath(value);
  if (deep) {
    const { line, column } = locate(text, deep);
    return { ok: false, error: { line, column, message: `${TOO_DEEP} ("${deep.slice(0, 4).join('.')}…")` } };
  }
  return { ok: true, value };
}

const TOO_DEEP = `tables and arrays are nested deeper than ${MAX_TOML_DEPTH} levels; a buildkitd.toml needs a handful`;

/**
 * A dotted key or table header of more parts than the cap, found by one linear scan before parsing:
 * smol-toml builds a table per part, so a 56 KB `a.a.a... = 1` cost 60 to 140 ms here before the
 * walk below could refuse it (measured by test/faults/router-fuzz.test.ts). Quoted parts may hold
 * dots; multi-line strings are skipped. What this misses, the walk after parsing still catches.
 */
function longKey(text: string): { line: number; column: number; parts: number } | undefined {
  let line = 1;
  let lineStart = 0;
  let inMultiline: string | undefined;
  for (let i = 0; i < text.length;) {
    const newline = text.indexOf('\n', i);
    const end = newline < 0 ? text.length : newline;
    if (inMultiline) {
      if (text.slice(i, end).includes(inMultiline)) inMultiline = undefined;
    } else {
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      const header = text[j] === '[';
      let dots = 0;
      let quote: string | undefined;
      for (let k = header ? j + 1 : j; k < end; k++) {
        const c = text[k] as string;
        if (quote) {
          if (c === quote) quote = undefined;
          else if (c === '\\' && quote === '"') k++;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '.') dots++;
        else if ((header && c === ']') || (!header && c === '=')) break;
        else if (c === '#') break;
      }
      if (dots + 1 > MAX_TOML_DEPTH) return { line, column: j - lineStart + 1, parts: dots + 1 };
      const rest = text.slice(i, end);
      const triple = /"{3}|'{3}/.exec(rest);
      // A multi-line string opened on this line (and not closed on it) hides the lines after it.
      if (triple && rest.split(triple[0]).length % 2 === 0) inMultiline = triple[0];
    }
    i = end + 1;
    line++;
    lineStart = i;
  }
  return undefined;
}

/** The first key path deeper than the cap, found without recursion; undefined when within it. */
function deepestPath(root: Record<string, unknown>): string[] | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string[] };
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (path.length > MAX_TOML_DEPTH) return path;
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}

/** Where a too-deep dotted key or header starts, when it is written with bare keys; else the top. */
function locate(text: string, path: string[]): { line: number; column: number } {
  const at = text.indexOf(path.slice(0, MAX_TOML_DEPTH + 1).join('.'));
  if (at < 0) return { line: 1, column: 1 };
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

/** smol-toml's message without its prefix and code block, made specific where it is vague. */
function explain(text: string, err: SmolTomlError): string {
  const first = err.message.split('\n')[0] ?? err.message;
  const message = first.replace(/^Invalid TOML document: /, '');
  if (message.startsWith('document contains excessively nested structures')) return TOO_DEEP;
  const rest = restOfLine(text, err.line, err.column);
  if (message === 'invalid value') {
    const word = /^[A-Za-z_][\w.-]*/.exec(rest)?.[0];
    if (word) return `"${word}" is not a TOML value (strings need quotes; booleans are true/false in lower case)`;
    if (rest.trim() === '' || rest.trimStart().startsWith('#')) return 'expected a value after "="';
  }
  if (message.startsWith('trying to redefine')) {
    const key =
      /^\[*\s*((?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*'))*)/.exec(
        rest,
      )?.[1];
    const name = key ? key.replace(/\s+/g, '') : undefined;
    return name
      ? `"${name}" is already defined (a key or table may be defined once; arrays of tables use [[...]])`
      : 'a key or table is defined twice';
  }
  return message;
}

function restOfLine(text: string, line: number, column: number): string {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start + column - 1, end < 0 ? undefined : end).slice(0, 200);
}

/** One sentence for a form or CLI: `line 3, column 7: "debug" is already defined ...`. */
export function formatTomlError(error: TomlError): string {
  return `line ${error.line}, column ${error.column}: ${error.message}`;
}
