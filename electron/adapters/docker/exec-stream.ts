import { Duplex } from 'node:stream';
import type { CallOptions } from '../../core/ports';
import type { EngineApi } from './engine-api';

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
): Promise<ExecStream> {
  const created = await api.json<{ Id: string }>(
    'POST',
    `/containers/${encodeURIComponent(container)}/exec`,
    { AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: cmd },
    call,
  );
  const socket = await api.upgrade(
    'POST',
    `/exec/${encodeURIComponent(created.Id)}/start`,
    { Detach: false, Tty: false },
    'tcp',
    call,
  );
  return new ExecStream(socket);
}
