import { Radio, RotateCw, Trash2 } from 'lucide-react';
import type { HistoryRecordItem } from '../../../../electron/common/contracts/history';
import { Button } from '../../components/Button';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDuration, percent, shortDigest } from '../builds/format';
import { STATUS_LABEL, StatusIcon } from '../builds/live/BuildDetails';
import { openHistoryEntry } from './history-ui';
import { builderStateLabel, canRemove, ORIGIN_LABEL, recordTitle, sourceText } from './records';
import styles from './HistoryView.module.css';

/** One row of History's list: a build record (any client) or a bake with its targets under it. */

/**
 * A bake's row opens (or re-runs) it on the Bake view, where its project and live lanes are; the
 * bake feature loads on demand.
 */
export const bakeActions = () => import('../bake/bake-actions');
const openEntry = (item: HistoryRecordItem) =>
  item.kind === 'bake'
    ? void bakeActions().then((m) =>
        m.openRecordedBake(item.id, item.source.contextDir ?? '', item.status === 'running'),
      )
    : openHistoryEntry(item.id);

export function RecordRow({
  item,
  depth,
  now,
  onRerun,
  onRemove,
}: {
  item: HistoryRecordItem;
  depth: number;
  now: number;
  onRerun: (item: HistoryRecordItem) => void;
  onRemove: (item: HistoryRecordItem) => void;
}) {
  const title = recordTitle(item);
  const running = item.status === 'running';
  const state = builderStateLabel(item.builderState);
  const total = item.counts.total;
  return (
    <tr
      className={`${styles.row} ${depth > 0 ? styles.child : ''}`}
      data-testid="history-row"
      data-status={item.status}
      data-record-id={item.id}
      data-build-id={item.buildId}
      data-origin={item.origin}
    >
      <td>
        <span className={`${styles.status} ${styles[`tone_${item.status}`] ?? ''}`}>
          <StatusIcon status={item.status} size={14} />
          {STATUS_LABEL[item.status]}
        </span>
      </td>
      <td className={styles.nameCell}>
        <button type="button" className={styles.open} onClick={() => openEntry(item)} data-testid="history-open">
          <span className={styles.nameLine}>
            <span className={styles.name}>{title}</span>
            {item.kind === 'bake' ? <span className={styles.badge}>bake · {item.children?.length ?? 0}</span> : null}
          </span>
          <span className={`${styles.path} mono`} title={sourceText(item.source)}>
            {sourceText(item.source)}
          </span>
        </button>
      </td>
      <td>
        <span
          className={`${styles.origin} ${styles[`origin_${item.origin}`] ?? ''}`}
          title={
            item.origin === 'external'
              ? 'Started outside BuildDeck: a terminal, compose, bake or a script'
              : item.origin === 'file'
                ? `Read from ${item.stored.file ?? 'a .dockerbuild file'}`
                : 'Started from BuildDeck (window, tray, CLI or serve)'
          }
          data-testid="history-origin"
        >
          {ORIGIN_LABEL[item.origin]}
        </span>
      </td>
      <td>
        <span className={styles.builder}>
          {item.builder || '—'}
          {state ? (
            <span className={styles.stateBadge} title={state.title} data-testid="builder-state">
              {state.text}
            </span>
          ) : null}
        </span>
        {item.driver ? <span className={styles.sub}>{item.driver}</span> : null}
      </td>
      <td>
        <span className={styles.platforms}>
          {item.platforms.map((p) => (
            <span key={p} className={`${styles.platform} mono`}>
              {p}
            </span>
          ))}
        </span>
      </td>
      <td className={styles.num}>
        <RelativeTime ms={item.startedAt} />
      </td>
      <td className={styles.num}>
        {running ? formatDuration(now - item.startedAt, { whole: true }) : formatDuration(item.durationMs)}
      </td>
      <td
        className={styles.num}
        title={total > 0 ? `${item.counts.cached} of ${total} steps came from the cache` : undefined}
        data-testid="history-cached"
      >
        {total > 0 && !running ? (
          <>
            {item.counts.cached}/{total} <span className={styles.sub}>{percent(item.cacheHitRatio)}</span>
          </>
        ) : (
          '—'
        )}
      </td>
      <td className={`${styles.digest} mono`} title={item.digest ?? item.error}>
        {item.digest ? (
          shortDigest(item.digest)
        ) : item.error ? (
          <span className={item.status === 'failed' ? styles.errorText : styles.noteText}>{item.error}</span>
        ) : (
          '—'
        )}
      </td>
      <td className={styles.actions}>
        {running ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => openEntry(item)}
            icon={<Radio size={13} aria-hidden />}
            aria-label={`Watch ${title} live`}
            data-testid="history-live"
          >
            Live
          </Button>
        ) : null}
        {!running && (item.buildId || item.kind === 'bake') ? (
          <Button
            variant="ghost"
            size="sm"
            iconOnly
            aria-label={`Re-run ${title}`}
            title="Re-run with the same options"
            onClick={() => onRerun(item)}
            icon={<RotateCw size={13} aria-hidden />}
            data-testid="history-rerun"
          />
        ) : null}
        {canRemove(item) ? (
          <Button
            variant="ghost"
            size="sm"
            iconOnly
            aria-label={`Remove the record of ${title}`}
            title="Remove this record…"
            onClick={() => onRemove(item)}
            icon={<Trash2 size={13} aria-hidden />}
            data-testid="history-delete"
          />
        ) : null}
      </td>
    </tr>
  );
}
