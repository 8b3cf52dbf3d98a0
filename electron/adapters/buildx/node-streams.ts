/**
 * How BuildDeck opens a byte stream to one node's buildkitd without buildx: the docker driver
 * through its engine's `/grpc` (h2c upgrade), docker-container nodes by `buildctl dial-stdio` in
 * their container, remote nodes over tcp:// (TLS with cacert/cert/key), unix:// or
 * docker-container://. Owns the Engine API clients per engine address. undefined wherever only
 * buildx can reach a node (kubernetes, ssh:// engines, TLS contexts).
 */
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { buildkitContainerOf } from '../../common/builders/buildx-store';
import { appError } from '../../common/errors';
import type { CallOptions, KnownBuilder } from '../../core/ports';
import type { DockerContext } from '../docker/contexts';
import { EngineApi, engineEndpoint } from '../docker/engine-api';
import { execInContainer } from '../docker/exec-stream';

export class NodeStreams {
  private readonly engines = new Map<string, EngineApi>();

  constructor(
    /** The environment buildx would run with (settings may change it). */
    private readonly env: () => NodeJS.ProcessEnv,
  ) {}

  /** How to open a byte stream to one node's buildkitd; undefined when only buildx can. */
  connector(
    driver: string,
    node: KnownBuilder['nodes'][number],
    contexts: DockerContext[],
  ): ((call: CallOptions) => Promise<Duplex>) | undefined {
    if (driver === 'remote') return this.remoteConnector(node.endpoint, node.driverOpts, contexts);
    if (driver !== 'docker' && driver !== 'docker-container') return undefined;
    const engine = this.engineFor(node.endpoint, contexts);
    if (!engine) return undefined;
    if (driver === 'docker') return (call) => engine.upgrade('POST', '/grpc', undefined, 'h2c', call);
    const container = buildkitContainerOf(node.name);
    return (call) => execInContainer(engine, container, ['buildctl', 'dial-stdio'], call);
  }

  /** A remote endpoint as a stream factory: tcp:// (TLS with cacert/cert/key), unix://, docker-container://. */
  private remoteConnector(
    endpoint: string,
    opts: Record<string, string>,
    contexts: DockerContext[],
  ): ((call: CallOptions) => Promise<Duplex>) | undefined {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return undefined;
    }
    if (url.protocol === 'docker-container:') {
      const engine = this.engineFor('default', contexts);
      const container = decodeURIComponent(url.host + url.pathname).replace(/\/$/, '');
      if (!engine || !container) return undefined;
      return (call) => execInContainer(engine, container, ['buildctl', 'dial-stdio'], call);
    }
    if (url.protocol === 'unix:') return (call) => socketReady(netConnect({ path: url.pathname }), call, 'connect');
    if (url.protocol !== 'tcp:') return undefined;
    const host = url.hostname;
    const port = Number(url.port || 1234);
    const tls = opts['cacert'] || opts['cert'] || opts['key'];
    if (!tls) return (call) => socketReady(netConnect({ host, port }), call, 'connect');
    return async (call) => {
      const read = (p: string | undefined) => (p ? readFile(p) : Promise.resolve(undefined));
      const [ca, cert, key] = await Promise.all([read(opts['cacert']), read(opts['cert']), read(opts['key'])]);
      const socket = process.getBuiltinModule('node:tls').connect({
        host,
        port,
        servername: opts['servername'] || host,
        ALPNProtocols: ['h2'],
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
      });
      return socketReady(socket, call, 'secureConnect');
    };
  }

  /** The Engine API of a node endpoint: a context name or a docker host; undefined for ssh://, TLS contexts. */
  engineFor(endpoint: string, contexts: DockerContext[]): EngineApi | undefined {
    const context = contexts.find((c) => c.name === endpoint);
    if (context?.tls) return undefined;
    const address = context ? context.host : endpoint;
    if (!address) return undefined;
    let engine = this.engines.get(address);
    if (!engine) {
      const spec = engineEndpoint(address, context ? {} : this.env());
      if (!spec) return undefined;
      engine = new EngineApi(spec);
      this.engines.set(address, engine);
    }
    return engine;
  }
}

function socketReady(socket: Socket, call: CallOptions, event: 'connect' | 'secureConnect'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      socket.destroy();
      reject(appError('CANCELLED', 'Cancelled.'));
    };
    call.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(event, () => {
      call.signal?.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (err) => {
      call.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}
