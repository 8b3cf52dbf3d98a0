import type { AppException } from '../../common/errors';
import { appError } from '../../common/errors';
import { MIN_BUILDX } from './parse';

/**
 * buildx speaks in messages, not codes: map the ones users hit to our closed set, keep the raw text.
 * Messages measured on 0.13.1 and 0.29.1 (docs/buildkit-facts.md in the shared docs).
 */
export function mapBuildxFailure(stderr: string, args: readonly string[]): AppException {
  const text = stderr.trim();
  const line = text.split('\n').find((l) => l.startsWith('ERROR:')) ?? text.split('\n')[0] ?? '';
  const message = line.replace(/^ERROR:\s*/, '') || `docker ${args.join(' ')} failed`;
  const details = { stderr: text.slice(-8000), args: [...args] };
  if (/is not a docker command|unknown command.*buildx|unknown flag: --format/i.test(text)) {
    return buildxMissing(undefined);
  }
  if (/Cannot connect to the Docker daemon|error during connect|dial unix .*docker\.sock/i.test(text)) {
    return appError('DOCKER_UNREACHABLE', message, {
      hint: 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then retry.',
      details,
    });
  }
  const notFound = /no builder "?([^"\s]+)"? found/i.exec(text);
  if (notFound) {
    return appError('BUILDER_NOT_FOUND', `No builder named "${notFound[1]}".`, {
      hint: 'Refresh the builder list; it may have been removed outside BuildDeck.',
      details,
    });
  }
  if (/context deadline exceeded|i\/o timeout/i.test(text)) {
    return appError('BUILDER_UNREACHABLE', message, {
      hint: 'The builder did not answer. Check that its endpoint is reachable and buildkitd is running.',
      details,
    });
  }
  return appError('INTERNAL', message, {
    hint: 'buildx failed in a way BuildDeck does not recognise; the raw output is kept below.',
    details,
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
