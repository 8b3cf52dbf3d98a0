import { lazy, useEffect, useState } from 'react';
import { Activity, Layers, LoaderCircle, Plus, RefreshCw } from 'lucide-react';
import type { BuilderHealth } from '../../../../electron/common/contracts/builders';
import { Button } from '../../components/Button';
import { CodeSnippet } from '../../components/CodeSnippet';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { BuilderCard } from './BuilderCard';
import { EngineStrip } from './EngineStrip';
import { FleetWarnings } from './FleetWarnings';
import { useBuilderQueriesLive, useFleetHealth } from './use-builder-ops';
import { useBuildersView, type ShownSnapshot } from './use-builders';
import styles from './BuildersView.module.css';

// The list is what the window opens on; the create form (with the contract's validation, zod) and a
// builder's details page load when first opened (App's Suspense shows placeholders meanwhile).
const CreateBuilderPage = lazy(() => import('./CreateBuilderPage').then((m) => ({ default: m.CreateBuilderPage })));
const BuilderDetailsPage = lazy(() => import('./BuilderDetailsPage').then((m) => ({ default: m.BuilderDetailsPage })));

/** F5, Ctrl+R and Cmd+R refresh the list instead of reloading the page. */
function useRefreshShortcut(refresh: () => void): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const isReloadChord =
        event.key === 'F5' ||
        ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'r');
      if (!isReloadChord) return;
      event.preventDefault();
      refresh();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [refresh]);
}

function LoadingList() {
  return (
    <div className={styles.list} aria-busy="true">
      <p className="visually-hidden" role="status">
        Loading builders…
      </p>
      {[0, 1, 2].map((index) => (
        <div key={index} className={styles.skeletonCard} aria-hidden>
          <div className={styles.skeletonHeader}>
            <Skeleton width={120} height={14} />
            <Skeleton width={90} height={18} />
          </div>
          {[0, 1].map((row) => (
            <div key={row} className={styles.skeletonRow}>
              <Skeleton width="12%" />
              <Skeleton width="22%" />
              <Skeleton width={70} height={16} />
              <Skeleton width={80} />
              <Skeleton width="30%" />
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

function NoBuilders({ onCreate }: { onCreate: () => void }) {
  return (
    <EmptyState icon={<Layers size={22} />} title="No builders yet">
      <p>buildx did not report any builder. Create one that runs BuildKit in a container:</p>
      <Button variant="primary" onClick={onCreate} icon={<Plus size={14} aria-hidden />}>
        New builder
      </Button>
      <CodeSnippet code="docker buildx create --name builder --driver docker-container --use" />
    </EmptyState>
  );
}

function BuilderList({
  snapshot,
  health,
  checking,
  onOpen,
  onCreate,
}: {
  snapshot: ShownSnapshot;
  health: BuilderHealth[] | undefined;
  checking: boolean;
  onOpen: (name: string) => void;
  onCreate: () => void;
}) {
  if (snapshot.builders.length === 0) return <NoBuilders onCreate={onCreate} />;
  return (
    <div className={styles.list}>
      {snapshot.builders.map((builder) => (
        <BuilderCard
          key={builder.name}
          builder={builder}
          health={health?.find((h) => h.name === builder.name)}
          checking={checking}
          onOpen={() => onOpen(builder.name)}
        />
      ))}
    </div>
  );
}

/** Which page of the Builders feature is shown: the list, the create form, or one builder. */
type Page =
  | { kind: 'list' }
  | { kind: 'create'; appendTo?: { name: string; driver: string } }
  | { kind: 'details'; name: string };

export function BuildersView() {
  const [page, setPage] = useState<Page>({ kind: 'list' });
  useBuilderQueriesLive();
  const { builders, engine } = useBuildersView();
  const back = () => setPage({ kind: 'list' });
  if (page.kind === 'create') {
    return (
      <CreateBuilderPage
        existing={builders.data?.builders.map((b) => ({ name: b.name, driver: b.driver })) ?? []}
        appendTo={page.appendTo}
        onCancel={back}
        onCreated={(name) => setPage({ kind: 'details', name })}
      />
    );
  }
  if (page.kind === 'details') {
    return (
      <BuilderDetailsPage
        name={page.name}
        cpus={engine.data?.cpus ?? 1}
        onBack={back}
        onAddNode={(appendTo) => setPage({ kind: 'create', appendTo })}
      />
    );
  }
  return (
    <BuildersList onOpen={(name) => setPage({ kind: 'details', name })} onCreate={() => setPage({ kind: 'create' })} />
  );
}

function BuildersList({ onOpen, onCreate }: { onOpen: (name: string) => void; onCreate: () => void }) {
  const { builders, snapshot, stale, engine, buildx, refresh, blockingError, isFetching } = useBuildersView();
  const health = useFleetHealth();
  const doRefresh = () => {
    if (!isFetching) void refresh();
  };
  useRefreshShortcut(doRefresh);

  const count = snapshot?.builders.length;

  return (
    <div className={styles.view}>
      <header className={styles.header}>
        <div className={styles.titleBlock}>
          <div className={styles.titleRow}>
            <h1 className={styles.title}>Builders</h1>
            {count !== undefined ? (
              <span className={styles.count} aria-label={`${count} builders`}>
                {count}
              </span>
            ) : null}
          </div>
          <p className={styles.meta} aria-live="off">
            {snapshot && stale ? (
              <>
                <LoaderCircle size={12} aria-hidden className="spin" /> Checking each builder
                <span className={styles.metaSep} aria-hidden>
                  ·
                </span>
                <span>
                  list as last seen <RelativeTime ms={Date.parse(snapshot.refreshedAt)} />
                </span>
              </>
            ) : snapshot && builders.dataUpdatedAt > 0 ? (
              <>
                Refreshed <RelativeTime ms={builders.dataUpdatedAt} />
                <span className={styles.metaSep} aria-hidden>
                  ·
                </span>
                <span title={`Read by the core at ${snapshot.refreshedAt}`}>
                  read in {Math.round(snapshot.durationMs)} ms
                </span>
              </>
            ) : builders.isError ? (
              'Could not read builders'
            ) : (
              'Reading builders…'
            )}
          </p>
        </div>
        <div className={styles.headerActions}>
          <Button
            variant="secondary"
            onClick={() => {
              // A builder made outside BuildDeck shows up in the same pass: the refresh cancels a list
              // read in flight rather than being skipped for it.
              void refresh();
              void health.refetch();
            }}
            aria-busy={health.isFetching}
            title="Check every builder now, each within the health bound"
            data-testid="health-button"
            icon={
              health.isFetching ? (
                <LoaderCircle size={14} aria-hidden className="spin" />
              ) : (
                <Activity size={14} aria-hidden />
              )
            }
          >
            {health.isFetching ? 'Checking…' : 'Check health'}
          </Button>
          <Button
            variant="secondary"
            className={styles.refresh}
            onClick={doRefresh}
            aria-busy={isFetching}
            aria-keyshortcuts="F5 Control+R"
            title="Refresh (F5)"
            data-testid="refresh-button"
            icon={<RefreshCw size={14} aria-hidden className={isFetching ? 'spin' : undefined} />}
          >
            {isFetching ? 'Refreshing…' : 'Refresh'}
          </Button>
          <Button variant="primary" onClick={onCreate} icon={<Plus size={14} aria-hidden />} data-testid="new-builder">
            New builder
          </Button>
        </div>
      </header>

      {blockingError ? (
        <ErrorState error={blockingError} onRetry={doRefresh} retrying={isFetching} />
      ) : (
        <>
          <EngineStrip engine={engine} buildx={buildx} onRetry={doRefresh} retrying={isFetching} />
          {health.data ? <FleetWarnings warnings={health.data.warnings} /> : null}
          {snapshot ? (
            <BuilderList
              snapshot={snapshot}
              health={health.data?.builders}
              checking={health.isFetching}
              onOpen={onOpen}
              onCreate={onCreate}
            />
          ) : (
            <LoadingList />
          )}
        </>
      )}
    </div>
  );
}
