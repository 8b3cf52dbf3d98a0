import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { appError } from '../../common/errors';
import type { CallOptions } from '../../core/ports';

/**
 * The few Engine API requests on BuildDeck's hot paths (builder list, cache usage), made with
 * node:http directly. dockerode is the library for everything else, but loading it (docker-modem,
 * ssh2, cpu-features) costs more than a whole `docker buildx ls`; this file loads nothing.
 * Every request is bounded and cancellable; a connection failure becomes DOCKER_UNREACHABLE with
 * the docker CLI's own wording, so the "Docker is not running" screen recognises it.
 */

export interface EngineEndpoint {
  /** The address as the user wrote it (unix:///var/run/docker.sock, tcp://host:2376). */
  address: string;
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
}

export { DEFAULT_DOCKER_HOST } from '../../common/builders/buildx-store';

/**
 * unix://, npipe:// and tcp:// endpoints (TLS for tcp:// from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as
 * the docker CLI does). undefined for what only the docker CLI can reach (ssh://): callers fall back.
 */
export function engineEndpoint(address: string, env: NodeJS.ProcessEnv = process.env): EngineEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined;
  }
  if (url.protocol === 'unix:') return { address, socketPath: url.pathname };
  // npipe:////./pipe/docker_engine: node:http reaches Windows named pipes through socketPath too.
  if (url.protocol === 'npipe:') return { address, socketPath: address.slice('npipe://'.length) };
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const verify = Boolean(env['DOCKER_TLS_VERIFY']);
  const certDir = env['DOCKER_CERT_PATH'] ?? join(env['HOME'] ?? homedir(), '.docker');
  const useTls = url.protocol === 'https:' || verify || Boolean(env['DOCKER_CERT_PATH']);
  const endpoint: EngineEndpoint = {
    address,
    host: url.hostname,
    port: Number(url.port || (useTls ? 2376 : 2375)),
  };
  if (useTls) {
    const read = (name: string) => {
      try {
        return readFileSync(join(certDir, name));
      } catch {
        return undefined;
      }
    };
    const [ca, cert, key] = [read('ca.pem'), read('cert.pem'), read('key.pem')];
    endpoint.tls = {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      rejectUnauthorized: verify,
    };
  }
  return endpoint;
}

/** An HTTP status the engine answered with, and its `message`. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND']);

export class EngineApi {
  constructor(readonly endpoint: EngineEndpoint) {}

  /** A JSON request; resolves the parsed body of a 2xx answer, rejects EngineHttpError otherwise. */
  async json<T>(method: string, path: string, body: unknown, call: CallOptions): Promise<T> {
    const data = await this.raw(method, path, body, call);
    return (data.length === 0 ? undefined : JSON.parse(data.toString('utf8'))) as T;
  }

  /**
   * The body of a 2xx answer as one Buffer (callers parse it once, without a string copy). The bound
   * covers the whole exchange, body included. A GET the CLI already started ({@link requestEarly})
   * is answered from that request when it succeeded; otherwise it is asked again here.
   */
  async raw(method: string, path: string, body: unknown, call: CallOptions): Promise<Buffer> {
    const pending = method === 'GET' && body === undefined ? takeEarly(getKey(this.endpoint.address, path)) : undefined;
    const data = pending ? await awaitEarly(pending, call, this.endpoint.address) : undefined;
    if (data) return data;
    return this.send(method, path, body, call);
  }

  /** See {@link requestEarly}: the request itself, never taken by another early one. */
  static early(endpoint: EngineEndpoint, path: string, onSent: () => void): EarlyRequest {
    return startEarly((signal) => new EngineApi(endpoint).send('GET', path, undefined, earlyCall(signal), onSent));
  }

  private send(
    method: string,
    path: string,
    body: unknown,
    call: CallOptions,
    /** Called once the request has been handed to the OS: see {@link upgrade}. */
    onSent?: () => void,
  ): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = this.request(method, path, body, {});
      if (onSent) req.once('finish', onSent);
      const stop = bound(() => req.destroy(), call, reject, this.endpoint.address);
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          stop();
          const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          if ((res.statusCode ?? 0) >= 300) reject(httpError(res.statusCode ?? 0, data));
          else resolve(data);
        });
        // After a timeout or abort the bound has already rejected with the reason.
        res.on('error', (err) => reject(err));
      });
      req.on('error', (err) => {
        stop();
        reject(this.connectionError(err));
      });
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /**
   * A request the engine answers with `101 Switching Protocols` (`/grpc` with h2c, exec start with
   * tcp): resolves the socket, which then carries the new protocol. The bound covers the handshake;
   * callers bound what they do on the socket themselves.
   */
  upgrade(
    method: string,
    path: string,
    body: unknown,
    proto: string,
    call: CallOptions,
    /** Called once the request has been handed to the OS (the engine acts on it from then on). */
    onSent?: () => void,
  ): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const req = this.request(method, path, body, { Connection: 'Upgrade', Upgrade: proto });
      if (onSent) req.once('finish', onSent);
      const stop = bound(() => req.destroy(), call, reject, this.endpoint.address);
      req.on('upgrade', (_res: IncomingMessage, socket: Duplex, head: Buffer) => {
        stop();
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          stop();
          reject(httpError(res.statusCode ?? 0, Buffer.concat(chunks)));
        });
        res.on('error', (err) => reject(err));
      });
      req.on('error', (err) => {
        stop();
        reject(this.connectionError(err));
      });
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  private request(method: string, path: string, body: unknown, headers: Record<string, string>): ClientRequest {
    const e = this.endpoint;
    const options: RequestOptions = {
      method,
      path,
      headers: {
        Host: 'docker',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(e.socketPath ? { socketPath: e.socketPath } : { host: e.host, port: e.port }),
      agent: false,
      // Without TLS there is no server name to send; leaving it unset makes node:http run its IPv6
      // address regex on the Host header, whose first compile costs a CLI call ~10% (measured).
      ...(e.tls ? {} : { servername: '' }),
    };
    // node:https only loads for a TLS engine.
    return e.tls ? process.getBuiltinModule('node:https').request({ ...options, ...e.tls }) : httpRequest(options);
  }

  /** The docker CLI's wording: the "Docker is not running" screen and buildx users know it. */
  connectionError(err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!UNREACHABLE.has(code)) return err;
    const denied = code === 'EACCES';
    return appError(
      'DOCKER_UNREACHABLE',
      denied
        ? `Permission denied while trying to connect to the Docker daemon at ${this.endpoint.address}.`
        : `Cannot connect to the Docker daemon at ${this.endpoint.address}. Is the docker daemon running?`,
      {
        hint: denied
          ? 'Your user may not access the Docker socket: add it to the "docker" group, then log in again.'
          : 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then retry.',
        details: { endpoint: this.endpoint.address, cause: err.message },
      },
    );
  }
}

/** Bounds a request by call.timeoutMs and call.signal; returns the function that lifts the bound. */
function bound(destroy: () => void, call: CallOptions, reject: (err: Error) => void, address: string): () => void {
  const timer = setTimeout(() => {
    reject(
      appError('TIMEOUT', `Docker did not answer at ${address} within ${call.timeoutMs} ms.`, {
        hint: 'The engine may be overloaded or hung; check `docker info`.',
        details: { endpoint: address, timeoutMs: call.timeoutMs },
      }),
    );
    destroy();
  }, call.timeoutMs);
  const stop = () => {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', onAbort);
  };
  const onAbort = () => {
    stop();
    reject(appError('CANCELLED', 'Cancelled.'));
    destroy();
  };
  if (call.signal?.aborted) queueMicrotask(onAbort);
  else call.signal?.addEventListener('abort', onAbort, { once: true });
  return stop;
}

function httpError(status: number, body: Buffer): EngineHttpError {
  let message = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // plain text answer
  }
  return new EngineHttpError(status, message || `HTTP ${status}`);
}

/**
 * Requests a one-shot CLI starts before it loads the core (electron/composition/early.ts): the engine
 * answers while Node compiles BuildDeck, instead of after. A GET ({@link requestEarly}) or a command's
 * output in a container (exec-stream.ts's execEarly). Each is used at most once, by the first
 * identical request to the same address; one that failed (or was never taken) is simply made again by
 * that caller, so every error and bound is still the caller's own. Only requests without effects
 * (reads) may start early: one nobody takes has still been made.
 */
export interface EarlyRequest {
  answer: Promise<Buffer | undefined>;
  abort: AbortController;
}
const early = new Map<string, EarlyRequest>();
/** The answer is used within a second or two; this only stops a hung engine from holding the process. */
const EARLY_TIMEOUT_MS = 30_000;
const getKey = (address: string, path: string) => `${address} GET ${path}`;

/** The bound of an early request: its own, since no caller has asked yet. */
export const earlyCall = (signal: AbortSignal): CallOptions => ({ timeoutMs: EARLY_TIMEOUT_MS, signal });

/** Starts `run` now; its answer (undefined once it failed) waits for {@link takeEarly}. */
export function startEarly(run: (signal: AbortSignal) => Promise<Buffer>): EarlyRequest {
  const abort = new AbortController();
  return { answer: run(abort.signal).catch(() => undefined), abort };
}

/**
 * Starts an early request under `key` unless one is there already. Resolves once it has left
 * (`start` is handed the callback its request calls then), failed, or was under way already: its
 * socket connects asynchronously, and a caller that went on to load the core at once would hold
 * the request back until the core had loaded (measured: a GET went out ~65 ms after its connect).
 */
export function registerEarly(key: string, start: (sent: () => void) => EarlyRequest): Promise<void> {
  if (early.has(key)) return Promise.resolve();
  return new Promise<void>((sent) => {
    const request = start(sent);
    early.set(key, request);
    void request.answer.finally(sent);
  });
}

/** Starts a GET before the core loads; resolves once it has left (see {@link registerEarly}). */
export function requestEarly(address: string, path: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const endpoint = engineEndpoint(address, env);
  if (!endpoint) return Promise.resolve();
  return registerEarly(getKey(address, path), (sent) => EngineApi.early(endpoint, path, sent));
}

/** The early request under `key`, once: a later identical request is made again. */
export function takeEarly(key: string): EarlyRequest | undefined {
  const pending = early.get(key);
  early.delete(key);
  return pending;
}

/** Waits for an early answer within the caller's own bound; undefined when it failed. */
export function awaitEarly(pending: EarlyRequest, call: CallOptions, address: string): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const stop = bound(() => pending.abort.abort(), call, reject, address);
    void pending.answer.then((value) => {
      stop();
      resolve(value);
    });
  });
}

/** Cancels the early requests nobody took (the core chose another way): they must not hold the process. */
export function abandonEarly(): void {
  for (const { abort } of early.values()) abort.abort();
  early.clear();
}
