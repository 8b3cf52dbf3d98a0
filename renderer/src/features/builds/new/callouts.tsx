import { CircleAlert, Info, Layers } from 'lucide-react';
import { Button } from '../../../components/Button';
import styles from './callouts.module.css';

/** The docker driver refused several platforms: what the core said, and the builders that can. */
export function DriverCallout(props: {
  message: string;
  hint: string | undefined;
  candidates: string[];
  onPick: (builder: string) => void;
  onOneplatform: () => void;
  onOpenBuilders: () => void;
}) {
  return (
    <div className={styles.callout} role="alert" data-testid="driver-callout">
      <CircleAlert size={16} aria-hidden className={styles.calloutIcon} />
      <div className={styles.calloutBody}>
        <strong>{props.message}</strong>
        <p>
          The <code>docker</code> driver builds one platform at a time (unless Docker uses the containerd image store).
          A <code>docker-container</code> builder runs BuildKit in a container and builds several platforms at once.
        </p>
        {props.hint ? <p className={styles.calloutHint}>{props.hint}</p> : null}
        <div className={styles.calloutActions}>
          {props.candidates.slice(0, 3).map((name) => (
            <Button key={name} size="sm" variant="primary" onClick={() => props.onPick(name)} data-testid="use-builder">
              Use {name}
            </Button>
          ))}
          {props.candidates.length === 0 ? (
            <Button size="sm" variant="primary" onClick={props.onOpenBuilders} icon={<Layers size={13} aria-hidden />}>
              Create a docker-container builder
            </Button>
          ) : null}
          <Button size="sm" onClick={props.onOneplatform}>
            Build one platform
          </Button>
        </div>
      </div>
    </div>
  );
}

/**
 * The Dockerfile names a frontend image other than Docker's own: BuildDeck read its stages from the
 * file and runs that image (to ask it for targets) only once the user agrees.
 */
export function FrontendCallout(props: { image: string; onTrust: () => void }) {
  return (
    <div
      className={`${styles.callout} ${styles.calloutWarn}`}
      role="group"
      aria-label="Dockerfile frontend"
      data-testid="frontend-confirm"
    >
      <Info size={16} aria-hidden className={styles.calloutIcon} />
      <div className={styles.calloutBody}>
        <strong>
          This Dockerfile asks for the frontend <code>{props.image}</code>.
        </strong>
        <p>
          The target stages above were read from the file. Listing targets the way buildx does pulls that image and runs
          it on the builder; building runs it too. Only go ahead if you trust where this folder came from.
        </p>
        <div className={styles.calloutActions}>
          <Button size="sm" onClick={props.onTrust} data-testid="frontend-trust">
            Run {props.image} to list targets
          </Button>
        </div>
      </div>
    </div>
  );
}
