import { useState } from 'react';
import { ArrowLeft, CircleAlert, Play, Plus, RefreshCw, Square, Star, Trash2 } from 'lucide-react';
import { appErrorOf, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { parseTime } from '../../lib/format';
import { ActionProgress } from './ActionProgress';
import { DriverBadge } from './DriverBadge';
import { FleetWarnings } from './FleetWarnings';
import { HealthBadge } from './HealthBadge';
import { NodeCard } from './NodeCard';
import { RemoveBuilderDialog } from './RemoveBuilderDialog';
import { useBuilderAction, useFleetHealth } from './use-builder-ops';
import styles from './BuilderDetailsPage.module.css';

export interface BuilderDetailsPageProps {
  name: string;
  cpus: number;
  onBack: () => void;
  onAddNode: (builder: { name: string; driver: string }) => void;
}

export function BuilderDetailsPage({ name, cpus, onBack, onAddNode }: BuilderDetailsPageProps) {
  const details = useCommand('builders.inspect', { name, logLines: 200 });
  const health = useFleetHealth();
  const { state, run, reset } = useBuilderAction();
  const [confirming, setConfirming] = useState(false);
  const [removed, setRemoved] = useState<{ name: string; warnings: string[] } | undefined>();
  const b = details.data;
  const running = b?.driver === 'docker-container' && b.nodes.some((n) => n.container?.running);
  const stats = useCommand(
    'builders.stats',
    { name },
    { enabled: running && !removed, refetchInterval: 3000, staleTime: 0 },
  );
  const busy = state.status === 'running';

  if (removed) {
    return (
      <div className={styles.page}>
        <header className={styles.header}>
          <Button variant="ghost" onClick={onBack} icon={<ArrowLeft size={14} aria-hidden />}>
            Builders
          </Button>
        </header>
        <ActionProgress state={state} />
        {removed.warnings.map((w) => (
          <p key={w} className={styles.warn}>
            {w}
          </p>
        ))}
        <p>
          <Button variant="primary" onClick={onBack}>
            Back to builders
          </Button>
        </p>
      </div>
    );
  }

  const header = (
    <header className={styles.header}>
      <Button
        variant="ghost"
        onClick={onBack}
        icon={<ArrowLeft size={14} aria-hidden />}
        disabled={busy}
        data-testid="back"
      >
        Builders
      </Button>
      <h1 className={styles.title}>{name}</h1>
      {b ? <DriverBadge driver={b.driver} /> : null}
      {b?.current ? (
        <span className={styles.current}>
          <Star size={11} aria-hidden /> Current
        </span>
      ) : null}
      <HealthBadge health={health.data?.builders.find((h) => h.name === name)} checking={health.isFetching} />
      <span className={styles.spacer} />
      <Button
        variant="ghost"
        size="sm"
        onClick={() => void details.refetch()}
        aria-busy={details.isFetching}
        icon={<RefreshCw size={13} aria-hidden className={details.isFetching ? 'spin' : undefined} />}
      >
        Refresh
      </Button>
    </header>
  );

  if (details.isError) {
    return (
      <div className={styles.page}>
        {header}
        <ErrorState
          error={appErrorOf(details.error)}
          onRetry={() => void details.refetch()}
          retrying={details.isFetching}
        />
      </div>
    );
  }
  if (!b) {
    return (
      <div className={styles.page} aria-busy="true">
        {header}
        <Skeleton width="40%" height={16} />
        <Skeleton width="100%" height={180} />
      </div>
    );
  }

  const anyRunning = b.nodes.some((n) => n.status === 'running');
  const statsOf = (node: string) => stats.data?.nodes.find((n) => n.node === node)?.stats;

  return (
    <div className={styles.page}>
      {header}
      <div className={styles.actions} role="toolbar" aria-label={`Actions for ${name}`}>
        {b.driver !== 'docker' ? (
          <Button
            variant="secondary"
            icon={<Play size={14} aria-hidden />}
            disabled={busy}
            onClick={() => void run('bootstrap', 'builders.bootstrap', { name })}
            data-testid="action-bootstrap"
          >
            {anyRunning ? 'Start all nodes' : 'Start'}
          </Button>
        ) : null}
        {/* buildx cannot stop a remote daemon (its driver's stop does nothing), so it is not offered. */}
        {b.driver !== 'docker' && b.driver !== 'remote' ? (
          <Button
            variant="secondary"
            icon={<Square size={13} aria-hidden />}
            disabled={busy || !anyRunning}
            onClick={() => void run('stop', 'builders.stop', { name })}
            data-testid="action-stop"
            title="Stops the daemon; its state and cache are kept"
          >
            Stop
          </Button>
        ) : null}
        <Button
          variant="secondary"
          icon={<Star size={14} aria-hidden />}
          disabled={busy || b.current}
          onClick={() => void run('use', 'builders.use', { name })}
          data-testid="action-use"
        >
          {b.current ? 'Current builder' : 'Use as current'}
        </Button>
        {b.driver !== 'docker' ? (
          <Button
            variant="secondary"
            icon={<Plus size={14} aria-hidden />}
            disabled={busy}
            onClick={() => onAddNode({ name, driver: b.driver })}
          >
            Add node
          </Button>
        ) : null}
        <span className={styles.spacer} />
        {b.contextBuilder ? (
          <span className={styles.muted}>The builder of a Docker context; it cannot be removed.</span>
        ) : (
          <Button
            variant="secondary"
            className={styles.removeButton}
            icon={<Trash2 size={14} aria-hidden />}
            disabled={busy}
            onClick={() => setConfirming(true)}
            data-testid="action-remove"
          >
            Remove…
          </Button>
        )}
      </div>
      <ActionProgress state={state} onDismiss={reset} />
      {health.data ? <FleetWarnings warnings={health.data.warnings} only={name} /> : null}
      <p className={styles.meta}>
        {b.live ? 'Read' : 'buildx did not answer in time; showing its stored record, read'}{' '}
        <RelativeTime ms={Date.parse(b.readAt)} />
        {b.lastActivity ? (
          <>
            {' · '}last build <RelativeTime ms={parseTime(b.lastActivity)} emptyLabel="never" />
          </>
        ) : null}
      </p>
      {b.error ? (
        <p className={styles.nodeError} data-testid="node-error">
          <CircleAlert size={14} aria-hidden />
          <span className="mono">{b.error}</span>
        </p>
      ) : null}
      {b.nodes.map((node) => (
        <NodeCard
          key={node.name}
          node={node}
          builder={b}
          stats={statsOf(node.name)}
          cpus={cpus}
          busy={busy}
          onLeave={
            b.nodes.length > 1 ? () => void run('leave', 'builders.leave', { name, node: node.name }) : undefined
          }
        />
      ))}
      {confirming ? (
        <RemoveBuilderDialog
          builder={b}
          onCancel={() => setConfirming(false)}
          onConfirm={(keepState) => {
            setConfirming(false);
            void run('remove', 'builders.remove', { name, keepState }).then((r) => {
              if (r.ok) setRemoved({ name, warnings: r.value.warnings });
            });
          }}
        />
      ) : null}
    </div>
  );
}
