import { useRef, useState } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { FileUp, FilterX, History, Info, Plus, Radio, Terminal } from 'lucide-react';
import type { HistoryNotice, HistoryRecordItem } from '../../../../electron/common/contracts/history';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, commandKey, invoke, invokeOrThrow, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { useNow } from '../../lib/use-now';
import { useRerunEntry } from '../builds/start';
import { openNewBuild } from '../builds/ui-store';
import { OpenFileDialog, RemoveRecordDialog } from './Dialogs';
import { HistoryFiltersBar } from './HistoryFilters';
import { bakeActions, RecordRow } from './RecordRow';
import { hasFilters, NO_FILTERS, recordsInput, setHistoryFilters, useHistoryUi } from './history-ui';
import { showOpenDialog, useOpenFile } from './open-file';
import { RecordDetail } from './RecordDetail';
import { groupRecords } from './records';
import { useWatchLease } from './use-watch';
import styles from './HistoryView.module.css';

const PAGE = 50;

/** Re-runs need BuildDeck's stored request: only builds BuildDeck ran have one. */
function useRerunRecord(onError: (error: AppError) => void) {
  const rerunEntry = useRerunEntry();
  return async (item: HistoryRecordItem) => {
    if (item.kind === 'bake') {
      const error = await bakeActions().then((m) => m.rerunRecordedBake(item.id, item.source.contextDir ?? ''));
      if (error) onError(error);
      return;
    }
    if (!item.buildId) return;
    const entry = await invoke('history.get', { buildId: item.buildId });
    if (!entry.ok) {
      onError(entry.error);
      return;
    }
    const result = await rerunEntry(entry.value);
    if (!result.ok) onError(result.error);
  };
}

export function Notices({ notices }: { notices: HistoryNotice[] }) {
  if (notices.length === 0) return null;
  return (
    <ul className={styles.notices} data-testid="history-notices">
      {notices.map((n) => (
        <li key={`${n.kind}:${n.builder ?? ''}`} className={styles.notice} data-kind={n.kind}>
          <Info size={14} aria-hidden className={styles.noticeIcon} />
          <span>
            <strong>{n.message}</strong>
            {n.kind === 'buildx-too-old' && n.requiredVersion ? (
              <span className={styles.noticeSub}>
                {' '}
                Installed: buildx {n.installedVersion ?? 'unknown'}. Builds from other clients need buildx{' '}
                {n.requiredVersion} or newer; BuildDeck’s own builds are listed meanwhile.
              </span>
            ) : null}
            {n.hint ? <span className={styles.noticeSub}> {n.hint}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

function FileFailure() {
  const failure = useOpenFile((s) => s.failure);
  const dialog = useOpenFile((s) => s.dialog);
  if (!failure || dialog) return null;
  return (
    <div className={styles.fileError} role="alert" data-testid="open-record-error">
      <strong>Could not open {failure.path}</strong>
      <span>{failure.error.message}</span>
      {failure.error.hint ? <span className={styles.sub}>{failure.error.hint}</span> : null}
    </div>
  );
}

function RecordList() {
  const queryClient = useQueryClient();
  const filters = useHistoryUi((s) => s.filters);
  const openDialog = useOpenFile((s) => s.dialog);
  const now = useNow();
  const [actionError, setActionError] = useState<AppError | undefined>();
  const [removing, setRemoving] = useState<HistoryRecordItem | undefined>();
  const rerun = useRerunRecord(setActionError);
  const capabilities = useCommand('history.capabilities', {}, { staleTime: 60_000 });
  useWatchLease();
  const input = recordsInput(filters);
  // The first page read when the list opens (and after a removal) asks BuildKit now rather than
  // taking the poller's last answer; later refetches (events, filters) use the poller's.
  const fresh = useRef(true);
  const pages = useInfiniteQuery({
    queryKey: [...commandKey('history.records', input), 'pages'],
    queryFn: ({ pageParam }) => {
      const refresh = pageParam === undefined && fresh.current;
      fresh.current = false;
      return invokeOrThrow('history.records', {
        ...input,
        limit: PAGE,
        ...(pageParam ? { before: pageParam } : {}),
        ...(refresh ? { refresh } : {}),
      });
    },
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.items.length === PAGE ? last.items[last.items.length - 1]?.startedAt : undefined),
  });
  const first = pages.data?.pages[0];
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const rows = groupRecords(items);
  const notices = [
    ...(capabilities.data?.notice ? [capabilities.data.notice] : []),
    ...(first?.notices ?? []).filter((n) => n.kind !== capabilities.data?.notice?.kind),
  ];

  const header = (
    <header className={styles.header}>
      <div className={styles.titleRow}>
        <h1 className={styles.title}>History</h1>
        {first ? (
          <span className={styles.count} data-testid="history-total" aria-label={`${first.total} builds`}>
            {first.total}
          </span>
        ) : null}
        {items.some((i) => i.status === 'running') ? (
          <span className={styles.liveNote} role="status">
            <Radio size={12} aria-hidden /> {items.filter((i) => i.status === 'running').length} running
          </span>
        ) : null}
      </div>
      <div className={styles.headerActions}>
        <Button
          variant="secondary"
          onClick={() => showOpenDialog()}
          icon={<FileUp size={14} aria-hidden />}
          title="Open a .dockerbuild file (or drop one on the window)"
          data-testid="open-record"
        >
          Open .dockerbuild…
        </Button>
        <Button
          variant="primary"
          onClick={() => openNewBuild(undefined, { focus: true })}
          icon={<Plus size={14} aria-hidden />}
        >
          New build
        </Button>
      </div>
    </header>
  );

  let body;
  if (pages.isError) {
    body = (
      <ErrorState error={appErrorOf(pages.error)} onRetry={() => void pages.refetch()} retrying={pages.isFetching} />
    );
  } else if (!pages.data) {
    body = (
      <div className={styles.loading} aria-busy="true">
        <p className="visually-hidden" role="status">
          Loading history…
        </p>
        {[0, 1, 2, 3, 4].map((i) => (
          <Skeleton key={i} height={38} />
        ))}
      </div>
    );
  } else if (items.length === 0) {
    body = hasFilters(filters) ? (
      <EmptyState icon={<FilterX size={22} />} title="No builds match these filters">
        <Button onClick={() => setHistoryFilters(NO_FILTERS)}>Clear filters</Button>
      </EmptyState>
    ) : (
      <EmptyState
        icon={<History size={22} />}
        title="No builds yet"
        actions={
          <>
            <Button
              variant="primary"
              onClick={() => openNewBuild(undefined, { focus: true })}
              icon={<Plus size={14} aria-hidden />}
            >
              Start a build
            </Button>
            <Button onClick={() => showOpenDialog()} icon={<FileUp size={14} aria-hidden />}>
              Open .dockerbuild…
            </Button>
          </>
        }
      >
        <p>
          Every build your builders run shows up here: from BuildDeck, and from <Terminal size={12} aria-hidden />{' '}
          <code>docker buildx build</code>, compose, bake or CI scripts, live while they run.
        </p>
      </EmptyState>
    );
  } else {
    body = (
      <div className={styles.tableWrap}>
        <table className={styles.table} data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">Result</th>
              <th scope="col">Build</th>
              <th scope="col">Client</th>
              <th scope="col">Builder</th>
              <th scope="col">Platforms</th>
              <th scope="col" className={styles.num}>
                Started
              </th>
              <th scope="col" className={styles.num}>
                Took
              </th>
              <th scope="col" className={styles.num}>
                Cached
              </th>
              <th scope="col">Digest / error</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ item, depth }) => (
              <RecordRow
                key={item.id}
                item={item}
                depth={depth}
                now={now}
                onRerun={(i) => {
                  setActionError(undefined);
                  void rerun(i);
                }}
                onRemove={setRemoving}
              />
            ))}
          </tbody>
        </table>
        {pages.hasNextPage ? (
          <div className={styles.more}>
            <Button onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
              {pages.isFetchingNextPage ? 'Loading…' : 'Load older builds'}
            </Button>
          </div>
        ) : null}
      </div>
    );
  }

  return (
    <div className={styles.view}>
      {header}
      <Notices notices={notices} />
      <FileFailure />
      <HistoryFiltersBar builders={first?.facets.builders ?? []} folders={first?.facets.folders ?? []} />
      {actionError ? <ErrorState error={actionError} variant="inline" subject="Re-run" /> : null}
      {body}
      {openDialog ? <OpenFileDialog /> : null}
      {removing ? (
        <RemoveRecordDialog
          items={[removing]}
          onCancel={() => setRemoving(undefined)}
          onRemoved={() => {
            setRemoving(undefined);
            fresh.current = true;
            void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[1]).startsWith('history.') });
          }}
        />
      ) : null}
    </div>
  );
}

export function HistoryView() {
  const open = useHistoryUi((s) => s.open);
  return open ? <RecordDetail key={open} id={open} /> : <RecordList />;
}
