import { useState } from 'react';
import { Trash2 } from 'lucide-react';
import type { BuilderDetails } from '../../../../electron/common/contracts/builders';
import { Button } from '../../components/Button';
import { Modal } from '../../components/Modal';
import styles from './RemoveBuilderDialog.module.css';

interface Props {
  builder: BuilderDetails;
  onCancel: () => void;
  onConfirm: (keepState: boolean) => void;
}

/** What removing this builder destroys, in the user's terms, before they confirm. */
function losses(b: BuilderDetails, keepState: boolean): string[] {
  const out: string[] = [];
  switch (b.driver) {
    case 'docker-container':
      for (const n of b.nodes) {
        const container = n.container?.name ?? `buildx_buildkit_${n.name}`;
        out.push(
          `The buildkitd container ${container}${n.container?.running ? ' (running now; builds on it stop)' : ''}.`,
        );
        const volume = n.container?.volumes[0] ?? `${container}_state`;
        out.push(
          keepState
            ? `Its build cache volume ${volume} is kept; a builder with the same node name reuses it.`
            : `Its build cache: the volume ${volume} and every cached layer in it.`,
        );
      }
      break;
    case 'kubernetes':
      out.push('The BuildKit deployment and its pods in the cluster, with their cache.');
      break;
    case 'remote':
      out.push(
        `Only buildx's record of it. The daemon${b.nodes.length > 1 ? 's' : ''} at ${b.nodes.map((n) => n.endpoint).join(', ')} keep${b.nodes.length > 1 ? '' : 's'} running, with their cache.`,
      );
      break;
    default:
      out.push("buildx's record of it.");
  }
  if (b.current) out.push('It is the current builder: `docker buildx build` falls back to the default builder.');
  return out;
}

export function RemoveBuilderDialog({ builder, onCancel, onConfirm }: Props) {
  const [keepState, setKeepState] = useState(false);
  return (
    <Modal
      title={`Remove builder ${builder.name}?`}
      className={styles.dialog}
      titleClassName={styles.title}
      onCancel={onCancel}
      testId="remove-dialog"
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(keepState);
        }}
      >
        <p className={styles.lead}>This cannot be undone. What goes:</p>
        <ul className={styles.list}>
          {losses(builder, keepState).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {builder.driver === 'docker-container' ? (
          <label className={styles.keep}>
            <input type="checkbox" checked={keepState} onChange={(e) => setKeepState(e.target.checked)} />
            <span>
              <strong>Keep the build cache</strong>
              <span className={styles.muted}>Leaves the state volume on the engine (it still uses disk space).</span>
            </span>
          </label>
        ) : null}
        <div className={styles.actions}>
          <Button variant="secondary" onClick={onCancel} autoFocus>
            Cancel
          </Button>
          <Button
            type="submit"
            variant="primary"
            className={styles.danger}
            icon={<Trash2 size={14} aria-hidden />}
            data-testid="remove-confirm"
          >
            Remove {builder.name}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
