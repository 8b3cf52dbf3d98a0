import type { RecordEvent, RecordEventsPort } from '../../core/history/ports';
import type { CallOptions } from '../../core/ports';
import { listHistory, listenHistory } from './control';
import { EngineHttpError } from '../docker/engine-api';
import { GRPC_UNIMPLEMENTED, GrpcError, type BuildkitConnection } from './grpc';

/** ListenBuildHistory over a direct connection to the node (the same dial the builders list uses). */
export class BuildkitRecordEvents implements RecordEventsPort {
  constructor(
    private readonly connect: (
      builder: string,
      node: string,
      call: CallOptions,
    ) => Promise<BuildkitConnection | undefined>,
  ) {}

  async listen(
    builder: string,
    node: string,
    opts: { signal: AbortSignal; onEvent(e: RecordEvent): void },
  ): Promise<'ended' | 'unsupported'> {
    const conn = await this.connect(builder, node, { timeoutMs: 10_000, signal: opts.signal });
    if (!conn) return 'unsupported';
    try {
      await listenHistory(conn, opts);
      return 'ended';
    } finally {
      conn.close();
    }
  }

  async records(
    builder: string,
    node: string,
    call: CallOptions & { limit?: number },
  ): Promise<RecordEvent[] | 'unsupported' | 'stopped'> {
    let conn: BuildkitConnection | undefined;
    try {
      conn = await this.connect(builder, node, call);
    } catch (err) {
      // Creating the exec in a docker-container node's container: 409 not running, 404 gone.
      if (err instanceof EngineHttpError && (err.statusCode === 409 || err.statusCode === 404)) return 'stopped';
      throw err;
    }
    if (!conn) return 'unsupported';
    try {
      return await listHistory(conn, call, call.limit);
    } catch (err) {
      if (err instanceof GrpcError && err.grpcCode === GRPC_UNIMPLEMENTED) return 'unsupported';
      throw err;
    } finally {
      conn.close();
    }
  }
}
