import type Docker from 'dockerode';
import { z } from 'zod';
import type { EngineInfo } from '../../common/domain';
import { AppException, appError } from '../../common/errors';
import type { CallOptions, ContainerEvent, EnginePort } from '../../core/ports';
import { EngineApi, engineEndpoint } from './engine-api';

export interface EngineOptions {
  /** unix:///path, npipe:////./pipe/x, tcp://host:port; undefined: dockerode reads DOCKER_HOST etc. */
  host?: string;
}

/** dockerode options for an endpoint; TLS for tcp:// comes from DOCKER_CERT_PATH as the docker CLI does. */
export function dockerOptions(host: string | undefined): Docker.DockerOptions | undefined {
  if (!host) return undefined;
  const url = new URL(host);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'npipe:':
      return { socketPath: host.slice('npipe://'.length) };
    case 'tcp:':
    case 'http:':
    case 'https:':
      return {
        host: url.hostname,
        port: url.port || (url.protocol === 'https:' ? 2376 : 2375),
        protocol: url.protocol === 'https:' ? 'https' : 'http',
      };
    default:
      throw appError('INVALID_INPUT', `Unsupported Docker endpoint "${host}".`, {
        hint: 'Use unix:///var/run/docker.sock, tcp://HOST:PORT or npipe:////./pipe/docker_engine.',
        details: { field: 'dockerHost' },
      });
  }
}

/** The part of `GET /info` we read; everything else may change between engine versions. */
const rawEngineInfo = z
  .object({
    OperatingSystem: z.string().default(''),
    Driver: z.string().default(''),
    NCPU: z.number().default(0),
    MemTotal: z.number().default(0),
    DriverStatus: z.array(z.tuple([z.string(), z.string()])).nullish(),
  })
  .loose();

/**
 * Reconnecting the event stream: a refused local socket costs nothing, and the retry interval is how
 * late the app notices an engine that came back (measured by test/faults/engine-dies.test.ts).
 */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 2000;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Maps a dockerode failure to our codes: "cannot reach the engine" vs everything else. */
export function mapEngineError(err: unknown, endpoint: string): AppException {
  if (err instanceof AppException) return err;
  const e = err as NodeJS.ErrnoException & { statusCode?: number };
  if (e.code && UNREACHABLE_CODES.has(e.code)) {
    const denied = e.code === 'EACCES';
    return appError('DOCKER_UNREACHABLE', `Docker is not reachable at ${endpoint} (${e.code}).`, {
      hint: denied
        ? 'Your user may not access the Docker socket: add it to the "docker" group, then log in again.'
        : 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then retry.',
      details: { endpoint, cause: e.message },
    });
  }
  if (/timeout/i.test(e.message ?? '')) {
    return appError('TIMEOUT', `Docker did not answer at ${endpoint} in time.`, {
      hint: 'The engine may be overloaded or hung; check `docker info`.',
      details: { endpoint, cause: e.message },
    });
  }
  return appError('INTERNAL', `Docker Engine error: ${e.message ?? String(err)}`, {
    details: { endpoint, statusCode: e.statusCode ?? null },
  });
}

let dockerode: Promise<typeof Docker> | undefined;
const loadDockerode = () => (dockerode ??= import('dockerode').then((m) => m.default));

export class DockerEngine implements EnginePort {
  endpoint = '';
  private options: Docker.DockerOptions | undefined;
  private apiClient: EngineApi | undefined;

  constructor(options: EngineOptions = {}) {
    this.reconfigure(options);
  }

  /** Settings changed: later calls go to the new endpoint (a running event stream reconnects to it). */
  reconfigure(options: EngineOptions): void {
    this.options = dockerOptions(options.host);
    this.endpoint = options.host ?? process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
    this.apiClient = undefined;
  }

  /** The same engine over node:http, without dockerode: the paths that must start fast (cache usage). */
  api(): EngineApi {
    if (!this.apiClient) {
      const spec = engineEndpoint(this.endpoint);
      if (!spec) {
        throw appError('INVALID_INPUT', `Unsupported Docker endpoint "${this.endpoint}".`, {
          hint: 'Use unix:///var/run/docker.sock, tcp://HOST:PORT or npipe:////./pipe/docker_engine.',
          details: { field: 'dockerHost' },
        });
      }
      this.apiClient = new EngineApi(spec);
    }
    return this.apiClient;
  }

  /**
   * A client bounded by `timeoutMs` per request (dockerode's own timeout aborts the socket).
   * dockerode (with ssh2 and docker-modem) is loaded on first use only: it costs more start-up time
   * than the whole CLI may take, and the list and cache paths never need it (see engine-api.ts).
   */
  async client(timeoutMs?: number): Promise<Docker> {
    const DockerClass = await loadDockerode();
    return new DockerClass({ ...(this.options ?? {}), ...(timeoutMs ? { timeout: timeoutMs } : {}) });
  }

  async info(call: CallOptions): Promise<EngineInfo> {
    try {
      const docker = await this.client(call.timeoutMs);
      const [version, rawInfo] = await Promise.all([docker.version(), docker.info() as Promise<unknown>]);
      const info = rawEngineInfo.parse(rawInfo);
      return {
        reachable: true,
        endpoint: this.endpoint,
        engineVersion: version.Version,
        apiVersion: version.ApiVersion,
        os: version.Os,
        arch: version.Arch,
        kernelVersion: version.KernelVersion,
        operatingSystem: info.OperatingSystem,
        storageDriver: info.Driver,
        cpus: info.NCPU,
        memoryBytes: info.MemTotal,
        // The containerd image store reports its snapshotter here; it enables multi-platform on `docker`.
        containerdSnapshotter: (info.DriverStatus ?? []).some(
          ([k, v]) => k === 'driver-type' && v.includes('containerd.snapshotter'),
        ),
      };
    } catch (err) {
      throw mapEngineError(err, this.endpoint);
    }
  }

  watchContainers(onEvent: (event: ContainerEvent) => void, onConnection?: (connected: boolean) => void): () => void {
    let stopped = false;
    let stream: NodeJS.ReadableStream | undefined;
    let retry: NodeJS.Timeout | undefined;
    let backoff = RETRY_MIN_MS;
    // The first state is only remembered: callers read the engine themselves when they start
    // watching; what they cannot see without us is a change after that (the engine dies or returns).
    let connected: boolean | undefined;
    const report = (now: boolean) => {
      if (stopped || connected === now) return;
      const first = connected === undefined;
      connected = now;
      if (!first) onConnection?.(now);
    };
    const connect = () => {
      if (stopped) return;
      this.client()
        .then((docker) => docker.getEvents({ filters: { type: ['container'] } }))
        .then((s) => {
          if (stopped) {
            (s as unknown as { destroy?: () => void }).destroy?.();
            return;
          }
          stream = s;
          backoff = RETRY_MIN_MS;
          report(true);
          let buf = '';
          s.on('data', (chunk: Buffer) => {
            buf += chunk.toString('utf8');
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              try {
                const ev = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
                const name = ev.Actor?.Attributes?.['name'];
                if (name && ev.Action) onEvent({ name, action: ev.Action });
              } catch {
                // a partial or foreign line: ignore, the poll covers us
              }
            }
          });
          // The stream ends when the engine goes away (killed, restarted, socket closed).
          const lost = () => {
            if (stream !== s) return;
            stream = undefined;
            report(false);
            schedule();
          };
          s.on('end', lost);
          s.on('close', lost);
          s.on('error', lost);
        })
        .catch(() => {
          report(false);
          schedule();
        });
    };
    const schedule = () => {
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        connect();
      }, backoff);
      retry.unref();
      backoff = Math.min(backoff * 2, RETRY_MAX_MS);
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    };
  }
}
