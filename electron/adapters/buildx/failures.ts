import type { BuildEvent } from '../../common/contracts/builds';
import type { AppException, ErrorCode, FailureReason } from '../../common/errors';
import { appError } from '../../common/errors';
import { parseVertexName } from '../../common/progress/names';
import type { BuildExitWords } from '../../core/builds/ports';
import { MIN_BUILDX } from './parse';

/**
 * THE table of what docker and buildx say when they fail, and what it means. buildx speaks in
 * messages, not codes; this is the one place that reads them (messages measured on buildx 0.13.1
 * and 0.29.1, docs/buildkit-facts.md in the shared docs). Everything above the adapters switches on
 * the resulting code and `details.reason` (common/errors.ts FailureReason), never on the words.
 * Command-specific refusals that name a form field (create, rm, --leave) are in builder-errors.ts,
 * a bake definition's location in bake.ts; both fall back to this table.
 */
interface Phrase {
  pattern: RegExp;
  code: ErrorCode;
  reason?: FailureReason;
  hint: string;
}

export const START_DOCKER = 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then retry.';

/** In priority order: the first row whose pattern matches classifies a failure. */
const PHRASES: readonly Phrase[] = [
  {
    pattern: /is not a docker command|unknown command.*buildx|unknown flag: --format/i,
    code: 'BUILDX_MISSING',
    hint: '',
  },
  {
    // A buildx older than a flag BuildDeck asks for (bake --list before 0.17): the caller does without.
    pattern: /unknown flag: --list|invalid list/i,
    code: 'INTERNAL',
    reason: 'unsupported',
    hint: 'This buildx is older than the feature; upgrade buildx to use it.',
  },
  {
    pattern: /Cannot connect to the Docker daemon|error during connect|dial unix .*docker\.sock/i,
    code: 'DOCKER_UNREACHABLE',
    reason: 'engine-down',
    hint: START_DOCKER,
  },
  {
    pattern: /no builder "?([^"\s]+)"? found/i,
    code: 'BUILDER_NOT_FOUND',
    hint: 'Refresh the builder list; it may have been removed outside BuildDeck.',
  },
  {
    pattern: /no record found for ref|lease "ref_[^"]*": not found|record .* not found/i,
    code: 'INVALID_INPUT',
    reason: 'record-not-found',
    hint: 'It may have been removed or expired (BuildKit keeps a limited history); refresh the list.',
  },
  {
    pattern: /Multi-platform build is not supported for the docker driver/i,
    code: 'INVALID_INPUT',
    reason: 'multi-platform-docker',
    hint: 'Pick a docker-container builder for a multi-platform build.',
  },
  {
    pattern: /No such container/i,
    code: 'BUILDER_UNREACHABLE',
    reason: 'builder-inactive',
    hint: 'Start the builder (Builders view, or `docker buildx inspect --bootstrap NAME`), then retry.',
  },
  {
    pattern: /is not running|has no active nodes/i,
    code: 'BUILDER_UNREACHABLE',
    reason: 'builder-stopped',
    hint: 'Start the builder (Builders view, or `docker buildx inspect --bootstrap NAME`), then retry.',
  },
  {
    pattern: /unknown service|not implemented|Unimplemented/i,
    code: 'INTERNAL',
    reason: 'unsupported',
    hint: 'The builder runs a BuildKit without this feature; upgrade its image.',
  },
  {
    pattern:
      /code = Unavailable|Unavailable: |error reading from server|transport is closing|connection reset by peer|broken pipe/i,
    code: 'BUILDER_UNREACHABLE',
    reason: 'connection-lost',
    hint: 'The connection to the builder closed. Check that buildkitd is still running (Builders → Health).',
  },
  {
    pattern: /context deadline exceeded|i\/o timeout/i,
    code: 'BUILDER_UNREACHABLE',
    reason: 'builder-unreachable',
    hint: 'The builder did not answer. Check that its endpoint is reachable and buildkitd is running.',
  },
  {
    pattern: /connection refused|no such host|failed to dial|waiting for connection/i,
    code: 'BUILDER_UNREACHABLE',
    reason: 'builder-unreachable',
    hint: 'The builder did not answer. Check that its endpoint is reachable and buildkitd is running.',
  },
];

/** Every reason the text gives, in table order (a build's words can say several things at once). */
export function reasonsIn(text: string): FailureReason[] {
  const out: FailureReason[] = [];
  for (const p of PHRASES) if (p.reason && !out.includes(p.reason) && p.pattern.test(text)) out.push(p.reason);
  return out;
}

/** The reason a text gives first, if any. */
export function reasonIn(text: string): FailureReason | undefined {
  return PHRASES.find((p) => p.reason && p.pattern.test(text))?.reason;
}

/** buildx's `ERROR:` line (the first, or the last), without the prefix; else its first line. */
export function errorLine(stderr: string, which: 'first' | 'last' = 'first'): string {
  const lines = stderr.trim().split('\n');
  const errors = lines.filter((l) => l.startsWith('ERROR:'));
  const line = (which === 'first' ? errors[0] : errors.at(-1)) ?? lines.find((l) => l.trim()) ?? '';
  return line.replace(/^ERROR:\s*/, '');
}

/** What a failed docker/buildx call means: a code from the closed set, a hint, the raw text kept. */
export function mapBuildxFailure(stderr: string, args: readonly string[]): AppException {
  const text = stderr.trim();
  const message = errorLine(text) || `docker ${args.join(' ')} failed`;
  const details = { stderr: text.slice(-8000), args: [...args] };
  const row = PHRASES.find((p) => p.pattern.test(text));
  if (!row) {
    return appError('INTERNAL', message, {
      hint: 'buildx failed in a way BuildDeck does not recognise; the raw output is kept below.',
      details,
    });
  }
  if (row.code === 'BUILDX_MISSING') return buildxMissing(undefined);
  const named = row.code === 'BUILDER_NOT_FOUND' ? row.pattern.exec(text)?.[1] : undefined;
  return appError(row.code, named !== undefined ? `No builder named "${named}".` : message, {
    hint: row.hint,
    details: { ...details, ...(row.reason ? { reason: row.reason } : {}) },
  });
}

export function buildxMissing(found: string | undefined): AppException {
  return appError(
    'BUILDX_MISSING',
    found ? `buildx ${found} is too old for BuildDeck.` : 'The docker buildx plugin is not installed.',
    {
      hint: 'Install or upgrade buildx (Debian/Ubuntu: `apt-get install docker-buildx`; Docker Desktop ships it).',
      details: { found: found ?? null, minimum: MIN_BUILDX },
    },
  );
}

export function dockerMissing(dockerPath: string): AppException {
  return appError('DOCKER_MISSING', `The Docker CLI was not found ("${dockerPath}").`, {
    hint: 'Install the Docker CLI (Debian/Ubuntu: `apt-get install docker-cli docker-buildx`) or set its path in Settings.',
    details: { command: dockerPath },
  });
}

/** BuildKit's own vertex while buildx connects to a builder: its error means the builder never answered. */
const CONNECTING = /waiting for connection|booting buildkit/i;

/**
 * Reads a build's failure words as its progress streams (rawjson): buildx's `ERROR:` and other plain
 * lines and the steps' errors, never the JSON itself (vertex names quote the Dockerfile, whose text
 * may say anything). The build's exit carries the result, so the core decides on reasons only.
 */
export class FailureWords {
  private readonly found: FailureReason[] = [];
  private connectError: string | undefined;
  private firstError: string | undefined;

  read(events: readonly BuildEvent[]): void {
    for (const e of events) {
      const text =
        e.type === 'error' ? e.message : e.type === 'text' ? e.text : e.type === 'vertex' ? e.error : undefined;
      if (!text) continue;
      if (e.type === 'error') this.firstError ??= text;
      for (const r of reasonsIn(text)) if (!this.found.includes(r)) this.found.push(r);
      if (e.type === 'vertex' && this.connectError === undefined) {
        const name = parseVertexName(e.name);
        if (name.internal && CONNECTING.test(name.title)) this.connectError = text;
      }
    }
  }

  summary(): BuildExitWords {
    return {
      reasons: [...this.found],
      ...(this.connectError !== undefined ? { connectError: this.connectError } : {}),
      ...(this.firstError !== undefined ? { firstError: this.firstError } : {}),
    };
  }
}
