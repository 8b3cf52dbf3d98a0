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

/** Deeper than any command's input; deeper input is refused before a schema (or a parser) recurses into it. */
export const MAX_INPUT_DEPTH = 64;
/** What an error message may quote of a bad value: enough to recognise it, never the whole payload. */
const ECHO_CHARS = 80;

function quote(value: unknown): string {
  if (typeof value !== 'string')
    return `(${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`;
  const head = JSON.stringify(value.slice(0, ECHO_CHARS));
  return value.length > ECHO_CHARS ? `${head}… (${value.length.toLocaleString('en-US')} characters)` : head;
}

function invalid(message: string, field: string, hint?: string): Result<never> {
  return fail(
    appError('INVALID_INPUT', message, {
      hint: hint ?? 'Correct the highlighted field and try again.',
      details: { field },
    }).appError,
  );
}

/**
 * One iterative pass over the raw input (no recursion, so no depth can overflow it): refuses nesting
 * deeper than {@link MAX_INPUT_DEPTH} and `__proto__` keys. JSON.parse and structured clone make
 * `__proto__` an own key, and a schema that copies keys onto a fresh object turns it into a
 * prototype change, so the key would silently vanish (a prune filter dropped is a wider prune).
 */
function refuseHostileShape(input: unknown): Result<never> | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string[] };
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_INPUT_DEPTH) {
      return invalid(`Input nested deeper than ${MAX_INPUT_DEPTH} levels is not accepted.`, fieldOf(path.slice(0, 8)));
    }
    for (const key of Object.keys(value)) {
      const at = [...path, key];
      if (key === '__proto__') return invalid(`"${key}" is not an accepted key.`, fieldOf(at));
      stack.push({ value: (value as Record<string, unknown>)[key], path: at });
    }
  }
  return undefined;
}

export function createRouter(handlers: Handlers): Router {
  const route = async (command: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>> => {
    if (!isCommandName(command)) {
      return invalid(
        `Unknown command ${quote(command)}.`,
        'command',
        'The app and its core are out of step; restart BuildDeck.',
      );
    }
    const hostile = refuseHostileShape(input);
    if (hostile) return hostile;
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
            issues: parsed.error.issues.slice(0, 20).map((i) => ({ field: fieldOf(i.path), message: i.message })),
          },
        }).appError,
      );
    }
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
  };
  // Everything, schema parsing and message building included, runs inside the one try: whatever a
  // transport hands over (getters that throw, proxies, absurd nesting), the answer is a Result.
  const invoke: Router['invoke'] = async (command, input, ctx = {}) => {
    try {
      return await route(command, input, ctx);
    } catch (err) {
      try {
        return fail(toAppError(err));
      } catch {
        // Something thrown that cannot even be turned into text (an object without a prototype).
        return fail(appError('INTERNAL', 'Unexpected error of an unknown kind.').appError);
      }
    }
  };
  // The one place the result type is asserted: `invoke` parsed the value with this command's output schema.
  const typed = <C extends CommandName>(command: C, input: unknown, ctx?: CallContext) =>
    invoke(command, input, ctx) as Promise<InvokeResult<C>>;
  return { invoke, call: typed, callUnchecked: typed };
}
