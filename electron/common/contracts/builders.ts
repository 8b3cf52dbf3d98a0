import { z } from 'zod';
import { buildersSnapshot } from '../domain';

export const builderCommands = {
  /**
   * Every builder buildx knows with its nodes. A slow or dead builder is reported as unreachable
   * rather than blocking the list. `refresh` bypasses the short cache used for bursts of events.
   */
  'builders.list': {
    input: z.object({ refresh: z.boolean().optional() }).strict(),
    output: buildersSnapshot,
  },
} as const;

export const builderEvents = {
  /** The set of builders or their state may have changed (docker event, poll, a command of ours). */
  'builders.changed': z.object({ reason: z.string() }).strict(),
} as const;
