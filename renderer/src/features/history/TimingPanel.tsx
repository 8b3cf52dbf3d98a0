import { useId, useMemo, useState } from 'react';
import { Timer } from 'lucide-react';
import type { BuildSnapshot } from '../../../../electron/common/contracts/builds';
import { SHARED_LANE } from '../../../../electron/common/progress';
import { useNow } from '../../lib/use-now';
import { percent } from '../builds/format';
import { ChartBoundary } from './ChartBoundary';
import { LazyTimingChart } from './charts/lazy';
import {
  buildWaterfall,
  formatSpan,
  type TimeBreakdown,
  type Waterfall,
  type WaterfallBar,
  type WaterfallLane,
} from './timing';
import styles from './TimingPanel.module.css';

function laneTitle(lane: WaterfallLane): string {
  if (lane.key === SHARED_LANE) return 'Shared (context, metadata, export)';
  if (lane.key === 'default') return 'Default platform';
  return lane.key;
}

export function breakdownText(b: TimeBreakdown): string {
  const share = (ms: number) => percent(b.totalMs > 0 ? ms / b.totalMs : null);
  const f = formatSpan;
  return `${f(b.totalMs)} wall time: executing ${f(b.executingMs)} (${share(b.executingMs)}), cache ${f(b.cachedMs)} (${share(b.cachedMs)}), waiting ${f(b.waitingMs)} (${share(b.waitingMs)})`;
}

/** Executing / cache / waiting as one stacked bar with its numbers: the time-by-kind summary. */
export function Breakdown({ breakdown, label }: { breakdown: TimeBreakdown; label: string }) {
  const parts = [
    { key: 'executing', name: 'Executing', ms: breakdown.executingMs, className: styles.kindExecuting },
    { key: 'cached', name: 'Cache', ms: breakdown.cachedMs, className: styles.kindCached },
    { key: 'waiting', name: 'Waiting', ms: breakdown.waitingMs, className: styles.kindWaiting },
  ];
  const total = Math.max(1, breakdown.totalMs);
  return (
    <div className={styles.breakdown} data-testid="time-breakdown">
      <div className={styles.stack} role="img" aria-label={`${label}: ${breakdownText(breakdown)}`}>
        {parts.map((p) =>
          p.ms > 0 ? (
            <span
              key={p.key}
              className={`${styles.segment} ${p.className ?? ''}`}
              // Geometry only, through the CSSOM (allowed by the style-src 'self' CSP).
              style={{ flexGrow: p.ms / total }}
            />
          ) : null,
        )}
      </div>
      <dl className={styles.legend}>
        {parts.map((p) => (
          <div key={p.key} data-kind={p.key}>
            <dt>
              <span className={`${styles.swatch} ${p.className ?? ''}`} aria-hidden />
              {p.name}
            </dt>
            <dd>
              {formatSpan(p.ms)}{' '}
              <span className={styles.muted}>{percent(breakdown.totalMs > 0 ? p.ms / breakdown.totalMs : null)}</span>
            </dd>
          </div>
        ))}
        <div>
          <dt title="Sum of every executed step's own time; above the executing time when steps ran in parallel">
            Step time
          </dt>
          <dd>{formatSpan(breakdown.stepTimeMs)}</dd>
        </div>
      </dl>
    </div>
  );
}

function kindOf(bar: WaterfallBar): string {
  if (bar.state === 'failed') return 'Failed';
  if (bar.state === 'cancelled') return 'Cancelled';
  if (bar.cached) return 'Cached';
  if (bar.open) return 'Running';
  return 'Executed';
}

/** The table alternative: the same bars as rows, for screen readers and for copying numbers. */
function TimingTable({ lanes }: { lanes: WaterfallLane[] }) {
  return (
    <table className={styles.table} data-testid="timing-table">
      <caption className="visually-hidden">Build steps with start offset and duration</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Lane</th>
          <th scope="col">Kind</th>
          <th scope="col" className={styles.num}>
            Started at
          </th>
          <th scope="col" className={styles.num}>
            Took
          </th>
        </tr>
      </thead>
      <tbody>
        {lanes.flatMap((lane) =>
          lane.bars.map((bar) => (
            <tr key={`${lane.key}/${bar.id}`} data-kind={kindOf(bar).toLowerCase()}>
              <td className="mono" title={bar.name}>
                {bar.label}
              </td>
              <td className="mono">{lane.kind === 'shared' ? 'shared' : lane.key}</td>
              <td>{kindOf(bar)}</td>
              <td className={styles.num}>+{formatSpan(bar.offsetMs)}</td>
              <td className={styles.num}>{bar.cached ? '—' : formatSpan(bar.durationMs)}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}

export type ChartMode = 'chart' | 'table';

/** Chart or its table alternative: the same numbers, for eyes or for screen readers and copying. */
export function ChartTableToggle({
  mode,
  onChange,
  label,
}: {
  mode: ChartMode;
  onChange: (mode: ChartMode) => void;
  label: string;
}) {
  return (
    <div className={styles.modes} role="group" aria-label={label}>
      {(['chart', 'table'] as const).map((m) => (
        <button
          key={m}
          type="button"
          className={`${styles.mode} ${mode === m ? styles.modeOn : ''}`}
          aria-pressed={mode === m}
          onClick={() => onChange(m)}
        >
          {m === 'chart' ? 'Chart' : 'Table'}
        </button>
      ))}
    </div>
  );
}

/** Timing of a build still running: recomputed from its live snapshot as the clock ticks. */
export function LiveTimingPanel({ snapshot }: { snapshot: BuildSnapshot }) {
  const now = useNow();
  const running = snapshot.status === 'running';
  const waterfall = useMemo(
    () => buildWaterfall(snapshot, running ? now : undefined),
    // The clock matters only while something runs.
    [snapshot, running, running ? now : 0], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return <TimingPanel waterfall={waterfall} running={running} />;
}

/**
 * Build timing: the wall-time split, then one waterfall per lane on a shared time axis (or, on
 * request, the same as a table).
 */
export function TimingPanel({ waterfall, running = false }: { waterfall: Waterfall; running?: boolean }) {
  const [mode, setMode] = useState<ChartMode>('chart');
  const headingId = useId();
  const lanes = waterfall.lanes.filter((l) => l.bars.length > 0);
  const platformLanes = lanes.filter((l) => l.kind === 'platform');

  return (
    <section className={styles.panel} aria-labelledby={headingId} data-testid="timing-panel">
      <header className={styles.header}>
        <h2 id={headingId} className={styles.title}>
          <Timer size={15} aria-hidden /> Build timing
        </h2>
        {lanes.length > 0 ? <ChartTableToggle mode={mode} onChange={setMode} label="Show timing as" /> : null}
      </header>
      {lanes.length === 0 ? (
        <p className={styles.empty}>
          {running ? 'No step has started yet.' : 'This record has no step timings (no step ran).'}
        </p>
      ) : (
        <>
          <Breakdown breakdown={waterfall.breakdown} label="Whole build" />
          {mode === 'table' ? (
            <TimingTable lanes={lanes} />
          ) : (
            lanes.map((lane) => (
              <figure
                key={lane.key}
                className={styles.lane}
                role="img"
                aria-label={`${laneTitle(lane)} waterfall, ${lane.bars.length} steps (${lane.bars.filter((b) => b.cached).length} cached). ${breakdownText(lane.breakdown)}. Choose Table for each step's numbers.`}
              >
                <figcaption className={styles.laneCaption}>
                  <span className={lane.kind === 'platform' ? 'mono' : ''}>{laneTitle(lane)}</span>
                  {platformLanes.length > 1 || lane.kind === 'shared' ? (
                    <span className={styles.muted}>
                      {formatSpan(lane.breakdown.totalMs)} · {lane.bars.filter((b) => b.cached).length}/
                      {lane.bars.length} cached
                    </span>
                  ) : null}
                  {lane.notStarted > 0 ? <span className={styles.muted}>{lane.notStarted} not started</span> : null}
                </figcaption>
                <ChartBoundary height={lane.bars.length * 22 + 34} failed={<TimingTable lanes={[lane]} />}>
                  <LazyTimingChart lane={lane} spanMs={waterfall.spanMs} />
                </ChartBoundary>
              </figure>
            ))
          )}
          <ul className={styles.key} aria-hidden>
            <li>
              <span className={`${styles.swatch} ${styles.kindExecuting ?? ''}`} /> executed
            </li>
            <li>
              <span className={`${styles.swatch} ${styles.kindCached ?? ''}`} /> cached
            </li>
            <li>
              <span className={`${styles.swatch} ${styles.kindFailed ?? ''}`} /> failed
            </li>
          </ul>
        </>
      )}
    </section>
  );
}
