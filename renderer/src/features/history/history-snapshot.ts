import type {
  BuildSnapshot,
  Lane,
  LaneSummary,
  LogLine,
  LogList,
  Step,
} from '../../../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../../../electron/common/contracts/history';
import { DEFAULT_LIMITS, LOG_CHUNK, parseVertexName, SHARED_LANE } from '../../../../electron/common/progress';

/**
 * A stored build as a BuildSnapshot, so History shows it with the same lanes, outcome and log views
 * as a live build. What history does not keep (byte counters, warnings, timestamps per line) stays
 * empty; the log is the stored tail.
 */

function toLogList(lines: LogLine[]): LogList {
  const chunks: LogLine[][] = [];
  for (let i = 0; i < lines.length; i += LOG_CHUNK) chunks.push(lines.slice(i, i + LOG_CHUNK));
  return { chunks, length: lines.length, dropped: 0 };
}

function laneSummary(steps: Step[], entry: HistoryEntry, key: string): LaneSummary {
  const stored = entry.summary?.platforms.find((p) => p.platform === key);
  const failed = steps.find((s) => s.state === 'failed');
  const cancelled = steps.some((s) => s.state === 'cancelled');
  const status = entry.item.status;
  let state: LaneSummary['state'];
  if (failed) state = 'failed';
  else if (cancelled || status === 'cancelled') state = 'cancelled';
  else if (status === 'running') state = 'running';
  else if (status === 'interrupted' || (status === 'failed' && stored && !stored.ok)) state = 'failed';
  else state = 'done';
  const isStep = steps.filter((s) => s.isStep);
  const cachedSteps = isStep.filter((s) => s.cached).length;
  const starts = steps.map((s) => s.startedAt).filter((n): n is number => n !== undefined);
  const ends = steps.map((s) => s.completedAt ?? s.startedAt).filter((n): n is number => n !== undefined);
  const wall =
    stored?.durationMs ?? (starts.length > 0 && ends.length > 0 ? Math.max(...ends) - Math.min(...starts) : 0);
  const error = failed?.error ?? stored?.error;
  return {
    ok: stored?.ok ?? state === 'done',
    state,
    wallMs: wall,
    steps: stored?.steps ?? isStep.length,
    cachedSteps: stored?.cachedSteps ?? cachedSteps,
    cacheHitRatio: stored?.cacheHitRatio ?? (isStep.length > 0 ? cachedSteps / isStep.length : null),
    ...(error !== undefined ? { error } : {}),
    ...(failed ? { failedStep: failed.id } : {}),
  };
}

export function historyToSnapshot(entry: HistoryEntry, command: string[] = []): BuildSnapshot {
  const { item, request } = entry;
  const linesByStep = new Map<string, LogLine[]>();
  const all: LogLine[] = entry.logs.map((l, seq) => {
    const line: LogLine = { seq, step: l.step, stream: l.stream, text: l.text };
    let list = linesByStep.get(l.step);
    if (!list) linesByStep.set(l.step, (list = []));
    list.push(line);
    return line;
  });

  const steps: Record<string, Step> = {};
  entry.steps.forEach((h, order) => {
    const parsed = parseVertexName(h.name);
    steps[h.id] = {
      id: h.id,
      lane: h.lane,
      name: h.name,
      title: parsed.title,
      ...(parsed.platform ? { platform: parsed.platform } : {}),
      ...(parsed.stage ? { stage: parsed.stage } : {}),
      ...(parsed.index !== undefined ? { index: parsed.index, total: parsed.total ?? 0 } : {}),
      isStep: h.isStep,
      internal: parsed.internal,
      state: h.state,
      cached: h.cached,
      ...(h.startedAt !== undefined ? { startedAt: h.startedAt } : {}),
      ...(h.startedAt !== undefined && h.durationMs !== undefined ? { completedAt: h.startedAt + h.durationMs } : {}),
      ...(h.durationMs !== undefined ? { durationMs: h.durationMs } : {}),
      ...(h.error !== undefined ? { error: h.error } : {}),
      inputs: [],
      transfers: [],
      bytesCurrent: 0,
      bytesTotal: 0,
      logs: toLogList(linesByStep.get(h.id) ?? []),
      pending: {},
      order,
    };
  });

  // Platform lanes in the order the build asked for them, then any others, then shared.
  const keys = [...new Set(entry.steps.map((s) => s.lane))];
  const platformKeys = [
    ...item.platforms.filter((p) => keys.includes(p) || entry.summary?.platforms.some((s) => s.platform === p)),
    ...keys.filter((k) => k !== SHARED_LANE && !item.platforms.includes(k)),
  ];
  const lanes: Lane[] = [...platformKeys, ...(keys.includes(SHARED_LANE) ? [SHARED_LANE] : [])].map((key) => {
    const laneSteps = entry.steps.filter((s) => s.lane === key).map((s) => s.id);
    return {
      key,
      kind: key === SHARED_LANE ? 'shared' : 'platform',
      steps: laneSteps,
      summary: laneSummary(
        laneSteps.map((id) => steps[id]).filter((s): s is Step => s !== undefined),
        entry,
        key,
      ),
    };
  });

  const failedStep = entry.steps.find((s) => s.state === 'failed');
  const finished = item.status !== 'running';
  const durationMs = item.durationMs ?? (item.finishedAt !== undefined ? item.finishedAt - item.startedAt : 0);
  return {
    buildId: item.buildId,
    status: item.status,
    eventCount: 0,
    startedAt: item.startedAt,
    ...(item.finishedAt !== undefined ? { finishedAt: item.finishedAt } : {}),
    info: {
      builder: item.builder,
      driver: item.driver,
      platforms: request.platforms,
      contextDir: item.contextDir,
      ...(item.dockerfile ? { dockerfile: item.dockerfile } : {}),
      ...(request.target ? { target: request.target } : {}),
      tags: item.tags,
      command,
    },
    lanes,
    steps,
    log: toLogList(all),
    warnings: [],
    messages: [],
    ...(entry.failure
      ? {
          error: {
            message: entry.failure.message,
            ...(failedStep ? { step: failedStep.id, lane: failedStep.lane } : {}),
            ...(entry.failure.file ? { file: entry.failure.file } : {}),
            ...(entry.failure.line !== undefined ? { line: entry.failure.line } : {}),
            snippet: entry.failure.snippet,
            lastLogLines: entry.failure.lastLogLines,
          },
        }
      : item.error
        ? { error: { message: item.error, snippet: [], lastLogLines: [] } }
        : {}),
    ...(finished
      ? {
          result: {
            ok: item.status === 'succeeded',
            cancelled: item.status === 'cancelled',
            exitCode: null,
            ...(item.digest ? { digest: item.digest } : {}),
            ...(item.imageName ? { imageName: item.imageName } : {}),
            durationMs,
          },
        }
      : {}),
    limits: DEFAULT_LIMITS,
  };
}
