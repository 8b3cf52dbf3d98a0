/**
 * Typed helpers over the bridge for React: a non-throwing `invoke`, a TanStack Query hook per
 * command, and the wiring from core events to query invalidation.
 *
 * Queries throw a {@link CommandError} (an Error carrying the AppError) so TanStack Query's error
 * state holds the typed failure; components read `error.appError`.
 */
import { useEffect } from 'react';
import {
  QueryClient,
  useQuery,
  useQueryClient,
  type QueryKey,
  type UseQueryOptions,
  type UseQueryResult,
} from '@tanstack/react-query';
import type { CommandInput, CommandName, CommandOutput, InvokeResult } from '../../../electron/common/contract';
import { toAppError, type AppError } from '../../../electron/common/errors';
import { getBridge, onEventsReconnected } from './bridge';

export class CommandError extends Error {
  readonly appError: AppError;
  readonly command: CommandName;
  constructor(command: CommandName, appError: AppError) {
    super(appError.message);
    this.name = 'CommandError';
    this.command = command;
    this.appError = appError;
  }
}

/** Never rejects: a bridge that throws (IPC torn down, a bug) becomes an INTERNAL result. */
export async function invoke<C extends CommandName>(command: C, input: CommandInput<C>): Promise<InvokeResult<C>> {
  try {
    return await getBridge().invoke(command, input);
  } catch (thrown) {
    return { ok: false, error: toAppError(thrown) };
  }
}

/** Resolves to the value or rejects with a {@link CommandError}: the shape query functions want. */
export async function invokeOrThrow<C extends CommandName>(
  command: C,
  input: CommandInput<C>,
): Promise<CommandOutput<C>> {
  const result = await invoke(command, input);
  if (result.ok) return result.value;
  throw new CommandError(command, result.error);
}

/** Keys are ['command', name, input]; invalidating ['command', name] hits every input. */
export function commandKey<C extends CommandName>(command: C, input?: CommandInput<C>): QueryKey {
  return input === undefined ? ['command', command] : ['command', command, input];
}

export type CommandQueryOptions<C extends CommandName> = Omit<
  UseQueryOptions<CommandOutput<C>, CommandError>,
  'queryKey' | 'queryFn'
>;

export function useCommand<C extends CommandName>(
  command: C,
  input: CommandInput<C>,
  options?: CommandQueryOptions<C>,
): UseQueryResult<CommandOutput<C>, CommandError> {
  return useQuery({
    ...options,
    queryKey: commandKey(command, input),
    queryFn: () => invokeOrThrow(command, input),
  });
}

/** The AppError behind a query error; anything else (should not happen) becomes INTERNAL. */
export function appErrorOf(error: unknown): AppError {
  return error instanceof CommandError ? error.appError : toAppError(error);
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Expected failures (Docker down, buildx missing) do not heal by retrying at once;
        // the error screen offers Retry and events trigger refetches.
        retry: false,
        staleTime: 5_000,
        refetchOnWindowFocus: true,
      },
    },
  });
}

/**
 * Subscribes to core events for the lifetime of the app and turns them into invalidations.
 * Mount once, near the root.
 */
export function useLiveInvalidation(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const bridge = getBridge();
    const offBuilders = bridge.on('builders.changed', () => {
      void queryClient.invalidateQueries({ queryKey: commandKey('builders.list') });
      // Engine facts rarely change, but a failed read (Docker was down) is worth another try.
      void queryClient.invalidateQueries({
        predicate: (query) =>
          query.state.status === 'error' &&
          (query.queryKey[1] === 'engine.info' || query.queryKey[1] === 'buildx.info'),
      });
    });
    // The engine went away or came back: what the engine strip, the builders list and every
    // Docker-backed view show is stale either way.
    const offEngine = bridge.on('engine.changed', () => {
      void queryClient.invalidateQueries({
        predicate: (query) => ['engine.info', 'buildx.info', 'builders.list'].includes(String(query.queryKey[1])),
      });
    });
    const offCache = bridge.on('cache.changed', () => {
      void queryClient.invalidateQueries({ predicate: (query) => String(query.queryKey[1]).startsWith('cache.') });
    });
    const offReconnect = onEventsReconnected(() => {
      void queryClient.invalidateQueries({ queryKey: ['command'] });
    });
    return () => {
      offBuilders();
      offEngine();
      offCache();
      offReconnect();
    };
  }, [queryClient]);
}
