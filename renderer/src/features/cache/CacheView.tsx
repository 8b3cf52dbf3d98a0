import { useEffect, useId, useState } from 'react';
import { Database, Power, RefreshCw } from 'lucide-react';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, invoke, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { CodeSnippet } from '../../components/CodeSnippet';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { CacheSummary } from './CacheSummaryBlock';
import { HousekeepingPanel } from './HousekeepingPanel';
import { PrunePanel } from './PrunePanel';
import { RecordsTable } from './RecordsTable';
import { useBuilderOptions, useCacheUsage } from './use-cache';
import styles from './CacheView.module.css';

const SOURCE_LABEL = {
  'engine-api': 'Docker Engine API',
  'buildkit-api': 'BuildKit API in its container',
  'buildctl-json': 'buildctl du in its BuildKit container',
  'buildx-json': 'docker buildx du --format json',
  'buildx-verbose': 'docker buildx du --verbose',
} as const;

function Loading() {
  return (
    <div className={styles.loading} aria-busy="true">
      <p className="visually-hidden" role="status">
        Reading the build cache…
      </p>
      <div className={styles.skeletonCards} aria-hidden>
        {[0, 1, 2, 3, 4].map((i) => (
          <div key={i} className={styles.skeletonCard}>
            <Skeleton width={70} />
            <Skeleton width={110} height={22} />
            <Skeleton width={80} />
          </div>
        ))}
      </div>
      <div className={styles.skeletonBlock} aria-hidden>
        <Skeleton width={90} height={14} />
        <Skeleton height={10} />
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} width={`${70 - i * 20}%`} />
        ))}
      </div>
    </div>
  );
}

/** A stopped docker-container/kubernetes builder can be started from here (builders.bootstrap). */
function StartBuilder({ name, onStarted }: { name: string; onStarted: () => void }) {
  const [state, setState] = useState<{ busy: boolean; error?: AppError }>({ busy: false });
  const start = async () => {
    setState({ busy: true });
    const r = await invoke('builders.bootstrap', { name });
    if (r.ok) {
      setState({ busy: false });
      onStarted();
    } else {
      setState({ busy: false, error: r.error });
    }
  };
  return (
    <div className={styles.startBar} role="region" aria-label="Start the builder">
      <Power size={16} aria-hidden className={styles.startIcon} />
      <span>
        <strong>{name}</strong> is not running. Start it to read its cache.
        {state.error ? <span className={styles.startError}> {state.error.message}</span> : null}
      </span>
      <Button
        variant="primary"
        onClick={() => void start()}
        disabled={state.busy}
        aria-busy={state.busy}
        icon={<Power size={14} aria-hidden />}
      >
        {state.busy ? 'Starting…' : 'Start builder'}
      </Button>
    </div>
  );
}

export function CacheView() {
  const { builders, options } = useBuilderOptions();
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const selectId = useId();
  // A picked builder that disappears (removed elsewhere) falls back to the current one.
  const builder = picked && options.some((o) => o.name === picked) ? picked : options[0]?.name;
  const usage = useCacheUsage(builder);
  const selected = options.find((o) => o.name === builder);
  const trend = useCommand(
    'cache.trend',
    { builder: builder ?? 'default', range: '7d' },
    { enabled: builder !== undefined },
  );
  const { refetch: refetchTrend } = trend;
  // Every read of the usage adds a sample: follow it.
  useEffect(() => {
    if (usage.dataUpdatedAt > 0) void refetchTrend();
  }, [usage.dataUpdatedAt, refetchTrend]);

  const refresh = () => {
    if (!usage.isFetching) void usage.refetch();
  };
  const listError: AppError | undefined = builders.isError ? appErrorOf(builders.error) : undefined;
  const data = usage.data;

  return (
    <div className={styles.view}>
      <header className={styles.header}>
        <div className={styles.titleBlock}>
          <h1 className={styles.title}>Cache</h1>
          <p className={styles.meta}>
            {data && usage.dataUpdatedAt > 0 ? (
              <>
                Read via <span title={`Source: ${data.source}`}>{SOURCE_LABEL[data.source]}</span> in{' '}
                {Math.round(data.durationMs)} ms
                <span className={styles.metaSep} aria-hidden>
                  ·
                </span>
                refreshed <RelativeTime ms={usage.dataUpdatedAt} />
              </>
            ) : usage.isError ? (
              'Could not read the cache'
            ) : (
              'What each builder’s cache holds, and what is safe to remove'
            )}
          </p>
        </div>
        <div className={styles.controls}>
          <label htmlFor={selectId} className={styles.selectLabel}>
            Builder
          </label>
          <select
            id={selectId}
            className={styles.select}
            value={builder ?? ''}
            onChange={(e) => setPicked(e.target.value)}
            disabled={options.length === 0}
            data-testid="cache-builder"
          >
            {options.length === 0 ? <option value="">{builders.isLoading ? 'Loading…' : 'No builders'}</option> : null}
            {options.map((o) => (
              <option key={o.name} value={o.name}>
                {o.name} ({o.driver}){o.current ? ' · current' : ''}
                {o.down ? ' · not running' : ''}
              </option>
            ))}
          </select>
          <Button
            variant="secondary"
            onClick={refresh}
            disabled={!builder}
            aria-busy={usage.isFetching}
            icon={<RefreshCw size={14} aria-hidden className={usage.isFetching ? 'spin' : undefined} />}
          >
            {usage.isFetching ? 'Reading…' : 'Refresh'}
          </Button>
        </div>
      </header>

      {listError ? (
        <ErrorState error={listError} onRetry={() => void builders.refetch()} retrying={builders.isFetching} />
      ) : usage.isError ? (
        <>
          {builder && appErrorOf(usage.error).details?.['canBootstrap'] === true ? (
            <StartBuilder name={builder} onStarted={refresh} />
          ) : null}
          <ErrorState error={appErrorOf(usage.error)} onRetry={refresh} retrying={usage.isFetching} />
        </>
      ) : !data || !builder ? (
        <Loading />
      ) : (
        <>
          {data.precision.size === 'rounded' ? (
            <p className={styles.note}>
              {selected?.name ?? data.builder} is read through <code>docker buildx du</code>, which rounds sizes to 4
              significant digits and last use to “N hours ago”. Totals match its summary; BuildDeck takes each last-use
              time as recent as the rounding allows.
            </p>
          ) : null}
          <CacheSummary usage={data} trend={trend.data} />
          {data.records.length === 0 ? (
            <EmptyState icon={<Database size={22} />} title={`No build cache on ${data.builder}`}>
              <p>Build something on this builder and its layers, contexts and cache mounts show up here:</p>
              <CodeSnippet code={`docker buildx build --builder ${data.builder} .`} />
            </EmptyState>
          ) : (
            <>
              <PrunePanel key={data.builder} builder={data.builder} />
              <RecordsTable records={data.records} roundedTimes={data.precision.lastUsedAt === 'rounded'} />
            </>
          )}
          <HousekeepingPanel builder={data.builder} />
        </>
      )}
    </div>
  );
}
