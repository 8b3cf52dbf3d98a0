import { useEffect, useRef, useState } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { FileUp, FilterX, History, Info, Plus, Radio, RotateCw, Search, Terminal, Trash2 } from 'lucide-react';
import type { BuildStatus } from '../../../../electron/common/contracts/builds';
import type { HistoryNotice, HistoryRecordItem } from '../../../../electron/common/contracts/history';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, commandKey, invoke, invokeOrThrow, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { useNow } from '../../lib/use-now';
import { formatDuration, percent, shortDigest } from '../builds/format';
import { StatusIcon } from '../builds/live/BuildDetails';
import { useRerunEntry } from '../builds/start';
import { openNewBuild } from '../builds/ui-store';
import { useDebounced } from '../builds/use-debounced';
import { OpenFileDialog, RemoveRecordDialog } from './Dialogs';
import {
  hasFilters,
  NO_FILTERS,
  openHistoryEntry,
  recordsInput,
  setHistoryFilters,
  useHistoryUi,
  type HistoryFilters,
} from './history-ui';
import { showOpenDialog, useOpenFile } from './open-file';
import { RecordDetail } from './RecordDetail';
import { builderStateLabel, canRemove, groupRecords, ORIGIN_LABEL, recordTitle, sourceText } from './records';
import { useWatchLease } from './use-watch';
import styles from './HistoryView.module.css';

/**
 * A bake's row opens (or re-runs) it on the Bake view, where its project and live lanes are; the
 * bake feature loads on demand.
 */
const bakeActions = () => import('../bake/bake-actions');
const openEntry = (item: HistoryRecordItem) =>
  item.kind === 'bake'
    ? void bakeActions().then((m) =>
        m.openRecordedBake(item.id, item.source.contextDir ?? '', item.status === 'running'),
      )
    : openHistoryEntry(item.id);

const PAGE = 50;

export const STATUS_LABEL: Record<BuildStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

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

function Row({
  item,
  depth,
  now,
  onRerun,
  onRemove,
}: {
  item: HistoryRecordItem;
  depth: number;
  now: number;
  onRerun: (item: HistoryRecordItem) => void;
  onRemove: (item: HistoryRecordItem) => void;
}) {
  const title = recordTitle(item);
  const running = item.status === 'running';
  const state = builderStateLabel(item.builderState);
  const total = item.counts.total;
  return (
    <tr
      className={`${styles.row} ${depth > 0 ? styles.child : ''}`}
      data-testid="history-row"
      data-status={item.status}
      data-record-id={item.id}
      data-build-id={item.buildId}
      data-origin={item.origin}
    >
      <td>
        <span className={`${styles.status} ${styles[`tone_${item.status}`] ?? ''}`}>
          <StatusIcon status={item.status} size={14} />
          {STATUS_LABEL[item.status]}
        </span>
      </td>
      <td className={styles.nameCell}>
        <button type="button" className={styles.open} onClick={() => openEntry(item)} data-testid="history-open">
          <span className={styles.nameLine}>
            <span className={styles.name}>{title}</span>
            {item.kind === 'bake' ? <span className={styles.badge}>bake · {item.children?.length ?? 0}</span> : null}
          </span>
          <span className={`${styles.path} mono`} title={sourceText(item.source)}>
            {sourceText(item.source)}
          </span>
        </button>
      </td>
      <td>
        <span
          className={`${styles.origin} ${styles[`origin_${item.origin}`] ?? ''}`}
          title={
            item.origin === 'external'
              ? 'Started outside BuildDeck: a terminal, compose, bake or a script'
              : item.origin === 'file'
                ? `Read from ${item.stored.file ?? 'a .dockerbuild file'}`
                : 'Started from BuildDeck (window, tray, CLI or serve)'
          }
          data-testid="history-origin"
        >
          {ORIGIN_LABEL[item.origin]}
        </span>
      </td>
      <td>
        <span className={styles.builder}>
          {item.builder || '—'}
          {state ? (
            <span className={styles.stateBadge} title={state.title} data-testid="builder-state">
              {state.text}
            </span>
          ) : null}
        </span>
        {item.driver ? <span className={styles.sub}>{item.driver}</span> : null}
      </td>
      <td>
        <span className={styles.platforms}>
          {item.platforms.map((p) => (
            <span key={p} className={`${styles.platform} mono`}>
              {p}
            </span>
          ))}
        </span>
      </td>
      <td className={styles.num}>
        <RelativeTime ms={item.startedAt} />
      </td>
      <td className={styles.num}>
        {running ? formatDuration(now - item.startedAt, { whole: true }) : formatDuration(item.durationMs)}
      </td>
      <td
        className={styles.num}
        title={total > 0 ? `${item.counts.cached} of ${total} steps came from the cache` : undefined}
        data-testid="history-cached"
      >
        {total > 0 && !running ? (
          <>
            {item.counts.cached}/{total} <span className={styles.sub}>{percent(item.cacheHitRatio)}</span>
          </>
        ) : (
          '—'
        )}
      </td>
      <td className={`${styles.digest} mono`} title={item.digest ?? item.error}>
        {item.digest ? (
          shortDigest(item.digest)
        ) : item.error ? (
          <span className={item.status === 'failed' ? styles.errorText : styles.noteText}>{item.error}</span>
        ) : (
          '—'
        )}
      </td>
      <td className={styles.actions}>
        {running ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => openEntry(item)}
            icon={<Radio size={13} aria-hidden />}
            aria-label={`Watch ${title} live`}
            data-testid="history-live"
          >
            Live
          </Button>
        ) : null}
        {!running && (item.buildId || item.kind === 'bake') ? (
          <Button
            variant="ghost"
            size="sm"
            iconOnly
            aria-label={`Re-run ${title}`}
            title="Re-run with the same options"
            onClick={() => onRerun(item)}
            icon={<RotateCw size={13} aria-hidden />}
            data-testid="history-rerun"
          />
        ) : null}
        {canRemove(item) ? (
          <Button
            variant="ghost"
            size="sm"
            iconOnly
            aria-label={`Remove the record of ${title}`}
            title="Remove this record…"
            onClick={() => onRemove(item)}
            icon={<Trash2 size={13} aria-hidden />}
            data-testid="history-delete"
          />
        ) : null}
      </td>
    </tr>
  );
}

function Filters({ builders, folders }: { builders: string[]; folders: string[] }) {
  const filters = useHistoryUi((s) => s.filters);
  // The text box is local while typing; the query follows once typing pauses.
  const [text, setText] = useState(filters.text);
  const settled = useDebounced(text, 250);
  useEffect(() => {
    if (settled !== useHistoryUi.getState().filters.text) setHistoryFilters({ text: settled });
  }, [settled]);
  // Cleared from elsewhere ("Clear filters" in the empty state): adjust while rendering, React's pattern.
  const [seenText, setSeenText] = useState(filters.text);
  if (seenText !== filters.text) {
    setSeenText(filters.text);
    if (filters.text === '') setText('');
  }
  const select = (key: 'builder' | 'status' | 'folder', value: string) => setHistoryFilters({ [key]: value });
  return (
    <div className={styles.filters} role="search" aria-label="Filter builds">
      <label className={`${styles.filter} ${styles.textFilter}`}>
        <span>Search</span>
        <span className={styles.searchBox}>
          <Search size={13} aria-hidden />
          <input
            type="search"
            value={text}
            placeholder="Name, folder, tag, ref, error…"
            onChange={(e) => setText(e.target.value)}
            data-testid="filter-text"
          />
        </span>
      </label>
      <label className={styles.filter}>
        <span>Builder</span>
        <select
          value={filters.builder}
          onChange={(e) => select('builder', e.target.value)}
          data-testid="filter-builder"
        >
          <option value="">All builders</option>
          {builders.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Result</span>
        <select value={filters.status} onChange={(e) => select('status', e.target.value)} data-testid="filter-status">
          <option value="">Any result</option>
          {(Object.keys(STATUS_LABEL) as BuildStatus[]).map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Folder</span>
        <select value={filters.folder} onChange={(e) => select('folder', e.target.value)} data-testid="filter-folder">
          <option value="">All folders</option>
          {folders.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Started from</span>
        <select
          value={filters.origin}
          onChange={(e) => setHistoryFilters({ origin: e.target.value as HistoryFilters['origin'] })}
          data-testid="filter-origin"
        >
          <option value="all">Anywhere</option>
          <option value="builddeck">BuildDeck</option>
          <option value="external">CLI and other clients</option>
        </select>
      </label>
      {hasFilters(filters) ? (
        <Button
          variant="ghost"
          size="sm"
          className={styles.clear}
          onClick={() => setHistoryFilters(NO_FILTERS)}
          icon={<FilterX size={13} aria-hidden />}
        >
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}

/** Notices the list shows once at the top (old buildx, a stopped builder) instead of failing. */
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
              <Row
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
      <Filters builders={first?.facets.builders ?? []} folders={first?.facets.folders ?? []} />
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
