import type { Builder, BuildxInfo, EngineInfo } from '../common/domain';
import type { AppError } from '../common/errors';

/**
 * THE CLI's text output: tables and errors, one way for every verb. Plain text for people;
 * --json is for programs.
 */

/** One table line: each cell padded to its column's width, two spaces apart, no trailing blanks. */
function tableLine(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();
}

/** A table whose columns are as wide as their widest cell (the first row is usually the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => tableLine(r, widths)).join('\n');
}

/** docker's units.HumanDuration (go-units): "5 seconds", "About a minute", "3 hours", "2 days", "3 weeks". */
export function humanDuration(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(ms / 3_600_000); // Go: d.Round(time.Hour)
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** A field a `--format` template may name: its table header and its text for one item. */
export interface TemplateField<T> {
  header: string;
  value: (item: T) => string;
}

/**
 * buildx's `--format` Go templates as far as BuildDeck takes them: `{{.Field}}` placeholders,
 * `table ` first for a header row, `\t` between columns. Anything else in `{{ }}` is refused by name
 * (`refuse` makes the caller's usage error) rather than printed wrong. One line per item.
 */
export function goTemplate<T>(
  format: string,
  items: readonly T[],
  fields: Record<string, TemplateField<T>>,
  refuse: (message: string) => Error,
): string {
  const isTable = format.startsWith('table ');
  const body = (isTable ? format.slice('table '.length) : format).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const parts = body.split(/(\{\{[^}]*\}\})/);
  for (const p of parts) {
    const name = /^\{\{\s*\.(\w+)\s*\}\}$/.exec(p)?.[1];
    if (p.startsWith('{{') && (!name || !Object.hasOwn(fields, name)))
      throw refuse(
        `--format: ${p} is not supported here (BuildDeck takes json, table, or {{.Field}} with ${Object.keys(fields).join(', ')}).`,
      );
  }
  const render = (cell: (field: string) => string) =>
    parts.map((p) => (p.startsWith('{{') ? cell(/\.(\w+)/.exec(p)?.[1] ?? '') : p)).join('');
  const lines = items.map((i) => render((f) => fields[f]?.value(i) ?? ''));
  if (!isTable) return lines.join('\n');
  const header = render((f) => fields[f]?.header ?? '');
  return table([header, ...lines].map((l) => l.split('\t')));
}

export interface ErrorOutput {
  /** --json: the error as a document on stdout (`{"error": ...}`), or as one NDJSON event of a stream. */
  json: boolean | 'event';
  /** The command's flag for the input field at fault (else the field's own name is shown). */
  flagOf?: (field: string) => string;
}

/**
 * Prints a failed command's error: `builddeck: CODE: message (field)` and its hint on stderr (plus the
 * JSON on stdout with --json). Returns the exit code: 2 for invalid input (a usage error), else 1.
 */
export function printError(e: AppError, output: ErrorOutput): number {
  if (output.json === 'event') process.stdout.write(`${JSON.stringify({ type: 'error', error: e })}\n`);
  else if (output.json) process.stdout.write(`${JSON.stringify({ error: e }, null, 2)}\n`);
  const field = typeof e.details?.['field'] === 'string' ? e.details['field'] : undefined;
  const at = field === undefined ? '' : ` (${output.flagOf ? output.flagOf(field) : field})`;
  process.stderr.write(`builddeck: ${e.code}: ${e.message}${at}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
  return e.code === 'INVALID_INPUT' ? 2 : 1;
}

const BUILDER_HEADER = ['NAME/NODE', 'DRIVER/ENDPOINT', 'STATUS', 'BUILDKIT', 'PLATFORMS'];

/** `trunc`: four platforms and a count of the rest, as buildx's table (off with `--no-trunc`). */
function builderRows(b: Builder, trunc = true): string[][] {
  const rows: string[][] = [[`${b.name}${b.current ? ' *' : ''}`, b.driver, b.error ? 'error' : '', '', b.error ?? '']];
  for (const n of b.nodes) {
    const kept = trunc ? n.platforms.slice(0, 4) : n.platforms;
    const shown = kept.map((p) => (n.pinnedPlatforms.includes(p) ? `${p}*` : p));
    const more = n.platforms.length > kept.length ? ` (+${n.platforms.length - kept.length})` : '';
    rows.push([
      `  ${n.name}`,
      `  ${n.endpoint}`,
      n.status,
      n.buildkitVersion ?? '',
      (n.error ?? shown.join(', ')) + more,
    ]);
  }
  return rows;
}

export function formatBuilders(builders: Builder[]): string {
  return table([BUILDER_HEADER, ...builders.flatMap((b) => builderRows(b))]);
}

/**
 * The builder table printed a builder at a time, the moment each is known (a silent one arrives at
 * its bound, seconds after the others). Columns have room for typical names and endpoints and the
 * widest status and version; a longer value widens its column from that row on.
 */
export class BuilderTableStream {
  private readonly widths = [24, 32, 'unreachable'.length, 'v0.0.0+unknown'.length];
  private readonly printed = new Set<string>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly trunc = true,
  ) {
    this.line(BUILDER_HEADER);
  }

  /** Prints a builder once (a later duplicate, e.g. the final list, is skipped). */
  add(b: Builder): void {
    if (this.printed.has(b.name)) return;
    this.printed.add(b.name);
    for (const row of builderRows(b, this.trunc)) this.line(row);
  }

  private line(cells: string[]): void {
    cells.forEach((c, i) => {
      if (i < this.widths.length) this.widths[i] = Math.max(this.widths[i] ?? 0, c.length);
    });
    this.write(`${tableLine(cells, this.widths)}\n`);
  }
}

export function formatEngine(v: { engine: EngineInfo; buildx: BuildxInfo }): string {
  const gib = (v.engine.memoryBytes / 1024 ** 3).toFixed(1);
  return table([
    ['Engine', `${v.engine.engineVersion} (API ${v.engine.apiVersion})`],
    ['Endpoint', v.engine.endpoint],
    ['OS/Arch', `${v.engine.os}/${v.engine.arch} - ${v.engine.operatingSystem}`],
    ['Kernel', v.engine.kernelVersion],
    ['Storage', v.engine.storageDriver + (v.engine.containerdSnapshotter ? ' (containerd image store)' : '')],
    ['Resources', `${v.engine.cpus} CPUs, ${gib} GiB`],
    ['buildx', `${v.buildx.version} (${v.buildx.command})`],
  ]);
}
