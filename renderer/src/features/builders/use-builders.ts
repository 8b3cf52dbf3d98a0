import { useCallback, useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Builder, BuildersSnapshot } from '../../../../electron/common/domain';
import type { AppError, ErrorCode } from '../../../../electron/common/errors';
import { getBridge } from '../../api/bridge';
import { appErrorOf, commandKey, invokeOrThrow, useCommand } from '../../api/client';

/** Failures that make the whole view meaningless, most fundamental first. */
const BLOCKING_ORDER: readonly ErrorCode[] = ['DOCKER_MISSING', 'DOCKER_UNREACHABLE', 'BUILDX_MISSING'];

/** A builder on screen; `lastSeen` (ISO) while it is still the last known state, not a live answer. */
export type ShownBuilder = Builder & { lastSeen?: string };

export interface ShownSnapshot extends Omit<BuildersSnapshot, 'builders'> {
  builders: ShownBuilder[];
}

/**
 * Each builder's live state as the core announces it (`builders.updated`), with when it arrived:
 * a list read dials every builder on its own, so a silent one does not hold the others back.
 */
function useBuilderArrivals(): ReadonlyMap<string, { builder: Builder; at: number }> {
  const [arrivals, setArrivals] = useState<ReadonlyMap<string, { builder: Builder; at: number }>>(new Map());
  useEffect(
    () =>
      getBridge().on('builders.updated', ({ builder }) =>
        setArrivals((prev) => new Map(prev).set(builder.name, { builder, at: Date.now() })),
      ),
    [],
  );
  return arrivals;
}

/**
 * What the list shows: the live list once it is complete, each builder replaced by any fresher
 * announcement; before that, the last known list (painted at once, from the data folder) with each
 * builder swapped for its live state the moment it arrives, the others marked "last seen".
 */
export function shownSnapshot(
  live: BuildersSnapshot | undefined,
  liveAt: number,
  lastKnown: BuildersSnapshot | undefined,
  arrivals: ReadonlyMap<string, { builder: Builder; at: number }>,
): ShownSnapshot | undefined {
  if (live) {
    return {
      ...live,
      builders: live.builders.map((b) => {
        const a = arrivals.get(b.name);
        return a && a.at > liveAt ? a.builder : b;
      }),
    };
  }
  if (!lastKnown) return undefined;
  const names = new Set(lastKnown.builders.map((b) => b.name));
  return {
    ...lastKnown,
    builders: [
      ...lastKnown.builders.map(
        (b): ShownBuilder =>
          arrivals.get(b.name)?.builder ?? (lastKnown.stale ? { ...b, lastSeen: lastKnown.refreshedAt } : b),
      ),
      ...[...arrivals.values()].filter((a) => !names.has(a.builder.name)).map((a) => a.builder),
    ],
  };
}

/** Builders, engine and buildx facts for the Builders view, plus one refresh for all three. */
export function useBuildersView() {
  const queryClient = useQueryClient();
  const builders = useCommand('builders.list', {});
  // The first paint: the list as last read by any BuildDeck process, while the live read runs.
  const lastKnown = useCommand(
    'builders.list',
    { lastKnown: true },
    { staleTime: Infinity, enabled: builders.data === undefined },
  );
  const arrivals = useBuilderArrivals();
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

  const snapshot = useMemo(
    () => shownSnapshot(builders.data, builders.dataUpdatedAt, lastKnown.data, arrivals),
    [builders.data, builders.dataUpdatedAt, lastKnown.data, arrivals],
  );

  return {
    builders,
    /** What to draw: live, or the last known list being brought up to date (`stale`). */
    snapshot,
    stale: builders.data === undefined && snapshot?.stale === true,
    engine,
    buildx,
    refresh,
    blockingError,
    isFetching: builders.isFetching || engine.isFetching || buildx.isFetching,
  };
}
