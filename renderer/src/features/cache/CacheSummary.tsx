import { humanSize } from '../../../../electron/common/cache/values';
import type { CacheTrend, CacheUsage } from '../../../../electron/common/contracts/cache';
import { pluralize } from '../../lib/format';
import { Sparkline } from './Sparkline';
import { typeLabel, typeTone } from './use-cache';
import styles from './CacheSummary.module.css';
import tones from './tones.module.css';

interface Card {
  label: string;
  value: number;
  sub: string;
  /** The definition, shown on hover and read by screen readers. */
  definition: string;
  emphasis?: boolean;
}

/** Totals as cards. Sizes are printed the way `docker buildx du` prints them, so they can be compared. */
export function TotalsCards({ usage, trend }: { usage: CacheUsage; trend?: CacheTrend | undefined }) {
  const t = usage.totals;
  const pct = (n: number) => (t.size > 0 ? `${Math.round((n / t.size) * 100)}% of total` : '—');
  const cards: Card[] = [
    {
      label: 'Total',
      value: t.size,
      sub: pluralize(t.records, 'record'),
      definition: 'Sum of every record: `docker buildx du` Total.',
      emphasis: true,
    },
    {
      label: 'Reclaimable',
      value: t.reclaimable,
      sub: `${humanSize(t.reclaimablePrivate)} excluding shared`,
      definition:
        'Not in use, shared records included (`docker buildx du` Reclaimable). Without shared records it is `docker system df`’s RECLAIMABLE, the most a prune without “all” can free.',
    },
    {
      label: 'Private',
      value: t.private,
      sub: pct(t.private),
      definition: 'Held by this builder alone: `docker buildx du` Private, `docker system df` SIZE.',
    },
    {
      label: 'Shared',
      value: t.shared,
      sub: pct(t.shared),
      definition: 'Data also held elsewhere (e.g. by an image): pruning it frees little.',
    },
    {
      label: 'In use',
      value: t.inUse,
      sub: pct(t.inUse),
      definition: 'Held by a running build or mount: no prune removes it.',
    },
  ];
  return (
    <ul className={styles.cards} aria-label="Cache totals">
      {cards.map((c) => (
        <li
          key={c.label}
          className={c.emphasis ? `${styles.card} ${styles.emphasis}` : styles.card}
          title={c.definition}
        >
          <span className={styles.cardLabel}>{c.label}</span>
          <span className={styles.cardValue} data-testid={`total-${c.label.toLowerCase().replace(' ', '-')}`}>
            {humanSize(c.value)}
          </span>
          <span className={styles.cardSub}>{c.sub}</span>
          <span className="visually-hidden">{c.definition}</span>
          {c.emphasis ? <Sparkline trend={trend} /> : null}
        </li>
      ))}
    </ul>
  );
}

/** Size per record type: one stacked bar for proportions, then a bar per type scaled to the largest. */
export function TypeBreakdown({ usage }: { usage: CacheUsage }) {
  const total = usage.totals.size;
  const max = Math.max(1, ...usage.byType.map((b) => b.size));
  if (usage.byType.length === 0) return null;
  return (
    <section className={styles.breakdown} aria-labelledby="cache-by-type">
      <div className={styles.sectionHead}>
        <h2 id="cache-by-type" className={styles.sectionTitle}>
          By type
        </h2>
        <span className={styles.sectionMeta}>{humanSize(total)}</span>
      </div>
      <div
        className={styles.stack}
        role="img"
        aria-label={usage.byType.map((b) => `${typeLabel(b.type)} ${humanSize(b.size)}`).join(', ')}
      >
        {usage.byType.map((b) =>
          b.size > 0 ? (
            <span
              key={b.type}
              className={`${styles.stackPart} ${tones[typeTone(b.type)] ?? ''}`}
              style={{ width: `${(b.size / Math.max(1, total)) * 100}%` }}
              title={`${typeLabel(b.type)}: ${humanSize(b.size)}`}
            />
          ) : null,
        )}
      </div>
      <table className={styles.typeTable}>
        <caption className="visually-hidden">Cache size per record type</caption>
        <thead className="visually-hidden">
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Share</th>
            <th scope="col">Size</th>
            <th scope="col">Records</th>
            <th scope="col">Reclaimable</th>
          </tr>
        </thead>
        <tbody>
          {usage.byType.map((b) => (
            <tr key={b.type} className={tones[typeTone(b.type)]}>
              <th scope="row" className={styles.typeName}>
                <span className={tones.typeBadge}>{typeLabel(b.type)}</span>
                <code className={styles.rawType}>{b.type}</code>
              </th>
              <td className={styles.barCell}>
                <span className={styles.track}>
                  <span
                    className={styles.fill}
                    style={{ width: `${Math.max(b.size > 0 ? 1 : 0, (b.size / max) * 100)}%` }}
                  />
                </span>
              </td>
              <td className={styles.num}>{humanSize(b.size)}</td>
              <td className={styles.numMuted}>{pluralize(b.records, 'record')}</td>
              <td className={styles.numMuted}>{humanSize(b.reclaimable)} reclaimable</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
