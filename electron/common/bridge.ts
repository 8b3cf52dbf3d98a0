import type { CommandInput, CommandName, EventName, EventPayload, InvokeResult } from './contract';

/**
 * What the renderer sees on `window.builddeck` (Electron preload) or gets from the web bridge
 * (serve mode). Deliberately tiny: one invoke, one subscription, one path helper.
 * Type-only imports: the sandboxed preload bundles this file and must not pull in zod.
 */
export interface BuildDeckBridge {
  invoke<C extends CommandName>(command: C, input: CommandInput<C>): Promise<InvokeResult<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Absolute path of a dropped File (Electron's webUtils); undefined where the host cannot tell. */
  pathForFile(file: unknown): string | undefined;
}

/** Channel names of the Electron IPC transport: two, not one per command. */
export const IPC_INVOKE_CHANNEL = 'builddeck:invoke';
export const IPC_EVENT_CHANNEL = 'builddeck:event';
