/**
 * Rules for values the user types that more than one part checks: the contract's schemas
 * (contracts/*, builders/fields.ts), the core (probing an endpoint) and the renderer (progress
 * names). Plain functions and patterns, without zod: the renderer's first chunk imports
 * PLATFORM_PATTERN and must not pull zod in (issue 14). The zod schemas built on these live in
 * builders/fields.ts, once.
 */

/**
 * A platform as BuildKit spells it: `os/arch[/variant]` in lower case (linux/amd64, linux/arm/v7,
 * linux/arm64/v8, windows/amd64).
 */
export const PLATFORM_PATTERN = /^[a-z][a-z0-9]*\/[a-z0-9_]+(?:\/[a-z0-9.]+)?$/;

/** Text that reaches a program's argument list must not hold NUL (it would end the argument). */
export const noNul = (s: string): boolean => !s.includes('\0');

/**
 * A Windows path: a drive (`C:\`, `C:/`) or a UNC share (`\\host\share`). The core may run on
 * Windows, so a path in this form is absolute and joined as Windows joins paths wherever it is read.
 */
export const isWindowsPath = (path: string): boolean => /^(?:[A-Za-z]:[\\/]|\\\\)/.test(path);

/** Why a path is not an absolute path on the machine running the core, or undefined when it is one. */
export function absolutePathProblem(path: string): string | undefined {
  if (path === '') return 'is required';
  if (path.length > 4096) return 'is too long';
  if (/[\0\n\r]/.test(path)) return 'must not contain control characters';
  // `~` is not expanded by anyone on the way (no shell): say so rather than "not absolute".
  if (path.startsWith('~')) return 'must be absolute: "~" is not expanded; write the full path';
  // POSIX, a Windows drive or a UNC share.
  if (!path.startsWith('/') && !isWindowsPath(path)) return 'must be an absolute path';
  return undefined;
}

/** Whether the core would take this as an absolute path (forms check as the user types). */
export const isAbsolutePath = (path: string): boolean => absolutePathProblem(path) === undefined;

/**
 * A path without its trailing separators (`/` or `\\`: the core may run on Windows), so joining a
 * name adds exactly one. The one spelling of "trim trailing slashes" in core and renderer.
 */
export const trimTrailingSeparators = (path: string): string => path.replace(/[\\/]+$/, '');

/** The last segment of a path (either separator): a build's folder name. */
export const baseName = (path: string): string => trimTrailingSeparators(path).split(/[\\/]/).pop() ?? '';

/** `dir/name` with exactly one separator between them, whatever `dir` ended with. */
export const joinPath = (dir: string, name: string): string => `${trimTrailingSeparators(dir)}/${name}`;

/** A host as an endpoint names it: a DNS name, an IPv4 address or a bracketed IPv6 address. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;
/** `tcp://HOST:PORT[/]`; the last colon separates the port (an IPv6 host is bracketed). */
const TCP_ENDPOINT = /^tcp:\/\/(.+):(\d+)\/?$/;

export type TcpEndpoint = { ok: true; host: string; port: number } | { ok: false; problem: string };

/**
 * Reads a `tcp://HOST:PORT` endpoint, as the remote driver dials it. `host` is ready for a socket
 * (IPv6 without its brackets). Undefined when the endpoint is not tcp:// at all.
 */
export function parseTcpEndpoint(endpoint: string): TcpEndpoint | undefined {
  if (!endpoint.startsWith('tcp://')) return undefined;
  const m = TCP_ENDPOINT.exec(endpoint);
  if (!m) return { ok: false, problem: 'needs a host and a port: tcp://HOST:PORT' };
  const host = m[1] ?? '';
  if (!HOST.test(host)) return { ok: false, problem: `has an invalid host "${host}"` };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { ok: false, problem: 'has a port outside 1-65535' };
  return { ok: true, host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Starts with a URL scheme (`tcp://`, `https://`, `docker-image://`...). */
export const hasUrlScheme = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/** A build source buildx fetches rather than reads from disk: a URL, or git's `git@host:path`. */
export const isRemoteSource = (value: string) => hasUrlScheme(value) || value.startsWith('git@');

/** A Go duration as time.ParseDuration reads it: `120s`, `2m`, `1h30m`, `250ms` (no days). */
export const GO_DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+$/;

const GO_DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  '\u00b5s': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration in milliseconds (`0` too, as Go takes it); undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  if (!GO_DURATION_PATTERN.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g))
    ms += Number(m[1]) * (GO_DURATION_UNIT_MS[m[2] as string] ?? 0);
  return ms;
}

/**
 * One line of CSV as buildx reads its options (Go's encoding/csv): fields split at commas; a field
 * that starts with `"` runs to its closing quote and may hold commas (`""` is a quote). Undefined
 * when a quote is not closed.
 */
export function csvFields(text: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  let startOfField = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && startOfField) {
      quoted = true;
      startOfField = false;
    } else if (c === ',') {
      out.push(field);
      field = '';
      startOfField = true;
    } else {
      field += c;
      startOfField = false;
    }
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

/**
 * `key=value,key=value`, buildx's CSV options (`--output`, `--cache-to`, `--attest`, and the entries
 * `bake --print` shows): keys trimmed and lower-cased, a field without `=` under `''`; quoted fields
 * as csvFields reads them (an unclosed quote reads as plain commas). Read by the CLI's flags, the
 * bake service's attestation check and what a bake target writes (core/bake/entitlements.ts).
 */
export function buildxCsv(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of csvFields(value) ?? value.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) out.set('', field);
    else out.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1));
  }
  return out;
}
