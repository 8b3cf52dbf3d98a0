import type { z } from 'zod';
import {
  commands,
  isCommandName,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type Commands,
  type InvokeResult,
} from '../common/contract';
import { appError, fail, ok, toAppError, type Result } from '../common/errors';

export interface CallContext {
  signal?: AbortSignal;
}

export type Handlers = {
  [C in CommandName]: (input: z.output<Commands[C]['input']>, ctx: CallContext) => Promise<CommandOutput<C>>;
};

export interface Router {
  /**
   * The untyped entry, for transports only (IPC, HTTP): whatever arrives is checked here.
   * Never throws: unknown commands, bad payloads, expected failures and crashes all come back as values.
   */
  invoke(command: unknown, input: unknown, ctx?: CallContext): Promise<Result<unknown>>;
  /** In-process callers (CLI, tray, desktop model): typed both ways by the contract, validated all the same. */
  call<C extends CommandName>(command: C, input: CommandInput<C>, ctx?: CallContext): Promise<InvokeResult<C>>;
  /**
   * Input a user typed (CLI flags, a file) that has not been shaped yet: the router's validation is the
   * check that names the bad field, so it is passed through untyped; the output is typed.
   */
  callUnchecked<C extends CommandName>(command: C, input: unknown, ctx?: CallContext): Promise<InvokeResult<C>>;
}

/** Where a zod issue points, as a dotted path a form can attach the message to. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(input)';
}

export function createRouter(handlers: Handlers): Router {
  const invoke: Router['invoke'] = async (command, input, ctx = {}) => {
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
  };
  // The one place the result type is asserted: `invoke` parsed the value with this command's output schema.
  const typed = <C extends CommandName>(command: C, input: unknown, ctx?: CallContext) =>
    invoke(command, input, ctx) as Promise<InvokeResult<C>>;
  return { invoke, call: typed, callUnchecked: typed };
}
