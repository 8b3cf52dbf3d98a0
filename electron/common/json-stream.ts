/**
 * Splits a stream of concatenated JSON objects into whole object texts, whatever the layout:
 * NDJSON (buildx 0.29), pretty-printed objects back to back (buildx 0.13 `--progress=rawjson`),
 * or one object per table row (buildx 0.13 `ls --format json`). Text outside top-level objects
 * (buildx's plain `ERROR: ...` lines after the JSON) is handed to `onText` so nothing is lost.
 * Incremental: feed chunks as they arrive, cut anywhere (even inside strings or escapes).
 */
export class JsonObjectSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current = '';
  private text = '';

  constructor(
    private readonly onObject: (json: string) => void,
    private readonly onText: (line: string) => void = () => undefined,
    /** Only a `{` that opens a line starts an object, so `ERROR: ... {x}` stays text (rawjson). */
    private readonly objectsAtLineStart = false,
  ) {}

  push(chunk: string): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.depth === 0) {
        const ch = chunk[i] as string;
        i++;
        if (ch === '{' && (!this.objectsAtLineStart || this.text.trim() === '')) {
          this.flushText();
          this.depth = 1;
          this.current = ch;
        } else if (ch === '\n') {
          this.flushText();
        } else {
          this.text += ch;
        }
        continue;
      }
      // Inside an object: scan by char code and copy whole slices (a 100k-event build log is tens
      // of MB; appending one character at a time dominated the parse).
      let j = i;
      for (; j < chunk.length; j++) {
        const c = chunk.charCodeAt(j);
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === 92 /* \\ */) this.escaped = true;
          else if (c === 34 /* " */) this.inString = false;
        } else if (c === 34) this.inString = true;
        else if (c === 123 /* { */) this.depth++;
        else if (c === 125 /* } */ && --this.depth === 0) break;
      }
      if (j < chunk.length) {
        const json = this.current + chunk.slice(i, j + 1);
        this.current = '';
        i = j + 1;
        this.onObject(json);
      } else {
        this.current += chunk.slice(i);
        i = chunk.length;
      }
    }
  }

  /** Between objects with no text pending: a caller may hand whole lines elsewhere without reordering. */
  get idle(): boolean {
    return this.depth === 0 && this.text === '';
  }

  /** Ends the stream: an unterminated object (truncated output) is reported as text, not dropped. */
  end(): void {
    if (this.depth > 0) {
      this.text += this.current;
      this.current = '';
      this.depth = 0;
      this.inString = false;
      this.escaped = false;
    }
    this.flushText();
  }

  private flushText(): void {
    const line = this.text.trim();
    this.text = '';
    if (line) this.onText(line);
  }
}

/** Whole-text convenience: parsed objects (unparseable ones go to `rest`) and the text around them. */
export function parseJsonObjects(text: string): { objects: unknown[]; rest: string[] } {
  const objects: unknown[] = [];
  const rest: string[] = [];
  const splitter = new JsonObjectSplitter(
    (json) => {
      try {
        objects.push(JSON.parse(json));
      } catch {
        rest.push(json);
      }
    },
    (line) => rest.push(line),
  );
  splitter.push(text);
  splitter.end();
  return { objects, rest };
}
