import type { Step } from '../../common/contracts/builds';
import { AppException } from '../../common/errors';
import type { BuildExitWords } from './ports';

/** What a failed run showed: its builder, every step it reported, and the error the steps or buildx gave. */
export interface FailedRun {
  builder: string;
  steps: readonly Step[];
  errorMessage?: string | undefined;
}

/**
 * Failures whose class the user should see first (not just "exit code 1"), for builds and bakes
 * alike: a timeout, a builder that never answered, Docker down, several platforms on the docker
 * driver; else BUILD_FAILED with buildx's first ERROR line when no step said more. Decided on the
 * reasons the adapters read from buildx's words (adapters/buildx/failures.ts), never on the words.
 */
export function classifyFailure(
  run: FailedRun,
  exit: BuildExitWords & { timedOut: boolean },
  timeoutMs: number,
): { errorCode?: string; errorMessage?: string; hint?: string } {
  if (exit.timedOut) {
    return {
      errorCode: 'TIMEOUT',
      errorMessage: `The build ran longer than ${Math.round(timeoutMs / 60_000)} minutes and was stopped.`,
      hint: 'Raise the build time limit in Settings if this build is expected to take that long.',
    };
  }
  const { reasons, connectError } = exit;
  if (connectError !== undefined || (reasons.includes('builder-unreachable') && !run.steps.some((st) => st.isStep))) {
    return {
      errorCode: 'BUILDER_UNREACHABLE',
      errorMessage: `The builder "${run.builder}" did not answer: ${connectError ?? run.errorMessage ?? 'no connection'}.`,
      hint: 'Check that its endpoint is reachable and buildkitd is running (Builders → Health), or pick another builder.',
    };
  }
  if (reasons.includes('engine-down')) {
    return {
      errorCode: 'DOCKER_UNREACHABLE',
      errorMessage: 'Docker is not reachable.',
      hint: 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then retry.',
    };
  }
  if (reasons.includes('multi-platform-docker')) {
    return {
      errorCode: 'INVALID_INPUT',
      errorMessage: 'The docker driver builds one platform at a time.',
      hint: 'Pick a docker-container builder for a multi-platform build.',
    };
  }
  return run.errorMessage !== undefined
    ? { errorCode: 'BUILD_FAILED' }
    : { errorCode: 'BUILD_FAILED', errorMessage: exit.firstError ?? 'The build failed.' };
}

/** The words of a connection to BuildKit or the engine that closed under a build. */
export function lostConnection(exit: BuildExitWords): boolean {
  return exit.reasons.includes('connection-lost') || exit.reasons.includes('engine-down');
}

/** Why buildx could not run at all (no docker CLI, a failed start), for a build's or bake's end. */
export function couldNotRun(err: unknown): { errorCode: string; errorMessage: string; hint?: string } {
  const e = err instanceof AppException ? err.appError : undefined;
  if ((err as NodeJS.ErrnoException).code === 'ENOENT')
    return {
      errorCode: 'DOCKER_MISSING',
      errorMessage: 'The Docker CLI was not found.',
      hint: 'Install the Docker CLI (Debian/Ubuntu: `apt-get install docker-cli docker-buildx`) or set its path in Settings.',
    };
  return {
    errorCode: e?.code ?? 'INTERNAL',
    errorMessage: e?.message ?? (err instanceof Error ? err.message : String(err)),
    ...(e?.hint ? { hint: e.hint } : {}),
  };
}
