import { humanSize } from '../../../../electron/common/cache/values';
import type { CacheTrend } from '../../../../electron/common/contracts/cache';
import { formatDateTime } from '../../lib/format';
import styles from './Sparkline.module.css';

const W = 200;
const H = 36;

/** Cache size over time as a small SVG line; the samples are points where BuildDeck read the builder. */
export function Sparkline({ trend }: { trend: CacheTrend | undefined }) {
  if (!trend) return <span className={styles.empty} aria-hidden />;
  if (!trend.available) return <span className={styles.note}>{trend.reason ?? 'No usage history kept.'}</span>;
  const points = trend.samples.map((s) => ({ t: Date.parse(s.at), v: s.size }));
  if (points.length < 2) {
    return <span className={styles.note}>The trend fills in as BuildDeck reads this builder over time.</span>;
  }
  const t0 = points[0]?.t ?? 0;
  const t1 = points.at(-1)?.t ?? t0 + 1;
  const max = Math.max(...points.map((p) => p.v));
  const min = Math.min(...points.map((p) => p.v));
  const span = Math.max(1, max - min);
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * (W - 4) + 2;
  const y = (v: number) => H - 3 - ((v - min) / span) * (H - 6);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const last = points.at(-1);
  const label = `Cache size over the last ${trend.range}: from ${humanSize(points[0]?.v ?? 0)} to ${humanSize(last?.v ?? 0)}, between ${humanSize(min)} and ${humanSize(max)}, ${points.length} readings since ${formatDateTime(t0)}.`;
  return (
    <figure className={styles.figure} data-testid="cache-sparkline">
      <svg className={styles.svg} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <title>{label}</title>
        <path d={`${path} L${x(t1).toFixed(1)},${H} L${x(t0).toFixed(1)},${H} Z`} className={styles.area} />
        <path d={path} className={styles.line} vectorEffect="non-scaling-stroke" />
        {last ? <circle cx={x(last.t)} cy={y(last.v)} r={2.5} className={styles.dot} /> : null}
      </svg>
      <figcaption className={styles.caption}>
        <span>{trend.range}</span>
        <span>
          {humanSize(min)}–{humanSize(max)}
        </span>
      </figcaption>
    </figure>
  );
}
