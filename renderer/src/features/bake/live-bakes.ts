import { useEffect } from 'react';
import { create } from 'zustand';
import type { EventPayload } from '../../../../electron/common/contract';
import type { BakeRequestInput, BakeSnapshot } from '../../../../electron/common/contracts/bake';
import type { AppError } from '../../../../electron/common/errors';
import { applyBakeProgress } from '../../../../electron/common/progress';
import { getBridge, onEventsReconnected } from '../../api/bridge';
import { invoke } from '../../api/client';
import { applyInOrder } from '../../lib/apply-in-order';

/**
 * Live bake snapshots, fed by the shared bake reducer: `bake.get` first, then only the
 * `bake.progressed` batches past `snapshot.eventCount` (batches that arrive meanwhile wait in a
 * buffer; a gap refetches). The same joining rule as builds (features/builds/live-store.ts).
 */
type Progressed = EventPayload<'bake.progressed'>;

export interface TrackedBake {
  snapshot?: BakeSnapshot;
  loading: boolean;
  error?: AppError;
  buffer: Progressed[];
}

interface LiveBakes {
  bakes: Record<string, TrackedBake>;
  /** What this window started, by bake id (re-run needs the whole request). */
  requests: Record<string, BakeRequestInput>;
}

export const useLiveBakes = create<LiveBakes>(() => ({ bakes: {}, requests: {} }));

function patch(bakeId: string, change: Partial<TrackedBake>): void {
  useLiveBakes.setState((s) => {
    const prev = s.bakes[bakeId];
    return prev ? { bakes: { ...s.bakes, [bakeId]: { ...prev, ...change } } } : s;
  });
}

const applyAll = (snapshot: BakeSnapshot, batches: readonly Progressed[]) =>
  applyInOrder(snapshot, batches, applyBakeProgress);

async function load(bakeId: string, attempt = 0): Promise<void> {
  patch(bakeId, { loading: true });
  const result = await invoke('bake.get', { bakeId });
  const tracked = useLiveBakes.getState().bakes[bakeId];
  if (!tracked) return;
  if (!result.ok) {
    patch(bakeId, { loading: false, error: result.error, buffer: [] });
    return;
  }
  const base =
    tracked.snapshot && tracked.snapshot.eventCount > result.value.eventCount ? tracked.snapshot : result.value;
  const { snapshot, gap } = applyAll(base, tracked.buffer);
  const retry = gap && attempt < 3;
  useLiveBakes.setState((s) => {
    const prev = s.bakes[bakeId];
    if (!prev) return s;
    const next: TrackedBake = { ...prev, snapshot, loading: retry, buffer: retry ? prev.buffer : [] };
    delete next.error;
    return { bakes: { ...s.bakes, [bakeId]: next } };
  });
  if (retry) await load(bakeId, attempt + 1);
}

export function trackBake(bakeId: string): void {
  const existing = useLiveBakes.getState().bakes[bakeId];
  if (existing) {
    // Back on a running bake after the view was away: events were not listened to meanwhile.
    if (!existing.loading && (existing.error || existing.snapshot?.status === 'running')) void load(bakeId);
    return;
  }
  useLiveBakes.setState((s) => ({ bakes: { ...s.bakes, [bakeId]: { loading: true, buffer: [] } } }));
  void load(bakeId);
}

export function rememberBakeRequest(bakeId: string, request: BakeRequestInput): void {
  useLiveBakes.setState((s) => ({ requests: { ...s.requests, [bakeId]: request } }));
}

function onProgressed(payload: Progressed): void {
  const tracked = useLiveBakes.getState().bakes[payload.bakeId];
  if (!tracked) return;
  if (tracked.loading || !tracked.snapshot) {
    patch(payload.bakeId, { buffer: [...tracked.buffer, payload] });
    return;
  }
  const { snapshot, gap } = applyAll(tracked.snapshot, [payload]);
  if (snapshot !== tracked.snapshot) patch(payload.bakeId, { snapshot });
  if (gap) void load(payload.bakeId);
}

/** Bake events while the Bake view is mounted (it is loaded on demand, so it subscribes itself). */
export function useLiveBakeEvents(): void {
  useEffect(() => {
    const bridge = getBridge();
    const offProgress = bridge.on('bake.progressed', onProgressed);
    const offFinished = bridge.on('bake.finished', (payload) => {
      const tracked = useLiveBakes.getState().bakes[payload.bakeId];
      if (tracked?.snapshot?.status === 'running' && !tracked.loading) {
        setTimeout(() => {
          const again = useLiveBakes.getState().bakes[payload.bakeId];
          if (again?.snapshot?.status === 'running' && !again.loading) void load(payload.bakeId);
        }, 500);
      }
    });
    const offReconnect = onEventsReconnected(() => {
      for (const [id, t] of Object.entries(useLiveBakes.getState().bakes))
        if (t.snapshot?.status === 'running' || t.error) void load(id);
    });
    return () => {
      offProgress();
      offFinished();
      offReconnect();
    };
  }, []);
}

export function useLiveBake(bakeId: string): TrackedBake | undefined {
  useEffect(() => trackBake(bakeId), [bakeId]);
  return useLiveBakes((s) => s.bakes[bakeId]);
}
