import type { KeyboardEvent } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Line,
  Tooltip,
  XAxis,
  YAxis,
  type DotItemDotProps,
  type TooltipContentProps,
} from 'recharts';
import { formatDateTime } from '../../../lib/format';
import { formatDuration, percent } from '../../builds/format';
import type { RunPoint } from '../runs';
import { niceTicks } from '../timing';
import styles from './charts.module.css';

/** CSS module classes are typed optional; recharts' props take exact strings. */
const c = (name: string): string => styles[name] ?? '';

/**
 * Duration (line, left axis) and cache-hit ratio (bars, right axis) of the runs of one build, oldest
 * left. Every point is a focusable link: click, Enter or Space opens that run.
 */

interface Datum extends RunPoint {
  n: number;
  seconds: number | null;
  hitPercent: number | null;
}

export function runLabel(p: RunPoint): string {
  return `Run of ${formatDateTime(p.at)}: ${p.status}, ${p.durationMs === null ? 'no duration' : formatDuration(p.durationMs)}, ${percent(p.cacheHitRatio)} of steps cached${p.current ? ' (this run)' : ''}`;
}

function RunDot({ cx, cy, payload, onOpen }: DotItemDotProps & { onOpen: (id: string) => void }) {
  const point = payload as Datum;
  if (cx === undefined || cy === undefined || point.seconds === null) return null;
  const open = () => onOpen(point.id);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open();
    }
  };
  const tone =
    point.status === 'failed'
      ? styles.dotFailed
      : point.status === 'succeeded' || point.status === 'Completed'
        ? styles.dotOk
        : styles.dotOther;
  return (
    <g
      role="link"
      tabIndex={0}
      aria-label={runLabel(point)}
      aria-current={point.current ? 'page' : undefined}
      className={c('dotHit')}
      onClick={open}
      onKeyDown={onKeyDown}
      data-testid="run-point"
      data-run={point.id}
    >
      <circle cx={cx} cy={cy} r={10} className={c('dotTarget')} />
      {point.current ? <circle cx={cx} cy={cy} r={7} className={c('dotRing')} /> : null}
      <circle cx={cx} cy={cy} r={4} className={`${styles.dot ?? ''} ${tone ?? ''}`} />
    </g>
  );
}

function RunTooltip({ active, payload }: Partial<TooltipContentProps<number, string>>) {
  const point = active ? (payload?.[0]?.payload as Datum | undefined) : undefined;
  if (!point) return null;
  return (
    <div className={c('tooltip')}>
      <p className={c('tooltipTitle')}>
        {formatDateTime(point.at)}
        {point.current ? ' · this run' : ''}
      </p>
      <p>
        {point.status} · {point.durationMs === null ? '—' : formatDuration(point.durationMs)} ·{' '}
        {percent(point.cacheHitRatio)} cached
      </p>
    </div>
  );
}

/** Axis labels as precise as the runs' spread needs: seconds for runs minutes apart, dates for weeks. */
export function runTimeFormat(spanMs: number): Intl.DateTimeFormatOptions {
  if (spanMs < 3_600_000) return { hour: '2-digit', minute: '2-digit', second: '2-digit' };
  if (spanMs < 86_400_000) return { hour: '2-digit', minute: '2-digit' };
  return { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
}

/** Whole seconds without a decimal: "8 s", "1 m 30 s". */
function durationTick(seconds: number): string {
  return seconds < 60 && Number.isInteger(seconds) ? `${seconds} s` : formatDuration(seconds * 1000);
}

export function RunsChart({ points, onOpen }: { points: RunPoint[]; onOpen: (id: string) => void }) {
  const data: Datum[] = points.map((p, i) => ({
    ...p,
    n: i,
    seconds: p.durationMs === null ? null : p.durationMs / 1000,
    hitPercent: p.cacheHitRatio === null ? null : Math.round(p.cacheHitRatio * 100),
  }));
  const longest = Math.max(1, ...points.map((p) => p.durationMs ?? 0));
  const durationTicks = niceTicks(longest, 5).map((ms) => ms / 1000);
  const format = runTimeFormat((points.at(-1)?.at ?? 0) - (points[0]?.at ?? 0));
  return (
    <div className={c('chart')} data-testid="runs-chart">
      <ComposedChart
        data={data}
        width="100%"
        height={200}
        responsive
        margin={{ top: 8, right: 4, bottom: 0, left: 0 }}
        accessibilityLayer={false}
      >
        <CartesianGrid vertical={false} className={c('grid')} />
        <XAxis
          dataKey="n"
          tickFormatter={(n: number) => {
            const p = data[n];
            return p ? new Date(p.at).toLocaleString(undefined, format) : '';
          }}
          minTickGap={24}
          className={c('axis')}
        />
        <YAxis
          yAxisId="duration"
          tickFormatter={durationTick}
          ticks={durationTicks}
          domain={[0, durationTicks.at(-1) ?? 1]}
          width={64}
          className={c('axis')}
        />
        <YAxis
          yAxisId="hits"
          orientation="right"
          domain={[0, 100]}
          ticks={[0, 50, 100]}
          tickFormatter={(v: number) => `${v}%`}
          width={44}
          className={c('axis')}
        />
        <Tooltip content={<RunTooltip />} cursor={{ className: c('cursor') }} isAnimationActive={false} />
        <Bar
          yAxisId="hits"
          dataKey="hitPercent"
          name="Cache hits"
          className={c('hitBar')}
          maxBarSize={28}
          isAnimationActive={false}
        />
        <Line
          yAxisId="duration"
          dataKey="seconds"
          name="Duration"
          type="linear"
          className={c('durationLine')}
          connectNulls
          isAnimationActive={false}
          dot={(props: DotItemDotProps) => <RunDot key={props.index} {...props} onOpen={onOpen} />}
          activeDot={false}
        />
      </ComposedChart>
    </div>
  );
}
