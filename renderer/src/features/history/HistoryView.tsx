import { useState } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { FilterX, History, Plus, RotateCw, Trash2 } from 'lucide-react';
import type { BuildStatus } from '../../../../electron/common/contracts/builds';
import type { HistoryItem } from '../../../../electron/common/contracts/history';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, commandKey, invoke, invokeOrThrow, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { baseName, formatDuration, percent, shortDigest } from '../builds/format';
import { StatusIcon } from '../builds/live/BuildDetails';
import { useRerunEntry } from '../builds/start';
import { openNewBuild } from '../builds/ui-store';
import { HistoryDetail } from './HistoryDetail';
import { openHistoryEntry, setHistoryFilters, useHistoryUi, type HistoryFilters } from './history-ui';
import styles from './HistoryView.module.css';

const PAGE = 50;

const STATUS_LABEL: Record<BuildStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

function listInput(filters: HistoryFilters) {
  return {
    ...(filters.contextDir ? { contextDir: filters.contextDir } : {}),
    ...(filters.builder ? { builder: filters.builder } : {}),
    ...(filters.status ? { status: filters.status } : {}),
  };
}

/** Deletes after an inline "Delete? Yes / No", never on the first click. */
function DeleteButton({ item, onDeleted }: { item: HistoryItem; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | undefined>();
  if (item.status === 'running') return null;
  if (!confirming) {
    return (
      <Button
        variant="ghost"
        size="sm"
        iconOnly
        aria-label={`Delete ${baseName(item.contextDir)} build from history`}
        title="Delete from history"
        onClick={() => setConfirming(true)}
        icon={<Trash2 size={13} aria-hidden />}
        data-testid="history-delete"
      />
    );
  }
  return (
    <span className={styles.confirm} role="group" aria-label="Confirm delete">
      <span>{error ? error.message : 'Delete?'}</span>
      <Button
        size="sm"
        className={styles.danger}
        disabled={busy}
        autoFocus
        data-testid="history-delete-confirm"
        onClick={() => {
          setBusy(true);
          void invoke('history.delete', { buildId: item.buildId }).then((result) => {
            setBusy(false);
            if (result.ok) onDeleted();
            else setError(result.error);
          });
        }}
      >
        Delete
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
        Keep
      </Button>
    </span>
  );
}

function Row({ item, onRerun }: { item: HistoryItem; onRerun: (item: HistoryItem) => void }) {
  const queryClient = useQueryClient();
  const name = item.tags[0] ?? baseName(item.contextDir);
  return (
    <tr className={styles.row} data-testid="history-row" data-status={item.status} data-build-id={item.buildId}>
      <td>
        <span className={`${styles.status} ${styles[`tone_${item.status}`] ?? ''}`}>
          <StatusIcon status={item.status} size={14} />
          {STATUS_LABEL[item.status]}
        </span>
      </td>
      <td className={styles.nameCell}>
        <button
          type="button"
          className={styles.open}
          onClick={() => openHistoryEntry(item.buildId)}
          data-testid="history-open"
        >
          <span className={styles.name}>{name}</span>
          <span className={`${styles.path} mono`} title={item.contextDir}>
            {item.contextDir}
          </span>
        </button>
      </td>
      <td>
        <span className={styles.builder}>{item.builder}</span>
        <span className={styles.sub}>{item.driver}</span>
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
      <td className={styles.num}>{item.status === 'running' ? '…' : formatDuration(item.durationMs)}</td>
      <td className={styles.num} title={`${item.cachedSteps} of ${item.steps} steps from the cache`}>
        {item.steps > 0 ? (
          <>
            {item.cachedSteps}/{item.steps} <span className={styles.sub}>{percent(item.cachedSteps / item.steps)}</span>
          </>
        ) : (
          '—'
        )}
      </td>
      <td className={`${styles.digest} mono`} title={item.digest}>
        {item.digest ? (
          shortDigest(item.digest)
        ) : item.error ? (
          <span className={item.status === 'failed' ? styles.errorText : styles.noteText} title={item.error}>
            {item.error}
          </span>
        ) : (
          '—'
        )}
      </td>
      <td className={styles.actions}>
        {item.status !== 'running' ? (
          <Button
            variant="ghost"
            size="sm"
            iconOnly
            aria-label={`Re-run ${name}`}
            title="Re-run with the same options"
            onClick={() => onRerun(item)}
            icon={<RotateCw size={13} aria-hidden />}
            data-testid="history-rerun"
          />
        ) : null}
        <DeleteButton
          item={item}
          onDeleted={() =>
            void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[1]).startsWith('history.') })
          }
        />
      </td>
    </tr>
  );
}

function Filters({ folders, builders }: { folders: string[]; builders: string[] }) {
  const filters = useHistoryUi((s) => s.filters);
  const active = Boolean(filters.contextDir || filters.builder || filters.status);
  return (
    <div className={styles.filters} role="search" aria-label="Filter builds">
      <label className={styles.filter}>
        <span>Folder</span>
        <select
          value={filters.contextDir}
          onChange={(e) => setHistoryFilters({ contextDir: e.target.value })}
          data-testid="filter-folder"
        >
          <option value="">All folders</option>
          {folders.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Builder</span>
        <select
          value={filters.builder}
          onChange={(e) => setHistoryFilters({ builder: e.target.value })}
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
        <select
          value={filters.status}
          onChange={(e) => setHistoryFilters({ status: e.target.value as BuildStatus | '' })}
          data-testid="filter-status"
        >
          <option value="">Any result</option>
          {(Object.keys(STATUS_LABEL) as BuildStatus[]).map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      {active ? (
        <Button
          variant="ghost"
          size="sm"
          onClick={() => setHistoryFilters({ contextDir: '', builder: '', status: '' })}
          icon={<FilterX size={13} aria-hidden />}
        >
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}

function HistoryList() {
  const filters = useHistoryUi((s) => s.filters);
  const rerunEntry = useRerunEntry();
  const [rerunError, setRerunError] = useState<AppError | undefined>();
  // Unfiltered, for the filter choices: the folders and builders that appear in history.
  const facets = useCommand('history.list', { limit: 500 });
  const input = listInput(filters);
  const pages = useInfiniteQuery({
    queryKey: [...commandKey('history.list', input), 'pages'],
    queryFn: ({ pageParam }) =>
      invokeOrThrow('history.list', { ...input, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.items.length === PAGE ? last.items[last.items.length - 1]?.startedAt : undefined),
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const total = pages.data?.pages[0]?.total;
  const folders = [...new Set((facets.data?.items ?? []).map((i) => i.contextDir))].sort();
  const builders = [...new Set((facets.data?.items ?? []).map((i) => i.builder))].sort();

  const rerun = async (item: HistoryItem) => {
    setRerunError(undefined);
    const entry = await invoke('history.get', { buildId: item.buildId });
    if (!entry.ok) {
      setRerunError(entry.error);
      return;
    }
    const result = await rerunEntry(entry.value);
    if (!result.ok) setRerunError(result.error);
  };

  if (pages.isError)
    return (
      <ErrorState error={appErrorOf(pages.error)} onRetry={() => void pages.refetch()} retrying={pages.isFetching} />
    );

  const filtered = Boolean(filters.contextDir || filters.builder || filters.status);
  return (
    <div className={styles.view}>
      <header className={styles.header}>
        <div className={styles.titleRow}>
          <h1 className={styles.title}>History</h1>
          {total !== undefined ? (
            <span className={styles.count} aria-label={`${total} builds`} data-testid="history-total">
              {total}
            </span>
          ) : null}
        </div>
        <Button
          variant="primary"
          onClick={() => openNewBuild(undefined, { focus: true })}
          icon={<Plus size={14} aria-hidden />}
        >
          New build
        </Button>
      </header>
      <Filters folders={folders} builders={builders} />
      {rerunError ? <ErrorState error={rerunError} variant="inline" subject="Re-run" /> : null}
      {!pages.data ? (
        <div className={styles.loading} aria-busy="true">
          <p className="visually-hidden" role="status">
            Loading history…
          </p>
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} height={34} />
          ))}
        </div>
      ) : items.length === 0 ? (
        filtered ? (
          <EmptyState icon={<FilterX size={22} />} title="No builds match these filters">
            <Button onClick={() => setHistoryFilters({ contextDir: '', builder: '', status: '' })}>
              Clear filters
            </Button>
          </EmptyState>
        ) : (
          <EmptyState
            icon={<History size={22} />}
            title="No builds yet"
            actions={
              <Button
                variant="primary"
                onClick={() => openNewBuild(undefined, { focus: true })}
                icon={<Plus size={14} aria-hidden />}
              >
                Start a build
              </Button>
            }
          >
            <p>
              Every build BuildDeck runs (window, tray or CLI) is recorded here with its steps, cache hits and logs.
            </p>
          </EmptyState>
        )
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table} data-testid="history-table">
            <thead>
              <tr>
                <th scope="col">Result</th>
                <th scope="col">Build</th>
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
              {items.map((item) => (
                <Row key={item.buildId} item={item} onRerun={(i) => void rerun(i)} />
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
      )}
    </div>
  );
}

export function HistoryView() {
  const open = useHistoryUi((s) => s.open);
  return open ? <HistoryDetail key={open} buildId={open} /> : <HistoryList />;
}
