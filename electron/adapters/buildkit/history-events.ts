import type { RecordEvent, RecordEventsPort } from '../../core/history/ports';
import type { CallOptions } from '../../core/ports';
import { listHistory, listenHistory } from './control';
import type { BuildkitConnection } from './grpc';

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

  async records(builder: string, node: string, call: CallOptions): Promise<RecordEvent[] | 'unsupported'> {
    const conn = await this.connect(builder, node, call);
    if (!conn) return 'unsupported';
    try {
      return await listHistory(conn, call);
    } finally {
      conn.close();
    }
  }
}
