import { Activity, CircleAlert, CirclePause, CircleSlash, Unplug } from 'lucide-react';
import type { BuilderHealth, HealthState } from '../../../../electron/common/contracts/builders';
import styles from './health.module.css';

const LABEL: Record<HealthState, { text: string; tone: string; icon: typeof Activity }> = {
  ok: { text: 'Healthy', tone: styles.ok ?? '', icon: Activity },
  inactive: { text: 'Not started', tone: styles.neutral ?? '', icon: CircleSlash },
  stopped: { text: 'Stopped', tone: styles.neutral ?? '', icon: CirclePause },
  unreachable: { text: 'Unreachable', tone: styles.danger ?? '', icon: Unplug },
  error: { text: 'Error', tone: styles.danger ?? '', icon: CircleAlert },
};

/** The last health check of a builder: a word, an icon and a colour; node messages in the title. */
export function HealthBadge({ health, checking }: { health: BuilderHealth | undefined; checking?: boolean }) {
  if (!health) {
    return checking ? (
      <span className={`${styles.badge} ${styles.neutral}`} aria-live="polite">
        Checking…
      </span>
    ) : null;
  }
  const { text, tone, icon: Icon } = LABEL[health.state];
  const detail = health.nodes
    .filter((n) => n.message || n.state !== 'ok')
    .map((n) => `${n.name}: ${n.message ?? n.state}`)
    .join('\n');
  const took = Math.max(...health.nodes.map((n) => n.tookMs), 0);
  return (
    <span
      className={`${styles.badge} ${tone}`}
      title={`Health check: ${text}${detail ? `\n${detail}` : ''}\nanswered in ${took} ms`}
      data-testid="health-badge"
      data-health={health.state}
    >
      <Icon size={12} aria-hidden />
      <span className="visually-hidden">Health: </span>
      {text}
    </span>
  );
}
