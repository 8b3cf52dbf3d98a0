import { useId, useState } from 'react';
import { CircleCheck, CircleHelp, SearchCode } from 'lucide-react';
import type { CacheMissCause, CacheMissExplanation } from '../../../../electron/common/contracts/history';
import { appErrorOf, useCommand } from '../../api/client';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { formatDateTime } from '../../lib/format';
import { shortDigest } from '../builds/format';
import { openHistoryEntry } from './history-ui';
import styles from './Panels.module.css';

/** The headline of a cause, by kind: what a person scans for first. */
export const CAUSE_TITLE: Record<CacheMissCause['kind'], string> = {
  'instruction-changed': 'The instruction changed',
  'build-arg-changed': 'A build arg changed',
  'files-changed': 'Files it copies changed',
  'base-image-changed': 'The base image changed',
  'no-cache': 'Cache was turned off',
  'parent-missed': 'An earlier step missed first',
  unknown: 'Cause unknown',
};

function digestText(d: string | undefined): string {
  return d ? `sha256:${shortDigest(d)}` : '—';
}

function Cause({ cause }: { cause: CacheMissCause }) {
  return (
    <li className={styles.cause} data-kind={cause.kind} data-testid="why-cause">
      <p className={styles.causeTitle}>{CAUSE_TITLE[cause.kind]}</p>
      <p>{cause.summary}</p>
      {cause.instruction ? (
        <dl className={styles.diff}>
          <dt>Before</dt>
          <dd className="mono">{cause.instruction.before}</dd>
          <dt>Now</dt>
          <dd className="mono">{cause.instruction.after}</dd>
        </dl>
      ) : null}
      {cause.args && cause.args.length > 0 ? (
        <table className={styles.table}>
          <caption className="visually-hidden">Build args that changed</caption>
          <thead>
            <tr>
              <th scope="col">Arg</th>
              <th scope="col">Before</th>
              <th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {cause.args.map((a) => (
              <tr key={a.name}>
                <td className="mono">{a.name}</td>
                <td className="mono">{a.before ?? <span className={styles.sub}>unset</span>}</td>
                <td className="mono">{a.after ?? <span className={styles.sub}>unset</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cause.files && cause.files.length > 0 ? (
        <ul className={styles.files} data-testid="why-files">
          {cause.files.map((f) => (
            <li key={f.path}>
              <span className={`${styles.change} ${styles[`change_${f.change}`] ?? ''}`}>{f.change}</span>
              <span className="mono">{f.path}</span>
            </li>
          ))}
          {cause.filesTruncated ? <li className={styles.sub}>…and more files</li> : null}
        </ul>
      ) : null}
      {cause.image ? (
        <dl className={styles.diff}>
          <dt>Image</dt>
          <dd className="mono">{cause.image.name}</dd>
          <dt>Before</dt>
          <dd className="mono" title={cause.image.before}>
            {digestText(cause.image.before)}
          </dd>
          <dt>Now</dt>
          <dd className="mono" title={cause.image.after}>
            {digestText(cause.image.after)}
          </dd>
        </dl>
      ) : null}
      {cause.evidence.length > 0 ? <p className={styles.evidence}>Based on {cause.evidence.join('; ')}.</p> : null}
    </li>
  );
}

export function WhyResult({ why, againstLabel }: { why: CacheMissExplanation; againstLabel: string | undefined }) {
  switch (why.verdict) {
    case 'no-earlier-run':
      return (
        <p className={styles.empty} data-testid="why-verdict" data-verdict={why.verdict}>
          No earlier run of this build to compare with. Run it again and BuildDeck tells you which step missed the
          cache, and why.
        </p>
      );
    case 'no-miss':
      return (
        <p className={styles.okLine} data-testid="why-verdict" data-verdict={why.verdict}>
          <CircleCheck size={15} aria-hidden /> No miss: every step {againstLabel ?? 'the earlier run'} had from the
          cache came from the cache again.
        </p>
      );
    case 'explained':
    case 'unexplained':
      return (
        <div className={styles.why} data-testid="why-verdict" data-verdict={why.verdict}>
          {why.firstMiss ? (
            <p className={styles.firstMiss}>
              <span className={styles.sub}>First step that ran instead of coming from the cache</span>
              <code className={styles.stepName} data-testid="why-step">
                {why.firstMiss.name}
              </code>
              {why.firstMiss.lane && why.firstMiss.lane !== 'default' ? (
                <span className={`${styles.sub} mono`}>{why.firstMiss.lane}</span>
              ) : null}
            </p>
          ) : null}
          <ul className={styles.causes}>
            {why.causes.map((c, i) => (
              <Cause key={`${c.kind}${i}`} cause={c} />
            ))}
          </ul>
          {why.verdict === 'unexplained' && why.causes.length === 0 ? (
            <p className={styles.empty}>
              <CircleHelp size={14} aria-hidden /> The records do not say why.
            </p>
          ) : null}
        </div>
      );
  }
}

/**
 * "Why did the cache miss?": the first step this run executed where an earlier run of the same
 * build had it cached, and the causes the data supports. Compared with the previous run unless the
 * user picks another.
 */
export function WhyPanel({ id }: { id: string }) {
  const headingId = useId();
  const selectId = useId();
  const runs = useCommand('history.runs', { id });
  const [against, setAgainst] = useState('');
  const why = useCommand('history.why', { id, ...(against ? { against } : {}) });
  const self = runs.data?.runs.find((r) => r.id === id);
  const earlier = (runs.data?.runs ?? [])
    .filter((r) => r.id !== id && (self ? r.startedAt < self.startedAt : true))
    .reverse();
  const againstId = why.data?.againstId;
  const againstRun = runs.data?.runs.find((r) => r.id === againstId);
  const againstLabel = againstRun ? `the run of ${formatDateTime(againstRun.startedAt)}` : undefined;
  return (
    <section className={styles.panel} aria-labelledby={headingId} data-testid="why-panel">
      <header className={styles.header}>
        <h2 id={headingId} className={styles.title}>
          <SearchCode size={15} aria-hidden /> Why did the cache miss?
        </h2>
        {earlier.length > 0 ? (
          <span className={styles.compare}>
            <label htmlFor={selectId}>Compare with</label>
            <select
              id={selectId}
              value={against}
              onChange={(e) => setAgainst(e.target.value)}
              data-testid="why-against"
            >
              <option value="">Previous run</option>
              {earlier.map((r) => (
                <option key={r.id} value={r.id}>
                  {formatDateTime(r.startedAt)} · {r.status}
                </option>
              ))}
            </select>
          </span>
        ) : null}
      </header>
      {againstId && againstId !== id ? (
        <p className={styles.sub}>
          Compared with{' '}
          <button type="button" className={styles.link} onClick={() => openHistoryEntry(againstId)}>
            {againstLabel ?? againstId}
          </button>
        </p>
      ) : null}
      {why.isError ? (
        <ErrorState
          error={appErrorOf(why.error)}
          variant="inline"
          subject="Cache analysis"
          onRetry={() => void why.refetch()}
          retrying={why.isFetching}
        />
      ) : !why.data ? (
        <div aria-busy="true">
          <p className="visually-hidden" role="status">
            Comparing the runs…
          </p>
          <Skeleton height={90} />
        </div>
      ) : (
        <>
          <WhyResult why={why.data} againstLabel={againstLabel} />
          {why.data.limits.length > 0 ? (
            <ul className={styles.limits}>
              {why.data.limits.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </section>
  );
}
