import { z } from 'zod';
import { buildxInfo, engineInfo } from '../domain';

const empty = z.object({}).strict();

export const systemCommands = {
  /** Engine facts (version, OS/arch, storage driver) read through the Docker Engine API. */
  'engine.info': { input: empty, output: engineInfo },
  /** The buildx plugin that answered, its version and the features BuildDeck detected from it. */
  'buildx.info': { input: empty, output: buildxInfo },
} as const;

export const systemEvents = {
  /**
   * The Docker Engine went away (its event stream broke) or answers again. Listeners re-read
   * `engine.info` and the builders; sent on changes only, while someone listens.
   */
  'engine.changed': z.object({ reachable: z.boolean(), reason: z.string() }).strict(),
  /**
   * The desktop shell asks the window to show something (a notification or tray item was clicked).
   * `view` names a top-level view; `buildId` a build to open in it.
   */
  'app.openRequested': z
    .object({
      view: z.enum(['builders', 'builds', 'bake', 'history', 'cache', 'settings']),
      /** A build (or, with `view: 'bake'`, a bake) to show. */
      buildId: z.string().optional(),
    })
    .strict(),
} as const;
