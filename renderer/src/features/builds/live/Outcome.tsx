import { Ban, CircleCheck, CircleX, ExternalLink, FileCode, TriangleAlert, Unplug } from 'lucide-react';
import type { BuildSnapshot, BuildWarning, SnippetLine } from '../../../../../electron/common/contracts/builds';
import { Button } from '../../../components/Button';
import { CopyButton } from '../../../components/CopyButton';
import { formatDuration, percent, shortDigest } from '../format';
import styles from './Outcome.module.css';
import tones from './status-tones.module.css';

export function Snippet({ lines, file, label }: { lines: SnippetLine[]; file: string | undefined; label: string }) {
  if (lines.length === 0) return null;
  return (
    <figure className={styles.snippet} data-testid="dockerfile-snippet">
      <figcaption className={styles.snippetCaption}>
        <FileCode size={13} aria-hidden /> {file ?? 'Dockerfile'}
      </figcaption>
      <pre className={styles.snippetCode} aria-label={label} tabIndex={0}>
        {lines.map((l) => (
          <span
            key={l.line}
            className={l.marked ? styles.snippetMarked : styles.snippetLine}
            data-marked={l.marked || undefined}
          >
            <span className={styles.snippetNo} aria-hidden>
              {l.line}
            </span>
            {l.marked ? <span className="visually-hidden">Error at line {l.line}: </span> : null}
            {l.text || ' '}
            {'\n'}
          </span>
        ))}
      </pre>
    </figure>
  );
}

/** Totals over the platform lanes: what "5 steps, 3 cached" means for the whole build. */
function totals(s: BuildSnapshot): { steps: number; cached: number } {
  let steps = 0;
  let cached = 0;
  for (const l of s.lanes) {
    if (l.kind !== 'platform') continue;
    steps += l.summary.steps;
    cached += l.summary.cachedSteps;
  }
  return { steps, cached };
}

/** Success, cancellation or failure, with what a person needs next (digest, the failing line). */
export function Outcome({ snapshot, onShowStep }: { snapshot: BuildSnapshot; onShowStep: (id: string) => void }) {
  const result = snapshot.result;
  if (!result && snapshot.status !== 'interrupted') return null;
  const { steps, cached } = totals(snapshot);
  if (snapshot.status === 'succeeded' && result) {
    return (
      <section
        className={`${styles.outcome} ${styles.outcomeOk}`}
        aria-label="Result"
        data-testid="build-result"
        data-status="succeeded"
      >
        <CircleCheck size={20} aria-hidden className={tones.icon_done} />
        <div className={styles.outcomeMain}>
          <p className={styles.outcomeTitle}>
            Built in {formatDuration(result.durationMs)}
            <span className={styles.outcomeSub}>
              {steps} steps · {cached} cached ({percent(steps > 0 ? cached / steps : null)})
            </span>
          </p>
          <dl className={styles.outcomeFacts}>
            {result.imageName ? (
              <div>
                <dt>Image</dt>
                <dd>
                  <code className={styles.fact} data-testid="image-name">
                    {result.imageName}
                  </code>
                  <CopyButton text={result.imageName} label="Copy image name" />
                </dd>
              </div>
            ) : null}
            {result.digest ? (
              <div>
                <dt>Digest</dt>
                <dd>
                  <code
                    className={styles.fact}
                    title={result.digest}
                    data-testid="image-digest"
                    data-digest={result.digest}
                  >
                    sha256:{shortDigest(result.digest)}…
                  </code>
                  <CopyButton text={result.digest} label="Copy image digest" />
                </dd>
              </div>
            ) : (
              <div>
                <dt>Digest</dt>
                <dd className={tones.muted}>none (no image was exported)</dd>
              </div>
            )}
          </dl>
        </div>
      </section>
    );
  }
  if (snapshot.status === 'cancelled' && result) {
    const finished = Object.values(snapshot.steps).filter(
      (s) => s.isStep && (s.state === 'done' || s.state === 'cached'),
    ).length;
    return (
      <section
        className={`${styles.outcome} ${styles.outcomeCancelled}`}
        aria-label="Result"
        data-testid="build-result"
        data-status="cancelled"
      >
        <Ban size={20} aria-hidden />
        <div className={styles.outcomeMain}>
          <p className={styles.outcomeTitle}>
            Cancelled after {formatDuration(result.durationMs)}
            <span className={styles.outcomeSub}>
              {finished} of {steps} steps had finished; BuildKit stopped the rest.
            </span>
          </p>
        </div>
      </section>
    );
  }
  if (snapshot.status === 'interrupted') {
    return (
      <section
        className={`${styles.outcome} ${styles.outcomeInterrupted}`}
        aria-label="Result"
        data-testid="build-result"
        data-status="interrupted"
      >
        <Unplug size={20} aria-hidden className={tones.icon_interrupted} />
        <div className={styles.outcomeMain}>
          <p className={styles.outcomeTitle}>
            Interrupted
            <span className={styles.outcomeSub}>
              BuildDeck stopped while this build was running, so its result is unknown.
            </span>
          </p>
          {snapshot.error?.message ? <p className={styles.errorHint}>{snapshot.error.message}</p> : null}
        </div>
      </section>
    );
  }
  const error = snapshot.error;
  const failing = error?.step ? snapshot.steps[error.step] : undefined;
  return (
    <section
      className={`${styles.outcome} ${styles.outcomeFailed}`}
      aria-label="Failure"
      data-testid="build-result"
      data-status={snapshot.status}
    >
      <CircleX size={20} aria-hidden className={tones.icon_failed} />
      <div className={styles.outcomeMain}>
        <p className={styles.outcomeTitle}>
          Failed{result ? ` after ${formatDuration(result.durationMs)}` : ''}
          {error?.lane && snapshot.lanes.filter((l) => l.kind === 'platform').length > 1 ? (
            <span className={`${styles.outcomeSub} mono`}>on {error.lane}</span>
          ) : null}
          {error?.code && error.code !== 'BUILD_FAILED' ? <code className={styles.errorCode}>{error.code}</code> : null}
        </p>
        {failing ? (
          <p className={styles.failingStep} data-testid="failing-step">
            <span>Failing step</span>
            <code>{failing.title}</code>
            <Button size="sm" variant="ghost" onClick={() => onShowStep(failing.id)}>
              Show its log
            </Button>
          </p>
        ) : null}
        <pre className={styles.errorMessage} data-testid="failure-message">
          {error?.message ?? 'The build failed.'}
        </pre>
        {error?.hint ? <p className={styles.errorHint}>{error.hint}</p> : null}
        {error?.cause ? (
          <p className={styles.errorHint} data-testid="failure-cause">
            buildx said: <code>{error.cause}</code>
          </p>
        ) : null}
        {(error?.snippet.length ?? 0) > 0 || (error?.lastLogLines.length ?? 0) > 0 ? (
          <div className={styles.failureGrid}>
            {error && error.snippet.length > 0 ? (
              <Snippet lines={error.snippet} file={error.file} label={`Dockerfile around line ${error.line ?? ''}`} />
            ) : null}
            {error && error.lastLogLines.length > 0 ? (
              <figure className={styles.snippet} data-testid="last-log-lines">
                <figcaption className={styles.snippetCaption}>Last output of the step</figcaption>
                <pre className={styles.lastLines} tabIndex={0} aria-label="Last output lines of the failing step">
                  {error.lastLogLines.join('\n')}
                </pre>
              </figure>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}

function WarningItem({ warning, stepTitle }: { warning: BuildWarning; stepTitle: string | undefined }) {
  return (
    <li className={styles.warning}>
      <TriangleAlert size={14} aria-hidden className={styles.warnIcon} />
      <div className={styles.warningBody}>
        <p className={styles.warningShort}>
          {warning.short}
          {warning.line !== undefined ? <span className={tones.muted}> · line {warning.line}</span> : null}
          {stepTitle ? <span className={`${tones.muted} mono`}> · {stepTitle}</span> : null}
        </p>
        {warning.detail.map((d, i) => (
          <p key={i} className={styles.warningDetail}>
            {d}
          </p>
        ))}
        {warning.url ? (
          <a href={warning.url} target="_blank" rel="noreferrer" className={styles.warningLink}>
            {warning.url.replace(/^https?:\/\//, '')} <ExternalLink size={11} aria-hidden />
          </a>
        ) : null}
        <Snippet lines={warning.snippet} file={warning.file} label={`Source around line ${warning.line ?? ''}`} />
      </div>
    </li>
  );
}

/** BuildKit's warnings (build checks, deprecations) and what buildx printed outside the JSON. */
export function Warnings({ snapshot }: { snapshot: BuildSnapshot }) {
  const messages = snapshot.messages.filter((m) => m.trim() && !/^ERROR:/.test(m));
  if (snapshot.warnings.length === 0 && messages.length === 0) return null;
  const count = snapshot.warnings.length + messages.length;
  return (
    <details className={styles.warnings} open={snapshot.warnings.length > 0} data-testid="warnings">
      <summary className={styles.warningsSummary}>
        <TriangleAlert size={14} aria-hidden className={styles.warnIcon} />
        {count} {count === 1 ? 'warning' : 'warnings'}
      </summary>
      <ul className={styles.warningList}>
        {snapshot.warnings.map((w, i) => (
          <WarningItem key={i} warning={w} stepTitle={w.step ? snapshot.steps[w.step]?.title : undefined} />
        ))}
        {messages.map((m, i) => (
          <li key={`m${i}`} className={styles.warning}>
            <TriangleAlert size={14} aria-hidden className={styles.warnIcon} />
            <p className={`${styles.warningDetail} mono`}>{m}</p>
          </li>
        ))}
      </ul>
    </details>
  );
}
