import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import type { BuildEvent } from '../../common/contracts/builds';
import { appError } from '../../common/errors';
import type { DockerbuildReaderPort, DockerbuildRecord, KeyValue, RecordFacts } from '../../core/history/ports';
import { grpcCodeName, provenanceFacts } from '../buildx/history-parse';
import {
  decodeErrSource,
  decodeErrVertex,
  decodeRpcStatus,
  decodeStatusResponse,
  type PbStatusResponse,
  type PbTimestamp,
} from './status-proto';

/** Bigger files are refused before reading (a CI record with long logs is a few MB). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;
const MEDIA = {
  record: 'application/vnd.buildkit.historyrecord.v0',
  status: 'application/vnd.buildkit.status.v0',
  rpcStatus: 'application/vnd.googeapis.google.rpc.status+proto',
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
};

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
}

function bad(path: string, what: string, hint?: string) {
  return appError('INVALID_INPUT', `${path} is not a readable .dockerbuild file: ${what}.`, {
    hint:
      hint ??
      'Export the record again (`docker buildx history export REF -o file.dockerbuild`, or History → Export) and open the new file.',
    details: { field: 'path', path },
  });
}

/**
 * Reads a `.dockerbuild` file as `docker buildx history export` writes it (docker/buildx
 * util/desktop/bundle/export.go): a gzipped OCI layout tar whose index points at one manifest per
 * record (or an index of them). A manifest's config is BuildKit's history record as JSON
 * (`application/vnd.buildkit.historyrecord.v0`); its layers hold the progress stream
 * (`application/vnd.buildkit.status.v0`: StatusResponse protobuf messages, each preceded by its
 * length as a little-endian uint32, see moby/buildkit solver/llbsolver/history), the provenance
 * attestation, the error with its source (google.rpc.Status protobuf) and an OpenTelemetry trace.
 * Plain Node: no Docker, no builder, no import.
 */
export class DockerbuildReader implements DockerbuildReaderPort {
  async read(path: string): Promise<DockerbuildRecord[]> {
    const info = await stat(path).catch((e: unknown) => {
      const err = e as NodeJS.ErrnoException;
      throw appError(
        'INVALID_INPUT',
        `${path} cannot be read: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`,
        {
          hint: 'Choose an existing .dockerbuild file.',
          details: { field: 'path', path },
        },
      );
    });
    if (!info.isFile()) throw bad(path, 'it is not a file', 'Choose a .dockerbuild file, not a folder.');
    if (info.size > MAX_FILE_BYTES) throw bad(path, `it is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
    if (info.size === 0) throw bad(path, 'the file is empty');
    const raw = await readFile(path);
    return readDockerbuild(raw, path);
  }
}

/** The parsing, on bytes (unit-testable without files). */
export async function readDockerbuild(raw: Buffer, path: string): Promise<DockerbuildRecord[]> {
  let tarBytes = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      tarBytes = gunzipSync(raw);
    } catch (err) {
      const msg = (err as Error).message;
      throw bad(
        path,
        /unexpected end/i.test(msg)
          ? 'it is truncated (the gzip stream ends early)'
          : `its gzip stream is damaged (${msg})`,
      );
    }
  }
  const files = await untar(tarBytes, path);
  const blob = (d: Descriptor | undefined, what: string): Buffer => {
    const m = /^sha256:([a-f0-9]{64})$/.exec(d?.digest ?? '');
    if (!m) throw bad(path, `${what} has no valid digest`);
    const data = files.get(`blobs/sha256/${m[1]}`);
    if (!data) throw bad(path, `${what} (${d?.digest ?? ''}) is missing from the archive`);
    if (d?.size !== undefined && d.size !== data.length) throw bad(path, `${what} is truncated`);
    if (createHash('sha256').update(data).digest('hex') !== m[1])
      throw bad(path, `${what} does not match its digest (damaged)`);
    return data;
  };
  const json = (data: Buffer, what: string): unknown => {
    try {
      return JSON.parse(data.toString('utf8')) as unknown;
    } catch {
      throw bad(path, `${what} is not valid JSON`);
    }
  };
  const indexBytes = files.get('index.json');
  if (!indexBytes) {
    throw bad(
      path,
      files.size === 0 ? 'it is not a tar archive' : 'it has no index.json (not an OCI layout)',
      files.size === 0
        ? undefined
        : 'This looks like another kind of archive; a .dockerbuild comes from `buildx history export`.',
    );
  }
  const manifests: Descriptor[] = [];
  const collect = (index: unknown, what: string, depth: number) => {
    const list = isRecord(index) && Array.isArray(index['manifests']) ? (index['manifests'] as Descriptor[]) : [];
    for (const d of list) {
      if (d.mediaType === MEDIA.index && depth < 2)
        collect(json(blob(d, 'a nested index'), 'a nested index'), what, depth + 1);
      else if (d.mediaType === MEDIA.manifest || d.mediaType === undefined) manifests.push(d);
    }
  };
  collect(json(indexBytes, 'index.json'), 'index.json', 0);
  const records: DockerbuildRecord[] = [];
  for (const d of manifests) {
    const manifest = json(blob(d, 'a record manifest'), 'a record manifest');
    if (!isRecord(manifest) || !isRecord(manifest['config'])) continue;
    const config = manifest['config'] as Descriptor;
    if (config.mediaType !== MEDIA.record) continue;
    const record = json(blob(config, 'the history record'), 'the history record');
    if (!isRecord(record)) throw bad(path, 'the history record is not an object');
    const layers = (Array.isArray(manifest['layers']) ? manifest['layers'] : []) as Descriptor[];
    records.push(recordFrom(record, layers, (l, what) => blob(l, what), path));
  }
  if (records.length === 0) throw bad(path, 'it holds no BuildKit history record (this OCI layout is something else)');
  return records;
}

function untar(bytes: Buffer, path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    let failure: string | undefined;
    const parser = new Parser({
      strict: false,
      onwarn: (code, message) => {
        // TAR_BAD_ARCHIVE: not a tar at all; TAR_ABORT/truncated entries: the file ends early.
        failure ??= code === 'TAR_BAD_ARCHIVE' ? 'it is not a tar archive' : `its tar archive is damaged (${message})`;
      },
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          if (entry.type === 'File') files.set(entry.path.replace(/^\.\//, ''), Buffer.concat(chunks));
        });
      },
    });
    parser.on('error', (err: Error) => {
      failure ??= `its tar archive is damaged (${err.message})`;
    });
    parser.on('end', () => {
      // Nothing parsed at all: not a damaged archive but something else entirely.
      if (failure && files.size === 0) reject(bad(path, 'it is not a tar archive (nor a gzipped one)'));
      else if (failure && !files.has('index.json')) reject(bad(path, `it is truncated (${failure})`));
      else resolve(files);
    });
    parser.end(bytes);
  });
}

const ms = (t: PbTimestamp | undefined) =>
  // Truncated to the millisecond like Date.parse does for the same timestamp in rawjson text.
  t && (t.seconds || t.nanos) ? (t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined;

function jsonTime(v: unknown): number | undefined {
  if (isRecord(v)) return ms({ seconds: Number(v['seconds'] ?? 0), nanos: Number(v['nanos'] ?? 0) });
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/** The length-prefixed StatusResponse stream, as normalised build events (the builds reducer's input). */
export function statusEvents(data: Buffer, path: string): BuildEvent[] {
  const events: BuildEvent[] = [];
  const decoders = new Map<string, TextDecoder>();
  let off = 0;
  while (off < data.length) {
    if (off + 4 > data.length) throw bad(path, 'its progress stream is truncated');
    const n = data.readUInt32LE(off);
    off += 4;
    if (off + n > data.length) throw bad(path, 'its progress stream is truncated');
    let msg: PbStatusResponse;
    try {
      msg = decodeStatusResponse(data.subarray(off, off + n));
    } catch {
      throw bad(path, 'its progress stream is damaged (a message does not decode)');
    }
    off += n;
    for (const v of msg.vertexes ?? []) {
      if (!v.digest) continue;
      const started = ms(v.started);
      const completed = ms(v.completed);
      events.push({
        type: 'vertex',
        digest: v.digest,
        name: v.name || v.digest,
        ...(v.inputs && v.inputs.length > 0 ? { inputs: v.inputs } : {}),
        ...(started !== undefined ? { started } : {}),
        ...(completed !== undefined ? { completed } : {}),
        ...(v.cached ? { cached: true } : {}),
        ...(v.error ? { error: v.error } : {}),
      });
    }
    for (const s of msg.statuses ?? []) {
      if (!s.vertex || !s.ID) continue;
      const started = ms(s.started);
      const completed = ms(s.completed);
      const at = ms(s.timestamp);
      events.push({
        type: 'status',
        vertex: s.vertex,
        id: s.ID,
        ...(s.name ? { name: s.name } : {}),
        current: s.current ?? 0,
        ...(s.total ? { total: s.total } : {}),
        ...(started !== undefined ? { started } : {}),
        ...(completed !== undefined ? { completed } : {}),
        ...(at !== undefined ? { at } : {}),
      });
    }
    for (const l of msg.logs ?? []) {
      if (!l.vertex || !l.msg) continue;
      const stream = l.stream ?? 1;
      const key = `${stream}:${l.vertex}`;
      let d = decoders.get(key);
      if (!d) decoders.set(key, (d = new TextDecoder('utf-8')));
      const text = d.decode(l.msg, { stream: true });
      const at = ms(l.timestamp);
      if (text) events.push({ type: 'log', vertex: l.vertex, stream, data: text, ...(at !== undefined ? { at } : {}) });
    }
    for (const w of msg.warnings ?? []) {
      const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('utf8') : '');
      events.push({
        type: 'warning',
        ...(w.vertex ? { vertex: w.vertex } : {}),
        ...(w.level !== undefined ? { level: w.level } : {}),
        short: text(w.short).trim(),
        detail: (w.detail ?? []).map(text),
        ...(w.url ? { url: w.url } : {}),
        ...(w.info?.filename ? { file: w.info.filename } : {}),
        ...(w.info?.data ? { source: text(w.info.data) } : {}),
        ranges: (w.ranges ?? [])
          .filter((r) => r.start?.line !== undefined)
          .map((r) => ({ start: r.start?.line ?? 0, end: r.end?.line ?? r.start?.line ?? 0 })),
      });
    }
  }
  return events;
}

/** The error of a failed build with the Dockerfile it points at (google.rpc.Status with errdefs details). */
function errorDetails(data: Buffer): {
  source?: { file: string; text?: string; lines: number[] };
  vertex?: string;
  message?: string;
  code?: number;
} {
  const st = decodeRpcStatus(data);
  const out: ReturnType<typeof errorDetails> = {
    ...(st.message ? { message: st.message } : {}),
    ...(st.code !== undefined ? { code: st.code } : {}),
  };
  for (const d of st.details ?? []) {
    if (!d.value) continue;
    if (d.type_url?.endsWith('errdefs.Source') && !out.source) {
      const s = decodeErrSource(d.value);
      const lines: number[] = [];
      for (const r of s.ranges ?? []) {
        const a = r.start?.line;
        const b = r.end?.line ?? a;
        if (a !== undefined && b !== undefined) for (let n = a; n <= b && lines.length < 200; n++) lines.push(n);
      }
      out.source = {
        file: s.info?.filename ?? 'Dockerfile',
        ...(s.info?.data ? { text: Buffer.from(s.info.data).toString('utf8') } : {}),
        lines,
      };
    } else if (d.type_url?.endsWith('errdefs.Vertex') && !out.vertex) {
      const v = decodeErrVertex(d.value).digest;
      if (v) out.vertex = v;
    }
  }
  return out;
}

function recordFrom(
  r: Record<string, unknown>,
  layers: Descriptor[],
  blob: (d: Descriptor, what: string) => Buffer,
  path: string,
): DockerbuildRecord {
  const attrs: Record<string, string> = {};
  if (isRecord(r['FrontendAttrs']))
    for (const [k, v] of Object.entries(r['FrontendAttrs'])) if (typeof v === 'string') attrs[k] = v;
  const exporterResponse: Record<string, string> = {};
  if (isRecord(r['ExporterResponse']))
    for (const [k, v] of Object.entries(r['ExporterResponse'])) if (typeof v === 'string') exporterResponse[k] = v;
  const local = isRecord(r['localState']) ? r['localState'] : {};
  const str = (o: Record<string, unknown>, k: string) => (typeof o[k] === 'string' && o[k] ? o[k] : undefined);
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof r[k] === 'number') return r[k];
    return 0;
  };

  let events: BuildEvent[] = [];
  let provenance: ReturnType<typeof provenanceFacts> | undefined;
  let external: ReturnType<typeof errorDetails> | undefined;
  const attachments: RecordFacts['attachments'] = [];
  for (const l of layers) {
    if (l.mediaType === MEDIA.status) events = statusEvents(blob(l, 'the progress stream'), path);
    else if (l.mediaType === MEDIA.rpcStatus) {
      try {
        external = errorDetails(blob(l, 'the error record'));
      } catch {
        // The error text is in the record JSON too; only its source is lost.
      }
    } else if (l.annotations?.['in-toto.io/predicate-type']) {
      attachments.push({ digest: l.digest ?? '', type: l.annotations['in-toto.io/predicate-type'] });
      if (/slsa\.dev\/provenance/.test(l.annotations['in-toto.io/predicate-type'])) {
        try {
          provenance = provenanceFacts(JSON.parse(blob(l, 'the provenance').toString('utf8')) as unknown);
        } catch {
          // Optional: dependencies and secret ids are then unknown.
        }
      }
    } else if (l.annotations?.['vnd.export-build.descriptor.mediatype']) {
      attachments.push({ digest: l.digest ?? '', type: l.annotations['vnd.export-build.descriptor.mediatype'] });
    }
  }

  const ref = str(r, 'Ref') ?? '';
  const createdAt = jsonTime(r['CreatedAt']) ?? 0;
  const completedAt = jsonTime(r['CompletedAt']);
  const err = isRecord(r['error']) ? r['error'] : undefined;
  const errCode = err && typeof err['code'] === 'number' ? err['code'] : external?.code;
  const errMessage = (err && str(err, 'message')) ?? external?.message;
  const status: RecordFacts['status'] =
    completedAt === undefined
      ? 'running'
      : errMessage || (errCode ?? 0) !== 0
        ? errCode === 1
          ? 'cancelled'
          : 'failed'
        : 'succeeded';
  const pick = (prefix: string): KeyValue[] =>
    Object.entries(attrs)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => ({ name: k.slice(prefix.length), value: v }))
      .sort((a, b) => a.name.localeCompare(b.name));
  const known = new Set([
    'filename',
    'target',
    'platform',
    'context',
    'force-network-mode',
    'no-cache',
    'vcs:source',
    'vcs:revision',
  ]);
  const other = Object.entries(attrs)
    .filter(([k]) => !known.has(k) && !/^(build-arg|label|context|attest|vcs):/.test(k) && k !== 'frontend.caps')
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const context = attrs['context'];
  const localPath = str(local, 'LocalPath');
  const dockerfilePath = str(local, 'DockerfilePath') ?? attrs['filename'];
  const target = attrs['target'] ?? (str(local, 'Target') !== 'default' ? str(local, 'Target') : undefined);
  const vertexName = external?.vertex
    ? [...events].reverse().find((e) => e.type === 'vertex' && e.digest === external?.vertex)
    : undefined;
  const outputs = (Array.isArray(r['Exporters']) ? r['Exporters'] : []).filter(isRecord).map((e) => ({
    type: str(e, 'Type') ?? str(e, 'type') ?? 'unknown',
    attrs: Object.fromEntries(
      Object.entries(isRecord(e['Attrs']) ? e['Attrs'] : {}).filter(
        (kv): kv is [string, string] => typeof kv[1] === 'string',
      ),
    ),
  }));
  const imageName = exporterResponse['image.name'];
  const facts: RecordFacts = {
    id: ref,
    ...(localPath
      ? { name: localPath.split(/[\\/]/).filter(Boolean).pop() ?? localPath }
      : context
        ? { name: context }
        : {}),
    ...(localPath ? { contextDir: localPath } : {}),
    ...(context && !localPath ? { contextUrl: context } : {}),
    ...(dockerfilePath ? { dockerfilePath } : {}),
    ...(attrs['vcs:source'] || attrs['vcs:revision']
      ? {
          vcs: {
            ...(attrs['vcs:source'] ? { repository: attrs['vcs:source'] } : {}),
            ...(attrs['vcs:revision'] ? { revision: attrs['vcs:revision'] } : {}),
          },
        }
      : {}),
    ...(target ? { target } : {}),
    platforms: attrs['platform'] ? attrs['platform'].split(',').filter(Boolean) : [],
    buildArgs: pick('build-arg:'),
    labels: pick('label:'),
    namedContexts: pick('context:'),
    noCache: attrs['no-cache'] === '',
    noCacheFilter: attrs['no-cache'] ? attrs['no-cache'].split(',') : [],
    ...(attrs['force-network-mode'] ? { network: attrs['force-network-mode'] } : {}),
    other,
    secretIds: provenance?.secretIds ?? [],
    sshIds: provenance?.sshIds ?? [],
    outputs,
    materials: provenance?.materials ?? [],
    attachments,
    ...(exporterResponse['containerimage.digest'] ? { imageDigest: exporterResponse['containerimage.digest'] } : {}),
    imageNames: imageName ? imageName.split(',').filter(Boolean) : [],
    ...(exporterResponse['containerimage.config.digest']
      ? { configDigest: exporterResponse['containerimage.config.digest'] }
      : {}),
    status,
    startedAt: createdAt,
    ...(completedAt !== undefined ? { completedAt } : {}),
    counts: {
      total: num('numTotalSteps', 'NumTotalSteps'),
      completed: num('numCompletedSteps', 'NumCompletedSteps'),
      cached: num('numCachedSteps', 'NumCachedSteps'),
    },
    ...(status === 'failed' || status === 'cancelled'
      ? {
          error: {
            message: errMessage ?? 'The build failed.',
            ...(errCode !== undefined ? { code: grpcCodeName(errCode) as string } : {}),
            ...(vertexName?.type === 'vertex' ? { stepName: vertexName.name } : {}),
            ...(external?.source ? { source: external.source } : {}),
            lastLogLines: [],
          },
        }
      : {}),
    ...(typeof r['DefaultPlatform'] === 'string' && r['DefaultPlatform']
      ? { defaultPlatform: r['DefaultPlatform'] }
      : {}),
  };
  return { facts, events };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
