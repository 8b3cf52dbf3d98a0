import { Duplex } from 'node:stream';
import { appError } from '../../common/errors';
import type { CallOptions } from '../../core/ports';
import {
  awaitEarly,
  earlyCall,
  EngineApi,
  registerEarly,
  startEarly,
  takeEarly,
  type EngineEndpoint,
} from './engine-api';

/**
 * A process in a container as a byte stream: `docker exec -i` through the Engine API, stdin raw,
 * stdout demultiplexed from the engine's 8-byte frame headers ([stream, 0, 0, 0, size uint32 BE]).
 * This is how buildx reaches a docker-container node (`buildctl dial-stdio`); stderr is kept (the
 * last 4 KB) for the error a failed command explains itself with.
 */
export class ExecStream extends Duplex {
  stderr = '';
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => this.demux(chunk));
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
  }

  private demux(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const payload = buf.subarray(8, 8 + size);
      if (buf[0] === 2) this.stderr = (this.stderr + payload.toString('utf8')).slice(-4096);
      else if (!this.push(payload)) this.socket.pause();
      buf = buf.subarray(8 + size);
    }
    this.pending = buf;
  }

  /** Lets the process exit while this stream is open but idle (a pooled connection). */
  unref(): this {
    (this.socket as Partial<{ unref(): void }>).unref?.();
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}

/** Starts `cmd` in a running container with stdin attached; resolves its stream once the engine switched protocols. */
export async function execInContainer(
  api: EngineApi,
  container: string,
  cmd: string[],
  call: CallOptions,
  /**
   * Called once the start request has left (handed to the OS, not merely queued on a socket still
   * connecting): the engine runs the command from then on, whatever blocks this thread next.
   */
  onStarting?: () => void,
): Promise<ExecStream> {
  const created = await api.json<{ Id: string }>(
    'POST',
    `/containers/${encodeURIComponent(container)}/exec`,
    { AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: cmd },
    call,
  );
  const upgrade = api.upgrade(
    'POST',
    `/exec/${encodeURIComponent(created.Id)}/start`,
    { Detach: false, Tty: false },
    'tcp',
    call,
    onStarting,
  );
  return new ExecStream(await upgrade);
}

/**
 * stdout of `cmd` run in a running container, stdin closed, as one Buffer (empty when it printed
 * nothing: it failed, and its stderr is not ours to parse). The bound covers the whole run.
 */
export async function execOutput(
  api: EngineApi,
  container: string,
  cmd: string[],
  call: CallOptions,
  cancelled = 'Cancelled.',
  onStarting?: () => void,
): Promise<Buffer> {
  const stream = await execInContainer(api, container, cmd, call, onStarting);
  stream.end(); // nothing to send: stdin closed
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(
        appError('TIMEOUT', `${cmd[0] ?? 'A command'} in ${container} did not answer within ${call.timeoutMs} ms.`),
      );
    }, call.timeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      stream.destroy();
      reject(appError('CANCELLED', cancelled));
    };
    if (call.signal?.aborted) return onAbort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    stream.on('error', (err) => {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

const execKey = (address: string, container: string, cmd: readonly string[]) =>
  `${address} exec ${container} ${JSON.stringify(cmd)}`;

/**
 * Starts a READ-ONLY command's {@link execOutput} before the core loads (electron/composition/early.ts):
 * the container works while Node compiles BuildDeck. The core's identical call takes the output
 * once ({@link takeEarlyExec}); an empty or failed one is run again by the caller. Resolves once the
 * engine has been asked to start the command (or the exec failed before): the exec is two requests,
 * and the second can only be sent when the main thread is free to read the first one's answer,
 * which it is not while it compiles and evaluates the core (measured: the start went out ~150 ms
 * late, after the core had loaded).
 */
export function execEarly(endpoint: EngineEndpoint, container: string, cmd: string[]): Promise<void> {
  return registerEarly(execKey(endpoint.address, container, cmd), (starting) =>
    startEarly((signal) =>
      execOutput(new EngineApi(endpoint), container, cmd, earlyCall(signal), 'Cancelled.', starting),
    ),
  );
}

/** The output of an early identical exec, within `call`'s bound; undefined when there is none or it failed. */
export async function takeEarlyExec(
  address: string,
  container: string,
  cmd: readonly string[],
  call: CallOptions,
): Promise<Buffer | undefined> {
  const pending = takeEarly(execKey(address, container, cmd));
  const out = pending ? await awaitEarly(pending, call, address) : undefined;
  return out && out.length > 0 ? out : undefined;
}
