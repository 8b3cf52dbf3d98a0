import { useRef, useState, type ReactNode } from 'react';
import { Download, FileUp, FolderOpen, Trash2 } from 'lucide-react';
import type { HistoryRecordItem } from '../../../../electron/common/contracts/history';
import type { AppError } from '../../../../electron/common/errors';
import { isAbsolutePath, joinPath } from '../../../../electron/common/validation';
import { invoke } from '../../api/client';
import { Button } from '../../components/Button';
import { Modal as SharedModal } from '../../components/Modal';
import { setExportDir, useHistoryUi } from './history-ui';
import { closeOpenDialog, openPickedFile, openRecordFile, useOpenFile } from './open-file';
import { canRemove, exportFileName, recordTitle, removalLines, type RemoveScope } from './records';
import styles from './Dialogs.module.css';

/** The app's modal with this feature's look. */
function Modal(props: { title: string; onCancel: () => void; children: ReactNode; testId: string }) {
  return <SharedModal {...props} className={styles.dialog} titleClassName={styles.title} />;
}

/** A failure and, under it, what to do about it. */
function Failure(props: { error: Pick<AppError, 'message' | 'hint'>; lead?: ReactNode; testId?: string }) {
  return (
    <p className={styles.error} role="alert" data-testid={props.testId}>
      {props.lead}
      {props.error.message}
      {props.error.hint ? <span className={styles.hint}>{props.error.hint}</span> : null}
    </p>
  );
}

/** Cancel, then the dialog's submit button (busy while the command runs). */
function SubmitFooter(props: {
  onCancel: () => void;
  label: string;
  busyLabel: string;
  busy: boolean;
  disabled: boolean;
  icon: ReactNode;
  testId: string;
  leading?: ReactNode;
}) {
  return (
    <div className={styles.actions}>
      {props.leading}
      <Button variant="secondary" onClick={props.onCancel}>
        Cancel
      </Button>
      <Button
        type="submit"
        variant="primary"
        disabled={props.busy || props.disabled}
        icon={props.icon}
        data-testid={props.testId}
      >
        {props.busy ? props.busyLabel : props.label}
      </Button>
    </div>
  );
}

/** Pick a `.dockerbuild` file, or type its path (what a browser needs: it never reveals where a file is). */
export function OpenFileDialog() {
  const { droppedName, busy, failure } = useOpenFile();
  const [path, setPath] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  const typed = path.trim();
  return (
    <Modal title="Open a build record" onCancel={closeOpenDialog} testId="open-record-dialog">
      <p className={styles.lead}>
        A <code>.dockerbuild</code> file is what <code>docker buildx history export</code> writes (CI systems keep them
        as artifacts). BuildDeck reads it directly: no Docker Desktop, nothing imported into a builder.
      </p>
      {droppedName ? (
        <p className={styles.note} role="status">
          This browser does not reveal where “{droppedName}” is on disk. Type its absolute path below.
        </p>
      ) : null}
      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault();
          if (isAbsolutePath(typed)) void openRecordFile(typed);
        }}
      >
        <label className={styles.field}>
          <span>Path of the file</span>
          <input
            type="text"
            className="mono"
            value={path}
            placeholder="/home/me/ci/build.dockerbuild"
            spellCheck={false}
            autoFocus
            onChange={(e) => setPath(e.target.value)}
            aria-invalid={typed !== '' && !isAbsolutePath(typed)}
            data-testid="open-record-path"
          />
          {typed !== '' && !isAbsolutePath(typed) ? (
            <span className={styles.fieldError}>Give the absolute path (starting with /).</span>
          ) : null}
        </label>
        {failure ? (
          <Failure
            error={failure.error}
            lead={<strong>Could not open {failure.path}: </strong>}
            testId="open-record-error"
          />
        ) : null}
        <SubmitFooter
          onCancel={closeOpenDialog}
          label="Open"
          busyLabel="Opening…"
          busy={busy}
          disabled={!isAbsolutePath(typed)}
          icon={<FileUp size={14} aria-hidden />}
          testId="open-record-submit"
          leading={
            <>
              <input
                ref={fileRef}
                type="file"
                accept=".dockerbuild"
                className="visually-hidden"
                tabIndex={-1}
                aria-hidden
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file) openPickedFile(file);
                }}
              />
              <Button
                variant="ghost"
                onClick={() => fileRef.current?.click()}
                icon={<FolderOpen size={14} aria-hidden />}
                className={styles.left}
              >
                Choose file…
              </Button>
            </>
          }
        />
      </form>
    </Modal>
  );
}

/** Names exactly what goes (which record, from which store) before anything is removed. */
export function RemoveRecordDialog({
  items,
  onCancel,
  onRemoved,
}: {
  items: HistoryRecordItem[];
  onCancel: () => void;
  onRemoved: (ids: string[]) => void;
}) {
  const removable = items.filter(canRemove);
  const both = removable.some((i) => i.stored.buildkit && i.stored.builddeck);
  const [scope, setScope] = useState<RemoveScope>('all');
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<{ id: string; message: string }[]>([]);
  const single = removable.length === 1 ? removable[0] : undefined;
  const title = single ? `Remove the record of ${recordTitle(single)}?` : `Remove ${removable.length} build records?`;
  return (
    <Modal title={title} onCancel={onCancel} testId="remove-record-dialog">
      <p className={styles.lead}>This cannot be undone. Exactly this goes:</p>
      <ul className={styles.list} data-testid="remove-record-lines">
        {removalLines(removable, scope).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <p className={styles.muted}>Images, tags and the build cache stay; only the record of the run is removed.</p>
      {both ? (
        <fieldset className={styles.scope}>
          <legend>Remove it from</legend>
          {(
            [
              ['all', 'BuildKit and BuildDeck'],
              ['buildkit', 'BuildKit only (BuildDeck keeps its copy)'],
              ['builddeck', 'BuildDeck only (BuildKit keeps its record)'],
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input type="radio" name="scope" checked={scope === value} onChange={() => setScope(value)} />
              {label}
            </label>
          ))}
        </fieldset>
      ) : null}
      {failures.length > 0 ? (
        <ul className={styles.error} role="alert">
          {failures.map((f) => (
            <li key={f.id}>
              {f.id}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className={styles.actions}>
        <Button variant="secondary" onClick={onCancel} autoFocus>
          Cancel
        </Button>
        <Button
          variant="primary"
          className={styles.danger}
          disabled={busy || removable.length === 0}
          icon={<Trash2 size={14} aria-hidden />}
          data-testid="remove-record-confirm"
          onClick={() => {
            setBusy(true);
            void invoke('history.remove', { ids: removable.map((i) => i.id), from: scope }).then((result) => {
              setBusy(false);
              if (!result.ok) {
                setFailures([{ id: removable.map((i) => i.id).join(', '), message: result.error.message }]);
                return;
              }
              if (result.value.failed.length > 0) setFailures(result.value.failed);
              else onRemoved(result.value.removed.map((r) => r.id));
            });
          }}
        >
          {busy ? 'Removing…' : single ? 'Remove record' : `Remove ${removable.length} records`}
        </Button>
      </div>
    </Modal>
  );
}

function dirOf(path: string): string {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return at > 0 ? path.slice(0, at) : path;
}

/** Writes a record as a `.dockerbuild` file at a path the user confirms (no overwrite unless asked). */
export function ExportRecordDialog({
  item,
  suggestedDir,
  onClose,
}: {
  item: HistoryRecordItem;
  /** Where to suggest writing when no export happened yet (the context folder). */
  suggestedDir: string | undefined;
  onClose: () => void;
}) {
  const lastDir = useHistoryUi((s) => s.exportDir);
  const dir = lastDir ?? suggestedDir;
  const [path, setPath] = useState(dir ? joinPath(dir, exportFileName(item)) : '');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | undefined>();
  const [done, setDone] = useState<{ path: string; bytes: number } | undefined>();
  const typed = path.trim();
  return (
    <Modal title={`Export ${recordTitle(item)}`} onCancel={onClose} testId="export-record-dialog">
      {done ? (
        <>
          <p className={styles.lead} role="status" data-testid="export-done">
            Wrote <code>{done.path}</code> ({Math.max(1, Math.round(done.bytes / 1024)).toLocaleString()} KiB). Open it
            here, in Docker Desktop, or keep it with your CI run.
          </p>
          <div className={styles.actions}>
            <Button variant="primary" onClick={onClose} autoFocus>
              Done
            </Button>
          </div>
        </>
      ) : (
        <form
          className={styles.form}
          onSubmit={(e) => {
            e.preventDefault();
            if (!isAbsolutePath(typed)) return;
            setBusy(true);
            setError(undefined);
            void invoke('history.export', {
              id: item.id,
              ...(item.builder ? { builder: item.builder } : {}),
              dest: typed,
              overwrite,
            }).then((result) => {
              setBusy(false);
              if (!result.ok) setError(result.error);
              else {
                setExportDir(dirOf(result.value.path));
                setDone(result.value);
              }
            });
          }}
        >
          <p className={styles.lead}>
            The same <code>.dockerbuild</code> file <code>docker buildx history export</code> writes: steps, logs,
            timing and the error, readable by BuildDeck and Docker Desktop.
          </p>
          <label className={styles.field}>
            <span>Save as</span>
            <input
              type="text"
              className="mono"
              value={path}
              spellCheck={false}
              autoFocus
              onChange={(e) => setPath(e.target.value)}
              aria-invalid={typed !== '' && !isAbsolutePath(typed)}
              data-testid="export-record-path"
            />
          </label>
          <label className={styles.check}>
            <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
            Replace the file if it exists
          </label>
          {error ? <Failure error={error} /> : null}
          <SubmitFooter
            onCancel={onClose}
            label="Export"
            busyLabel="Exporting…"
            busy={busy}
            disabled={!isAbsolutePath(typed)}
            icon={<Download size={14} aria-hidden />}
            testId="export-record-submit"
          />
        </form>
      )}
    </Modal>
  );
}
