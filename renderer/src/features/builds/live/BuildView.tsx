import { memo, useDeferredValue, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Octagon, Pencil, RotateCw } from 'lucide-react';
import type { BuildInfo, BuildRequestInput } from '../../../../../electron/common/contracts/builds';
import type { AppError } from '../../../../../electron/common/errors';
import { invoke, useCommand } from '../../../api/client';
import { Button } from '../../../components/Button';
import { ErrorState } from '../../../components/ErrorState';
import { Skeleton } from '../../../components/Skeleton';
import { trackBuild, useLiveBuilds } from '../live-store';
import { requestToDraft, rowId } from '../new/form-model';
import { chord, useCancelShortcut } from '../shortcuts';
import { useRerunEntry, useStartBuild } from '../start';
import { openNewBuild } from '../ui-store';
import { BuildDetails } from './BuildDetails';
import { useCancel } from './use-cancel';
import styles from './BuildView.module.css';
import laneStyles from './Lanes.module.css';

/** What a build ran with, as far as the snapshot tells (no build args, secrets or outputs). */
export function requestFromInfo(info: BuildInfo | undefined): BuildRequestInput | undefined {
  if (!info) return undefined;
  return {
    contextDir: info.contextDir,
    ...(info.dockerfile ? { dockerfile: info.dockerfile } : {}),
    builder: info.builder,
    platforms: info.platforms,
    tags: info.tags,
    ...(info.target ? { target: info.target } : {}),
  };
}

/**
 * The snapshot's details, subscribed on their own: a progress batch re-renders these, not the view
 * around them (its queries, cancel and re-run state), which only reads the status and build info.
 *
 * They render one snapshot behind, at transition priority. The live store publishes a batch in an
 * animation frame (live-store.ts); rendering the whole view there (lanes, the log's rows, the commit
 * and the follow-tail layout) made that frame hold a batch's whole work, and a streaming build
 * dropped frames (test/bench/renderer-frames.bench.ts). Deferred, the frame only sees the
 * snapshot change (the element below is the same object, so React skips the view), and the view
 * renders and commits in a task of its own right after it, time-sliced; the next frame paints it.
 * The header's actions are deferred with it: at a build's end they change with the status, and
 * the old snapshot with the new buttons would be a render of the whole view in that frame.
 */
const LiveDetails = memo(function LiveDetails({
  buildId,
  actions: latestActions,
}: {
  buildId: string;
  actions: ReactNode;
}) {
  const latest = useLiveBuilds((s) => s.builds[buildId]?.snapshot);
  const snapshot = useDeferredValue(latest);
  const actions = useDeferredValue(latestActions);
  return useMemo(() => (snapshot ? <BuildDetails snapshot={snapshot} actions={actions} /> : null), [snapshot, actions]);
});

/** The live view of one build from this core (running or recent). */
export function BuildView({ buildId }: { buildId: string }) {
  useEffect(() => trackBuild(buildId), [buildId]);
  // Selected field by field (each is stable across log appends), not the whole tracked build.
  const status = useLiveBuilds((s) => s.builds[buildId]?.snapshot?.status);
  const info = useLiveBuilds((s) => s.builds[buildId]?.snapshot?.info);
  const loadError = useLiveBuilds((s) => s.builds[buildId]?.error);
  const loading = useLiveBuilds((s) => s.builds[buildId]?.loading ?? false);
  const request = useLiveBuilds((s) => s.requests[buildId]);
  const running = status === 'running';
  const { cancelling, cancel, error: cancelError } = useCancel(() => invoke('builds.cancel', { buildId }), running);
  const start = useStartBuild();
  const rerunEntry = useRerunEntry();
  // History's record of an ended build (its full request, for Edit and Re-run) is asked for once the
  // page is idle: asked as the build ends, the request started in the commit of the frame that
  // shows the build's last lines and its Outcome panel, the longest frame at the end of a streaming
  // build (renderer-frames bench). Until it answers, Edit and Re-run use what the build reported.
  const ended = status !== undefined && !running;
  const [idleFor, setIdleFor] = useState<string | undefined>();
  useEffect(() => {
    if (!ended || idleFor === buildId) return undefined;
    if (typeof requestIdleCallback !== 'function') {
      const timer = setTimeout(() => setIdleFor(buildId), 0);
      return () => clearTimeout(timer);
    }
    const idle = requestIdleCallback(() => setIdleFor(buildId), { timeout: 1_000 });
    return () => cancelIdleCallback(idle);
  }, [ended, idleFor, buildId]);
  const historyEntry = useCommand(
    'history.get',
    { buildId },
    { enabled: request === undefined && ended && idleFor === buildId, staleTime: 60_000 },
  );
  const [rerunError, setRerunError] = useState<AppError | undefined>();
  // Esc (outside text fields) or Ctrl/Cmd+. cancels the build on screen.
  useCancelShortcut(cancel);

  if (status === undefined) {
    if (loadError) {
      return <ErrorState error={loadError} onRetry={() => trackBuild(buildId)} retrying={loading} />;
    }
    return (
      <div className={styles.view} aria-busy="true" data-testid="build-loading">
        <p className="visually-hidden" role="status">
          Loading the build…
        </p>
        <Skeleton width="40%" height={22} />
        <Skeleton width="70%" />
        <div className={laneStyles.lanes}>
          <Skeleton height={220} />
          <Skeleton height={220} />
        </div>
      </div>
    );
  }

  // The full request: this window's, else history's (without secret sources), else what the build reported.
  const stored = historyEntry.data;
  const known = request ?? stored?.request ?? requestFromInfo(info);
  const full = request !== undefined || stored !== undefined;
  const rerun = async () => {
    setRerunError(undefined);
    const result = request === undefined && stored ? await rerunEntry(stored) : known ? await start(known) : undefined;
    if (result && !result.ok) setRerunError(result.error);
  };
  const edit = () => {
    if (!known) return;
    const draft = requestToDraft(known);
    if (request === undefined && stored && stored.secretIds.length > 0) {
      draft.secrets = stored.secretIds.map((id) => ({ id: rowId(), secretId: id, source: 'file', ref: '' }));
    }
    openNewBuild(draft);
  };

  const actions = running ? (
    <Button
      variant="secondary"
      className={styles.cancel}
      onClick={() => void cancel()}
      disabled={cancelling}
      aria-keyshortcuts="Escape Control+. Meta+."
      title={`Cancel (Esc or ${chord('.')})`}
      data-testid="cancel-build"
      icon={<Octagon size={14} aria-hidden />}
    >
      {cancelling ? 'Cancelling…' : 'Cancel'}
    </Button>
  ) : (
    <>
      {known ? (
        <Button
          variant="ghost"
          onClick={edit}
          title={full ? 'Open the form with these options' : 'Open the form with the options this build reported'}
          icon={<Pencil size={14} aria-hidden />}
        >
          Edit
        </Button>
      ) : null}
      {known ? (
        <Button
          variant="primary"
          onClick={() => void rerun()}
          title={full ? 'Run again with the same options' : 'Run again (folder, builder, platforms, tags and target)'}
          data-testid="rerun-build"
          icon={<RotateCw size={14} aria-hidden />}
        >
          Re-run
        </Button>
      ) : null}
    </>
  );

  return (
    <>
      {cancelError ? <ErrorState error={cancelError} variant="inline" subject="Cancel" /> : null}
      {rerunError ? <ErrorState error={rerunError} variant="inline" subject="Re-run" /> : null}
      <LiveDetails buildId={buildId} actions={actions} />
    </>
  );
}
