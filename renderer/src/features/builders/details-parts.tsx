import { useId, type ReactNode } from 'react';
import styles from './BuilderDetailsPage.module.css';

// The pieces the builder details page is drawn with: fact lists, titled blocks, key/value tables, meters.

export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (shown.length === 0) return null;
  return (
    <dl className={styles.facts}>
      {shown.map(([k, v]) => (
        <div key={k} className={styles.fact}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Block({
  title,
  children,
  aside,
  wide = false,
}: {
  title: string;
  children: ReactNode;
  aside?: ReactNode;
  wide?: boolean;
}) {
  const id = useId();
  return (
    <section className={wide ? `${styles.block} ${styles.blockWide}` : styles.block} aria-labelledby={id}>
      <div className={styles.blockHead}>
        <h3 id={id} className={styles.blockTitle}>
          {title}
        </h3>
        {aside}
      </div>
      {children}
    </section>
  );
}

export function KeyValues({ map, empty }: { map: Record<string, string>; empty: string }) {
  const entries = Object.entries(map);
  if (entries.length === 0) return <p className={styles.muted}>{empty}</p>;
  return (
    <table className={styles.kv}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td className="mono">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Meter({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  const tone = pct >= 90 ? styles.meterHot : pct >= 70 ? styles.meterWarm : '';
  return (
    <div className={styles.meter}>
      <div className={styles.meterHead}>
        <span>{label}</span>
        <span className="mono">{text}</span>
      </div>
      <div
        className={styles.meterTrack}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-valuetext={text}
      >
        <div className={`${styles.meterFill} ${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
