import {
  Bar,
  BarChart,
  CartesianGrid,
  Rectangle,
  Tooltip,
  XAxis,
  YAxis,
  type BarShapeProps,
  type TooltipContentProps,
} from 'recharts';
import { formatDuration } from '../../builds/format';
import { formatSpan, niceTicks, type WaterfallBar, type WaterfallLane } from '../timing';
import styles from './charts.module.css';

/** CSS module classes are typed optional; recharts' props take exact strings. */
const c = (name: string): string => styles[name] ?? '';

/**
 * One lane's waterfall: a row per step, a bar from when it started to when it ended, on a time axis
 * shared by every lane of the build (so the lanes line up). recharts draws it; this module is loaded
 * lazily with the details page so its ~130 KB (gzip) stays out of the first load.
 */

const ROW = 22;
const AXIS = 26;
const LABEL_WIDTH = 300;
/** A bar narrower than this share of the span is drawn at this width, so a 3 ms cache hit is visible. */
const MIN_SHARE = 0.004;

function barClass(bar: WaterfallBar): string {
  if (bar.state === 'failed') return c('barFailed');
  if (bar.state === 'cancelled') return c('barCancelled');
  if (bar.cached) return c('barCached');
  if (bar.open) return c('barRunning');
  return c('barExecuted');
}

function kindText(bar: WaterfallBar): string {
  if (bar.state === 'failed') return 'failed';
  if (bar.state === 'cancelled') return 'cancelled';
  if (bar.cached) return 'cached';
  if (bar.open) return 'running';
  return 'executed';
}

/** Axis labels: ms below a second, else seconds with the fewest digits that tell ticks apart. */
function tickText(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${ms % 1_000 === 0 ? ms / 1_000 : (ms / 1_000).toFixed(ms % 100 === 0 ? 1 : 2)} s`;
  return formatDuration(ms);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function StepTick({ x, y, payload }: { x?: number; y?: number; payload?: { value?: unknown } }) {
  const label = typeof payload?.value === 'string' ? payload.value : '';
  return (
    // Left-aligned in the label column: step numbers and instructions read down a straight edge.
    <text x={(x ?? 0) - LABEL_WIDTH + 14} y={y} dy={4} textAnchor="start" className={c('stepTick')}>
      <title>{label}</title>
      {truncate(label, 44)}
    </text>
  );
}

function BarTooltip({ active, payload }: Partial<TooltipContentProps<number, string>>) {
  const bar = active ? (payload?.[0]?.payload as WaterfallBar | undefined) : undefined;
  if (!bar) return null;
  return (
    <div className={c('tooltip')}>
      <p className={`${styles.tooltipTitle} mono`}>{bar.name}</p>
      <p>
        {kindText(bar)} · {bar.cached ? 'from the cache' : formatSpan(bar.durationMs)} · started at +
        {formatSpan(bar.offsetMs)}
      </p>
    </div>
  );
}

export function TimingChart({ lane, spanMs }: { lane: WaterfallLane; spanMs: number }) {
  const min = Math.max(1, spanMs * MIN_SHARE);
  const data = lane.bars.map((b) => ({ ...b, range: [b.offsetMs, b.offsetMs + Math.max(b.durationMs, min)] }));
  const height = data.length * ROW + AXIS + 8;
  const ticks = niceTicks(spanMs);
  return (
    <div className={c('chart')} data-testid="timing-chart" data-lane={lane.key}>
      <BarChart
        layout="vertical"
        data={data}
        width="100%"
        height={height}
        responsive
        margin={{ top: 4, right: 16, bottom: 0, left: 0 }}
        barCategoryGap={4}
        accessibilityLayer={false}
      >
        <CartesianGrid horizontal={false} className={c('grid')} />
        <XAxis
          type="number"
          domain={[0, ticks.at(-1) ?? 1]}
          ticks={ticks}
          tickFormatter={tickText}
          className={c('axis')}
        />
        <YAxis
          type="category"
          dataKey="label"
          width={LABEL_WIDTH}
          tick={<StepTick />}
          interval={0}
          tickLine={false}
          className={c('axis')}
        />
        <Tooltip
          content={<BarTooltip />}
          cursor={{ className: c('cursor') }}
          isAnimationActive={false}
          wrapperClassName={c('tooltipWrap')}
        />
        <Bar
          dataKey="range"
          isAnimationActive={false}
          radius={2}
          minPointSize={2}
          shape={(props: BarShapeProps) => <Rectangle {...props} className={barClass(props.payload as WaterfallBar)} />}
        />
      </BarChart>
    </div>
  );
}
