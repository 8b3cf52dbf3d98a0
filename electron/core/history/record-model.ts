import type { BuildEvent, BuildSnapshot, SnippetLine } from '../../common/contracts/builds';
import type {
  HistoryEntry,
  HistoryItem,
  HistoryRecordDetails,
  HistoryRecordItem,
  RecordBuilderState,
  RecordDependency,
  RecordStep,
} from '../../common/contracts/history';
import { recordTimingOf } from '../../common/history/timing';
import { createBuildSnapshot, reduceBuildEvents, snippetAround } from '../../common/progress';
import type { BuildkitRecordRow, RecordFacts, StoredContext } from './ports';
import type { RowSummary } from './row-summaries';
import { imageNameOf } from './why';
import { baseName } from '../../common/validation';

/**
 * Pure pieces of History's merged view: list items from BuildKit rows and BuildDeck rows, a
 * snapshot from a record's events (through THE reducer), details from facts + snapshot + BuildDeck's
 * record. No I/O here; records.ts gathers the inputs.
 */

export function ratio(counts: { total: number; cached: number }, status: string): number | null {
  return status === 'running' || counts.total === 0 ? null : counts.cached / counts.total;
}

/** A BuildKit row, with buildx's local state (context folder) where this machine's buildx wrote one. */
export function itemFromRow(
  row: BuildkitRecordRow,
  local: { localPath?: string; dockerfilePath?: string; target?: string } | undefined,
  driver: string | undefined,
  now: number,
  summary?: RowSummary,
): HistoryRecordItem {
  const url = /^(?:https?|git|ssh):\/\/|^git@/.test(row.name) ? row.name : undefined;
  const target = local?.target && local.target !== 'default' ? local.target : undefined;
  return {
    id: row.ref,
    ref: row.ref,
    kind: 'build',
    builder: row.builder,
    node: row.node,
    ...(driver ? { driver } : {}),
    builderState: 'available',
    name: row.name || (local?.localPath ? baseName(local.localPath) : row.id),
    source: {
      kind: local?.localPath ? 'local' : url ? (/git/.test(url) ? 'git' : 'url') : 'unknown',
      ...(local?.localPath ? { contextDir: local.localPath } : {}),
      ...(url ? { url } : {}),
      ...(local?.dockerfilePath ? { dockerfile: local.dockerfilePath } : {}),
      ...(target ? { target } : {}),
    },
    origin: 'external',
    status: row.status,
    startedAt: row.createdAt,
    ...(row.completedAt !== undefined ? { finishedAt: row.completedAt } : {}),
    durationMs: (row.completedAt ?? now) - row.createdAt,
    platforms: summary?.platforms ?? [],
    tags: summary?.tags ?? [],
    counts: row.counts,
    cacheHitRatio: ratio(row.counts, row.status),
    ...(summary?.digest ? { digest: summary.digest } : {}),
    ...(summary?.error ? { error: summary.error } : {}),
    stored: { buildkit: true, builddeck: false },
  };
}

/** A BuildDeck row (no BuildKit record, or merged into one). */
export function itemFromOwn(
  own: HistoryItem,
  counts: { total: number; completed: number; cached: number },
  state: RecordBuilderState,
): HistoryRecordItem {
  return {
    id: own.ref ?? own.buildId,
    ...(own.ref ? { ref: own.ref, node: own.ref.split('/')[1] } : {}),
    buildId: own.buildId,
    kind: 'build',
    builder: own.builder,
    driver: own.driver,
    builderState: state,
    name: baseName(own.contextDir),
    source: {
      kind: 'local',
      contextDir: own.contextDir,
      ...(own.dockerfile ? { dockerfile: own.dockerfile } : {}),
    },
    origin: 'builddeck',
    status: own.status,
    startedAt: own.startedAt,
    ...(own.finishedAt !== undefined ? { finishedAt: own.finishedAt } : {}),
    ...(own.durationMs !== undefined ? { durationMs: own.durationMs } : {}),
    platforms: own.platforms,
    tags: own.tags,
    counts,
    cacheHitRatio: ratio(counts, own.status),
    ...(own.digest ? { digest: own.digest } : {}),
    ...(own.error ? { error: own.error } : {}),
    stored: { buildkit: false, builddeck: true },
  };
}

/**
 * One row per build: BuildKit's facts (status while running, counts) win; BuildDeck adds the
 * request side (tags, platforms, context folder, target) and its final status (it knows a cancel
 * from a failure, and an interrupted build).
 */
export function mergeItems(bk: HistoryRecordItem, own: HistoryRecordItem): HistoryRecordItem {
  const ownFinal = own.status !== 'running';
  return {
    ...bk,
    ...(own.buildId ? { buildId: own.buildId } : {}),
    ...(own.driver ? { driver: own.driver } : {}),
    source: { ...bk.source, ...own.source, kind: 'local' },
    name: own.name,
    origin: 'builddeck',
    status: ownFinal && bk.status !== 'running' ? own.status : bk.status,
    // BuildDeck's request names platforms and tags only when the user gave them; BuildKit's record
    // (once described) knows what was built for a default-platform build.
    platforms: own.platforms.length > 0 ? own.platforms : bk.platforms,
    tags: own.tags.length > 0 ? own.tags : bk.tags,
    ...(own.digest ? { digest: own.digest } : {}),
    ...(own.error ? { error: own.error } : {}),
    stored: { buildkit: true, builddeck: true },
  };
}

/** Does the item match the text filter (name, context, tags, ref, target, error)? */
export function matchesText(item: HistoryRecordItem, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [
    item.name,
    item.source.contextDir,
    item.source.url,
    item.source.target,
    item.source.bakeTarget,
    item.source.dockerfile,
    item.ref,
    item.buildId,
    item.builder,
    item.error,
    ...item.tags,
  ].some((v) => v?.toLowerCase().includes(needle));
}

/** The snapshot of a record: its events through the same reducer the live lanes use. */
export function snapshotOf(
  streamId: string,
  head: {
    builder: string;
    driver?: string | undefined;
    platforms: string[];
    defaultPlatform?: string | undefined;
    contextDir?: string | undefined;
    dockerfile?: string | undefined;
    target?: string | undefined;
    tags?: string[] | undefined;
    startedAt: number;
  },
  events: BuildEvent[],
  end:
    { at: number; ok: boolean; cancelled: boolean; digest?: string | undefined; ref?: string | undefined } | undefined,
): BuildSnapshot {
  return reduceBuildEvents(createBuildSnapshot(streamId), [
    startedEvent(head),
    ...events,
    ...(end ? [finishedEvent(end)] : []),
  ]);
}

export function startedEvent(head: Parameters<typeof snapshotOf>[1]): BuildEvent {
  return {
    type: 'started',
    at: head.startedAt,
    builder: head.builder,
    driver: head.driver ?? '',
    platforms: head.platforms,
    ...(head.defaultPlatform ? { defaultPlatform: head.defaultPlatform } : {}),
    contextDir: head.contextDir ?? '',
    ...(head.dockerfile ? { dockerfile: head.dockerfile } : {}),
    ...(head.target ? { target: head.target } : {}),
    tags: head.tags ?? [],
    command: [],
  };
}

export function finishedEvent(end: NonNullable<Parameters<typeof snapshotOf>[3]>): BuildEvent {
  return {
    type: 'finished',
    at: end.at,
    ok: end.ok,
    cancelled: end.cancelled,
    exitCode: end.ok ? 0 : 1,
    ...(end.digest ? { digest: end.digest } : {}),
    ...(end.ref ? { ref: end.ref } : {}),
  };
}

/** BuildDeck's stored steps and log lines as events, so its own records replay like BuildKit's. */
export function eventsFromEntry(entry: HistoryEntry): BuildEvent[] {
  const events: BuildEvent[] = [];
  for (const st of entry.steps) {
    events.push({
      type: 'vertex',
      digest: st.id,
      name: st.name,
      ...(st.startedAt !== undefined ? { started: st.startedAt } : {}),
      ...(st.startedAt !== undefined && st.durationMs !== undefined && st.state !== 'running'
        ? { completed: st.startedAt + st.durationMs }
        : {}),
      ...(st.cached ? { cached: true } : {}),
      ...(st.error ? { error: st.error } : {}),
    });
  }
  for (const l of entry.logs) events.push({ type: 'log', vertex: l.step, stream: l.stream, data: `${l.text}\n` });
  if (entry.failure) {
    events.push({
      type: 'error',
      message: entry.failure.message,
      ...(entry.failure.file ? { file: entry.failure.file } : {}),
      ...(entry.failure.line !== undefined ? { line: entry.failure.line } : {}),
      snippet: entry.failure.snippet,
    });
  }
  return events;
}

/** Steps in the order they started (not yet started ones last, in order of appearance). */
export function stepsOf(s: BuildSnapshot): RecordStep[] {
  return Object.values(s.steps)
    .sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || a.order - b.order)
    .map((st) => ({
      id: st.id,
      name: st.name,
      title: st.title,
      lane: st.lane,
      ...(st.platform ? { platform: st.platform } : {}),
      ...(st.stage ? { stage: st.stage } : {}),
      ...(st.index !== undefined ? { index: st.index } : {}),
      ...(st.total !== undefined ? { total: st.total } : {}),
      isStep: st.isStep,
      internal: st.internal,
      state: st.state,
      cached: st.cached,
      ...(st.startedAt !== undefined ? { startedAt: st.startedAt } : {}),
      ...(st.completedAt !== undefined ? { completedAt: st.completedAt } : {}),
      ...(st.durationMs !== undefined ? { durationMs: st.durationMs } : {}),
      ...(st.error ? { error: st.error } : {}),
      logLines: st.logs.length,
    }));
}

/** BuildKit counts every vertex: the same count for a BuildDeck-only record, from its steps. */
export function countsOfSteps(steps: { cached: boolean; state: string }[]): {
  total: number;
  completed: number;
  cached: number;
} {
  return {
    total: steps.length,
    completed: steps.filter((s) => s.state === 'done' || s.state === 'cached' || s.state === 'failed').length,
    cached: steps.filter((s) => s.cached).length,
  };
}

export function dependencyOf(m: { uri: string; digests: string[] }): RecordDependency {
  const platform = /[?&]platform=([^&]+)/.exec(m.uri)?.[1];
  const name = imageNameOf(m.uri);
  const kind: RecordDependency['kind'] = m.uri.startsWith('pkg:docker/')
    ? 'image'
    : /^git|\.git\b|^https:\/\/github/.test(m.uri)
      ? 'git'
      : /^https?:/.test(m.uri)
        ? 'http'
        : m.uri.startsWith('local:')
          ? 'local'
          : 'other';
  return {
    uri: m.uri,
    kind,
    ...(name ? { name } : {}),
    ...(platform ? { platform: decodeURIComponent(platform) } : {}),
    digests: m.digests,
  };
}

/**
 * The Dockerfile line of a failed step when the record carries no error source (the docker
 * driver's BuildKit keeps none): the line whose instruction reads like the step's title.
 */
export function lineOfStep(dockerfile: string, title: string): number | undefined {
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim().toLowerCase();
  const want = norm(title);
  const lines = dockerfile.split('\n');
  const keyword = want.split(' ')[0] ?? '';
  let best: { line: number; score: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    // Continuation lines: join `\`-ended lines into one instruction.
    let text = lines[i] ?? '';
    let j = i;
    while (/\\\s*$/.test(text) && j + 1 < lines.length) text = `${text.replace(/\\\s*$/, ' ')}${lines[++j] ?? ''}`;
    const have = norm(text);
    if (!have || have.startsWith('#') || !have.startsWith(keyword)) continue;
    if (have === want) return i + 1;
    let score = 0;
    while (score < Math.min(have.length, want.length) && have[score] === want[score]) score++;
    if (!best || score > best.score) best = { line: i + 1, score };
  }
  return best && best.score > keyword.length + 1 ? best.line : undefined;
}

export interface DetailsInput {
  item: HistoryRecordItem;
  facts: RecordFacts | undefined;
  snapshot: BuildSnapshot | undefined;
  own: HistoryEntry | undefined;
  ownContext: StoredContext | undefined;
  /** The Dockerfile as it is on disk now (only read when nothing better is known). */
  diskDockerfile: string | undefined;
  gaps: string[];
  now: number;
}

export function detailsOf(d: DetailsInput): HistoryRecordDetails {
  const { item, facts, snapshot, own, ownContext } = d;
  const req = own?.request;
  const steps = snapshot ? stepsOf(snapshot) : [];
  const failed = snapshot?.error?.step ? snapshot.steps[snapshot.error.step] : undefined;
  const sourceText = facts?.error?.source?.text;
  const dockerfile =
    sourceText !== undefined
      ? { text: sourceText, origin: 'record' as const }
      : ownContext?.dockerfileText !== undefined
        ? { text: ownContext.dockerfileText, origin: 'builddeck' as const }
        : d.diskDockerfile !== undefined
          ? { text: d.diskDockerfile, origin: 'disk' as const }
          : undefined;
  let errorLines = facts?.error?.source?.lines ?? [];
  if (errorLines.length === 0 && own?.failure?.line !== undefined) errorLines = [own.failure.line];
  if (errorLines.length === 0 && snapshot?.error?.line !== undefined) errorLines = [snapshot.error.line];
  const stepTitle =
    failed?.title ?? (facts?.error?.stepName ? facts.error.stepName.replace(/^\[[^\]]*\]\s*/, '') : undefined);
  if (errorLines.length === 0 && dockerfile && stepTitle && item.status === 'failed') {
    const line = lineOfStep(dockerfile.text, stepTitle);
    if (line !== undefined) errorLines = [line];
  }
  const errorFile = facts?.error?.source?.file ?? own?.failure?.file ?? snapshot?.error?.file;
  const snippet: SnippetLine[] =
    dockerfile && errorLines.length > 0
      ? snippetAround(dockerfile.text, errorLines[0] as number, errorLines[errorLines.length - 1])
      : (own?.failure?.snippet ?? snapshot?.error?.snippet ?? []);
  const buildArgs = facts?.buildArgs ?? Object.entries(req?.buildArgs ?? {}).map(([name, value]) => ({ name, value }));
  const materials = facts?.materials.length ? facts.materials : (ownContext?.materials ?? []);
  const outputs =
    facts && facts.outputs.length > 0
      ? facts.outputs
      : (req?.outputs ?? []).map((o) => ({
          type: o.type,
          attrs: 'dest' in o ? { dest: o.dest } : {},
        }));
  const message = facts?.error?.message ?? own?.failure?.message ?? snapshot?.error?.message ?? item.error;
  return {
    item,
    source: {
      ...(item.source.contextDir ? { contextDir: item.source.contextDir } : {}),
      ...(item.source.url ? { url: item.source.url } : {}),
      ...((facts?.dockerfilePath ?? item.source.dockerfile)
        ? { dockerfilePath: facts?.dockerfilePath ?? item.source.dockerfile }
        : {}),
      ...(dockerfile
        ? {
            dockerfile: {
              text: dockerfile.text,
              origin: dockerfile.origin,
              errorLines,
              truncated: dockerfile.origin === 'builddeck' && dockerfile.text.length >= 64 * 1024,
            },
          }
        : {}),
      ...(facts?.vcs ? { vcs: facts.vcs } : {}),
      namedContexts: facts?.namedContexts ?? [],
    },
    config: {
      buildArgs,
      secretIds: [...new Set([...(facts?.secretIds ?? []), ...(own?.secretIds ?? [])])],
      sshIds: facts?.sshIds ?? [],
      ...((facts?.target ?? req?.target ?? item.source.target)
        ? { target: facts?.target ?? req?.target ?? item.source.target }
        : {}),
      platforms: facts?.platforms.length ? facts.platforms : item.platforms,
      outputs,
      tags: item.tags.length > 0 ? item.tags : (facts?.imageNames ?? []),
      labels: facts?.labels ?? Object.entries(req?.labels ?? {}).map(([name, value]) => ({ name, value })),
      noCache: facts?.noCache ?? req?.noCache ?? false,
      noCacheFilter: facts?.noCacheFilter ?? [],
      ...(req ? { pull: req.pull } : {}),
      ...(facts?.network ? { network: facts.network } : {}),
      other: facts?.other ?? [],
    },
    dependencies: materials.map(dependencyOf),
    results: {
      ...((facts?.imageDigest ?? item.digest) ? { imageDigest: facts?.imageDigest ?? item.digest } : {}),
      imageNames: facts?.imageNames.length ? facts.imageNames : item.tags,
      ...(facts?.configDigest ? { configDigest: facts.configDigest } : {}),
      attachments: facts?.attachments ?? [],
    },
    steps,
    ...(snapshot ? withTiming(snapshot, d.now) : {}),
    warnings: snapshot?.warnings ?? [],
    ...(message && item.status !== 'succeeded' && item.status !== 'running'
      ? {
          error: {
            message,
            ...(facts?.error?.code ? { code: facts.error.code } : {}),
            ...(failed
              ? { stepId: failed.id, stepName: failed.name }
              : facts?.error?.stepName
                ? { stepName: facts.error.stepName }
                : {}),
            ...(errorFile ? { file: errorFile } : dockerfile && errorLines.length > 0 ? { file: 'Dockerfile' } : {}),
            ...(errorLines.length > 0 ? { line: errorLines[0] as number } : {}),
            snippet,
            lastLogLines: facts?.error?.lastLogLines.length
              ? facts.error.lastLogLines
              : (own?.failure?.lastLogLines ?? snapshot?.error?.lastLogLines ?? []),
          },
        }
      : {}),
    ...(own
      ? {
          builddeck: {
            buildId: own.item.buildId,
            request: own.request,
            secretIds: own.secretIds,
            hashedFiles: ownContext?.files?.length ?? 0,
            hashesTruncated: ownContext?.truncated ?? false,
          },
        }
      : {}),
    gaps: d.gaps,
  };
}

function withTiming(s: BuildSnapshot, now: number) {
  const timing = recordTimingOf(s, now);
  return timing ? { timing } : {};
}
