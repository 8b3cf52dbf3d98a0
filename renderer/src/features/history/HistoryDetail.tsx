import { useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, Pencil, Radio, RotateCw, Trash2 } from 'lucide-react';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, invoke, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { BuildDetails } from '../builds/live/BuildDetails';
import { requestToDraft, rowId } from '../builds/new/form-model';
import { useRerunEntry } from '../builds/start';
import { openBuild, openNewBuild } from '../builds/ui-store';
import { historyToSnapshot } from './history-snapshot';
import { openHistoryEntry } from './history-ui';
import { LiveTimingPanel } from './TimingPanel';
import styles from './HistoryView.module.css';

/** One stored build: the same lanes, outcome and logs as the live view, from the database. */
export function HistoryDetail({ buildId }: { buildId: string }) {
  const queryClient = useQueryClient();
  const query = useCommand('history.get', { buildId });
  const entry = query.data;
  const command = useCommand('builds.commandLine', entry?.request ?? { contextDir: '/' }, {
    enabled: entry !== undefined,
    staleTime: Infinity,
  });
  const argv = command.data?.argv;
  const snapshot = useMemo(() => (entry ? historyToSnapshot(entry, argv ?? []) : undefined), [entry, argv]);
  const rerunEntry = useRerunEntry();
  const [error, setError] = useState<AppError | undefined>();
  const [confirming, setConfirming] = useState(false);

  const back = (
    <Button
      variant="ghost"
      size="sm"
      onClick={() => openHistoryEntry(undefined)}
      icon={<ArrowLeft size={14} aria-hidden />}
      data-testid="history-back"
    >
      History
    </Button>
  );

  if (query.isError) {
    return (
      <div className={styles.detailError}>
        {back}
        <ErrorState error={appErrorOf(query.error)} onRetry={() => void query.refetch()} retrying={query.isFetching} />
      </div>
    );
  }
  if (!entry || !snapshot) {
    return (
      <div className={styles.view} aria-busy="true">
        <p className="visually-hidden" role="status">
          Loading the build…
        </p>
        {back}
        <Skeleton width="40%" height={22} />
        <Skeleton height={160} />
        <Skeleton height={300} />
      </div>
    );
  }

  const running = entry.item.status === 'running';

  const remove = async () => {
    const result = await invoke('history.delete', { buildId });
    if (!result.ok) {
      setError(result.error);
      setConfirming(false);
      return;
    }
    openHistoryEntry(undefined);
    void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[1]).startsWith('history.') });
  };

  const actions = running ? (
    <Button variant="primary" onClick={() => openBuild(buildId)} icon={<Radio size={14} aria-hidden />}>
      Open live view
    </Button>
  ) : confirming ? (
    <span className={styles.confirm} role="group" aria-label="Confirm delete">
      <span>Delete this build from history?</span>
      <Button
        size="sm"
        className={styles.danger}
        autoFocus
        onClick={() => void remove()}
        data-testid="history-delete-confirm"
      >
        Delete
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
        Keep
      </Button>
    </span>
  ) : (
    <>
      <Button
        variant="ghost"
        iconOnly
        aria-label="Delete from history"
        title="Delete from history"
        onClick={() => setConfirming(true)}
        icon={<Trash2 size={14} aria-hidden />}
        data-testid="history-delete"
      />
      <Button
        variant="ghost"
        onClick={() => {
          const draft = requestToDraft(entry.request);
          draft.secrets = entry.secretIds.map((id) => ({ id: rowId(), secretId: id, source: 'file', ref: '' }));
          openNewBuild(draft);
        }}
        icon={<Pencil size={14} aria-hidden />}
      >
        Edit
      </Button>
      <Button
        variant="primary"
        onClick={() => {
          setError(undefined);
          void rerunEntry(entry).then((result) => {
            if (!result.ok) setError(result.error);
          });
        }}
        icon={<RotateCw size={14} aria-hidden />}
        data-testid="history-rerun"
      >
        Re-run
      </Button>
    </>
  );

  return (
    <div className={styles.detail} data-testid="history-detail">
      <div className={styles.detailBar}>
        {back}
        {entry.logsTruncated ? (
          <span className={styles.note}>Only the last {entry.logs.length.toLocaleString()} log lines were kept.</span>
        ) : null}
      </div>
      {error ? <ErrorState error={error} variant="inline" subject="History" /> : null}
      <BuildDetails snapshot={snapshot} actions={actions} origin={<span className={styles.origin}>from history</span>}>
        <LiveTimingPanel snapshot={snapshot} />
      </BuildDetails>
    </div>
  );
}
