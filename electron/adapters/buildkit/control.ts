import type { GcRule, NodeWorkers } from '../../common/domain';
import { appError } from '../../common/errors';
import { NAME_ATTRS } from '../../core/history/build-name';
import type { CallOptions } from '../../core/ports';
import type { RecordEvent } from '../../core/history/ports';
import { BuildkitConnection, GRPC_UNIMPLEMENTED, GrpcError, withinBound } from './grpc';
import { ProtoReader, WIRE_BYTES, WIRE_VARINT } from './proto';

/** What `buildx ls` shows of a running node: its workers' platforms and the daemon's version. */
export interface NodeFacts {
  /** Normalised and de-duplicated as buildx does (containerd's platforms.Normalize + Format). */
  platforms: string[];
  buildkitVersion?: string;
  /** ListWorkers' IDs (sorted), the first worker's labels and GC policy (a whole read only). */
  workers?: NodeWorkers;
}

interface Platform {
  os: string;
  architecture: string;
  variant: string;
}

interface WorkerRecord {
  id: string;
  labels: Record<string, string>;
  platforms: Platform[];
  gcPolicy: GcRule[];
  version?: string;
}

/**
 * ListWorkersResponse {repeated WorkerRecord record = 1}; WorkerRecord {ID = 1, Labels = 2 (map),
 * platforms = 3, GCPolicy = 4, BuildkitVersion = 5}.
 */
export function decodeWorkers(buf: Buffer): WorkerRecord[] {
  const workers: WorkerRecord[] = [];
  const r = new ProtoReader(buf);
  while (r.next()) {
    if (r.field !== 1 || r.wire !== WIRE_BYTES) {
      r.skip();
      continue;
    }
    const end = r.bytes();
    const w: WorkerRecord = { id: '', labels: {}, platforms: [], gcPolicy: [] };
    const rec = new ProtoReader(buf, r.pos, end);
    while (rec.next()) {
      if (rec.field === 1 && rec.wire === WIRE_BYTES) w.id = rec.string();
      else if (rec.field === 2 && rec.wire === WIRE_BYTES) {
        const to = rec.bytes();
        const [key, value] = decodeMapEntry(buf, rec.pos, to);
        rec.pos = to;
        w.labels[key] = value;
      } else if (rec.field === 4 && rec.wire === WIRE_BYTES) {
        const to = rec.bytes();
        w.gcPolicy.push(decodeGcRule(buf, rec.pos, to));
        rec.pos = to;
      } else if (rec.field === 3 && rec.wire === WIRE_BYTES) {
        const p: Platform = { os: '', architecture: '', variant: '' };
        const to = rec.bytes();
        const pr = new ProtoReader(buf, rec.pos, to);
        while (pr.next()) {
          if (pr.wire !== WIRE_BYTES) pr.skip();
          else if (pr.field === 1) p.architecture = pr.string();
          else if (pr.field === 2) p.os = pr.string();
          else if (pr.field === 3) p.variant = pr.string();
          else pr.skip();
        }
        rec.pos = pr.end;
        w.platforms.push(p);
      } else if (rec.field === 5 && rec.wire === WIRE_BYTES) {
        const to = rec.bytes();
        const version = decodeVersion(buf, rec.pos, to);
        rec.pos = to;
        if (version) w.version = version;
      } else rec.skip();
    }
    r.pos = end;
    workers.push(w);
  }
  return workers;
}

/** A map<string, string> entry {key = 1, value = 2}. */
function decodeMapEntry(buf: Buffer, from: number, to: number): [string, string] {
  let key = '';
  let value = '';
  const r = new ProtoReader(buf, from, to);
  while (r.next()) {
    if (r.wire !== WIRE_BYTES) r.skip();
    else if (r.field === 1) key = r.string();
    else if (r.field === 2) value = r.string();
    else r.skip();
  }
  return [key, value];
}

/**
 * GCPolicy {all = 1, keepDuration = 2 (ns), reservedSpace = 3 (keepBytes before BuildKit 0.17),
 * filters = 4, maxUsedSpace = 5, minFreeSpace = 6}.
 */
function decodeGcRule(buf: Buffer, from: number, to: number): GcRule {
  const rule: GcRule = {
    all: false,
    filters: [],
    keepDurationNs: 0,
    reservedSpace: 0,
    maxUsedSpace: 0,
    minFreeSpace: 0,
  };
  const r = new ProtoReader(buf, from, to);
  while (r.next()) {
    if (r.field === 4 && r.wire === WIRE_BYTES) rule.filters.push(r.string());
    else if (r.wire !== WIRE_VARINT) r.skip();
    else if (r.field === 1) rule.all = r.varint() !== 0;
    else if (r.field === 2) rule.keepDurationNs = r.varint();
    else if (r.field === 3) rule.reservedSpace = r.varint();
    else if (r.field === 5) rule.maxUsedSpace = r.varint();
    else if (r.field === 6) rule.minFreeSpace = r.varint();
    else r.skip();
  }
  return rule;
}

/** BuildkitVersion {package = 1, version = 2, revision = 3}: the version string. */
function decodeVersion(buf: Buffer, from: number, to: number): string | undefined {
  let version: string | undefined;
  const r = new ProtoReader(buf, from, to);
  while (r.next()) {
    if (r.field === 2 && r.wire === WIRE_BYTES) version = r.string();
    else r.skip();
  }
  return version;
}

/** InfoResponse {BuildkitVersion buildkitVersion = 1}. */
export function decodeInfo(buf: Buffer): string | undefined {
  let version: string | undefined;
  const r = new ProtoReader(buf);
  while (r.next()) {
    if (r.field === 1 && r.wire === WIRE_BYTES) {
      const to = r.bytes();
      version = decodeVersion(buf, r.pos, to);
      r.pos = to;
    } else r.skip();
  }
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
  const first = workers[0] as WorkerRecord;
  return {
    platforms,
    ...(version ? { buildkitVersion: version } : {}),
    // As buildx's loadData: every worker's ID, sorted; the first worker's labels and GC policy.
    workers: { ids: workers.map((w) => w.id).sort(), labels: first.labels, gcPolicy: first.gcPolicy },
  };
}

/** One record of Control/DiskUsage, as BuildKit keeps it (exact sizes, times to the nanosecond). */
export interface UsageRecord {
  id: string;
  mutable: boolean;
  inUse: boolean;
  size: number;
  parents: string[];
  /** Epoch ms; undefined for the zero time. */
  createdAt: number | undefined;
  lastUsedAt: number | undefined;
  usageCount: number;
  description: string;
  recordType: string;
  shared: boolean;
}

/**
 * DiskUsageResponse {repeated UsageRecord record = 1}: UsageRecord {ID = 1, Mutable = 2, InUse = 3,
 * Size = 4, Parent = 5 (deprecated), CreatedAt = 6, LastUsedAt = 7, UsageCount = 8, Description = 9,
 * RecordType = 10, Shared = 11, Parents = 12}. Decoded in place, one object per record.
 */
export function decodeDiskUsage(buf: Buffer): UsageRecord[] {
  const out: UsageRecord[] = [];
  const r = new ProtoReader(buf);
  while (r.next()) {
    if (r.field !== 1 || r.wire !== WIRE_BYTES) {
      r.skip();
      continue;
    }
    const to = r.bytes();
    const rec = new ProtoReader(buf, r.pos, to);
    const u: UsageRecord = {
      id: '',
      mutable: false,
      inUse: false,
      size: 0,
      parents: [],
      createdAt: undefined,
      lastUsedAt: undefined,
      usageCount: 0,
      description: '',
      recordType: '',
      shared: false,
    };
    let parent = '';
    while (rec.next()) {
      const varint = rec.wire === WIRE_VARINT;
      const bytes = rec.wire === WIRE_BYTES;
      switch (rec.field) {
        case 1:
          if (bytes) u.id = rec.string();
          else rec.skip();
          break;
        case 2:
          if (varint) u.mutable = rec.varint() !== 0;
          else rec.skip();
          break;
        case 3:
          if (varint) u.inUse = rec.varint() !== 0;
          else rec.skip();
          break;
        case 4:
          if (varint) u.size = rec.varint();
          else rec.skip();
          break;
        case 5:
          if (bytes) parent = rec.string();
          else rec.skip();
          break;
        case 6:
          if (bytes) u.createdAt = rec.timestampMs();
          else rec.skip();
          break;
        case 7:
          if (bytes) u.lastUsedAt = rec.timestampMs();
          else rec.skip();
          break;
        case 8:
          if (varint) u.usageCount = rec.varint();
          else rec.skip();
          break;
        case 9:
          if (bytes) u.description = rec.string();
          else rec.skip();
          break;
        case 10:
          if (bytes) u.recordType = rec.string();
          else rec.skip();
          break;
        case 11:
          if (varint) u.shared = rec.varint() !== 0;
          else rec.skip();
          break;
        case 12:
          if (bytes) u.parents.push(rec.string());
          else rec.skip();
          break;
        default:
          rec.skip();
      }
    }
    r.pos = rec.end;
    if (u.parents.length === 0 && parent) u.parents.push(parent);
    out.push(u);
  }
  return out;
}

const DISK_USAGE = '/moby.buildkit.v1.Control/DiskUsage';

/** Every cache record of the daemon on the other end of `conn`. */
export async function diskUsage(conn: BuildkitConnection, call: CallOptions): Promise<UsageRecord[]> {
  return decodeDiskUsage(await conn.unary(DISK_USAGE, new Uint8Array(0), call));
}

// ---------------------------------------------------------------------------------------------
// Build history events (Control.ListenBuildHistory, BuildKit >= 0.11).

const LISTEN_HISTORY = '/moby.buildkit.v1.Control/ListenBuildHistory';

/** One BuildHistoryEvent, reduced to what the records list needs before `history ls` catches up. */
export type HistoryEvent = RecordEvent;

/** BuildHistoryEvent {type = 1 (STARTED 0, COMPLETE 1, DELETED 2), record = 2}. */
export function decodeHistoryEvent(buf: Buffer): HistoryEvent | undefined {
  const r = new ProtoReader(buf);
  let type = 0;
  let ev: HistoryEvent | undefined;
  while (r.next()) {
    if (r.field === 1 && r.wire === WIRE_VARINT) type = r.varint();
    else if (r.field === 2 && r.wire === WIRE_BYTES) {
      const end = r.bytes();
      ev = decodeHistoryRecord(buf, r.pos, end);
      r.pos = end;
    } else r.skip();
  }
  if (!ev?.id) return undefined;
  ev.type = type === 1 ? 'complete' : type === 2 ? 'deleted' : 'started';
  return ev;
}

/** A map<string, string> entry {key = 1, value = 2}; the cursor is at the entry's length. */
function mapEntry(r: ProtoReader): [string, string] {
  const end = r.bytes();
  const e = new ProtoReader(r.buf, r.pos, end);
  let key = '';
  let value = '';
  while (e.next()) {
    if (e.field === 1 && e.wire === WIRE_BYTES) key = e.string();
    else if (e.field === 2 && e.wire === WIRE_BYTES) value = e.string();
    else e.skip();
  }
  r.pos = end;
  return [key, value];
}

/** google.rpc.Status {code = 1, message = 2}. */
function rpcStatus(r: ProtoReader): { code: number; message: string } {
  const end = r.bytes();
  const e = new ProtoReader(r.buf, r.pos, end);
  let code = 0;
  let message = '';
  while (e.next()) {
    if (e.field === 1 && e.wire === WIRE_VARINT) code = e.varint();
    else if (e.field === 2 && e.wire === WIRE_BYTES) message = e.string();
    else e.skip();
  }
  r.pos = end;
  return { code, message };
}

/** google.rpc.Code CANCELLED: the client cancelled the build. */
const RPC_CANCELLED = 1;

const NAMING = new Set<string>(NAME_ATTRS);

/**
 * BuildHistoryRecord {Ref 1, FrontendAttrs 3, error 5, CreatedAt 6, CompletedAt 7,
 * ExporterResponse 9, Results 11 (keyed by platform), numCachedSteps 15, numTotalSteps 16,
 * numCompletedSteps 17}.
 */
function decodeHistoryRecord(buf: Buffer, from: number, to: number): HistoryEvent {
  const ev: HistoryEvent = {
    type: 'started',
    id: '',
    counts: { total: 0, completed: 0, cached: 0 },
    failed: false,
    platforms: [],
    imageNames: [],
    nameAttrs: {},
  };
  let asked: string[] = [];
  const built: string[] = [];
  const r = new ProtoReader(buf, from, to);
  while (r.next()) {
    if (r.field === 1 && r.wire === WIRE_BYTES) ev.id = r.string();
    else if (r.field === 3 && r.wire === WIRE_BYTES) {
      const [k, v] = mapEntry(r);
      if (k === 'platform' && v)
        asked = v
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
      else if (NAMING.has(k)) ev.nameAttrs[k] = v;
    } else if (r.field === 5 && r.wire === WIRE_BYTES) {
      ev.failed = true;
      const status = rpcStatus(r);
      if (status.code === RPC_CANCELLED) ev.cancelled = true;
      if (status.message) ev.error = status.message;
    } else if (r.field === 6 && r.wire === WIRE_BYTES) ev.createdAt = r.timestampMs();
    else if (r.field === 7 && r.wire === WIRE_BYTES) ev.completedAt = r.timestampMs();
    else if (r.field === 9 && r.wire === WIRE_BYTES) {
      const [k, v] = mapEntry(r);
      if (k === 'containerimage.digest' && v) ev.digest = v;
      else if (k === 'image.name' && v) ev.imageNames = v.split(',').filter(Boolean);
    } else if (r.field === 11 && r.wire === WIRE_BYTES) {
      const end = r.bytes();
      const e = new ProtoReader(buf, r.pos, end);
      while (e.next()) {
        if (e.field === 1 && e.wire === WIRE_BYTES) built.push(e.string());
        else e.skip();
      }
      r.pos = end;
    } else if (r.field === 15 && r.wire === WIRE_VARINT) ev.counts.cached = r.varint();
    else if (r.field === 16 && r.wire === WIRE_VARINT) ev.counts.total = r.varint();
    else if (r.field === 17 && r.wire === WIRE_VARINT) ev.counts.completed = r.varint();
    else r.skip();
  }
  ev.platforms = asked.length > 0 ? asked : built.filter((p) => p.includes('/'));
  return ev;
}

/**
 * Every record the daemon keeps, in one call (BuildHistoryRequest{EarlyExit: true}): what `history
 * ls` lists plus platforms, digest, image names and error, without a process per record.
 */
export async function listHistory(
  conn: BuildkitConnection,
  call: CallOptions,
  limit?: number,
): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  // BuildHistoryRequest{EarlyExit = 3: true, Limit = 5} (a varint below 128 is one byte).
  const request = limit !== undefined && limit > 0 && limit < 128 ? [0x18, 0x01, 0x28, limit] : [0x18, 0x01];
  await withinBound(call, `BuildKit did not list its build records within ${call.timeoutMs} ms.`, (signal) =>
    conn.serverStream(LISTEN_HISTORY, Uint8Array.from(request), {
      signal,
      onMessage: (body) => {
        const e = decodeHistoryEvent(body);
        if (e) out.push(e);
      },
    }),
  );
  return out;
}

/**
 * Streams the daemon's build history events from now on: first a STARTED event per build running
 * now, then every start, completion and deletion as it happens (BuildHistoryRequest{ActiveOnly:
 * true}: no replay of finished records). Ends only when the daemon or `signal` ends it.
 */
export function listenHistory(
  conn: BuildkitConnection,
  opts: { signal: AbortSignal; onEvent(e: HistoryEvent): void },
): Promise<void> {
  return conn.serverStream(LISTEN_HISTORY, Uint8Array.of(0x08, 0x01), {
    signal: opts.signal,
    onMessage: (body) => {
      const e = decodeHistoryEvent(body);
      if (e) opts.onEvent(e);
    },
  });
}

/**
 * Whether a node answers, and its version, without ListWorkers (which re-probes every emulator):
 * Info alone. A daemon too old for Info is read in full.
 */
export async function nodeVersion(conn: BuildkitConnection, pinned: string[], call: CallOptions): Promise<NodeFacts> {
  try {
    const version = decodeInfo(await conn.unary(INFO, new Uint8Array(0), call));
    return { platforms: pinned, ...(version ? { buildkitVersion: version } : {}) };
  } catch (err) {
    if (err instanceof GrpcError && err.grpcCode === GRPC_UNIMPLEMENTED) return nodeFacts(conn, pinned, call);
    throw err;
  }
}
