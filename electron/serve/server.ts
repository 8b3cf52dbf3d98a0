import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  SERVE_EVENTS_PATH,
  SERVE_INVOKE_PATH,
  SERVE_RESYNC_EVENT as RESYNC_EVENT,
  SERVE_SESSION_PATH,
  SERVE_TOKEN_HEADER,
  SERVE_WS_PROTOCOL as WS_PROTOCOL,
  SERVE_WS_TOKEN_PROTOCOL as WS_TOKEN_PROTOCOL,
} from '../common/bridge';
import { contentSecurityPolicy } from '../common/csp';
import { appError, fail } from '../common/errors';
import type { EventBus } from '../core/events';
import type { Router } from '../core/router';

/**
 * The same router as the Electron IPC glue, over HTTP + WebSocket on loopback, for hosts without a
 * display and for the e2e tests. The Host header must name the loopback address (DNS rebinding).
 *
 * Who may do what (docs/security.md, "Serve mode"): any page on 127.0.0.1, whatever its port, is the
 * same *site* as this server, so the browser sends our cookie along with its requests. The cookie
 * therefore only opens the page (static files) and `/api/session`, which hands the token to a
 * same-origin script (`Sec-Fetch-Site: same-origin`; a cross-origin script cannot read the answer
 * anyway). Commands and the event socket need the token itself, in a header (`X-BuildDeck-Token` or
 * `Authorization: Bearer`) or, for the socket, a subprotocol: values a cross-origin page cannot set
 * without a preflight we never approve. Commands must also be `application/json` and, where the
 * browser says, same-origin (`Origin`, `Sec-Fetch-Site`).
 */
export interface ServeOptions {
  router: Router;
  events: EventBus;
  /** Built renderer (out/renderer); undefined: API only. */
  staticDir?: string;
  port?: number;
  token?: string;
  /** Bytes queued for one event socket before its events are dropped (default 8 MiB); resumes below 1/8. */
  socketHighWaterBytes?: number;
}

export interface RunningServer {
  url: string;
  /** The URL to open: carries the token once, then a cookie does. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const COOKIE = 'builddeck_token';
const MAX_BODY = 1024 * 1024;
/** A body over MAX_BODY is read (and dropped) up to this much so the 413 reaches the client; then the socket goes. */
const MAX_DRAIN = 16 * 1024 * 1024;
// Node lower-cases incoming header names.
const TOKEN_HEADER = SERVE_TOKEN_HEADER.toLowerCase();
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/**
 * Where the token-trading redirect goes: this origin's path, never `//host/` (a browser reads a
 * Location of `//evil.example/` as another host; `/.//evil.example/` normalises to that).
 */
function samePath(url: URL): string {
  const path = `/${url.pathname.replace(/^[/\\]+/, '')}`;
  return path + url.search;
}

const SOCKET_HIGH_WATER = 8 * 1024 * 1024;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const staticRoot = options.staticDir ? resolve(options.staticDir) : undefined;
  let port = 0;

  const hostAllowed = (req: IncomingMessage) => {
    const host = req.headers.host ?? '';
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const ownOrigins = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const validToken = (given: string | undefined) => given !== undefined && sameSecret(given, token);
  /** The token a client holds in memory: a header (or, for the socket, a subprotocol). Never the cookie. */
  const heldToken = (req: IncomingMessage): string | undefined => {
    const header = req.headers[TOKEN_HEADER];
    if (typeof header === 'string') return header;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    const protocols = req.headers['sec-websocket-protocol'];
    for (const p of (protocols ?? '').split(',').map((x) => x.trim())) {
      if (p.startsWith(WS_TOKEN_PROTOCOL)) return p.slice(WS_TOKEN_PROTOCOL.length);
    }
    return undefined;
  };
  /** The page itself (static files, the session hand-over): the cookie does, or the token in a header. */
  const mayOpenPage = (req: IncomingMessage, url: URL) =>
    hostAllowed(req) &&
    (validToken(cookieToken(req)) ||
      validToken(heldToken(req)) ||
      validToken(url.searchParams.get('token') ?? undefined));
  const mayCommand = (req: IncomingMessage) => hostAllowed(req) && validToken(heldToken(req));
  /**
   * Browsers say where a request comes from; anything they mark as another origin is refused even
   * with the token (defence in depth: the token should never have left the page). Clients that are
   * not browsers (CLI scripts, tests) send neither header.
   */
  const crossOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    return (origin !== undefined && !ownOrigins().includes(origin)) || (site !== undefined && site !== 'same-origin');
  };

  const security = (res: ServerResponse) => {
    res.setHeader(
      'Content-Security-Policy',
      contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const unauthorised = (res: ServerResponse) =>
    sendJson(
      res,
      401,
      fail(
        appError('UNAUTHORIZED', 'Missing or wrong BuildDeck token.', {
          hint: 'Open the URL that `npm run serve` printed (it carries the token).',
        }).appError,
      ),
    );

  /** The body, or undefined after answering 413 (a reset connection would tell the client nothing). */
  const readBody = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<string | undefined>((resolve, reject) => {
      const tooLarge = () => {
        sendJson(
          res,
          413,
          fail(
            appError('INVALID_INPUT', 'The request body is larger than 1 MiB.', {
              hint: 'Send smaller input; no command takes that much.',
              details: { field: '(body)', maxBytes: MAX_BODY },
            }).appError,
          ),
        );
        resolve(undefined);
      };
      const declared = Number(req.headers['content-length'] ?? NaN);
      let size = 0;
      let over = declared > MAX_BODY;
      if (over) tooLarge();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_DRAIN) req.destroy();
        else if (size > MAX_BODY && !over) {
          over = true;
          chunks.length = 0;
          tooLarge();
        } else if (!over) chunks.push(c);
      });
      req.on('end', () => {
        if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', (err) => (over ? undefined : reject(err)));
    });

  const refuse = (res: ServerResponse, status: number, message: string, hint: string) =>
    sendJson(
      res,
      status,
      fail(appError(status === 403 ? 'UNAUTHORIZED' : 'INVALID_INPUT', message, { hint }).appError),
    );

  const handleInvoke = async (req: IncomingMessage, res: ServerResponse) => {
    if (!mayCommand(req)) {
      unauthorised(res);
      return;
    }
    if (crossOrigin(req)) {
      refuse(
        res,
        403,
        'Commands are accepted only from the BuildDeck page itself.',
        'Use the page `builddeck serve` printed.',
      );
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      refuse(res, 415, 'Commands must be sent as application/json.', 'Set Content-Type: application/json.');
      return;
    }
    const text = await readBody(req, res);
    if (text === undefined) return;
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      sendJson(res, 400, fail(appError('INVALID_INPUT', 'The request body is not JSON (max 1 MiB).').appError));
      return;
    }
    const { command, input } = (typeof payload === 'object' && payload !== null ? payload : {}) as {
      command?: unknown;
      input?: unknown;
    };
    const controller = new AbortController();
    res.on('close', () => res.writableFinished || controller.abort());
    sendJson(res, 200, await options.router.invoke(command, input, { signal: controller.signal }));
  };

  /** The token for the page's own script (kept in memory there); see the comment at the top. */
  const handleSession = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req) || !validToken(cookieToken(req))) {
      unauthorised(res);
      return;
    }
    if (req.headers['sec-fetch-site'] !== 'same-origin' || crossOrigin(req)) {
      refuse(
        res,
        403,
        'The session is handed only to the BuildDeck page itself.',
        'Open the page in a current browser.',
      );
      return;
    }
    sendJson(res, 200, { token });
  };

  const serveStatic = async (res: ServerResponse, pathname: string) => {
    if (!staticRoot) {
      sendJson(res, 404, fail(appError('INVALID_INPUT', 'No UI is served here (API only).').appError));
      return;
    }
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    let file = join(staticRoot, rel);
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      sendJson(res, 404, fail(appError('INVALID_INPUT', 'Not found.').appError));
      return;
    }
    let info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      // Client-side routes fall back to the app shell.
      file = join(staticRoot, 'index.html');
      info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        sendJson(
          res,
          404,
          fail(appError('INTERNAL', 'The UI is not built.', { hint: 'Run `npm run build`.' }).appError),
        );
        return;
      }
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'private, max-age=3600',
    });
    createReadStream(file).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    security(res);
    if (url.pathname === SERVE_INVOKE_PATH) {
      if (req.method !== 'POST') {
        sendJson(res, 405, fail(appError('INVALID_INPUT', 'Use POST.').appError));
        return;
      }
      handleInvoke(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, fail(appError('INTERNAL', String(err)).appError));
        else res.destroy();
      });
      return;
    }
    if (url.pathname === SERVE_SESSION_PATH) {
      handleSession(req, res);
      return;
    }
    if (!mayOpenPage(req, url)) {
      unauthorised(res);
      return;
    }
    if (url.searchParams.has('token') && req.method === 'GET') {
      // Trade the token in the URL for an HttpOnly cookie, and drop it from the address bar and history.
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      url.searchParams.delete('token');
      res.writeHead(303, { Location: samePath(url) });
      res.end();
      return;
    }
    serveStatic(res, url.pathname).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, fail(appError('INTERNAL', String(err)).appError));
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Answer with the plain protocol only: the token offered beside it is never echoed back.
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const originOk = origin === undefined || ownOrigins().includes(origin);
    if (url.pathname !== SERVE_EVENTS_PATH || !originOk || !mayCommand(req)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    // Every message carries its number, so a page can tell it saw them all in order. A subscriber that
    // does not read (a frozen tab, a slow link) must not grow our memory without bound: past the high
    // mark its events are dropped and counted, and once it has drained it gets one RESYNC_EVENT
    // naming how many it missed, then live events again. The page re-reads what it shows.
    const high = options.socketHighWaterBytes ?? SOCKET_HIGH_WATER;
    const low = high / 8;
    let seq = 0;
    let missed = 0;
    // Once events were dropped the page must hear so as soon as the socket has drained, not with the
    // next event: after a build's last batch there may be none for minutes (measured: the last line
    // of a 100k-line build shown ~25 s late). Checked every 100 ms while something was missed.
    let drain: ReturnType<typeof setInterval> | undefined;
    // The marker carries the number the next event will have (`missed` events before it are gone).
    const resync = (next: number) => {
      ws.send(JSON.stringify({ event: RESYNC_EVENT, seq: next, payload: { missed } }));
      missed = 0;
    };
    const watchDrain = () => {
      drain ??= setInterval(() => {
        const pending = ws.readyState === ws.OPEN && missed > 0;
        if (pending && ws.bufferedAmount > low) return;
        if (pending) resync(seq + 1);
        clearInterval(drain);
        drain = undefined;
      }, 100);
      drain.unref?.();
    };
    // A page is a window: it gets progress batches in their window form (see EventBus.emitTo).
    const unsubscribe = options.events.subscribe(
      (event, payload) => {
        if (ws.readyState !== ws.OPEN) return;
        seq++;
        if (ws.bufferedAmount > high || (missed > 0 && ws.bufferedAmount > low)) {
          missed++;
          watchDrain();
          return;
        }
        if (missed > 0) resync(seq);
        ws.send(JSON.stringify({ event, seq, payload }));
      },
      { window: true },
    );
    ws.on('close', () => {
      sockets.delete(ws);
      if (drain) clearInterval(drain);
      unsubscribe();
    });
    // The socket is one-way: anything the page sends is ignored.
    ws.on('message', () => undefined);
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port ?? 0, '127.0.0.1', () => res());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${token}`,
    token,
    port,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
