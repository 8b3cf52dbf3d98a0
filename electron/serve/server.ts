import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../common/csp';
import { appError, fail } from '../common/errors';
import type { EventBus } from '../core/events';
import type { Router } from '../core/router';

/**
 * The same router as the Electron IPC glue, over HTTP + WebSocket on loopback, for hosts without a
 * display and for the e2e tests. Every request and socket must carry the random token (401 otherwise);
 * the Host header must name the loopback address so a DNS-rebinding page cannot reach us.
 */
export interface ServeOptions {
  router: Router;
  events: EventBus;
  /** Built renderer (out/renderer); undefined: API only. */
  staticDir?: string;
  port?: number;
  token?: string;
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

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const staticRoot = options.staticDir ? resolve(options.staticDir) : undefined;
  let port = 0;

  const hostAllowed = (req: IncomingMessage) => {
    const host = req.headers.host ?? '';
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const tokenOf = (req: IncomingMessage, url: URL) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    return cookieToken(req) ?? url.searchParams.get('token') ?? undefined;
  };
  const authorised = (req: IncomingMessage, url: URL) => {
    const given = tokenOf(req, url);
    return hostAllowed(req) && given !== undefined && sameSecret(given, token);
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

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((res, rej) => {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          rej(new Error('body too large'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
      req.on('error', rej);
    });

  const handleInvoke = async (req: IncomingMessage, res: ServerResponse) => {
    let payload: unknown;
    try {
      payload = JSON.parse(await readBody(req));
    } catch {
      sendJson(res, 400, fail(appError('INVALID_INPUT', 'The request body is not JSON (max 1 MiB).').appError));
      return;
    }
    const { command, input } = (payload ?? {}) as { command?: unknown; input?: unknown };
    const controller = new AbortController();
    res.on('close', () => res.writableFinished || controller.abort());
    sendJson(res, 200, await options.router.invoke(command, input, { signal: controller.signal }));
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
    if (!authorised(req, url)) {
      unauthorised(res);
      return;
    }
    if (url.searchParams.has('token') && req.method === 'GET') {
      // Trade the token in the URL for an HttpOnly cookie, and drop it from the address bar and history.
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      url.searchParams.delete('token');
      res.writeHead(303, { Location: url.pathname + (url.search || '') });
      res.end();
      return;
    }
    const work =
      url.pathname === '/api/invoke'
        ? req.method === 'POST'
          ? handleInvoke(req, res)
          : Promise.resolve(sendJson(res, 405, fail(appError('INVALID_INPUT', 'Use POST.').appError)))
        : serveStatic(res, url.pathname);
    work.catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, fail(appError('INTERNAL', String(err)).appError));
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const originOk =
      origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== '/api/events' || !originOk || !authorised(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const unsubscribe = options.events.subscribe((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
    });
    ws.on('close', () => {
      sockets.delete(ws);
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
