import type { z } from 'zod';
import { appError, fail, ok, toAppError, type Result } from '../common/errors';
import { asIsCheck } from './as-is-check';

/**
 * One command's check, as every edge gets it: hostile shapes refused, input parsed with the
 * command's schema (the error names the field), the handler run, its output parsed too. The router
 * (router.ts) applies it to every command of the contract; a one-shot CLI verb that composes only
 * its own service (composition/cache-usage.ts) applies it to its one command, so it answers the
 * same without building every feature's schemas (docs/architecture.md, "Start-up").
 */
export interface CallContext {
  signal?: AbortSignal;
}

export interface CommandSpec {
  input: z.ZodType;
  output: z.ZodType;
}

/** Where a zod issue points, as a dotted path a form can attach the message to. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(input)';
}

/** Deeper than any command's input; deeper input is refused before a schema (or a parser) recurses into it. */
export const MAX_INPUT_DEPTH = 64;
/** What an error message may quote of a bad value: enough to recognise it, never the whole payload. */
const ECHO_CHARS = 80;

export function quote(value: unknown): string {
  if (typeof value !== 'string')
    return `(${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`;
  const head = JSON.stringify(value.slice(0, ECHO_CHARS));
  return value.length > ECHO_CHARS ? `${head}… (${value.length.toLocaleString('en-US')} characters)` : head;
}

export function invalid(message: string, field: string, hint?: string): Result<never> {
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

/** Runs `handler` between `spec`'s input and output checks; throws only what the handler throws. */
export async function checkedCall(
  command: string,
  spec: CommandSpec,
  handler: (input: unknown, ctx: CallContext) => Promise<unknown>,
  input: unknown,
  ctx: CallContext,
): Promise<Result<unknown>> {
  const hostile = refuseHostileShape(input);
  if (hostile) return hostile;
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
  return checkOutput(command, spec.output, await handler(parsed.data, ctx));
}

/**
 * A handler's value checked with the command's output schema: drift in what docker/buildx print
 * surfaces here, not in the UI. A value the schema accepts as it is passes as itself, not as zod's
 * copy of it (as-is-check.ts: the copy was most of a large answer's cost); callers treat outputs as
 * read-only, as they did zod's copies (IPC and serve mode send copies anyway).
 */
export function checkOutput(command: string, output: z.ZodType, value: unknown): Result<unknown> {
  if (asIsCheck(output)?.(value)) return ok(value);
  const out = output.safeParse(value);
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
}

/**
 * Whatever `run` throws comes back as a failed Result: every edge that answers a command (the
 * router, a one-verb composition) answers with a value, never an exception.
 */
export async function asResult<T>(run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (err) {
    try {
      return fail(toAppError(err));
    } catch {
      // Something thrown that cannot even be turned into text (an object without a prototype).
      return fail(appError('INTERNAL', 'Unexpected error of an unknown kind.').appError);
    }
  }
}

/** One feature's commands called as the router calls them: typed by the contract, never throwing. */
export type FeatureCaller<Cmds extends Record<string, CommandSpec>> = <C extends keyof Cmds & string>(
  command: C,
  input: unknown,
  ctx?: CallContext,
) => Promise<Result<z.output<Cmds[C]['output']>>>;

/**
 * Every command of `commands` through {@link checkedCall} with its handler: the router's own path
 * (router.ts, over the whole contract), and a one-verb composition's over its feature's commands
 * alone (composition/build-run.ts), so both answer alike.
 */
export function featureCaller<Cmds extends Record<string, CommandSpec>>(
  commands: Cmds,
  handlers: { [C in keyof Cmds]: (input: z.output<Cmds[C]['input']>, ctx: CallContext) => Promise<unknown> },
): FeatureCaller<Cmds> {
  return (command, input, ctx = {}) =>
    asResult(() =>
      checkedCall(
        command,
        commands[command] as CommandSpec,
        handlers[command] as (input: unknown, ctx: CallContext) => Promise<unknown>,
        input,
        ctx,
      ),
    ) as Promise<Result<z.output<Cmds[typeof command]['output']>>>;
}
