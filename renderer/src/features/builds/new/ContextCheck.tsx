import { FileWarning, FolderOpen, FolderSearch, RefreshCw, ShieldCheck, TriangleAlert } from 'lucide-react';
import type { ContextInspection, ContextProgress } from '../../../../../electron/common/contracts/builds';
import type { AppError } from '../../../../../electron/common/errors';
import { Button } from '../../../components/Button';
import { Skeleton } from '../../../components/Skeleton';
import { formatBytes, pluralize } from '../../../lib/format';
import styles from './NewBuild.module.css';
import checkStyles from './ContextCheck.module.css';

interface ContextCheckProps {
  contextDir: string;
  inspection: ContextInspection | undefined;
  /** The counts so far while a large folder is walked (`build.contextProgress`). */
  partial?: ContextProgress | undefined;
  loading: boolean;
  error: AppError | undefined;
  onRefresh: () => void;
  recent: string[];
  onPickRecent: (path: string) => void;
}

function Bars({ entries, total }: { entries: { path: string; bytes: number; files: number }[]; total: number }) {
  const max = Math.max(1, ...entries.map((e) => e.bytes));
  return (
    <ul className={checkStyles.bars}>
      {entries.map((e) => (
        <li
          key={e.path}
          className={checkStyles.barRow}
          title={`${e.path}: ${formatBytes(e.bytes)}, ${pluralize(e.files, 'file')}`}
        >
          <span className={`${checkStyles.barName} mono`}>{e.path}</span>
          <span className={checkStyles.barValue}>{formatBytes(e.bytes)}</span>
          <span className={checkStyles.barTrack} aria-hidden>
            <span className={checkStyles.barFill} style={{ width: `${Math.max(2, (e.bytes / max) * 100)}%` }} />
          </span>
          <span className="visually-hidden">
            {total > 0 ? `${Math.round((e.bytes / total) * 100)}% of the context` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** What will be sent to the builder: size and files after .dockerignore, the heaviest parts, warnings. */
export function ContextCheck({
  contextDir,
  inspection,
  partial,
  loading,
  error,
  onRefresh,
  recent,
  onPickRecent,
}: ContextCheckProps) {
  if (!contextDir) {
    return (
      <section className={styles.card} aria-labelledby="context-check-title" data-testid="context-check">
        <h2 id="context-check-title" className={styles.cardTitle}>
          Context check
        </h2>
        <div className={checkStyles.dropHint}>
          <FolderOpen size={26} aria-hidden />
          <p>
            <strong>Drop a folder anywhere on the window</strong>
            <br />
            or type its absolute path.
          </p>
        </div>
        {recent.length > 0 ? (
          <div className={checkStyles.recent}>
            <h3 className={checkStyles.subTitle}>Recent folders</h3>
            <ul className={checkStyles.recentList} data-testid="recent-folders">
              {recent.map((p) => (
                <li key={p}>
                  <button type="button" className={checkStyles.recentItem} onClick={() => onPickRecent(p)} title={p}>
                    <FolderOpen size={13} aria-hidden />
                    <span className="mono">{p}</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
    );
  }
  return (
    <section
      className={styles.card}
      aria-labelledby="context-check-title"
      aria-busy={loading}
      data-testid="context-check"
      data-state={error ? 'error' : inspection ? 'ready' : 'loading'}
    >
      <div className={styles.cardHeader}>
        <h2 id="context-check-title" className={styles.cardTitle}>
          Context check
        </h2>
        <Button
          variant="ghost"
          size="sm"
          iconOnly
          aria-label="Check the context again"
          title="Check again"
          onClick={onRefresh}
          disabled={loading}
          icon={<RefreshCw size={13} aria-hidden className={loading ? 'spin' : undefined} />}
        />
      </div>
      {error ? (
        <div className={checkStyles.checkError} role="alert">
          <FolderSearch size={18} aria-hidden />
          <div>
            <strong>{error.message}</strong>
            {error.hint ? <p>{error.hint}</p> : null}
          </div>
        </div>
      ) : !inspection && partial ? (
        <div className={checkStyles.checkLoading} data-testid="context-partial">
          <p className={checkStyles.checkCounting} role="status">
            Counting… {formatBytes(partial.bytes)} in {pluralize(partial.files, 'file')} so far
          </p>
          {partial.largestEntries.length > 0 ? (
            <div>
              <h3 className={checkStyles.subTitle}>Largest entries so far</h3>
              <Bars entries={partial.largestEntries} total={partial.bytes} />
            </div>
          ) : null}
        </div>
      ) : !inspection ? (
        <div className={checkStyles.checkLoading}>
          <p className="visually-hidden" role="status">
            Checking the context…
          </p>
          <Skeleton width="50%" height={22} />
          <Skeleton width="80%" />
          <Skeleton width="70%" />
          <Skeleton width="60%" />
        </div>
      ) : (
        <>
          <dl className={checkStyles.stats}>
            <div>
              <dt>Sent to builder</dt>
              <dd data-testid="context-size">
                {formatBytes(inspection.bytes)}
                {inspection.truncated ? '+' : ''}
              </dd>
            </div>
            <div>
              <dt>Files</dt>
              <dd data-testid="context-files">
                {inspection.files.toLocaleString()}
                {inspection.truncated ? '+' : ''}
              </dd>
            </div>
            <div>
              <dt>.dockerignore</dt>
              <dd className={inspection.dockerignore ? checkStyles.okText : checkStyles.mutedText}>
                {inspection.dockerignore ? (
                  <>
                    <ShieldCheck size={13} aria-hidden /> applied
                  </>
                ) : (
                  'none'
                )}
              </dd>
            </div>
          </dl>
          {inspection.warnings.length > 0 ? (
            <ul className={checkStyles.checkWarnings} data-testid="context-warnings">
              {inspection.warnings.map((w) => (
                <li key={w}>
                  <TriangleAlert size={13} aria-hidden />
                  <span>{w}</span>
                </li>
              ))}
            </ul>
          ) : null}
          {inspection.largestEntries.length > 0 ? (
            <div>
              <h3 className={checkStyles.subTitle}>Largest entries</h3>
              <Bars entries={inspection.largestEntries.slice(0, 6)} total={inspection.bytes} />
            </div>
          ) : null}
          {inspection.largestFiles.length > 0 && inspection.largestFiles.length !== inspection.largestEntries.length ? (
            <div>
              <h3 className={checkStyles.subTitle}>Largest files</h3>
              <Bars entries={inspection.largestFiles.slice(0, 4)} total={inspection.bytes} />
            </div>
          ) : null}
          {inspection.dockerfiles.length === 0 ? (
            <p className={checkStyles.checkNote}>
              <FileWarning size={13} aria-hidden /> No Dockerfile in this folder: set the Dockerfile path.
            </p>
          ) : null}
          <p className={checkStyles.checkFoot}>Counted in {Math.round(inspection.durationMs)} ms</p>
        </>
      )}
    </section>
  );
}
