import { memo, type CSSProperties } from 'react';
import { Ban, CircleCheck, CircleDashed, CircleX, LoaderCircle, Zap } from 'lucide-react';
import type { BuildSnapshot, Lane, Step, StepState } from '../../../../../electron/common/contracts/builds';
import { orderedLaneSteps, SHARED_LANE, stepElapsedMs } from '../../../../../electron/common/progress';
import { formatBytes } from '../../../lib/format';
import { useNow } from '../../../lib/use-now';
import { formatDuration, percent } from '../format';
import styles from './Lanes.module.css';
import tones from './status-tones.module.css';

const STATE_LABEL: Record<StepState, string> = {
  queued: 'Queued',
  running: 'Running',
  cached: 'Cached',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A running step's or build's turning icon, in a clip box (global.css `.spin-clip` says why). */
export function RunningIcon({ size }: { size: number }) {
  return (
    <span className="spin-clip">
      <LoaderCircle size={size} aria-hidden className={`${tones.icon_running ?? ''} spin`} />
    </span>
  );
}

export function StepIcon({ state, size = 14 }: { state: StepState; size?: number }) {
  const props = { size, 'aria-hidden': true, className: tones[`icon_${state}`] } as const;
  switch (state) {
    case 'queued':
      return <CircleDashed {...props} />;
    case 'running':
      return <RunningIcon size={size} />;
    case 'cached':
      return <Zap {...props} />;
    case 'done':
      return <CircleCheck {...props} />;
    case 'failed':
      return <CircleX {...props} />;
    case 'cancelled':
      return <Ban {...props} />;
  }
}

const StepRow = memo(function StepRow({
  step,
  now,
  selected,
  onSelect,
}: {
  step: Step;
  /** Only running steps re-render with the clock. */
  now: number | undefined;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const elapsed = now !== undefined ? stepElapsedMs(step, now) : step.durationMs;
  const showBytes = step.bytesTotal > 0;
  const ratio = showBytes ? Math.min(1, step.bytesCurrent / step.bytesTotal) : 0;
  const lines = step.logs.length + step.logs.dropped;
  return (
    <li className={styles.stepItem}>
      <button
        type="button"
        className={`${styles.step} ${styles[`step_${step.state}`] ?? ''} ${selected ? styles.stepSelected : ''}`}
        aria-pressed={selected}
        aria-label={`${step.title}: ${STATE_LABEL[step.state]}${elapsed !== undefined ? `, ${formatDuration(elapsed)}` : ''}. Show its log.`}
        title={step.name}
        onClick={() => onSelect(step.id)}
        data-testid="step-row"
        data-state={step.state}
        data-step-id={step.id}
      >
        <StepIcon state={step.state} />
        <span className={styles.stepMain}>
          <span className={styles.stepTitleRow}>
            {step.index !== undefined ? (
              <span className={styles.stepIndex}>
                {step.stage ? `${step.stage} ` : ''}
                {step.index}/{step.total}
              </span>
            ) : step.internal ? (
              <span className={styles.stepIndex}>internal</span>
            ) : null}
            <span className={`${styles.stepTitle} mono`}>{step.title}</span>
          </span>
          {showBytes && step.state === 'running' ? (
            <span className={styles.bytes}>
              <span
                className={styles.bytesTrack}
                role="progressbar"
                aria-label={`${step.title} transfer`}
                aria-valuemin={0}
                aria-valuemax={step.bytesTotal}
                aria-valuenow={step.bytesCurrent}
                aria-valuetext={`${formatBytes(step.bytesCurrent)} of ${formatBytes(step.bytesTotal)}`}
              >
                <span className={styles.bytesFill} style={{ width: `${ratio * 100}%` }} />
              </span>
              <span className={styles.bytesText}>
                {formatBytes(step.bytesCurrent)} / {formatBytes(step.bytesTotal)}
              </span>
            </span>
          ) : null}
        </span>
        <span className={styles.stepMeta}>
          {showBytes && step.state !== 'running' ? (
            <span className={styles.stepSize}>{formatBytes(step.bytesTotal)}</span>
          ) : null}
          {lines > 0 ? (
            <span className={styles.stepLines} title={`${lines} log lines`}>
              {lines > 999 ? `${Math.round(lines / 100) / 10}k` : lines} ln
            </span>
          ) : null}
          <span className={styles.stepDuration}>
            {step.state === 'cached'
              ? 'cached'
              : step.state === 'queued' || elapsed === undefined
                ? ''
                : formatDuration(elapsed, { whole: step.state === 'running' })}
          </span>
        </span>
      </button>
    </li>
  );
});

function laneTitle(lane: Lane): string {
  if (lane.kind === 'shared') return 'Shared';
  if (lane.key === 'default') return 'Default platform';
  return lane.key;
}

function LaneCard({
  snapshot,
  lane,
  now,
  selectedStep,
  onSelectStep,
  showError,
}: {
  snapshot: BuildSnapshot;
  lane: Lane;
  /** Several platforms: each lane says its own error (one platform: the outcome panel says it). */
  showError: boolean;
  now: number;
  selectedStep: string | undefined;
  onSelectStep: (id: string) => void;
}) {
  const steps = orderedLaneSteps(snapshot, lane);
  const s = lane.summary;
  const firstStart = steps.reduce<number | undefined>(
    (min, st) => (st.startedAt !== undefined && (min === undefined || st.startedAt < min) ? st.startedAt : min),
    undefined,
  );
  const wall = s.state === 'running' && firstStart !== undefined ? now - firstStart : s.wallMs;
  const state: StepState = s.state;
  const label = s.state === 'done' ? (s.ok && lane.kind === 'platform' ? 'Passed' : 'Done') : STATE_LABEL[state];
  return (
    <section
      className={`${styles.lane} ${lane.kind === 'shared' ? styles.laneShared : ''} ${styles[`lane_${s.state}`] ?? ''}`}
      aria-label={`${laneTitle(lane)}: ${label}`}
      data-testid="lane"
      data-lane={lane.key}
      data-state={s.state}
    >
      <header className={styles.laneHeader}>
        <div className={styles.laneTitleRow}>
          <StepIcon state={state} size={15} />
          <h3 className={`${styles.laneTitle} ${lane.kind === 'platform' ? 'mono' : ''}`}>{laneTitle(lane)}</h3>
          <span className={`${tones.laneState} ${tones[`tone_${s.state}`] ?? ''}`} data-testid="lane-state">
            {label}
          </span>
        </div>
        {lane.kind === 'platform' ? (
          <dl className={styles.laneStats} data-testid="lane-summary">
            <div>
              <dt>Wall</dt>
              <dd>{formatDuration(wall, { whole: s.state === 'running' })}</dd>
            </div>
            <div>
              <dt>Steps</dt>
              <dd>{s.steps}</dd>
            </div>
            <div>
              <dt>Cached</dt>
              <dd title={`${s.cachedSteps} of ${s.steps} steps came from the cache`}>
                {s.cachedSteps} <span className={tones.muted}>({percent(s.cacheHitRatio)})</span>
              </dd>
            </div>
          </dl>
        ) : (
          <p className={styles.laneNote}>Context, metadata and export: work every platform shares.</p>
        )}
        {showError && s.error && s.state === 'failed' ? (
          <p className={styles.laneError} title={s.error}>
            {s.error}
          </p>
        ) : null}
      </header>
      {steps.length === 0 ? (
        <p className={styles.laneEmpty}>{s.state === 'queued' ? 'Waiting for BuildKit…' : 'No steps.'}</p>
      ) : (
        <ol className={styles.steps}>
          {steps.map((step) => (
            <StepRow
              key={step.id}
              step={step}
              now={step.state === 'running' ? now : undefined}
              selected={step.id === selectedStep}
              onSelect={onSelectStep}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

/** One lane per platform side by side, then the shared lane. */
export function Lanes({
  snapshot,
  selectedStep,
  onSelectStep,
}: {
  snapshot: BuildSnapshot;
  selectedStep: string | undefined;
  onSelectStep: (id: string) => void;
}) {
  const now = useNow();
  const platformLanes = snapshot.lanes.filter((l) => l.kind === 'platform');
  const shared = snapshot.lanes.find((l) => l.key === SHARED_LANE);
  return (
    <div
      className={shared ? `${styles.lanes} ${styles.lanesWithShared}` : styles.lanes}
      // Platform lanes share the width equally; the shared lane (a few internal steps) gets less.
      style={{ '--platform-lanes': Math.max(1, platformLanes.length) } as CSSProperties}
      data-count={platformLanes.length + (shared ? 1 : 0)}
    >
      {platformLanes.map((lane) => (
        <LaneCard
          key={lane.key}
          snapshot={snapshot}
          lane={lane}
          now={now}
          selectedStep={selectedStep}
          onSelectStep={onSelectStep}
          showError={platformLanes.length > 1 || snapshot.status === 'running'}
        />
      ))}
      {shared ? (
        <LaneCard
          snapshot={snapshot}
          lane={shared}
          now={now}
          selectedStep={selectedStep}
          onSelectStep={onSelectStep}
          showError
        />
      ) : null}
    </div>
  );
}
