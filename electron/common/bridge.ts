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

/**
 * Serve mode's HTTP API, one definition for the server and the page. The token travels in a header
 * (commands) or as a subprotocol (the event socket), never in a cookie that other local pages send too.
 */
export const SERVE_INVOKE_PATH = '/api/invoke';
export const SERVE_EVENTS_PATH = '/api/events';
export const SERVE_SESSION_PATH = '/api/session';
export const SERVE_TOKEN_HEADER = 'X-BuildDeck-Token';
/** The socket's subprotocols from a page: `builddeck` (the one the server answers with) and this prefix + token. */
export const SERVE_WS_PROTOCOL = 'builddeck';
export const SERVE_WS_TOKEN_PROTOCOL = 'builddeck.token.';
/**
 * Sent on the event socket instead of events a slow subscriber could not take: `{missed}` events were
 * dropped, so what the page shows may be stale and must be read again.
 */
export const SERVE_RESYNC_EVENT = '$resync';
