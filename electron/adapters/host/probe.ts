import { connect } from 'node:net';
import type { NetworkProbePort, ProbeResult } from '../../core/builders/ports';

/** One TCP connect, bounded: tells "nothing listens" (refused, at once) from "no answer" (timeout). */
export class TcpProbe implements NetworkProbePort {
  tcp(host: string, port: number, timeoutMs: number): Promise<{ result: ProbeResult; detail?: string }> {
    return new Promise((resolve) => {
      const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port });
      let done = false;
      const finish = (result: ProbeResult, detail?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(detail === undefined ? { result } : { result, detail });
      };
      const timer = setTimeout(() => finish('timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
      socket.once('connect', () => finish('open'));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED') finish('refused', 'connection refused');
        else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') finish('unresolved', `host ${host} not found`);
        else finish('error', err.code ?? err.message);
      });
    });
  }
}
