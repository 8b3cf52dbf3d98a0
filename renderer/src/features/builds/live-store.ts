import { useEffect } from 'react';
import { create } from 'zustand';
import type { EventPayload } from '../../../../electron/common/contract';
import type { BuildRequestInput, BuildSnapshot } from '../../../../electron/common/contracts/builds';
import type { AppError } from '../../../../electron/common/errors';
import { applyProgress } from '../../../../electron/common/progress';
import { getBridge, onEventsReconnected } from '../../api/bridge';
import { invoke } from '../../api/client';
import { applyInOrder } from '../../lib/apply-in-order';
import { LogBackfill } from './log-backfill';

/**
 * Live build snapshots for the renderer, fed by the shared reducer.
 *
 * Joining a build (a reload, a build started from the tray or another window): `builds.get` gives
 * the snapshot, then only `build.progressed` events past `snapshot.eventCount` are applied. Batches
 * that arrive while `builds.get` is in flight are buffered and applied after it; a gap (missed
 * events, e.g. the serve-mode socket reconnected) triggers another `builds.get`.
 */

type ProgressPayload = EventPayload<'build.progressed'>;

export interface TrackedBuild {
  /**
   * A record attached through `history.attach` (a build from another client, or one replayed from
   * BuildKit's history) instead of a build this core runs: its events come as `history.progressed`.
   */
  record?: { id: string; streamId?: string; ended?: boolean };
  snapshot?: BuildSnapshot;
  loading: boolean;
  error?: AppError;
  /** Progress that arrived while `builds.get` was in flight. */
  buffer: ProgressPayload[];
  lastUsed: number;
}

interface LiveState {
  builds: Record<string, TrackedBuild>;
  /** What this window asked for, by build id: re-run and "edit and re-run" need the full request. */
  requests: Record<string, BuildRequestInput>;
  /** The request of the last build started from this window (Ctrl/Cmd+Shift+R). */
  lastRequest?: BuildRequestInput;
}

/** Snapshots kept in memory; finished builds beyond this are dropped (history keeps them). */
const MAX_TRACKED = 8;

export const useLiveBuilds = create<LiveState>(() => ({ builds: {}, requests: {} }));

/** Store key of an attached history record (never a build id: those have no colon). */
export const recordKey = (id: string): string => `record:${id}`;
/** Attached streams: stream id → store key. */
const streams = new Map<string, string>();

function patch(buildId: string, change: Partial<TrackedBuild>): void {
  useLiveBuilds.setState((state) => {
    const prev = state.builds[buildId];
    if (!prev) return state;
    return { builds: { ...state.builds, [buildId]: { ...prev, ...change } } };
  });
}

function evict(state: LiveState, keep: string): Record<string, TrackedBuild> {
  const ids = Object.keys(state.builds);
  if (ids.length <= MAX_TRACKED) return state.builds;
  const removable = ids
    .filter((id) => id !== keep && state.builds[id]?.snapshot?.status !== 'running' && !state.builds[id]?.loading)
    .sort((a, b) => (state.builds[a]?.lastUsed ?? 0) - (state.builds[b]?.lastUsed ?? 0));
  const drop = new Set(removable.slice(0, ids.length - MAX_TRACKED));
  return Object.fromEntries(Object.entries(state.builds).filter(([id]) => !drop.has(id)));
}

/** Applies buffered or fresh batches in order; returns the new snapshot and whether a gap showed. */
const applyAll = (snapshot: BuildSnapshot, batches: readonly ProgressPayload[]) =>
  applyInOrder(snapshot, batches, applyProgress);

/** (Re)attaches a history record: the snapshot so far, then `history.progressed` batches. */
async function attach(key: string, id: string): Promise<void> {
  const before = useLiveBuilds.getState().builds[key];
  const oldStream = before?.record?.streamId;
  if (oldStream) {
    streams.delete(oldStream);
    void invoke('history.detach', { streamId: oldStream });
  }
  patch(key, { loading: true, buffer: [] });
  const result = await invoke('history.attach', { id });
  const tracked = useLiveBuilds.getState().builds[key];
  if (!tracked) {
    if (result.ok) void invoke('history.detach', { streamId: result.value.streamId });
    return;
  }
  if (!result.ok) {
    patch(key, { loading: false, error: result.error, buffer: [] });
    return;
  }
  const { streamId, snapshot: base, done } = result.value;
  streams.set(streamId, key);
  const { snapshot } = applyAll(
    base,
    tracked.buffer.filter((b) => b.buildId === streamId),
  );
  useLiveBuilds.setState((state) => {
    const prev = state.builds[key];
    if (!prev) return state;
    const next: TrackedBuild = { ...prev, snapshot, loading: false, buffer: [], record: { id, streamId, ended: done } };
    delete next.error;
    return { builds: { ...state.builds, [key]: next } };
  });
}

async function load(buildId: string, attempt = 0): Promise<void> {
  const record = useLiveBuilds.getState().builds[buildId]?.record;
  if (record) return attach(buildId, record.id);
  patch(buildId, { loading: true });
  const result = await invoke('builds.get', { buildId });
  // Read after the await: the buffer holds every batch that arrived meanwhile.
  const tracked = useLiveBuilds.getState().builds[buildId];
  if (!tracked) return;
  if (!result.ok) {
    patch(buildId, { loading: false, error: result.error, buffer: [] });
    return;
  }
  // A newer snapshot already here (a racing refetch): keep whichever has seen more events.
  const base =
    tracked.snapshot && tracked.snapshot.eventCount > result.value.eventCount ? tracked.snapshot : result.value;
  const { snapshot, gap } = applyAll(base, tracked.buffer);
  // The core reduces before it emits, so a second read cannot be behind a batch; bound it anyway.
  const retry = gap && attempt < 3;
  useLiveBuilds.setState((state) => {
    const prev = state.builds[buildId];
    if (!prev) return state;
    const next: TrackedBuild = { ...prev, snapshot, loading: retry, buffer: retry ? prev.buffer : [] };
    delete next.error;
    return { builds: { ...state.builds, [buildId]: next } };
  });
  if (retry) await load(buildId, attempt + 1);
}

/** Starts following a build (idempotent). */
export function trackBuild(buildId: string): void {
  const existing = useLiveBuilds.getState().builds[buildId];
  if (existing) {
    patch(buildId, { lastUsed: Date.now() });
    if (existing.error && !existing.loading) void load(buildId);
    return;
  }
  useLiveBuilds.setState((state) => {
    const next: LiveState = {
      ...state,
      builds: { ...state.builds, [buildId]: { loading: true, buffer: [], lastUsed: Date.now() } },
    };
    return { builds: evict(next, buildId) };
  });
  void load(buildId);
}

/**
 * Progress since the last frame, by store key, published to the store once per frame so React
 * renders at most once per frame whatever the event rate (the core coalesces a build's events
 * every 50 ms, but several builds, a socket catching up or a busy main thread deliver more than
 * one batch per frame).
 *
 * A batch is reduced when it arrives, in its own task between frames, onto a working snapshot
 * that only the frame publishes: the frame then has React's work left, not the reducer's as well
 * (measured: a third of a streaming build's animation-frame script time was the reducer). Batches
 * that cannot be applied yet (a build still loading, a gap) wait in `waiting` and are handled at
 * the frame as before: buffered behind `builds.get`, or a re-read.
 */
interface Pending {
  /** The store's snapshot the working one was reduced from; another one there voids it. */
  base?: BuildSnapshot | undefined;
  working?: BuildSnapshot | undefined;
  waiting: ProgressPayload[];
  /** A batch came as log tails (`logSync`): the lines before them are loaded back once it calms. */
  flooded?: boolean;
}
const pending = new Map<string, Pending>();

const backfill = new LogBackfill({
  snapshot: (buildId) => useLiveBuilds.getState().builds[buildId]?.snapshot,
  replaceLog: (buildId, base, log) => {
    // Never over a live batch still waiting for its frame: it was reduced from `base`.
    if (pending.has(buildId) || useLiveBuilds.getState().builds[buildId]?.snapshot !== base) return false;
    patch(buildId, { snapshot: { ...base, log } });
    return true;
  },
});
let flushScheduled = false;

/** A hidden window gets no animation frames: the timeout keeps the snapshot current there. */
const HIDDEN_FLUSH_MS = 100;

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  const hasFrames = typeof requestAnimationFrame === 'function';
  const run = () => {
    if (!flushScheduled) return;
    flushScheduled = false;
    if (hasFrames) cancelAnimationFrame(frame);
    clearTimeout(timer);
    flushPending();
  };
  const frame = hasFrames ? requestAnimationFrame(run) : 0;
  const timer = setTimeout(run, hasFrames ? HIDDEN_FLUSH_MS : 0);
}

function flushPending(): void {
  const entries = [...pending];
  pending.clear();
  for (const [key, entry] of entries) {
    const tracked = useLiveBuilds.getState().builds[key];
    if (!tracked) continue;
    // Reduced from what the store still shows: publish it. Otherwise (a `builds.get` answered in
    // between) it is void: that answer already has these events, and any past it are in `waiting`.
    const published = entry.working && entry.base === tracked.snapshot ? entry.working : tracked.snapshot;
    if (tracked.loading || !published) {
      patch(key, { buffer: [...tracked.buffer, ...entry.waiting] });
      continue;
    }
    const { snapshot, gap } = applyAll(published, entry.waiting);
    if (snapshot !== tracked.snapshot) patch(key, { snapshot });
    if (gap) void load(key);
    else if (entry.flooded && !tracked.record) backfill.flooded(key);
  }
}

/**
 * A batch for the build (or attached record) stored under `key`: reduced now when it follows what
 * is known, published at the next frame; a gap means re-read, then go on. Batches that arrive while
 * `builds.get` is in flight are buffered; any still waiting for the frame when it answers are
 * applied past its snapshot (applyInOrder skips what the snapshot already has).
 */
function onProgressed(key: string, payload: ProgressPayload): void {
  const tracked = useLiveBuilds.getState().builds[key];
  if (!tracked) return;
  let entry = pending.get(key);
  if (!entry) pending.set(key, (entry = { waiting: [] }));
  if (entry.base !== tracked.snapshot) {
    entry.base = tracked.snapshot;
    entry.working = tracked.snapshot;
  }
  const applied =
    entry.working && !tracked.loading && entry.waiting.length === 0 ? applyProgress(entry.working, payload) : undefined;
  if (applied && !applied.gap) entry.working = applied.snapshot;
  else entry.waiting.push(payload);
  if (payload.events.at(-1)?.type === 'logSync') entry.flooded = true;
  scheduleFlush();
}

/**
 * Follows a history record live: a build from another client (a terminal, CI, compose) goes
 * through the same reducer into the same lanes as a build BuildDeck started. Idempotent.
 */
export function trackRecord(id: string): void {
  const key = recordKey(id);
  const existing = useLiveBuilds.getState().builds[key];
  if (existing) {
    patch(key, { lastUsed: Date.now() });
    if (existing.error && !existing.loading) void attach(key, id);
    return;
  }
  useLiveBuilds.setState((state) => {
    const next: LiveState = {
      ...state,
      builds: { ...state.builds, [key]: { loading: true, buffer: [], lastUsed: Date.now(), record: { id } } },
    };
    return { builds: evict(next, key) };
  });
  void attach(key, id);
}

/** Stops following a record (its details page closed): the core stops streaming it. */
export function untrackRecord(id: string): void {
  const key = recordKey(id);
  const streamId = useLiveBuilds.getState().builds[key]?.record?.streamId;
  if (streamId) {
    streams.delete(streamId);
    void invoke('history.detach', { streamId });
  }
  useLiveBuilds.setState((state) => {
    if (!state.builds[key]) return state;
    return { builds: Object.fromEntries(Object.entries(state.builds).filter(([k]) => k !== key)) };
  });
}

/** The live snapshot of a history record; attaches while mounted and detaches after. */
export function useLiveRecord(id: string, enabled: boolean): TrackedBuild | undefined {
  useEffect(() => {
    if (!enabled) return undefined;
    trackRecord(id);
    return () => untrackRecord(id);
  }, [id, enabled]);
  return useLiveBuilds((state) => (enabled ? state.builds[recordKey(id)] : undefined));
}

/** Remembers what this window started, for re-run. */
export function rememberRequest(buildId: string, request: BuildRequestInput): void {
  useLiveBuilds.setState((state) => ({ requests: { ...state.requests, [buildId]: request }, lastRequest: request }));
}

/**
 * Subscribes to build events for the app's lifetime; mount once (BuildsShell). Events for builds
 * nobody follows are ignored: opening such a build starts with `builds.get`.
 */
export function useLiveBuildEvents(): void {
  useEffect(() => {
    const bridge = getBridge();
    const offProgress = bridge.on('build.progressed', (payload) => onProgressed(payload.buildId, payload));
    const offRecordProgress = bridge.on('history.progressed', (payload) => {
      const key = streams.get(payload.streamId);
      // The same batch shape; `buildId` carries the stream id (what attach's snapshot is named).
      const batch = { buildId: payload.streamId, firstIndex: payload.firstIndex, events: payload.events };
      if (key) onProgressed(key, batch);
      else {
        // A batch can beat attach's answer: buffer it for whichever record is still attaching.
        for (const [k, tracked] of Object.entries(useLiveBuilds.getState().builds)) {
          if (tracked.record && !tracked.record.streamId && tracked.loading) onProgressed(k, batch);
        }
      }
    });
    const offStreamEnded = bridge.on('history.streamEnded', (payload) => {
      const key = streams.get(payload.streamId);
      if (!key) return;
      streams.delete(payload.streamId);
      const tracked = useLiveBuilds.getState().builds[key];
      if (!tracked?.record) return;
      patch(key, {
        record: { ...tracked.record, ended: true },
        ...(payload.reason === 'failed'
          ? { error: { code: 'INTERNAL', message: payload.error ?? 'The record stream stopped.' } }
          : {}),
      });
    });
    const offFinished = bridge.on('build.finished', (payload) => {
      // The last batch was flushed before this event; a missing one means we lost it.
      const tracked = useLiveBuilds.getState().builds[payload.buildId];
      if (tracked?.snapshot && tracked.snapshot.status === 'running' && !tracked.loading) {
        setTimeout(() => {
          const again = useLiveBuilds.getState().builds[payload.buildId];
          if (again?.snapshot?.status === 'running' && !again.loading) void load(payload.buildId);
        }, 500);
      }
    });
    const offReconnect = onEventsReconnected(() => {
      for (const [key, tracked] of Object.entries(useLiveBuilds.getState().builds)) {
        if (tracked.snapshot?.status === 'running' || tracked.error) void load(key);
      }
    });
    return () => {
      offProgress();
      offRecordProgress();
      offStreamEnded();
      offFinished();
      offReconnect();
    };
  }, []);
}

/** The live snapshot of one build; starts following it. */
export function useLiveBuild(buildId: string): TrackedBuild | undefined {
  useEffect(() => trackBuild(buildId), [buildId]);
  return useLiveBuilds((state) => state.builds[buildId]);
}
