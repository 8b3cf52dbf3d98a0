import { z } from 'zod';
import { buildersSnapshot, buildxInfo, engineInfo } from './domain';
import type { Result } from './errors';

/**
 * The one contract every edge speaks: renderer bridge, preload, IPC glue, HTTP/WebSocket server and CLI.
 * Inputs are validated with these schemas at the router; outputs are typed from them.
 * Adding a command here is an API change: test/unit/contract.test.ts snapshots the list.
 */
const empty = z.object({}).strict();

export const commands = {
  /** Engine facts (version, OS/arch, storage driver) read through the Docker Engine API. */
  'engine.info': { input: empty, output: engineInfo },
  /** The buildx plugin that answered, its version and the features BuildDeck detected from it. */
  'buildx.info': { input: empty, output: buildxInfo },
  /**
   * Every builder buildx knows with its nodes. A slow or dead builder is reported as unreachable
   * rather than blocking the list. `refresh` bypasses the short cache used for bursts of events.
   */
  'builders.list': {
    input: z.object({ refresh: z.boolean().optional() }).strict(),
    output: buildersSnapshot,
  },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<C extends CommandName> = z.input<Commands[C]['input']>;
export type CommandOutput<C extends CommandName> = z.output<Commands[C]['output']>;

/** Events pushed from the core; past tense, payloads small (listeners re-query what they need). */
export const events = {
  /** The set of builders or their state may have changed (docker event, poll, a command of ours). */
  'builders.changed': z.object({ reason: z.string() }).strict(),
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
