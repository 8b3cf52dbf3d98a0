/**
 * The only module that touches the host bridge.
 *
 * Under Electron the preload exposes `window.builddeck`. Under `builddeck serve` there is no preload,
 * so the same interface is implemented over HTTP + WebSocket on the page's own origin:
 *
 *   token   GET /api/session once (the HttpOnly cookie from the opening URL proves who we are); the
 *           answer is kept in this module's memory only, never in storage or the URL. A page of
 *           another origin cannot read that answer, and the cookie alone authorises no command.
 *   invoke  POST /api/invoke  JSON body {command, input}, header X-BuildDeck-Token  ->  200..5xx with
 *           a Result JSON body.
 *   on      one shared WebSocket to /api/events, the token as a subprotocol; each text frame is
 *           {event, payload}.
 *
 * Type-only imports from the contract keep zod (and its eval probe, which a strict CSP reports)
 * out of the renderer bundle.
 */
import type {
  BuildDeckBridge,
  CommandInput,
  CommandName,
  EventName,
  EventPayload,
  InvokeResult,
} from '../../../electron/common/contract';
import {
  SERVE_EVENTS_PATH as EVENTS_PATH,
  SERVE_INVOKE_PATH as INVOKE_PATH,
  SERVE_RESYNC_EVENT,
  SERVE_SESSION_PATH as SESSION_PATH,
  SERVE_TOKEN_HEADER as TOKEN_HEADER,
  SERVE_WS_PROTOCOL as WS_PROTOCOL,
  SERVE_WS_TOKEN_PROTOCOL as WS_TOKEN_PROTOCOL,
} from '../../../electron/common/bridge';
import { isErrorCode, type AppError } from '../../../electron/common/errors';

export type HostKind = 'electron' | 'web';
export type EventsConnection = 'idle' | 'connecting' | 'open' | 'reconnecting';

const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 10_000;

/** `details.reason` of the INTERNAL error for a core that did not answer at all (serve mode). */
export const CORE_UNREACHABLE = 'core-unreachable';

const UNREACHABLE_HINT =
  'Check that “builddeck serve” is still running in its terminal, then retry. If it restarted, open the new address it printed.';

let bridge: BuildDeckBridge | undefined;
let hostKind: HostKind | undefined;

export function getBridge(): BuildDeckBridge {
  if (bridge) return bridge;
  const injected = typeof window !== 'undefined' ? window.builddeck : undefined;
  if (injected) {
    bridge = injected;
    hostKind = 'electron';
  } else {
    bridge = createWebBridge();
    hostKind = 'web';
  }
  return bridge;
}

export function getHostKind(): HostKind {
  getBridge();
  return hostKind ?? 'web';
}

// ---------------------------------------------------------------------------------------------
// invoke over HTTP

function failure(error: AppError): { ok: false; error: AppError } {
  return { ok: false, error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shape check only: the core validated the value against the contract before sending it. */
function asResult(body: unknown): { ok: true; value: unknown } | { ok: false; error: AppError } | undefined {
  if (!isRecord(body)) return undefined;
  if (body.ok === true && 'value' in body) return { ok: true, value: body.value };
  if (body.ok === false && isRecord(body.error)) {
    const { code, message, hint, details } = body.error;
    if (!isErrorCode(code) || typeof message !== 'string') return undefined;
    const error: AppError = { code, message };
    if (typeof hint === 'string') error.hint = hint;
    if (isRecord(details)) error.details = details;
    return { ok: false, error };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// the serve token, in memory

let session: Promise<string | undefined> | undefined;

/** The token from /api/session (asked once; asked again after a failure, e.g. serve restarted). */
function sessionToken(): Promise<string | undefined> {
  session ??= fetch(SESSION_PATH, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then(async (response) => {
      const body: unknown = response.ok ? await response.json() : undefined;
      return isRecord(body) && typeof body.token === 'string' ? body.token : undefined;
    })
    .catch(() => undefined)
    .then((token) => {
      if (token === undefined) session = undefined;
      return token;
    });
  return session;
}

async function invokeOverHttp<C extends CommandName>(command: C, input: CommandInput<C>): Promise<InvokeResult<C>> {
  let response: Response;
  try {
    const token = await sessionToken();
    response = await fetch(INVOKE_PATH, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token === undefined ? {} : { [TOKEN_HEADER]: token }),
      },
      body: JSON.stringify({ command, input }),
    });
  } catch (thrown) {
    return failure({
      code: 'INTERNAL',
      message: "BuildDeck's core is not reachable",
      hint: UNREACHABLE_HINT,
      details: {
        reason: CORE_UNREACHABLE,
        command,
        cause: thrown instanceof Error ? thrown.message : String(thrown),
      },
    });
  }

  let text = '';
  let body: unknown;
  try {
    text = await response.text();
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }

  // A restarted serve has a new token: ask for it again on the next call.
  if (response.status === 401) session = undefined;
  const result = asResult(body);
  // The core checked the value against the contract's output schema; trust it at the type level.
  if (result) return result as InvokeResult<C>;

  if (response.status === 401 || response.status === 403) {
    return failure({
      code: 'UNAUTHORIZED',
      message: 'This browser is not signed in to BuildDeck serve.',
      hint: 'Open the address with the token that “builddeck serve” printed in its terminal.',
      details: { command, status: response.status },
    });
  }
  return failure({
    code: 'INTERNAL',
    message: `BuildDeck's core answered HTTP ${response.status} without a result.`,
    hint: 'This is a bug in BuildDeck. Please report it with the details below.',
    details: { command, status: response.status, body: text.slice(0, 4_000) },
  });
}

// ---------------------------------------------------------------------------------------------
// events over one shared WebSocket

type AnyListener = (payload: unknown) => void;

const listeners = new Map<string, Set<AnyListener>>();
const connectionListeners = new Set<(state: EventsConnection) => void>();
const reconnectListeners = new Set<() => void>();
let socket: WebSocket | undefined;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
let reconnectDelay = RECONNECT_MIN_MS;
let connection: EventsConnection = 'idle';
let hasConnectedOnce = false;

function setConnection(next: EventsConnection): void {
  if (connection === next) return;
  connection = next;
  for (const listener of connectionListeners) listener(next);
}

function listenerCount(): number {
  let count = 0;
  for (const set of listeners.values()) count += set.size;
  return count;
}

function eventsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${EVENTS_PATH}`;
}

function dispatch(raw: unknown): void {
  if (typeof raw !== 'string') return;
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return;
  }
  if (!isRecord(message) || typeof message.event !== 'string') return;
  // The server dropped events this page was too slow to take: re-read, as after a reconnect.
  if (message.event === SERVE_RESYNC_EVENT) {
    for (const listener of reconnectListeners) listener();
    return;
  }
  const set = listeners.get(message.event);
  if (!set) return;
  for (const listener of [...set]) {
    try {
      listener(message.payload);
    } catch (thrown) {
      console.error(`builddeck: listener for ${message.event} threw`, thrown);
    }
  }
}

let connecting = false;

function connect(): void {
  if (socket || connecting || listenerCount() === 0) return;
  setConnection(hasConnectedOnce ? 'reconnecting' : 'connecting');
  connecting = true;
  void sessionToken().then((token) => {
    connecting = false;
    if (socket || listenerCount() === 0) return;
    if (token === undefined) {
      scheduleReconnect();
      return;
    }
    open(token);
  });
}

function open(token: string): void {
  let ws: WebSocket;
  try {
    ws = new WebSocket(eventsUrl(), [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL}${token}`]);
  } catch {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.addEventListener('open', () => {
    reconnectDelay = RECONNECT_MIN_MS;
    const wasReconnect = hasConnectedOnce;
    hasConnectedOnce = true;
    setConnection('open');
    // Events sent while we were away are lost: let the app re-read what it shows.
    if (wasReconnect) for (const listener of reconnectListeners) listener();
  });
  ws.addEventListener('message', (event: MessageEvent) => dispatch(event.data));
  let opened = false;
  ws.addEventListener('open', () => (opened = true));
  ws.addEventListener('close', () => {
    // Refused before opening: perhaps a restarted serve with a new token; ask again.
    if (!opened) session = undefined;
    if (socket !== ws) return;
    socket = undefined;
    scheduleReconnect();
  });
  // 'error' is always followed by 'close'; nothing to do here.
}

function scheduleReconnect(): void {
  if (reconnectTimer !== undefined || listenerCount() === 0) {
    if (listenerCount() === 0) setConnection('idle');
    return;
  }
  setConnection('reconnecting');
  const delay = reconnectDelay;
  reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
  reconnectTimer = setTimeout(() => {
    reconnectTimer = undefined;
    connect();
  }, delay);
}

function disconnectIfUnused(): void {
  if (listenerCount() > 0) return;
  if (reconnectTimer !== undefined) {
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
  }
  const ws = socket;
  socket = undefined;
  ws?.close(1000, 'no listeners');
  reconnectDelay = RECONNECT_MIN_MS;
  setConnection('idle');
}

function onOverWebSocket<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  // Payloads come from the core, which built them from the contract's event schemas.
  const wrapped: AnyListener = (payload) => listener(payload as EventPayload<E>);
  let set = listeners.get(event);
  if (!set) {
    set = new Set();
    listeners.set(event, set);
  }
  set.add(wrapped);
  connect();
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    listeners.get(event)?.delete(wrapped);
    // Deferred: React StrictMode and fast remounts unsubscribe and resubscribe in one task.
    setTimeout(disconnectIfUnused, 0);
  };
}

/**
 * TEST HOOK, serve mode only: a browser never reveals where a dropped file lives, so the renderer
 * e2e tests define `window.__builddeckTestPathForFile` (an init script) to map their dropped File to
 * their folder. It yields nothing a user could not type, and the core validates the path as usual;
 * under Electron the preload's bridge is used and this is never consulted.
 */
const TEST_PATH_FOR_FILE_HOOK = '__builddeckTestPathForFile';

function pathForFileInBrowser(file: unknown): string | undefined {
  const hook: unknown = Reflect.get(window, TEST_PATH_FOR_FILE_HOOK);
  if (typeof hook !== 'function') return undefined;
  const path: unknown = (hook as (file: unknown) => unknown)(file);
  return typeof path === 'string' && path.length > 0 ? path : undefined;
}

function createWebBridge(): BuildDeckBridge {
  return {
    invoke: invokeOverHttp,
    on: onOverWebSocket,
    pathForFile: pathForFileInBrowser,
  };
}

/**
 * State of the serve-mode event socket, for a status indicator. Under Electron events ride IPC and
 * the state stays 'open'. Returns an unsubscribe.
 */
export function subscribeEventsConnection(listener: (state: EventsConnection) => void): () => void {
  if (getHostKind() === 'electron') {
    listener('open');
    return () => undefined;
  }
  connectionListeners.add(listener);
  listener(connection);
  return () => connectionListeners.delete(listener);
}

/** Called after the serve-mode socket came back, since events in the gap were missed. */
export function onEventsReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}
