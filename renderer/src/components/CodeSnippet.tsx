import { CopyButton } from './CopyButton';
import styles from './CodeSnippet.module.css';

interface CodeSnippetProps {
  code: string;
  /** Accessible name of the copy button, e.g. "Copy command". */
  copyLabel?: string;
}

/** One shell command, selectable and copyable. */
export function CodeSnippet({ code, copyLabel = 'Copy command' }: CodeSnippetProps) {
  return (
    <div className={styles.snippet}>
      <code className={styles.code}>
        <span className={styles.prompt} aria-hidden>
          $
        </span>
        {code}
      </code>
      <CopyButton text={code} label={`${copyLabel}: ${code}`} />
    </div>
  );
}
