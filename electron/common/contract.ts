import type { z } from 'zod';
import { bakeCommands, bakeEvents } from './contracts/bake';
import { builderCommands, builderEvents } from './contracts/builders';
import { buildCommands, buildEvents } from './contracts/builds';
import { cacheCommands, cacheEvents } from './contracts/cache';
import { historyCommands, historyEvents } from './contracts/history';
import { settingsCommands, settingsEvents } from './contracts/settings';
import { systemCommands, systemEvents } from './contracts/system';
import type { Result } from './errors';

/**
 * The one contract every edge speaks: renderer bridge, preload, IPC glue, HTTP/WebSocket server and CLI.
 * Inputs are validated with these schemas at the router; outputs are typed from them.
 * Adding a command here is an API change: test/unit/contract.test.ts snapshots the list.
 */
// One file per feature under contracts/; this is where they meet. Keep names `noun.verb`.
export const commands = {
  ...systemCommands,
  ...builderCommands,
  ...buildCommands,
  ...historyCommands,
  ...settingsCommands,
  ...cacheCommands,
  ...bakeCommands,
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<C extends CommandName> = z.input<Commands[C]['input']>;
export type CommandOutput<C extends CommandName> = z.output<Commands[C]['output']>;

/** Events pushed from the core; past tense, payloads small (listeners re-query what they need). */
export const events = {
  ...systemEvents,
  ...builderEvents,
  ...buildEvents,
  ...historyEvents,
  ...settingsEvents,
  ...cacheEvents,
  ...bakeEvents,
} as const satisfies Record<string, z.ZodType>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const COMMAND_NAMES = Object.keys(commands) as CommandName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && Object.hasOwn(commands, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

export type InvokeResult<C extends CommandName> = Result<CommandOutput<C>>;

export type { BuildDeckBridge } from './bridge';
export { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from './bridge';
