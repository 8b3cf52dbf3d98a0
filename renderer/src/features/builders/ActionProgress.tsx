import { useEffect, useRef } from 'react';
import { CircleCheck, CircleX, LoaderCircle } from 'lucide-react';
import type { BuilderAction } from '../../../../electron/common/contracts/builders';
import type { ActionState } from './use-builder-ops';
import styles from './ActionProgress.module.css';

const RUNNING: Record<BuilderAction, string> = {
  create: 'Creating…',
  bootstrap: 'Starting…',
  stop: 'Stopping…',
  use: 'Switching…',
  remove: 'Removing…',
  leave: 'Removing node…',
};

/** What an action is doing now (buildx's own lines) and how it ended, in words. */
export function ActionProgress({ state, onDismiss }: { state: ActionState; onDismiss?: () => void }) {
  const log = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [state.lines.length]);
  if (state.status === 'idle') return null;
  const tone =
    state.status === 'failed' ? styles.failed : state.status === 'succeeded' ? styles.succeeded : styles.running;
  const title =
    state.status === 'running'
      ? RUNNING[state.action ?? 'create']
      : state.status === 'failed'
        ? (state.error?.message ?? state.message ?? 'Failed.')
        : (state.message ?? 'Done.');
  const rolledBack =
    typeof state.error?.details?.['rolledBack'] === 'string' ? state.error.details['rolledBack'] : undefined;
  return (
    <div
      className={`${styles.box} ${tone}`}
      role="status"
      aria-live="polite"
      data-testid="action-progress"
      data-status={state.status}
    >
      <div className={styles.head}>
        {state.status === 'running' ? (
          <LoaderCircle size={16} className="spin" aria-hidden />
        ) : state.status === 'failed' ? (
          <CircleX size={16} aria-hidden />
        ) : (
          <CircleCheck size={16} aria-hidden />
        )}
        <span className={styles.title}>{title}</span>
        {onDismiss && state.status !== 'running' ? (
          <button type="button" className={styles.dismiss} onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
      {state.status === 'failed' && state.error?.hint ? <p className={styles.hint}>{state.error.hint}</p> : null}
      {rolledBack ? <p className={styles.hint}>{rolledBack}</p> : null}
      {state.lines.length > 0 ? (
        <pre ref={log} className={styles.lines} aria-label="buildx output">
          {state.lines.join('\n')}
        </pre>
      ) : null}
    </div>
  );
}
