import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { AppError, ErrorCode } from '../../../../electron/common/errors';
import { appErrorOf, commandKey, invokeOrThrow, useCommand } from '../../api/client';

/** Failures that make the whole view meaningless, most fundamental first. */
const BLOCKING_ORDER: readonly ErrorCode[] = ['DOCKER_MISSING', 'DOCKER_UNREACHABLE', 'BUILDX_MISSING'];

/** Builders, engine and buildx facts for the Builders view, plus one refresh for all three. */
export function useBuildersView() {
  const queryClient = useQueryClient();
  const builders = useCommand('builders.list', {});
  const engine = useCommand('engine.info', {}, { staleTime: 60_000 });
  const buildx = useCommand('buildx.info', {}, { staleTime: 5 * 60_000 });

  const { refetch: refetchEngine } = engine;
  const { refetch: refetchBuildx } = buildx;

  /** Bypasses the core's short cache (`refresh: true`) and writes into the same query. */
  const refresh = useCallback(async () => {
    const key = commandKey('builders.list', {});
    await queryClient.cancelQueries({ queryKey: key });
    await Promise.allSettled([
      queryClient.query({
        queryKey: key,
        queryFn: () => invokeOrThrow('builders.list', { refresh: true }),
        staleTime: 0,
      }),
      refetchEngine(),
      refetchBuildx(),
    ]);
  }, [queryClient, refetchEngine, refetchBuildx]);

  const errors: AppError[] = [builders.error, engine.error, buildx.error]
    .filter((error) => error !== null)
    .map(appErrorOf);

  /** Shown full-page only when the list itself failed; otherwise engine/buildx errors stay inline. */
  let blockingError: AppError | undefined;
  if (builders.isError) {
    blockingError =
      BLOCKING_ORDER.map((code) => errors.find((error) => error.code === code)).find((error) => error !== undefined) ??
      appErrorOf(builders.error);
  }

  return {
    builders,
    engine,
    buildx,
    refresh,
    blockingError,
    isFetching: builders.isFetching || engine.isFetching || buildx.isFetching,
  };
}
