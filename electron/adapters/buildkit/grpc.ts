import type { ClientHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import { appError } from '../../common/errors';
import type { CallOptions } from '../../core/ports';

/**
 * Unary gRPC calls to a BuildKit daemon over any byte stream: the Engine API's hijacked `/grpc`
 * socket (docker driver), `buildctl dial-stdio` in a container (docker-container), or a TCP/TLS/unix
 * connection (remote). gRPC is HTTP/2 with 5-byte message frames and the status in trailers; node:http2
 * speaks the HTTP/2 part over the stream we hand it.
 */

/** HTTP/2 RST_STREAM code for a request we gave up on. */
const NGHTTP2_CANCEL = 8;

/** gRPC status codes we act on. */
export const GRPC_UNIMPLEMENTED = 12;

export class GrpcError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs a call with `call`'s bound and signal: TIMEOUT (with `late` as its message) past the bound.
 * The timer is ref'd on purpose: connections are unref'd, so it is what keeps a CLI process alive
 * until the answer comes (with nothing ref'd, Node exits 0 mid-await and prints nothing).
 */
export async function withinBound<T>(
  call: CallOptions,
  late: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), call.timeoutMs);
  try {
    return await run(call.signal ? AbortSignal.any([call.signal, bound.signal]) : bound.signal);
  } catch (err) {
    if (bound.signal.aborted) throw appError('TIMEOUT', late);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export class BuildkitConnection {
  private readonly session: ClientHttp2Session;
  private failure: Error | undefined;

  constructor(stream: Duplex, authority = 'localhost') {
    // Loaded on first use: a command that dials nothing (cache du, --version) never pays for node:http2.
    const { connect } = process.getBuiltinModule('node:http2');
    this.session = connect(`http://${authority}`, { createConnection: () => stream });
    this.session.on('error', (err: Error) => {
      this.failure = err;
    });
    // The other side going away must not keep a CLI process alive.
    this.session.unref();
  }

  /** One unary call (e.g. /moby.buildkit.v1.Control/ListWorkers); resolves the response message bytes. */
  async unary(path: string, message: Uint8Array, call: CallOptions): Promise<Buffer> {
    let answer: Buffer | undefined;
    await withinBound(call, `BuildKit did not answer ${path} within ${call.timeoutMs} ms.`, (signal) =>
      this.serverStream(path, message, { signal, onMessage: (body) => (answer ??= body) }),
    );
    if (!answer) throw new Error(`${path}: no gRPC message in the answer`);
    return answer;
  }

  /**
   * A server-streaming call (e.g. ListenBuildHistory): each message's bytes go to `onMessage` as
   * they arrive. Resolves when the server ends the stream with OK; rejects with a GrpcError, the
   * connection's failure, or CANCELLED once `signal` aborts. No timeout: it lives until stopped.
   */
  serverStream(
    path: string,
    message: Uint8Array,
    opts: { signal: AbortSignal; onMessage(body: Buffer): void },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      const req = this.session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const onAbort = () => {
        req.close(NGHTTP2_CANCEL);
        reject(appError('CANCELLED', 'Cancelled.'));
      };
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      let status: number | undefined;
      let statusMessage = '';
      const takeStatus = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
        if (typeof headers['grpc-message'] === 'string') statusMessage = decodeURIComponent(headers['grpc-message']);
      };
      req.on('response', (headers) => takeStatus(headers));
      req.on('trailers', (headers: Record<string, unknown>) => takeStatus(headers));
      // Frames (1 flag byte, 4 length bytes, the message) may span or share data chunks.
      let pending: Buffer = Buffer.alloc(0);
      req.on('data', (c: Buffer) => {
        pending = pending.length === 0 ? c : Buffer.concat([pending, c]);
        while (pending.length >= 5) {
          const len = pending.readUInt32BE(1);
          if (pending.length < 5 + len) break;
          const body = pending.subarray(5, 5 + len);
          pending = pending.subarray(5 + len);
          try {
            opts.onMessage(body);
          } catch {
            // A message we cannot read is skipped; the stream goes on.
          }
        }
      });
      req.on('end', () => {
        opts.signal.removeEventListener('abort', onAbort);
        if (status !== undefined && status !== 0)
          reject(new GrpcError(status, statusMessage || `gRPC status ${status}`));
        else resolve();
      });
      req.on('error', (err: Error) => {
        opts.signal.removeEventListener('abort', onAbort);
        reject(this.failure ?? err);
      });
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame[0] = 0;
      frame.writeUInt32BE(message.length, 1);
      frame.set(message, 5);
      req.end(frame);
    });
  }

  /** The stream under it ended (the daemon or its exec went away): a pooled connection is dialled again. */
  get closed(): boolean {
    return this.failure !== undefined || this.session.closed || this.session.destroyed;
  }

  close(): void {
    this.session.destroy();
  }
}
