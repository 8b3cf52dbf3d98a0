import type { NodeStatus } from '../../../../electron/common/domain';
import styles from './badges.module.css';

type Tone = 'ok' | 'warn' | 'danger' | 'neutral';

const STATUS: Record<NodeStatus, { label: string; tone: Tone }> = {
  running: { label: 'Running', tone: 'ok' },
  inactive: { label: 'Inactive', tone: 'neutral' },
  stopped: { label: 'Stopped', tone: 'neutral' },
  starting: { label: 'Starting', tone: 'warn' },
  stopping: { label: 'Stopping', tone: 'warn' },
  error: { label: 'Error', tone: 'danger' },
  unreachable: { label: 'Unreachable', tone: 'danger' },
  unknown: { label: 'Unknown', tone: 'neutral' },
};

/** Colour plus a word and a shape, never colour alone. */
export function StatusPill({ status }: { status: NodeStatus }) {
  const { label, tone } = STATUS[status];
  return (
    <span className={[styles.pill, styles[tone]].join(' ')} data-testid="node-status" data-status={status}>
      <span className={styles.dot} aria-hidden />
      {label}
    </span>
  );
}
