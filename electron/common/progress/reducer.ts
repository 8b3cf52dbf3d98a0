import type {
  BuildEvent,
  BuildEventOf,
  BuildFailure,
  BuildLimits,
  BuildSnapshot,
  Lane,
  LogLine,
  LogList,
  Step,
  Transfer,
} from '../contracts/builds';
import {
  appendLine,
  appendLineInPlace,
  emptyLogList,
  lastLogLines,
  LogView,
  stepTailFromLog,
  viewOf,
} from './log-list';
import { Owner } from './owner';
import { snippetAround, stepStateOf } from './step-state';
import { emptySummary, summarizeLane } from './lanes';
import { parseVertexName } from './names';

/**
 * THE build-progress reducer, shared by the core (to keep a snapshot a reloaded window can replay)
 * and the renderer (to draw it). Pure: snapshots are never mutated; a reduction returns a new
 * top-level object, new objects for the steps/lanes it touched, and shares everything else
 * (untouched steps keep their identity, so `React.memo`/zustand selectors on a step skip work).
 * Logs live in shared append-only chunks (see log-list.ts): appending a line copies nothing.
 * Prefer `reduceBuildEvents` for batches: it copies each touched container once per batch.
 */

export const SHARED_LANE = 'shared';
/** Lane of unprefixed steps when neither the request nor the builder named a platform. */
export const DEFAULT_LANE = 'default';

export const DEFAULT_LIMITS: BuildLimits = {
  maxLogLines: 200_000,
  maxStepLogLines: 50_000,
  maxLogChars: 32 * 1024 * 1024,
  maxLineLength: 8192,
  maxWarnings: 200,
  maxMessages: 500,
};

const MAX_TRANSFERS = 64;
const LAST_LOG_LINES = 20;

export function createBuildSnapshot(buildId: string, limits: Partial<BuildLimits> = {}): BuildSnapshot {
  return {
    buildId,
    status: 'running',
    eventCount: 0,
    lanes: [],
    steps: {},
    log: emptyLogList(),
    warnings: [],
    messages: [],
    limits: { ...DEFAULT_LIMITS, ...limits },
  };
}

/** One event. Same result as a batch of one. */
export function reduceBuild(snapshot: BuildSnapshot, event: BuildEvent): BuildSnapshot {
  return reduceBuildEvents(snapshot, [event]);
}

/** Many events: each touched step/lane/list is copied once for the whole batch. */
export function reduceBuildEvents(snapshot: BuildSnapshot, events: readonly BuildEvent[]): BuildSnapshot {
  if (events.length === 0) return snapshot;
  const d = new Draft(snapshot);
  for (const e of events) d.apply(e);
  return d.finish();
}

/**
 * Joins a `build.progressed` batch to a snapshot: skips events the snapshot already has
 * (`firstIndex` < `eventCount`), and reports a gap (missed events: refetch with `builds.get`).
 */
export function applyProgress(
  snapshot: BuildSnapshot,
  payload: { firstIndex: number; events: readonly BuildEvent[] },
): { snapshot: BuildSnapshot; gap: boolean } {
  if (payload.firstIndex > snapshot.eventCount) return { snapshot, gap: true };
  const skip = snapshot.eventCount - payload.firstIndex;
  if (skip >= payload.events.length) return { snapshot, gap: false };
  return { snapshot: reduceBuildEvents(snapshot, skip > 0 ? payload.events.slice(skip) : payload.events), gap: false };
}

/** What a transfer adds to its step's byte sums: only transfers that know their total count. */
function countedCurrent(t: Transfer): number {
  return t.total !== undefined && t.total > 0 ? Math.min(t.current, t.total) : 0;
}

function countedTotal(t: Transfer): number {
  return t.total !== undefined && t.total > 0 ? t.total : 0;
}

class Draft {
  private readonly o = new Owner();
  private readonly s: BuildSnapshot;
  private stepsOwned = false;
  private lanesOwned = false;
  private readonly dirtyLanes = new Set<string>();
  /** The step the last event wrote to (see `writableStep`). */
  private lastStep: Step | undefined;
  /** The log views this pass made last (build log, step log): owned, known by pointer, not a Set lookup. */
  private ownLog: LogList | undefined;
  private ownStepLog: LogList | undefined;

  constructor(base: BuildSnapshot) {
    // Dedicated spread sites (not Owner.writable's one generic site): V8 clones a known shape
    // fast, a megamorphic spread slowly, and this runs once per event on the live path.
    this.s = this.o.own({ ...base });
  }

  finish(): BuildSnapshot {
    for (const key of this.dirtyLanes) this.refreshLane(key);
    return this.s;
  }

  apply(e: BuildEvent): void {
    this.s.eventCount++;
    switch (e.type) {
      case 'started':
        return this.started(e);
      case 'vertex':
        return this.vertex(e);
      case 'status':
        return this.status(e);
      case 'log':
        return this.log(e);
      case 'warning':
        return this.warning(e);
      case 'text':
        return this.text(e.text);
      case 'error':
        return this.errorBlock(e);
      case 'finished':
        return this.finished(e);
      case 'logSync':
        return this.logSync(e);
    }
  }

  // -- containers ------------------------------------------------------------------------------

  private steps(): Record<string, Step> {
    if (!this.stepsOwned) {
      this.s.steps = this.o.own({ ...this.s.steps });
      this.stepsOwned = true;
    }
    return this.s.steps;
  }

  private writableStep(id: string): Step | undefined {
    // Consecutive events mostly name the step the last one did (a RUN's output). The parser slices
    // each digest afresh, and looking such a string up in the steps record costs V8 a hash and a
    // string-table probe of its 71 characters: ~200 ns against ~40 ns for comparing it with the last
    // step's id (measured, 60k lookups). The last step is owned by this pass, so it is still the
    // record's entry for its id (only a new digest adds an entry, and owned steps are never copied).
    const last = this.lastStep;
    if (last !== undefined && last.id === id) return last;
    const current = this.s.steps[id];
    if (!current) return undefined;
    if (this.o.has(current)) return (this.lastStep = current);
    const copy = this.o.own({ ...current });
    this.steps()[id] = copy;
    return (this.lastStep = copy);
  }

  private lanes(): Lane[] {
    if (!this.lanesOwned) {
      this.s.lanes = this.o.writable(this.s.lanes);
      this.lanesOwned = true;
    }
    return this.s.lanes;
  }

  private ensureLane(key: string, kind: Lane['kind']): void {
    if (this.s.lanes.some((l) => l.key === key)) return;
    const lanes = this.lanes();
    const fresh: Lane = this.o.own({ key, kind, steps: [], summary: emptySummary() });
    // Platform lanes first, the shared lane last.
    const sharedAt = lanes.findIndex((l) => l.kind === 'shared');
    if (kind === 'platform' && sharedAt >= 0) lanes.splice(sharedAt, 0, fresh);
    else lanes.push(fresh);
  }

  private writableLane(key: string): Lane | undefined {
    const i = this.s.lanes.findIndex((l) => l.key === key);
    if (i < 0) return undefined;
    const lanes = this.lanes();
    const lane = lanes[i] as Lane;
    if (this.o.has(lane)) return lane;
    const copy = this.o.own({ ...lane });
    lanes[i] = copy;
    return copy;
  }

  private defaultLane(): string {
    const info = this.s.info;
    if (info?.platforms.length === 1) return info.platforms[0] as string;
    return info?.defaultPlatform ?? DEFAULT_LANE;
  }

  // -- events ----------------------------------------------------------------------------------

  private started(e: BuildEventOf<'started'>): void {
    this.s.startedAt = e.at;
    this.s.status = 'running';
    this.s.info = {
      builder: e.builder,
      driver: e.driver,
      platforms: e.platforms,
      ...(e.defaultPlatform ? { defaultPlatform: e.defaultPlatform } : {}),
      contextDir: e.contextDir,
      ...(e.dockerfile ? { dockerfile: e.dockerfile } : {}),
      ...(e.target ? { target: e.target } : {}),
      tags: e.tags,
      command: e.command,
    };
    // Lanes exist before their first step so a UI can lay them out at once.
    const planned = e.platforms.length > 0 ? e.platforms : [this.defaultLane()];
    for (const p of planned) this.ensureLane(p, 'platform');
  }

  private vertex(e: BuildEventOf<'vertex'>): void {
    let step = this.writableStep(e.digest);
    if (!step) {
      const parsed = parseVertexName(e.name);
      const laneKey = parsed.platform ?? (parsed.isStep ? this.defaultLane() : SHARED_LANE);
      this.ensureLane(laneKey, laneKey === SHARED_LANE ? 'shared' : 'platform');
      step = this.o.own<Step>({
        id: e.digest,
        lane: laneKey,
        name: e.name,
        title: parsed.title,
        ...(parsed.platform ? { platform: parsed.platform } : {}),
        ...(parsed.stage ? { stage: parsed.stage } : {}),
        ...(parsed.index !== undefined ? { index: parsed.index, total: parsed.total ?? 0 } : {}),
        isStep: parsed.isStep,
        internal: parsed.internal,
        state: 'queued',
        cached: false,
        inputs: [],
        transfers: [],
        bytesCurrent: 0,
        bytesTotal: 0,
        logs: emptyLogList(),
        pending: {},
        order: Object.keys(this.s.steps).length,
      });
      this.steps()[e.digest] = step;
      const lane = this.writableLane(laneKey) as Lane;
      lane.steps = this.o.writable(lane.steps);
      lane.steps.push(e.digest);
    }
    // BuildKit re-sends the whole vertex: a re-run clears `completed`, so take its fields as they are.
    if (e.inputs) step.inputs = e.inputs;
    if (e.started !== undefined) step.startedAt = e.started;
    if (e.completed !== undefined) step.completedAt = e.completed;
    else if (e.started !== undefined) delete step.completedAt;
    if (e.cached !== undefined) step.cached = e.cached;
    if (e.error) step.error = e.error;
    if (step.completedAt !== undefined && step.startedAt !== undefined)
      step.durationMs = Math.max(0, step.completedAt - step.startedAt);
    else delete step.durationMs;
    step.state = stepStateOf(step);
    if (step.completedAt !== undefined) this.flushPending(step);
    if (step.state === 'failed' && (!this.s.error || this.s.error.step === undefined)) this.failAt(step);
    this.dirtyLanes.add(step.lane);
  }

  private status(e: BuildEventOf<'status'>): void {
    const step = this.writableStep(e.vertex);
    if (!step) return;
    const transfers = this.o.writable(step.transfers);
    step.transfers = transfers;
    const { id, name } = e; // Field by field, in the spreads' key order (same JSON), no temporaries.
    const item = (name ? { id, name, current: e.current } : { id, current: e.current }) as Transfer;
    if (e.total !== undefined) item.total = e.total;
    item.done = e.completed !== undefined;
    // From the end: a transfer's updates come close together, so its entry is mostly a recent one.
    let i = transfers.length - 1;
    while (i >= 0 && (transfers[i] as Transfer).id !== e.id) i--;
    // The step's sums change by what changed (they were re-added over all 64 entries per event).
    let gone: Transfer | undefined;
    if (i >= 0) {
      gone = transfers[i];
      transfers[i] = item;
    } else {
      transfers.push(item);
      if (transfers.length > MAX_TRANSFERS) gone = transfers.shift();
    }
    const current = step.bytesCurrent + countedCurrent(item) - (gone ? countedCurrent(gone) : 0);
    const total = step.bytesTotal + countedTotal(item) - (gone ? countedTotal(gone) : 0);
    if (Number.isSafeInteger(current) && Number.isSafeInteger(total)) {
      step.bytesCurrent = current;
      step.bytesTotal = total;
    } else {
      // Fractions (or sums past 2^53) would drift by rounding when kept by difference: add them up.
      step.bytesCurrent = 0;
      step.bytesTotal = 0;
      for (const t of transfers) {
        step.bytesCurrent += countedCurrent(t);
        step.bytesTotal += countedTotal(t);
      }
    }
  }

  private log(e: BuildEventOf<'log'>): void {
    const step = this.writableStep(e.vertex);
    if (!step) return;
    const key = e.stream === 1 ? '1' : e.stream === 2 ? '2' : String(e.stream);
    const before = step.pending[key];
    const data = e.data;
    // Lines are (pending + data) cut at '\n'; the tail after the last '\n' waits for the next chunk.
    // The usual chunk is one whole line: no split, no concatenation, no search for its last newline.
    const nl = data.charCodeAt(data.length - 1) === 10 ? data.length - 1 : data.lastIndexOf('\n');
    let rest: string;
    if (nl < 0) rest = before ? before + data : data;
    else {
      const head = before ? before + data.slice(0, nl) : data.slice(0, nl);
      if (data.indexOf('\n') === nl) this.addLine(step, e.stream, head, e.at);
      else for (const part of head.split('\n')) this.addLine(step, e.stream, part, e.at);
      rest = data.slice(nl + 1);
    }
    if (rest.length > this.s.limits.maxLineLength) {
      this.addLine(step, e.stream, rest, e.at);
      rest = '';
    }
    if (before === rest) return;
    if (!this.o.has(step.pending)) step.pending = this.o.own({ ...step.pending });
    step.pending[key] = rest;
  }

  /**
   * A window's batch whose output came as the core's tails (`eventsForWindows`): the lists it names
   * replace ours (it was reduced after the batch's other events, so it is the state after all of
   * them). A fresh view per application: the event's arrays may be applied again after a refetch.
   */
  private logSync(e: BuildEventOf<'logSync'>): void {
    this.s.eventCount += e.events - 1;
    this.s.log = this.o.own(viewOf(e.log));
    for (const id of Object.keys(e.steps)) {
      const sync = e.steps[id];
      const step = sync && this.writableStep(id);
      if (!step || !sync) continue;
      step.logs = this.o.own(sync.fromLog ? stepTailFromLog(id, sync.logs, sync.fromLog, e.log) : viewOf(sync.logs));
      step.pending = this.o.own({ ...sync.pending });
    }
  }

  private addLine(step: Step, stream: number, raw: string, at: number | undefined): void {
    const limits = this.s.limits;
    let text = raw.charCodeAt(raw.length - 1) === 13 /* \r */ ? raw.slice(0, -1) : raw;
    if (text.length > limits.maxLineLength)
      text = `${text.slice(0, limits.maxLineLength)} … [${text.length - limits.maxLineLength} more characters]`;
    const seq = this.s.log.length + this.s.log.dropped;
    // One shape per case (no conditional spread): the line is the one object kept per output line.
    const line: LogLine =
      at !== undefined ? { seq, step: step.id, stream, text, at } : { seq, step: step.id, stream, text };
    const maxChars = limits.maxLogChars ?? Infinity;
    if (step.logs === this.ownStepLog) appendLineInPlace(step.logs as LogView, line, limits.maxStepLogLines, maxChars);
    else step.logs = this.ownStepLog = this.append(step.logs, line, limits.maxStepLogLines, maxChars);
    if (this.s.log === this.ownLog) appendLineInPlace(this.s.log as LogView, line, limits.maxLogLines, maxChars);
    else this.s.log = this.ownLog = this.append(this.s.log, line, limits.maxLogLines, maxChars);
  }

  /** The first line of a pass makes a new view (earlier snapshots keep theirs); the rest grow it. */
  private append(list: LogList, line: LogLine, max: number, maxChars: number): LogList {
    if (list instanceof LogView && this.o.has(list)) {
      appendLineInPlace(list, line, max, maxChars);
      return list;
    }
    return this.o.own(appendLine(list, line, max, maxChars));
  }

  private flushPending(step: Step): void {
    const keys = Object.keys(step.pending);
    if (!keys.some((k) => step.pending[k])) return;
    for (const key of keys) {
      const rest = step.pending[key];
      if (rest) this.addLine(step, Number(key), rest, undefined);
    }
    step.pending = this.o.own({});
  }

  private warning(e: BuildEventOf<'warning'>): void {
    if (this.s.warnings.length >= this.s.limits.maxWarnings) return;
    const range = e.ranges[0];
    const warnings = this.o.writable(this.s.warnings);
    this.s.warnings = warnings;
    warnings.push({
      ...(e.vertex ? { step: e.vertex } : {}),
      ...(e.level !== undefined ? { level: e.level } : {}),
      short: e.short,
      detail: e.detail,
      ...(e.url ? { url: e.url } : {}),
      ...(e.file ? { file: e.file } : {}),
      ...(range ? { line: range.start } : {}),
      snippet: range && e.source ? snippetAround(e.source, range.start, Math.max(range.start, range.end)) : [],
    });
  }

  private text(text: string): void {
    if (this.s.messages.length >= this.s.limits.maxMessages) return;
    const messages = this.o.writable(this.s.messages);
    this.s.messages = messages;
    messages.push(text);
  }

  private failAt(step: Step): void {
    this.s.error = {
      ...(this.s.error ?? { snippet: [] }),
      message: this.s.error?.message ?? step.error ?? 'failed',
      step: step.id,
      lane: step.lane,
      lastLogLines: this.lastLines(step),
    };
  }

  private lastLines(step: Step): string[] {
    const lines = lastLogLines(step.logs, LAST_LOG_LINES).map((l) => l.text);
    for (const rest of Object.values(step.pending)) if (rest) lines.push(rest);
    return lines.slice(-LAST_LOG_LINES);
  }

  private errorBlock(e: BuildEventOf<'error'>): void {
    const prev: BuildFailure = this.s.error ?? { message: e.message, snippet: [], lastLogLines: [] };
    this.s.error = {
      ...prev,
      // buildx's line is the complete story ("failed to solve: process ... exit code: 3").
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.line !== undefined ? { line: e.line } : {}),
      snippet: e.snippet.length > 0 ? e.snippet : prev.snippet,
    };
  }

  private finished(e: BuildEventOf<'finished'>): void {
    const steps = this.s.steps;
    for (const id of Object.keys(steps)) {
      const current = steps[id] as Step;
      const open = current.completedAt === undefined && current.error === undefined;
      if (!open && !Object.values(current.pending).some(Boolean)) continue;
      const step = this.writableStep(id) as Step;
      this.flushPending(step);
      if (open && current.startedAt !== undefined && e.ok) {
        step.completedAt = e.at;
        step.durationMs = Math.max(0, e.at - current.startedAt);
        step.state = stepStateOf(step);
      } else if (open) {
        // The solve ended under it (cancel, or another platform failed): it did not fail itself.
        step.state = 'cancelled';
      }
      this.dirtyLanes.add(step.lane);
    }
    const startedAt = this.s.startedAt ?? e.at;
    this.s.finishedAt = e.at;
    this.s.status = e.cancelled ? 'cancelled' : e.ok ? 'succeeded' : 'failed';
    this.s.result = {
      ok: e.ok,
      cancelled: e.cancelled,
      exitCode: e.exitCode,
      ...(e.digest ? { digest: e.digest } : {}),
      ...(e.imageId ? { imageId: e.imageId } : {}),
      ...(e.imageName ? { imageName: e.imageName } : {}),
      ...(e.ref ? { ref: e.ref } : {}),
      durationMs: Math.max(0, e.at - startedAt),
    };
    if (!e.ok && !e.cancelled) {
      const prev = this.s.error;
      const failing = prev?.step ? this.s.steps[prev.step] : undefined;
      // A class the core knows (the engine or builder went away, a timeout) says what happened better
      // than buildx's transport error ("Unavailable: error reading from server: EOF"); keep that as the cause.
      const classified = e.errorCode !== undefined && e.errorCode !== 'BUILD_FAILED' && e.errorMessage !== undefined;
      this.s.error = {
        message: (classified ? e.errorMessage : prev?.message) ?? e.errorMessage ?? 'The build failed.',
        ...(classified && prev?.message && prev.message !== e.errorMessage ? { cause: prev.message } : {}),
        snippet: prev?.snippet ?? [],
        lastLogLines: failing ? this.lastLines(failing) : (prev?.lastLogLines ?? []),
        ...(prev?.step ? { step: prev.step } : {}),
        ...(prev?.lane ? { lane: prev.lane } : {}),
        ...(prev?.file ? { file: prev.file } : {}),
        ...(prev?.line !== undefined ? { line: prev.line } : {}),
        ...(e.errorCode ? { code: e.errorCode } : prev?.code ? { code: prev.code } : {}),
        ...(e.hint ? { hint: e.hint } : prev?.hint ? { hint: prev.hint } : {}),
      };
    } else if (e.cancelled) {
      delete this.s.error;
    }
    for (const l of this.s.lanes) this.dirtyLanes.add(l.key);
  }

  // -- lanes -----------------------------------------------------------------------------------

  private refreshLane(key: string): void {
    const lane = this.writableLane(key);
    if (!lane) return;
    lane.summary = summarizeLane(lane, this.s);
  }
}
