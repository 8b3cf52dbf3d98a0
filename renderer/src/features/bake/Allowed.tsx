import { ShieldAlert, X } from 'lucide-react';
import type { AppError } from '../../../../electron/common/errors';
import { Button } from '../../components/Button';
import styles from './RunForm.module.css';

/**
 * The privileges a definition asks for beyond a plain build (host network, insecure mode, the SSH
 * agent, files outside the project), from a refused start: the core names each with the `--allow`
 * value that grants it (core/bake/entitlements.ts). Nothing is granted until the user says so here.
 */
export function requestedPrivileges(
  error: AppError | undefined,
): { allow: string[]; descriptions: string[] } | undefined {
  const d = error?.details;
  if (error?.code !== 'INVALID_INPUT' || d?.['field'] !== 'allow' || !Array.isArray(d['entitlements']))
    return undefined;
  const allow = (d['entitlements'] as unknown[]).filter((x): x is string => typeof x === 'string');
  const descriptions = Array.isArray(d['descriptions'])
    ? (d['descriptions'] as unknown[]).filter((x): x is string => typeof x === 'string')
    : allow;
  return allow.length > 0 ? { allow, descriptions } : undefined;
}

/**
 * The list with its one action: after a refused start "Allow and start" (an alert: the start did
 * not happen), or before any start "Allow" (a note: the project page read it from the definition).
 */
export function PrivilegesPrompt({
  asked,
  onAllow,
  starting,
  before = false,
}: {
  asked: { allow: string[]; descriptions: string[] };
  onAllow: () => void;
  starting: boolean;
  /** Read from the project, before a start: the action only grants. */
  before?: boolean;
}) {
  return (
    <div
      className={styles.privileges}
      role={before ? 'note' : 'alert'}
      data-testid={before ? 'bake-privileges-ahead' : 'bake-privileges'}
    >
      <p className={styles.privilegesHead}>
        <ShieldAlert size={15} aria-hidden />{' '}
        {before
          ? 'These targets ask for privileges beyond a build:'
          : 'This definition asks for privileges beyond a build:'}
      </p>
      <ul className={styles.privilegesList}>
        {asked.descriptions.map((text, i) => (
          <li key={asked.allow[i] ?? text}>
            {text} <code className="mono">--allow={asked.allow[i]}</code>
          </li>
        ))}
      </ul>
      <p className={styles.privilegesHint}>Allow them only if you trust this project's definition files.</p>
      {before ? (
        <Button variant="secondary" onClick={onAllow} data-testid="allow-ahead">
          Allow
        </Button>
      ) : (
        <Button variant="primary" onClick={onAllow} disabled={starting} data-testid="allow-and-start">
          {starting ? 'Starting…' : 'Allow and start'}
        </Button>
      )}
    </div>
  );
}

/** What the form grants now (each can be taken back before the next start). */
export function GrantedPrivileges({ allow, onRevoke }: { allow: string[]; onRevoke: (value: string) => void }) {
  if (allow.length === 0) return null;
  return (
    <div className={styles.granted} role="group" aria-label="Allowed privileges" data-testid="bake-allowed">
      <span className={styles.grantedLabel}>Allowed</span>
      {allow.map((a) => (
        <span key={a} className={styles.grantedChip}>
          <code className="mono">{a}</code>
          <button
            type="button"
            className={styles.grantedRemove}
            aria-label={`Stop allowing ${a}`}
            onClick={() => onRevoke(a)}
          >
            <X size={12} aria-hidden />
          </button>
        </span>
      ))}
    </div>
  );
}
