import { z } from 'zod';
import { appError } from '../../common/errors';
import type { BuildkitRecordRow, KeyValue, RecordFacts } from '../../core/history/ports';
import { RawJsonParser } from './progress';

/**
 * Parsers for `docker buildx history` output and BuildKit's history record JSON (the config of a
 * `.dockerbuild`). Loose on purpose: fields come and go between versions; we read what we know.
 * Formats: docker/buildx commands/history/{ls,inspect}.go, moby/buildkit control.proto.
 */

const lsLine = z
  .object({
    ref: z.string(),
    name: z.string().optional(),
    status: z.string().optional(),
    created_at: z.string().optional(),
    completed_at: z.string().optional(),
    total_steps: z.number().optional(),
    completed_steps: z.number().optional(),
    cached_steps: z.number().optional(),
  })
  .loose();

const time = (v: string | undefined) => {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

function lsStatus(s: string | undefined, completed: boolean): BuildkitRecordRow['status'] {
  switch ((s ?? '').toLowerCase()) {
    case 'running':
      return 'running';
    case 'error':
    case 'failed':
      return 'failed';
    case 'canceled':
    case 'cancelled':
      return 'cancelled';
    case 'completed':
      return 'succeeded';
    default:
      return completed ? 'succeeded' : 'running';
  }
}

/** `history ls --format json`: one object a line. Lines that are not records are skipped. */
export function parseHistoryLs(stdout: string): BuildkitRecordRow[] {
  const rows: BuildkitRecordRow[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      continue;
    }
    const r = lsLine.safeParse(value);
    if (!r.success) continue;
    const parts = r.data.ref.split('/');
    if (parts.length !== 3) continue;
    const [builder, node, id] = parts as [string, string, string];
    const createdAt = time(r.data.created_at);
    if (createdAt === undefined) continue;
    const completedAt = time(r.data.completed_at);
    rows.push({
      ref: r.data.ref,
      builder,
      node,
      id,
      name: r.data.name ?? '',
      status: lsStatus(r.data.status, completedAt !== undefined),
      createdAt,
      ...(completedAt !== undefined ? { completedAt } : {}),
      counts: {
        total: r.data.total_steps ?? 0,
        completed: r.data.completed_steps ?? 0,
        cached: r.data.cached_steps ?? 0,
      },
    });
  }
  return rows;
}

const kv = z.array(z.object({ Name: z.string().optional(), Value: z.string().optional() }).loose()).nullish();
const inspectJson = z
  .object({
    Name: z.string().optional(),
    Ref: z.string(),
    Context: z.string().optional(),
    Dockerfile: z.string().optional(),
    VCSRepository: z.string().optional(),
    VCSRevision: z.string().optional(),
    Target: z.string().optional(),
    Platform: z.array(z.string()).nullish(),
    NamedContexts: kv,
    StartedAt: z.string().optional(),
    CompletedAt: z.string().optional(),
    Status: z.string().optional(),
    Error: z
      .object({
        Code: z.number().optional(),
        Message: z.string().optional(),
        Name: z.string().nullish(),
        Logs: z.array(z.string()).nullish(),
        Sources: z.string().nullish(),
      })
      .loose()
      .optional(),
    NumCompletedSteps: z.number().optional(),
    NumTotalSteps: z.number().optional(),
    NumCachedSteps: z.number().optional(),
    BuildArgs: kv,
    Labels: kv,
    Config: z
      .object({
        Network: z.string().optional(),
        NoCache: z.boolean().optional(),
        NoCacheFilter: z.array(z.string()).nullish(),
        RestRaw: kv,
      })
      .loose()
      .optional(),
    Materials: z.array(z.object({ URI: z.string().optional(), Digests: z.array(z.string()).nullish() })).nullish(),
    Attachments: z
      .array(z.object({ Digest: z.string().optional(), Platform: z.string().optional(), Type: z.string().optional() }))
      .nullish(),
  })
  .loose();

const pairs = (list: z.infer<typeof kv>): KeyValue[] =>
  (list ?? []).filter((p) => p.Name).map((p) => ({ name: p.Name as string, value: p.Value ?? '' }));

/** gRPC code names for the numbers BuildKit records. */
const GRPC_CODES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];
export const grpcCodeName = (code: number | undefined) =>
  code === undefined ? undefined : (GRPC_CODES[code] ?? String(code));

/**
 * buildx prints an error's sources as it prints them after a failed build
 * (`Dockerfile:3` / rule / `   3 | >>> RUN false` / rule): the builds parser reads that block.
 */
export function parseErrorSources(
  printed: string,
  message: string,
): { file: string; lines: number[]; text?: string } | undefined {
  const parser = new RawJsonParser();
  const events = [...parser.push(`${printed.trim()}\nERROR: ${message}\n`), ...parser.end()];
  const error = events.find((e) => e.type === 'error');
  if (!error || error.type !== 'error' || !error.file) return undefined;
  const marked = error.snippet.filter((l) => l.marked).map((l) => l.line);
  return { file: error.file, lines: marked.length > 0 ? marked : error.line !== undefined ? [error.line] : [] };
}

/** `history inspect --format json` (buildx >= 0.21). */
export function factsFromInspect(stdout: string, fallbackId: string): RecordFacts {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    throw appError('INTERNAL', 'buildx history inspect printed something that is not JSON.', {
      details: { raw: stdout.slice(0, 2000) },
    });
  }
  const parsed = inspectJson.safeParse(value);
  if (!parsed.success) {
    throw appError('INTERNAL', 'buildx history inspect printed JSON BuildDeck does not understand.', {
      details: { raw: stdout.slice(0, 2000) },
    });
  }
  const j = parsed.data;
  const startedAt = time(j.StartedAt) ?? 0;
  const completedAt = time(j.CompletedAt);
  const status = lsStatus(j.Status, completedAt !== undefined);
  const rest = pairs(j.Config?.RestRaw);
  const errorSources = j.Error?.Sources ? Buffer.from(j.Error.Sources, 'base64').toString('utf8') : undefined;
  const source = errorSources && j.Error?.Message ? parseErrorSources(errorSources, j.Error.Message) : undefined;
  const context = j.Context;
  const isUrl = context !== undefined && /^(?:https?|git|ssh):\/\/|^git@/.test(context);
  return {
    id: j.Ref || fallbackId,
    ...(j.Name ? { name: j.Name } : {}),
    ...(context && !isUrl ? { contextDir: context } : {}),
    ...(context && isUrl ? { contextUrl: context } : {}),
    ...(j.Dockerfile ? { dockerfilePath: j.Dockerfile } : {}),
    ...(j.VCSRepository || j.VCSRevision
      ? {
          vcs: {
            ...(j.VCSRepository ? { repository: j.VCSRepository } : {}),
            ...(j.VCSRevision ? { revision: j.VCSRevision } : {}),
          },
        }
      : {}),
    ...(j.Target ? { target: j.Target } : {}),
    platforms: j.Platform ?? [],
    buildArgs: pairs(j.BuildArgs),
    labels: pairs(j.Labels),
    namedContexts: pairs(j.NamedContexts),
    noCache: j.Config?.NoCache ?? false,
    noCacheFilter: j.Config?.NoCacheFilter ?? [],
    ...(j.Config?.Network ? { network: j.Config.Network } : {}),
    other: rest,
    // buildx's inspect does not print secret/ssh ids; the provenance attachment has them (see adapter).
    secretIds: [],
    sshIds: [],
    outputs: [],
    materials: (j.Materials ?? [])
      .filter((m) => m.URI)
      .map((m) => ({ uri: m.URI as string, digests: m.Digests ?? [] })),
    attachments: (j.Attachments ?? [])
      .filter((a) => a.Digest)
      .map((a) => ({
        digest: a.Digest as string,
        type: a.Type ?? '',
        ...(a.Platform ? { platform: a.Platform } : {}),
      })),
    ...configDigestOf(j.Attachments ?? []),
    imageNames: [],
    status,
    startedAt,
    ...(completedAt !== undefined ? { completedAt } : {}),
    counts: { total: j.NumTotalSteps ?? 0, completed: j.NumCompletedSteps ?? 0, cached: j.NumCachedSteps ?? 0 },
    ...(j.Error && (j.Error.Message || status === 'failed' || status === 'cancelled')
      ? {
          error: {
            message: j.Error.Message ?? 'The build failed.',
            ...(j.Error.Code !== undefined ? { code: grpcCodeName(j.Error.Code) as string } : {}),
            ...(j.Error.Name ? { stepName: j.Error.Name } : {}),
            ...(source ? { source } : {}),
            lastLogLines: j.Error.Logs ?? [],
          },
        }
      : {}),
  };
}

function configDigestOf(attachments: { Digest?: string | undefined; Type?: string | undefined }[]) {
  const config = attachments.find((a) => a.Type === 'application/vnd.docker.container.image.v1+json' && a.Digest);
  return config?.Digest ? { configDigest: config.Digest } : {};
}

/** What an SLSA provenance predicate (v0.2 or v1) adds: materials, secret and ssh ids. */
export function provenanceFacts(json: unknown): {
  materials: { uri: string; digests: string[] }[];
  secretIds: string[];
  sshIds: string[];
} {
  const out = {
    materials: [] as { uri: string; digests: string[] }[],
    secretIds: [] as string[],
    sshIds: [] as string[],
  };
  if (!isRecord(json)) return out;
  // in-toto statement wraps the predicate; a bare predicate is accepted too.
  const pred = isRecord(json['predicate']) ? json['predicate'] : json;
  const digestList = (d: unknown) =>
    isRecord(d) ? Object.entries(d).map(([alg, hex]) => `${alg}:${String(hex)}`) : [];
  const materials = Array.isArray(pred['materials'])
    ? pred['materials']
    : isRecord(pred['buildDefinition']) && Array.isArray(pred['buildDefinition']['resolvedDependencies'])
      ? pred['buildDefinition']['resolvedDependencies']
      : [];
  for (const m of materials) {
    if (isRecord(m) && typeof m['uri'] === 'string')
      out.materials.push({ uri: m['uri'], digests: digestList(m['digest']) });
  }
  const params = isRecord(pred['invocation'])
    ? pred['invocation']['parameters']
    : isRecord(pred['buildDefinition'])
      ? pred['buildDefinition']['externalParameters']
      : undefined;
  const request = isRecord(params) && isRecord(params['request']) ? params['request'] : params;
  if (isRecord(request)) {
    for (const s of Array.isArray(request['secrets']) ? request['secrets'] : [])
      if (isRecord(s) && typeof s['id'] === 'string') out.secretIds.push(s['id']);
    for (const s of Array.isArray(request['ssh']) ? request['ssh'] : [])
      if (isRecord(s) && typeof s['id'] === 'string') out.sshIds.push(s['id']);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
