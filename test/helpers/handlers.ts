import { COMMAND_NAMES } from '../../electron/common/contract';
import { appError } from '../../electron/common/errors';
import type { Handlers } from '../../electron/core/router';

/**
 * A full handler map for transport/router unit tests: the given handlers, and every other command
 * answering INTERNAL "not used by this test" (so new contract commands do not break these tests).
 */
export function handlersWith(given: Partial<Handlers>): Handlers {
  const all: Record<string, unknown> = {};
  for (const name of COMMAND_NAMES) {
    all[name] = given[name] ?? (() => Promise.reject(appError('INTERNAL', `${name} is not used by this test`)));
  }
  return all as Handlers;
}
