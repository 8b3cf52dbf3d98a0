import { useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, Download, Pencil, RotateCw, Trash2 } from 'lucide-react';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { useLiveRecord } from '../builds/live-store';
import { BuildDetails } from '../builds/live/BuildDetails';
import { requestToDraft, rowId } from '../builds/new/form-model';
import { useRerunEntry } from '../builds/start';
import { openNewBuild } from '../builds/ui-store';
import { ExportRecordDialog, RemoveRecordDialog } from './Dialogs';
import { openHistoryEntry } from './history-ui';
import { useOpenFile } from './open-file';
import { recordToSnapshot, withRecordInfo } from './record-snapshot';
import { DockerfileView, RecordFacts } from './RecordFacts';
import { ORIGIN_LABEL, builderStateLabel, canRemove } from './records';
import { RunsPanel } from './RunsPanel';
import { LiveTimingPanel, TimingPanel } from './TimingPanel';
import { waterfallFromTiming } from './timing';
import { useWatchLease } from './use-watch';
import { WhyPanel } from './WhyPanel';
import styles from './HistoryView.module.css';

const LOG_LIMIT = 20_000;

/**
 * One build record from any client: the same header, outcome, lanes and logs as a live build (a
 * running record is attached and reduced live), then what the record adds: source, configuration,
 * dependencies, results, timing, runs over time and why the cache missed.
 */
export function RecordDetail({ id }: { id: string }) {
  const queryClient = useQueryClient();
  useWatchLease();
  const details = useCommand('history.details', { id });
  const item = details.data?.item;
  const running = item?.status === 'running';
  const live = useLiveRecord(id, running);
  const logs = useCommand('history.logs', { id, limit: LOG_LIMIT }, { enabled: item !== undefined && !running });
  const request = details.data?.builddeck?.request;
  const command = useCommand('builds.commandLine', request ?? { contextDir: '/' }, {
    enabled: request !== undefined,
    staleTime: Infinity,
  });
  const argv = command.data?.argv;
  const stored = useMemo(
    () => (details.data && !running ? recordToSnapshot(details.data, logs.data?.lines ?? [], argv ?? []) : undefined),
    [details.data, running, logs.data, argv],
  );
  const liveSnapshot = live?.snapshot;
  const withInfo = useMemo(
    () => (liveSnapshot && details.data ? withRecordInfo(liveSnapshot, details.data) : liveSnapshot),
    [liveSnapshot, details.data],
  );
  const snapshot = running ? withInfo : stored;
  const rerunEntry = useRerunEntry();
  const [error, setError] = useState<AppError | undefined>();
  const [dialog, setDialog] = useState<'remove' | 'export' | undefined>();
  const moreInFile = useOpenFile((s) => s.more);

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

  if (details.isError) {
    return (
      <div className={styles.detailError}>
        {back}
        <ErrorState
          error={appErrorOf(details.error)}
          onRetry={() => void details.refetch()}
          retrying={details.isFetching}
        />
      </div>
    );
  }
  if (running && live?.error && !live.snapshot) {
    return (
      <div className={styles.detailError}>
        {back}
        <ErrorState error={live.error} subject="Live view" />
      </div>
    );
  }
  if (!details.data || !item || !snapshot) {
    return (
      <div className={styles.view} aria-busy="true" data-testid="history-detail-loading">
        <p className="visually-hidden" role="status">
          Loading the build…
        </p>
        {back}
        <Skeleton width="40%" height={22} />
        <Skeleton height={120} />
        <Skeleton height={260} />
      </div>
    );
  }
  const data = details.data;
  const builddeck = data.builddeck;
  const state = builderStateLabel(item.builderState);

  const actions = (
    <>
      {item.stored.buildkit && !running ? (
        <Button
          variant="ghost"
          onClick={() => setDialog('export')}
          icon={<Download size={14} aria-hidden />}
          title="Save this record as a .dockerbuild file"
          data-testid="record-export"
        >
          Export
        </Button>
      ) : null}
      {canRemove(item) ? (
        <Button
          variant="ghost"
          iconOnly
          aria-label="Remove this record"
          title="Remove this record…"
          onClick={() => setDialog('remove')}
          icon={<Trash2 size={14} aria-hidden />}
          data-testid="history-delete"
        />
      ) : null}
      {builddeck && !running ? (
        <>
          <Button
            variant="ghost"
            onClick={() => {
              const draft = requestToDraft(builddeck.request);
              draft.secrets = builddeck.secretIds.map((s) => ({ id: rowId(), secretId: s, source: 'file', ref: '' }));
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
              void rerunEntry(builddeck).then((result) => {
                if (!result.ok) setError(result.error);
              });
            }}
            icon={<RotateCw size={14} aria-hidden />}
            data-testid="history-rerun"
          >
            Re-run
          </Button>
        </>
      ) : null}
    </>
  );

  const origin = (
    <>
      <span className={styles.originBadge} title={item.stored.file ? `Read from ${item.stored.file}` : undefined}>
        {ORIGIN_LABEL[item.origin]}
      </span>
      {state ? (
        <span className={styles.stateBadge} title={state.title}>
          builder {state.text}
        </span>
      ) : null}
    </>
  );

  return (
    <div className={styles.detail} data-testid="history-detail" data-record-id={id} data-status={item.status}>
      <div className={styles.detailBar}>
        {back}
        {moreInFile && item.origin === 'file' ? (
          <span className={styles.note}>
            {moreInFile.path} holds {moreInFile.count} more {moreInFile.count === 1 ? 'record' : 'records'}: they are
            listed in History.
          </span>
        ) : null}
        {logs.data?.truncated ? (
          <span className={styles.note}>
            Only the last {logs.data.lines.length.toLocaleString()} log lines are shown.
          </span>
        ) : null}
      </div>
      {data.gaps.length > 0 ? (
        <ul className={styles.gaps} data-testid="record-gaps">
          {data.gaps.map((g) => (
            <li key={g}>{g}</li>
          ))}
        </ul>
      ) : null}
      {error ? <ErrorState error={error} variant="inline" subject="Re-run" /> : null}
      <BuildDetails snapshot={snapshot} actions={actions} origin={origin} logSource={{ streamId: snapshot.buildId }}>
        <RecordFacts details={data} />
        {data.source.dockerfile ? (
          // A failure already shows the lines around the error above: the whole file folds away.
          <DockerfileView dockerfile={data.source.dockerfile} collapsed={(data.error?.snippet.length ?? 0) > 0} />
        ) : null}
        {running ? (
          <LiveTimingPanel snapshot={snapshot} />
        ) : data.timing ? (
          <TimingPanel waterfall={waterfallFromTiming(data.timing, data.steps)} />
        ) : (
          <LiveTimingPanel snapshot={snapshot} />
        )}
        {item.origin !== 'file' ? (
          <div className={styles.insights}>
            <RunsPanel id={id} />
            <WhyPanel id={id} />
          </div>
        ) : (
          <WhyPanel id={id} />
        )}
      </BuildDetails>
      {dialog === 'export' ? (
        <ExportRecordDialog item={item} suggestedDir={data.source.contextDir} onClose={() => setDialog(undefined)} />
      ) : null}
      {dialog === 'remove' ? (
        <RemoveRecordDialog
          items={[item]}
          onCancel={() => setDialog(undefined)}
          onRemoved={() => {
            setDialog(undefined);
            openHistoryEntry(undefined);
            void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[1]).startsWith('history.') });
          }}
        />
      ) : null}
    </div>
  );
}
