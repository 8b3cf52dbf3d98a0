import { Boxes, FileWarning, FolderOpen, RotateCw } from 'lucide-react';
import type { SnippetLine } from '../../../../electron/common/contracts/builds';
import type { AppError } from '../../../../electron/common/errors';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { baseName } from '../builds/format';
import { Snippet } from '../builds/live/Outcome';
import { openProject, setPicking } from './bake-ui';
import { recentProjects } from './recent-projects';
import styles from './Bake.module.css';

// What the Bake view shows instead of a project: none open yet, one being read, one that cannot be read.

/** No project open: what bake is, how to open one, and the recent ones. */
export function NoProject() {
  const recent = recentProjects();
  return (
    <EmptyState
      icon={<Boxes size={22} />}
      title="Open a bake or compose project"
      actions={
        <Button
          variant="primary"
          onClick={() => setPicking(true)}
          icon={<FolderOpen size={14} aria-hidden />}
          data-testid="open-project"
        >
          Open folder…
        </Button>
      }
    >
      <p>
        A folder with <code>docker-bake.hcl</code>, <code>docker-bake.json</code> or <code>compose.yaml</code>.
        BuildDeck reads it with <code>docker buildx bake --print</code>, so groups, variables, inheritance and matrices
        resolve exactly as buildx resolves them. Or drop the folder on this window.
      </p>
      {recent.length > 0 ? (
        <ul className={styles.recentList} aria-label="Recent projects" data-testid="recent-projects">
          {recent.map((p) => (
            <li key={p}>
              <button type="button" className={styles.recentItem} onClick={() => openProject(p)} title={p}>
                <Boxes size={13} aria-hidden className={styles.projectIcon} />
                <span className={styles.recentName}>{baseName(p)}</span>
                <span className={`${styles.recentPath} mono`}>{p}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </EmptyState>
  );
}

/** A definition error the way a Dockerfile error reads: file and line, the marked snippet, the fix. */
export function DefinitionError({
  error,
  onRetry,
  retrying,
}: {
  error: AppError;
  onRetry: () => void;
  retrying: boolean;
}) {
  const file = typeof error.details?.['file'] === 'string' ? error.details['file'] : undefined;
  const line = typeof error.details?.['line'] === 'number' ? error.details['line'] : undefined;
  const snippet = Array.isArray(error.details?.['snippet']) ? (error.details['snippet'] as SnippetLine[]) : [];
  if (error.code !== 'INVALID_INPUT') return <ErrorState error={error} onRetry={onRetry} retrying={retrying} />;
  return (
    <section
      className={styles.definitionError}
      role="alert"
      aria-label="Definition error"
      data-testid="definition-error"
    >
      <FileWarning size={20} aria-hidden className={styles.dangerIcon} />
      <div className={styles.definitionMain}>
        <p className={styles.definitionTitle}>
          {file ? (
            <>
              <span className="mono">{file}</span>
              {line !== undefined ? <span className={styles.muted}> line {line}</span> : null}
            </>
          ) : (
            'This project cannot be read'
          )}
        </p>
        <pre className={styles.definitionMessage} data-testid="definition-message">
          {file ? error.message.replace(`${file}${line !== undefined ? ` line ${line}` : ''}: `, '') : error.message}
        </pre>
        {error.hint ? <p className={styles.hintText}>{error.hint}</p> : null}
        {snippet.length > 0 ? (
          <Snippet lines={snippet} file={file} label={`${file ?? 'Definition'} around line ${line ?? ''}`} />
        ) : null}
        <div>
          <Button size="sm" onClick={onRetry} disabled={retrying} icon={<RotateCw size={13} aria-hidden />}>
            {retrying ? 'Reading…' : 'Read it again'}
          </Button>
        </div>
      </div>
    </section>
  );
}

export function ProjectSkeleton() {
  return (
    <div className={styles.projectLayout} aria-busy="true" data-testid="project-loading">
      <p className="visually-hidden" role="status">
        Reading the project with docker buildx bake…
      </p>
      <div className={styles.column}>
        <Skeleton height={84} />
        <Skeleton height={120} />
        <Skeleton height={120} />
      </div>
      <Skeleton height={360} />
    </div>
  );
}
