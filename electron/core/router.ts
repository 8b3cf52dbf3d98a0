import type { z } from 'zod';
import { commands, isCommandName, type CommandName, type CommandOutput, type Commands } from '../common/contract';
import { AppException, appError, fail, ok, toAppError, type Result } from '../common/errors';

export interface CallContext {
  signal?: AbortSignal;
}

export type Handlers = {
  [C in CommandName]: (input: z.output<Commands[C]['input']>, ctx: CallContext) => Promise<CommandOutput<C>>;
};

export interface Router {
  /** Never throws: unknown commands, bad payloads, expected failures and crashes all come back as values. */
  invoke(command: unknown, input: unknown, ctx?: CallContext): Promise<Result<unknown>>;
}

/** Where a zod issue points, as a dotted path a form can attach the message to. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(input)';
}

export function createRouter(handlers: Handlers): Router {
  return {
    async invoke(command, input, ctx = {}) {
      if (!isCommandName(command)) {
        return fail(
          appError('INVALID_INPUT', `Unknown command ${JSON.stringify(command)}.`, {
            hint: 'The app and its core are out of step; restart BuildDeck.',
            details: { field: 'command' },
          }).appError,
        );
      }
      const spec = commands[command];
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const field = first ? fieldOf(first.path) : '(input)';
        return fail(
          appError('INVALID_INPUT', `Invalid ${field} for ${command}: ${first?.message ?? 'malformed input'}.`, {
            hint: 'Correct the highlighted field and try again.',
            details: {
              field,
              issues: parsed.error.issues.map((i) => ({ field: fieldOf(i.path), message: i.message })),
            },
          }).appError,
        );
      }
      try {
        const handler = handlers[command] as (input: unknown, ctx: CallContext) => Promise<unknown>;
        const value = await handler(parsed.data, ctx);
        // Outputs are checked too: drift in what docker/buildx print must surface here, not in the UI.
        const out = spec.output.safeParse(value);
        if (!out.success) {
          return fail(
            appError('INTERNAL', `${command} produced a result that does not match the contract.`, {
              details: {
                issues: out.error.issues.slice(0, 5).map((i) => ({ field: fieldOf(i.path), message: i.message })),
              },
            }).appError,
          );
        }
        return ok(out.data);
      } catch (err) {
        return fail(toAppError(err));
      }
    },
  };
}

/** For callers that prefer exceptions (CLI): unwraps or throws the AppException. */
export async function invokeOrThrow<C extends CommandName>(
  router: Router,
  command: C,
  input: unknown,
): Promise<CommandOutput<C>> {
  const result = await router.invoke(command, input);
  if (!result.ok) throw new AppException(result.error);
  return result.value as CommandOutput<C>;
}
