import type {
  BuildInfo,
  BuildSnapshot,
  Lane,
  LaneSummary,
  LogLine,
  LogList,
  Step,
} from '../../../../electron/common/contracts/builds';
import type { HistoryRecordDetails, RecordStep } from '../../../../electron/common/contracts/history';
import { DEFAULT_LIMITS, LOG_CHUNK, SHARED_LANE } from '../../../../electron/common/progress';

/**
 * A finished record (BuildKit's, BuildDeck's or one read from a `.dockerbuild` file) as a
 * BuildSnapshot, so it shows with the same header, outcome, lanes and log views as a live build.
 * A record still running is attached instead (history.attach) and reduced from its events.
 */

type LogInput = { step: string; stream: number; text: string; at?: number | undefined };

function toLogList(lines: LogLine[]): LogList {
  const chunks: LogLine[][] = [];
  for (let i = 0; i < lines.length; i += LOG_CHUNK) chunks.push(lines.slice(i, i + LOG_CHUNK));
  return { chunks, length: lines.length, dropped: 0 };
}

function laneSummary(steps: RecordStep[], status: BuildSnapshot['status']): LaneSummary {
  const failed = steps.find((s) => s.state === 'failed');
  let state: LaneSummary['state'];
  if (failed) state = 'failed';
  else if (steps.some((s) => s.state === 'cancelled') || status === 'cancelled') state = 'cancelled';
  else if (status === 'running') state = 'running';
  else if (status === 'interrupted') state = 'failed';
  else state = 'done';
  const counted = steps.filter((s) => s.isStep);
  const cachedSteps = counted.filter((s) => s.cached).length;
  const starts = steps.map((s) => s.startedAt).filter((n): n is number => n !== undefined);
  const ends = steps.map((s) => s.completedAt ?? s.startedAt).filter((n): n is number => n !== undefined);
  return {
    ok: state === 'done',
    state,
    wallMs: starts.length > 0 && ends.length > 0 ? Math.max(...ends) - Math.min(...starts) : 0,
    steps: counted.length,
    cachedSteps,
    cacheHitRatio: counted.length > 0 ? cachedSteps / counted.length : null,
    ...(failed?.error !== undefined ? { error: failed.error } : {}),
    ...(failed ? { failedStep: failed.id } : {}),
  };
}

function recordInfo(details: HistoryRecordDetails, command: string[]): BuildInfo {
  const { item } = details;
  return {
    builder: item.builder,
    driver: item.driver ?? '',
    platforms: details.config.platforms,
    contextDir: details.source.contextDir ?? details.source.url ?? item.name,
    ...(details.source.dockerfilePath ? { dockerfile: details.source.dockerfilePath } : {}),
    ...(details.config.target ? { target: details.config.target } : {}),
    tags: item.tags,
    command,
  };
}

/**
 * A live record's snapshot with what the record knows filled in where the stream did not say it
 * (a build attached mid-way has no `started` event: no context, no tags), so the header names it.
 */
export function withRecordInfo(snapshot: BuildSnapshot, details: HistoryRecordDetails): BuildSnapshot {
  const known = recordInfo(details, []);
  const live = snapshot.info;
  if (live?.contextDir && live.builder) return snapshot;
  return {
    ...snapshot,
    info: {
      ...known,
      ...(live?.platforms.length ? { platforms: live.platforms } : {}),
      ...(live?.defaultPlatform ? { defaultPlatform: live.defaultPlatform } : {}),
      ...(live?.tags.length ? { tags: live.tags } : {}),
      ...(live?.command.length ? { command: live.command } : {}),
    },
  };
}

export function recordToSnapshot(
  details: HistoryRecordDetails,
  logs: readonly LogInput[] = [],
  command: string[] = [],
): BuildSnapshot {
  const { item } = details;
  const linesByStep = new Map<string, LogLine[]>();
  const all: LogLine[] = logs.map((l, seq) => {
    const line: LogLine = { seq, step: l.step, stream: l.stream, text: l.text, ...(l.at ? { at: l.at } : {}) };
    let list = linesByStep.get(l.step);
    if (!list) linesByStep.set(l.step, (list = []));
    list.push(line);
    return line;
  });

  const steps: Record<string, Step> = {};
  details.steps.forEach((r, order) => {
    steps[r.id] = {
      id: r.id,
      lane: r.lane,
      name: r.name,
      title: r.title,
      ...(r.platform ? { platform: r.platform } : {}),
      ...(r.stage ? { stage: r.stage } : {}),
      ...(r.index !== undefined ? { index: r.index, total: r.total ?? 0 } : {}),
      isStep: r.isStep,
      internal: r.internal,
      state: r.state,
      cached: r.cached,
      ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
      ...(r.completedAt !== undefined ? { completedAt: r.completedAt } : {}),
      ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      inputs: [],
      transfers: [],
      bytesCurrent: 0,
      bytesTotal: 0,
      logs: toLogList(linesByStep.get(r.id) ?? []),
      pending: {},
      order,
    };
  });

  // Platform lanes in the order the build asked for them, then any others, then shared.
  const keys = [...new Set(details.steps.map((s) => s.lane))];
  const platformKeys = [
    ...item.platforms.filter((p) => keys.includes(p)),
    ...keys.filter((k) => k !== SHARED_LANE && !item.platforms.includes(k)),
  ];
  const lanes: Lane[] = [...platformKeys, ...(keys.includes(SHARED_LANE) ? [SHARED_LANE] : [])].map((key) => {
    const laneSteps = details.steps.filter((s) => s.lane === key);
    return {
      key,
      kind: key === SHARED_LANE ? 'shared' : 'platform',
      steps: laneSteps.map((s) => s.id),
      summary: laneSummary(laneSteps, item.status),
    };
  });

  const error = details.error;
  const failedStep = error?.stepId ? steps[error.stepId] : details.steps.find((s) => s.state === 'failed');
  const finished = item.status !== 'running';
  const durationMs = item.durationMs ?? (item.finishedAt !== undefined ? item.finishedAt - item.startedAt : 0);
  return {
    buildId: item.id,
    status: item.status,
    eventCount: 0,
    startedAt: item.startedAt,
    ...(item.finishedAt !== undefined ? { finishedAt: item.finishedAt } : {}),
    info: recordInfo(details, command),
    lanes,
    steps,
    log: toLogList(all),
    warnings: details.warnings,
    messages: [],
    ...(error
      ? {
          error: {
            message: error.message,
            ...(failedStep ? { step: failedStep.id, lane: failedStep.lane } : {}),
            ...(error.file ? { file: error.file } : {}),
            ...(error.line !== undefined ? { line: error.line } : {}),
            snippet: error.snippet,
            lastLogLines: error.lastLogLines,
            ...(error.code && error.code !== 'Unknown' ? { code: error.code } : {}),
          },
        }
      : {}),
    ...(finished
      ? {
          result: {
            ok: item.status === 'succeeded',
            cancelled: item.status === 'cancelled',
            exitCode: null,
            ...(item.digest ? { digest: item.digest } : {}),
            ...(details.results.imageNames[0] ? { imageName: details.results.imageNames[0] } : {}),
            ...(item.ref ? { ref: item.ref } : {}),
            durationMs,
          },
        }
      : {}),
    limits: DEFAULT_LIMITS,
  };
}
