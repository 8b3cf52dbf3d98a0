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
import type { Result } from '../common/errors';
import { asResult, featureCaller, invalid, quote, type CallContext } from './command';

export { MAX_INPUT_DEPTH, type CallContext } from './command';

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

export function createRouter(handlers: Handlers): Router {
  const call = featureCaller(commands, handlers);
  // Everything, schema parsing and message building included, answers as a Result (featureCaller):
  // whatever a transport hands over (getters that throw, proxies, absurd nesting).
  const invoke: Router['invoke'] = (command, input, ctx = {}) =>
    isCommandName(command)
      ? call(command, input, ctx)
      : asResult(() =>
          Promise.resolve(
            invalid(
              `Unknown command ${quote(command)}.`,
              'command',
              'The app and its core are out of step; restart BuildDeck.',
            ),
          ),
        );
  // The one place the result type is asserted: `invoke` parsed the value with this command's output schema.
  const typed = <C extends CommandName>(command: C, input: unknown, ctx?: CallContext) =>
    invoke(command, input, ctx) as Promise<InvokeResult<C>>;
  return { invoke, call: typed, callUnchecked: typed };
}
