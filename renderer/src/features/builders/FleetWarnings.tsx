import { CircleX, TriangleAlert } from 'lucide-react';
import type { FleetWarning } from '../../../../electron/common/contracts/builders';
import styles from './health.module.css';

const KIND: Record<FleetWarning['kind'], string> = {
  'version-drift': 'BuildKit version drift',
  'certificate-expiring': 'Certificate expiring',
  'certificate-expired': 'Certificate expired',
  'certificate-unreadable': 'Certificate unreadable',
  'key-permissions': 'Key file permissions',
  unreachable: 'Unreachable nodes',
};

/** Fleet-wide findings of the last health check; nothing at all when there are none. */
export function FleetWarnings({ warnings, only }: { warnings: FleetWarning[]; only?: string }) {
  const shown = only ? warnings.filter((w) => w.builders.includes(only)) : warnings;
  if (shown.length === 0) return null;
  return (
    <section aria-label="Health warnings">
      <ul className={styles.warnings} data-testid="fleet-warnings">
        {shown.map((w, i) => (
          <li key={`${w.kind}-${i}`} className={styles.warning} data-kind={w.kind}>
            {w.severity === 'error' ? (
              <CircleX size={15} className={styles.sevError} aria-hidden />
            ) : (
              <TriangleAlert size={15} className={styles.sevWarning} aria-hidden />
            )}
            <span className={styles.warningText}>
              <span className={`${styles.warningKind} ${w.severity === 'error' ? styles.sevError : styles.sevWarning}`}>
                {w.severity === 'error' ? 'Error · ' : 'Warning · '}
                {KIND[w.kind]}
              </span>
              <span className={styles.warningBody}>{w.message}</span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
