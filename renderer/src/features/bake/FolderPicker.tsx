import { useEffect, useRef, useState } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { ArrowUp, Boxes, ChevronRight, Folder, FolderOpen } from 'lucide-react';
import { appErrorOf, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { Skeleton } from '../../components/Skeleton';
import formStyles from '../builds/new/NewBuild.module.css';
import bakeStyles from './Bake.module.css';
import styles from './FolderPicker.module.css';

/**
 * The folder picker: the core lists folders (`bake.browse`), so it works the same in the desktop
 * window and in serve mode, and marks the ones holding a bake or compose file. A native `<dialog>`
 * keeps focus inside and closes on Escape.
 */
export function FolderPicker({
  initialDir,
  onPick,
  onClose,
}: {
  initialDir: string | undefined;
  onPick: (dir: string) => void;
  onClose: () => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [dir, setDir] = useState<string | undefined>(initialDir);
  const [typed, setTyped] = useState(initialDir ?? '');
  const listing = useCommand('bake.browse', dir ? { dir } : {}, {
    placeholderData: keepPreviousData,
    staleTime: 5_000,
    retry: false,
  });
  const data = listing.data;
  const error = listing.isError ? appErrorOf(listing.error) : undefined;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  // The path field follows the folder shown (adjusting state while rendering, React's pattern).
  const [shown, setShown] = useState<string | undefined>();
  if (data?.dir && data.dir !== shown) {
    setShown(data.dir);
    setTyped(data.dir);
  }

  const go = (path: string) => setDir(path);

  return (
    <dialog
      ref={dialogRef}
      className={styles.picker}
      aria-labelledby="bake-picker-title"
      onClose={onClose}
      onCancel={onClose}
      data-testid="folder-picker"
    >
      <header className={styles.pickerHeader}>
        <h2 id="bake-picker-title" className={styles.pickerTitle}>
          Open a project folder
        </h2>
        <p className={styles.pickerSub}>Folders with a bake or compose file are marked.</p>
      </header>
      <form
        className={styles.pickerPath}
        onSubmit={(event) => {
          event.preventDefault();
          if (typed.trim()) go(typed.trim());
        }}
      >
        <Button
          size="sm"
          variant="ghost"
          iconOnly
          aria-label="Parent folder"
          title="Parent folder"
          disabled={!data?.parent}
          onClick={() => data?.parent && go(data.parent)}
          icon={<ArrowUp size={14} aria-hidden />}
        />
        <input
          className={`${formStyles.input} mono`}
          value={typed}
          aria-label="Folder path"
          spellCheck={false}
          autoComplete="off"
          onChange={(event) => setTyped(event.target.value)}
          data-testid="picker-path"
        />
        <Button size="sm" type="submit">
          Go
        </Button>
      </form>
      {error ? (
        <p className={styles.pickerError} role="alert">
          {error.message}
          {error.hint ? <span className={bakeStyles.muted}> {error.hint}</span> : null}
        </p>
      ) : null}
      <div className={styles.pickerList} aria-busy={listing.isFetching || undefined}>
        {!data && listing.isPending ? (
          <div className={styles.pickerLoading}>
            <Skeleton height={26} />
            <Skeleton height={26} />
            <Skeleton height={26} />
          </div>
        ) : data && data.entries.length === 0 ? (
          <p className={styles.pickerEmpty}>No sub-folders here.</p>
        ) : (
          <ul className={styles.pickerEntries} aria-label={`Folders in ${data?.dir ?? ''}`}>
            {data?.entries.map((e) => (
              <li key={e.path}>
                <button
                  type="button"
                  className={styles.pickerEntry}
                  onClick={() => go(e.path)}
                  onDoubleClick={() => e.project && onPick(e.path)}
                  data-testid="picker-entry"
                  data-project={e.project || undefined}
                >
                  {e.project ? (
                    <Boxes size={15} aria-hidden className={bakeStyles.projectIcon} />
                  ) : (
                    <Folder size={15} aria-hidden className={styles.folderIcon} />
                  )}
                  <span className={styles.pickerName}>{e.name}</span>
                  {e.project ? <span className={styles.projectBadge}>project</span> : null}
                  <ChevronRight size={14} aria-hidden className={bakeStyles.muted} />
                </button>
              </li>
            ))}
          </ul>
        )}
        {data?.truncated ? <p className={styles.pickerEmpty}>Only the first 500 folders are listed.</p> : null}
      </div>
      <footer className={styles.pickerFooter}>
        <p className={styles.pickerHere}>
          {data && data.definitionFiles.length > 0 ? (
            <>
              <Boxes size={13} aria-hidden className={bakeStyles.projectIcon} /> {data.definitionFiles.join(', ')}
            </>
          ) : data ? (
            'No bake or compose file in this folder.'
          ) : null}
        </p>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <Button
          variant="primary"
          disabled={!data}
          onClick={() => data && onPick(data.dir)}
          icon={<FolderOpen size={14} aria-hidden />}
          data-testid="picker-open"
        >
          Open this folder
        </Button>
      </footer>
    </dialog>
  );
}
