import { useId, useState } from 'react';
import { ChartLine } from 'lucide-react';
import { appErrorOf, useCommand } from '../../api/client';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { formatDateTime } from '../../lib/format';
import { formatDuration, percent } from '../builds/format';
import { ChartBoundary } from './ChartBoundary';
import { LazyRunsChart } from './charts/lazy';
import { openHistoryEntry } from './history-ui';
import { runSeries, type RunPoint } from './runs';
import { ChartTableToggle, type ChartMode } from './TimingPanel';
import styles from './Panels.module.css';

/** The table alternative: every run as a link, newest first. */
function RunsTable({ points }: { points: RunPoint[] }) {
  return (
    <table className={styles.table} data-testid="runs-table">
      <caption className="visually-hidden">Runs of this build</caption>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Result</th>
          <th scope="col" className={styles.num}>
            Took
          </th>
          <th scope="col" className={styles.num}>
            Cached
          </th>
        </tr>
      </thead>
      <tbody>
        {[...points].reverse().map((p) => (
          <tr key={p.id} aria-current={p.current ? 'true' : undefined} className={p.current ? styles.current : ''}>
            <td>
              {p.current ? (
                <span>{formatDateTime(p.at)} (this run)</span>
              ) : (
                <button type="button" className={styles.link} onClick={() => openHistoryEntry(p.id)}>
                  {formatDateTime(p.at)}
                </button>
              )}
            </td>
            <td>{p.status}</td>
            <td className={styles.num}>{p.durationMs === null ? '—' : formatDuration(p.durationMs)}</td>
            <td className={styles.num}>{percent(p.cacheHitRatio)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Duration and cache hits of every run of the same build (context, Dockerfile, target); a point opens its run. */
export function RunsPanel({ id }: { id: string }) {
  const query = useCommand('history.runs', { id });
  const [mode, setMode] = useState<ChartMode>('chart');
  const headingId = useId();
  const runs = query.data;
  const points = runs
    ? runSeries(
        runs.runs.map((r) => ({
          id: r.id,
          startedAt: r.startedAt,
          durationMs: r.durationMs,
          steps: r.counts.total,
          cachedSteps: r.counts.cached,
          status: r.status,
        })),
        id,
      )
    : [];
  return (
    <section className={styles.panel} aria-labelledby={headingId} data-testid="runs-panel">
      <header className={styles.header}>
        <h2 id={headingId} className={styles.title}>
          <ChartLine size={15} aria-hidden /> Runs of this build
        </h2>
        {points.length > 1 ? <ChartTableToggle mode={mode} onChange={setMode} label="Show runs as" /> : null}
      </header>
      {runs ? (
        <p className={styles.sub}>
          <span className="mono">{runs.build.contextDir ?? runs.build.name}</span> · {runs.build.dockerfile}
          {runs.build.target ? ` · target ${runs.build.target}` : ''} · {points.length}{' '}
          {points.length === 1 ? 'run' : 'runs'}
        </p>
      ) : null}
      {query.isError ? (
        <ErrorState
          error={appErrorOf(query.error)}
          variant="inline"
          subject="Runs"
          onRetry={() => void query.refetch()}
          retrying={query.isFetching}
        />
      ) : !runs ? (
        <Skeleton height={200} />
      ) : points.length < 2 ? (
        <p className={styles.empty}>
          This is the only run of this build so far. Each new run of the same folder, Dockerfile and target adds a point
          here: duration and cache hits over time.
        </p>
      ) : mode === 'table' ? (
        <RunsTable points={points} />
      ) : (
        <>
          <ChartBoundary height={200} failed={<RunsTable points={points} />}>
            <LazyRunsChart points={points} onOpen={(runId) => runId !== id && openHistoryEntry(runId)} />
          </ChartBoundary>
          <ul className={styles.key} aria-hidden>
            <li>
              <span className={`${styles.swatch} ${styles.swatchLine}`} /> duration (left)
            </li>
            <li>
              <span className={`${styles.swatch} ${styles.swatchHits}`} /> steps cached (right)
            </li>
            <li>
              <span className={`${styles.swatch} ${styles.swatchFailed}`} /> failed run
            </li>
          </ul>
        </>
      )}
    </section>
  );
}
