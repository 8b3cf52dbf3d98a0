import { Terminal } from 'lucide-react';
import { CopyButton } from '../../../components/CopyButton';
import { prettyCommand } from './form-model';
import styles from './NewBuild.module.css';
import commandStyles from './CommandPreview.module.css';

interface CommandPreviewProps {
  result: { argv: string[]; text: string } | undefined;
  pending: boolean;
  /** The last change made the request invalid: the command shown is the last valid one. */
  invalid: boolean;
  hasContext: boolean;
}

/** The equivalent `docker buildx build`, from the core (the same argv a build would run). */
export function CommandPreview({ result, pending, invalid, hasContext }: CommandPreviewProps) {
  return (
    <section className={styles.card} aria-labelledby="command-title" data-testid="command-preview">
      <div className={styles.cardHeader}>
        <h2 id="command-title" className={styles.cardTitle}>
          <Terminal size={13} aria-hidden /> Equivalent command
        </h2>
        {result && hasContext ? (
          <CopyButton text={result.text} label="Copy the docker buildx build command" withText />
        ) : null}
      </div>
      {!hasContext ? (
        <p className={commandStyles.commandEmpty}>Choose a context folder to see the command.</p>
      ) : result ? (
        <pre
          className={`${commandStyles.command} ${invalid ? commandStyles.commandStale : ''}`}
          tabIndex={0}
          aria-label="docker buildx build command"
          aria-busy={pending}
          data-testid="command-text"
          data-command={result.text}
        >
          {prettyCommand(result.argv)}
        </pre>
      ) : (
        <p className={commandStyles.commandEmpty}>
          {pending ? 'Building the command…' : 'Fix the highlighted fields to see the command.'}
        </p>
      )}
      {invalid && result && hasContext ? (
        <p className={commandStyles.commandNote}>Fix the highlighted field: this command would not run as shown.</p>
      ) : null}
    </section>
  );
}
