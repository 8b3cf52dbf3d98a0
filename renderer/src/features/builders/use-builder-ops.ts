import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { CommandInput } from '../../../../electron/common/contract';
import type { BuilderAction } from '../../../../electron/common/contracts/builders';
import type { AppError } from '../../../../electron/common/errors';
import { getBridge } from '../../api/bridge';
import { commandKey, invoke, useCommand } from '../../api/client';

/** Commands whose input takes an operationId, so their progress events can be told apart. */
type OperationCommand =
  'builders.create' | 'builders.bootstrap' | 'builders.stop' | 'builders.use' | 'builders.remove' | 'builders.leave';

export interface ActionState {
  status: 'idle' | 'running' | 'succeeded' | 'failed';
  action?: BuilderAction;
  /** Progress lines from buildx, as they arrive. */
  lines: string[];
  /** The core's own one-line summary of the outcome. */
  message?: string;
  error?: AppError;
}

function newOperationId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `op-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Everything builder-related that a change can make stale. */
export function invalidateBuilders(queryClient: ReturnType<typeof useQueryClient>): void {
  for (const command of ['builders.list', 'builders.health', 'builders.inspect', 'builders.stats'] as const) {
    void queryClient.invalidateQueries({ queryKey: commandKey(command) });
  }
}

/**
 * Runs one builder action and follows its `builders.progressed` events. The subscription is made
 * before the command is sent, so no line is missed.
 */
export function useBuilderAction() {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ActionState>({ status: 'idle', lines: [] });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async <C extends OperationCommand>(
      action: BuilderAction,
      command: C,
      input: Omit<CommandInput<C>, 'operationId'>,
    ) => {
      const operationId = newOperationId();
      setState({ status: 'running', action, lines: [] });
      const off = getBridge().on('builders.progressed', (p) => {
        if (p.operationId !== operationId || !mounted.current) return;
        setState((s) => {
          if (p.phase === 'progress') return { ...s, lines: [...s.lines, p.message].slice(-200) };
          if (p.phase === 'succeeded' || p.phase === 'failed') return { ...s, message: p.message };
          return s;
        });
      });
      try {
        const result = await invoke(command, { ...input, operationId } as CommandInput<C>);
        if (mounted.current) {
          setState((s) =>
            result.ok ? { ...s, status: 'succeeded' } : { ...s, status: 'failed', error: result.error },
          );
        }
        return result;
      } finally {
        off();
        invalidateBuilders(queryClient);
      }
    },
    [queryClient],
  );

  const reset = useCallback(() => setState({ status: 'idle', lines: [] }), []);
  return { state, run, reset };
}

/** Keeps health, details and stats fresh when builders change (ours or outside BuildDeck). */
export function useBuilderQueriesLive(): void {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      getBridge().on('builders.changed', () => {
        for (const command of ['builders.health', 'builders.inspect'] as const) {
          void queryClient.invalidateQueries({ queryKey: commandKey(command) });
        }
      }),
    [queryClient],
  );
}

/** Fleet health: every builder checked within the core's bound, re-checked every minute. */
export function useFleetHealth() {
  return useCommand('builders.health', {}, { staleTime: 30_000, refetchInterval: 60_000 });
}
