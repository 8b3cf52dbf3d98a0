import { appError } from '../../common/errors';
import type { CallOptions } from '../../core/ports';
import { BuildkitConnection, GRPC_UNIMPLEMENTED, GrpcError } from './grpc';
import { readFields, text } from './proto';

/** What `buildx ls` shows of a running node: its workers' platforms and the daemon's version. */
export interface NodeFacts {
  /** Normalised and de-duplicated as buildx does (containerd's platforms.Normalize + Format). */
  platforms: string[];
  buildkitVersion?: string;
}

interface Platform {
  os: string;
  architecture: string;
  variant: string;
}

/** ListWorkersResponse {repeated WorkerRecord record = 1}; WorkerRecord {platforms = 3, BuildkitVersion = 5}. */
export function decodeWorkers(buf: Uint8Array): { platforms: Platform[]; version?: string }[] {
  const workers: { platforms: Platform[]; version?: string }[] = [];
  readFields(buf, 0, buf.length, (record) => {
    if (record.no !== 1 || record.wire !== 2) return;
    const w: { platforms: Platform[]; version?: string } = { platforms: [] };
    readFields(buf, record.from, record.to, (f) => {
      if (f.no === 3 && f.wire === 2) {
        const p: Platform = { os: '', architecture: '', variant: '' };
        readFields(buf, f.from, f.to, (pf) => {
          if (pf.wire !== 2) return;
          if (pf.no === 1) p.architecture = text(buf, pf);
          else if (pf.no === 2) p.os = text(buf, pf);
          else if (pf.no === 3) p.variant = text(buf, pf);
        });
        w.platforms.push(p);
      } else if (f.no === 5 && f.wire === 2) {
        const version = decodeVersion(buf, f.from, f.to);
        if (version) w.version = version;
      }
    });
    workers.push(w);
  });
  return workers;
}

/** BuildkitVersion {package = 1, version = 2, revision = 3}: the version string. */
function decodeVersion(buf: Uint8Array, from: number, to: number): string | undefined {
  let version: string | undefined;
  readFields(buf, from, to, (f) => {
    if (f.no === 2 && f.wire === 2) version = text(buf, f);
  });
  return version;
}

/** InfoResponse {BuildkitVersion buildkitVersion = 1}. */
export function decodeInfo(buf: Uint8Array): string | undefined {
  let version: string | undefined;
  readFields(buf, 0, buf.length, (f) => {
    if (f.no === 1 && f.wire === 2) version = decodeVersion(buf, f.from, f.to);
  });
  return version;
}

/** containerd's platforms.Normalize for what BuildKit reports (arch aliases, default variants). */
export function normalizePlatform(p: Platform): string {
  const os = p.os.toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = p.variant.toLowerCase();
  switch (arch) {
    case 'i386':
      arch = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = '';
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
  }
  return [os, arch, variant].filter(Boolean).join('/');
}

const LIST_WORKERS = '/moby.buildkit.v1.Control/ListWorkers';
const INFO = '/moby.buildkit.v1.Control/Info';

/**
 * The live facts of one node over an open connection, as buildx's loadData reads them: ListWorkers
 * (platforms, deduplicated after the pinned ones) then Info (version; older daemons without Info
 * report it per worker).
 */
export async function nodeFacts(conn: BuildkitConnection, pinned: string[], call: CallOptions): Promise<NodeFacts> {
  const [workersMsg, infoMsg] = await Promise.all([
    conn.unary(LIST_WORKERS, new Uint8Array(0), call),
    conn.unary(INFO, new Uint8Array(0), call).catch((err: unknown) => {
      if (err instanceof GrpcError && err.grpcCode === GRPC_UNIMPLEMENTED) return undefined;
      throw err;
    }),
  ]);
  const workers = decodeWorkers(workersMsg);
  const seen = new Set<string>();
  const platforms: string[] = [];
  for (const p of [...pinned, ...workers.flatMap((w) => w.platforms.map(normalizePlatform))]) {
    if (seen.has(p)) continue;
    seen.add(p);
    platforms.push(p);
  }
  const version = (infoMsg ? decodeInfo(infoMsg) : undefined) ?? workers.find((w) => w.version)?.version;
  if (workers.length === 0) throw appError('INTERNAL', 'BuildKit reported no workers.');
  return { platforms, ...(version ? { buildkitVersion: version } : {}) };
}
