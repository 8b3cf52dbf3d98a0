import { useEffect, useMemo, useRef, useState } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { Info, Play, RotateCcw, X } from 'lucide-react';
import type { Builder } from '../../../../../electron/common/domain';
import type { AppError } from '../../../../../electron/common/errors';
import { appErrorOf, useCommand } from '../../../api/client';
import { Button } from '../../../components/Button';
import { ErrorState } from '../../../components/ErrorState';
import { isAbsolutePath } from '../../../../../electron/common/validation';
import { isMac, useStartShortcut } from '../shortcuts';
import { recentFolders } from '../recent-folders';
import { useStartBuild } from '../start';
import { dismissNotice, setDraft, useBuildsUi } from '../ui-store';
import { useDebounced } from '../use-debounced';
import { BuilderSection } from './BuilderSection';
import { CommandPreview } from './CommandPreview';
import { ContextCheck } from './ContextCheck';
import { driverRefusalOf, formErrors, issuesOf, parentDir } from './form-errors';
import { draftToRequest, emptyDraft, keptFlags, type SetField } from './form-model';
import { ImageSection } from './ImageSection';
import { OutputSection, SecretsSection } from './OutputSection';
import { SourceSection } from './SourceSection';
import { useContextInspection } from './use-context-inspection';
import styles from './NewBuild.module.css';

/**
 * The New Build page: the form (one component per section), the context check and the command
 * beside it. This file holds what spans sections: the draft, the errors gathered from the core and
 * the form's own checks, and starting the build.
 */
export function NewBuildView({ onOpenBuilders }: { onOpenBuilders: () => void }) {
  const draft = useBuildsUi((s) => s.draft);
  const focusSeq = useBuildsUi((s) => s.focusContextSeq);
  const notice = useBuildsUi((s) => s.notice);
  const start = useStartBuild();
  const contextRef = useRef<HTMLInputElement>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<AppError | undefined>();
  const [showLocal, setShowLocal] = useState(false);

  const set: SetField = (key, value) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setStartError(undefined);
  };

  useEffect(() => {
    if (focusSeq > 0) contextRef.current?.focus();
  }, [focusSeq]);
  // Recent folders: history's (every build, also from the CLI or tray), then this browser's own list.
  const historyRecent = useCommand('history.list', { limit: 100 }, { staleTime: 10_000 });
  const recent = [
    ...new Set([...(historyRecent.data?.items ?? []).map((i) => i.contextDir), ...recentFolders()]),
  ].slice(0, 8);

  // Builders and the chosen one.
  const buildersQuery = useCommand('builders.list', {});
  const builders: Builder[] = buildersQuery.data?.builders ?? [];
  const current = builders.find((b) => b.current);
  const chosen = draft.builder ? builders.find((b) => b.name === draft.builder) : current;

  const context = useContextInspection(draft);

  // The request and the core's verdict on it (validation + the equivalent command).
  const mapping = useMemo(() => draftToRequest(draft), [draft]);
  const request = useDebounced(mapping.request, 150);
  const commandQuery = useCommand('builds.commandLine', request, {
    enabled: isAbsolutePath(request.contextDir),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const commandError = commandQuery.isError ? appErrorOf(commandQuery.error) : undefined;

  const { errors, badTag } = formErrors({
    mapping,
    startError,
    commandError,
    inspectError: context.error,
    contextDir: draft.contextDir,
  });
  const driverRefusal = driverRefusalOf(startError);
  if (driverRefusal) delete errors['platforms'];

  const startError2 = startError && !issuesOf(startError).length && !driverRefusal ? startError : undefined;
  const canStart = Boolean(draft.contextDir.trim()) && !starting;

  const onStart = async () => {
    if (!canStart) {
      contextRef.current?.focus();
      return;
    }
    if (Object.keys(mapping.localErrors).length > 0 || errors['contextDir']) {
      setShowLocal(true);
      return;
    }
    setStarting(true);
    setStartError(undefined);
    const result = await start(mapping.request);
    setStarting(false);
    if (!result.ok) setStartError(result.error);
  };
  // Ctrl/Cmd+Enter starts from anywhere on the page.
  useStartShortcut(onStart);

  // The form's own checks (a value without a name) show once the user tried to start.
  const visibleErrors = showLocal
    ? errors
    : Object.fromEntries(Object.entries(errors).filter(([k]) => !(k in mapping.localErrors)));
  const shortcut = isMac() ? '⌘↵' : 'Ctrl+Enter';
  const notAFolder =
    context.error && /is not a folder/.test(context.error.message) ? parentDir(draft.contextDir.trim()) : undefined;
  const section = { draft, set, errors: visibleErrors };

  return (
    <div className={styles.view} data-testid="new-build">
      <header className={styles.header}>
        <div>
          <h1 className={styles.title}>New build</h1>
          <p className={styles.meta}>Any folder, any builder, every platform. Drop a folder anywhere to start here.</p>
        </div>
        <div className={styles.headerActions}>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft(() => emptyDraft());
              setStartError(undefined);
              setShowLocal(false);
              contextRef.current?.focus();
            }}
            title="Clear every field"
            data-testid="clear-form"
            icon={<RotateCcw size={14} aria-hidden />}
          >
            Clear
          </Button>
          <Button
            variant="primary"
            onClick={() => void onStart()}
            disabled={starting}
            aria-keyshortcuts="Control+Enter Meta+Enter"
            data-testid="start-build"
            icon={<Play size={14} aria-hidden />}
          >
            {starting ? 'Starting…' : 'Start build'}
            <kbd className={styles.kbd}>{shortcut}</kbd>
          </Button>
        </div>
      </header>

      {notice ? (
        <div
          className={notice.tone === 'warn' ? styles.noticeWarn : styles.notice}
          role="status"
          data-testid="builds-notice"
        >
          <Info size={14} aria-hidden />
          <span>{notice.text}</span>
          <Button
            variant="ghost"
            size="sm"
            iconOnly
            aria-label="Dismiss"
            onClick={dismissNotice}
            icon={<X size={13} aria-hidden />}
          />
        </div>
      ) : null}

      {keptFlags(draft.kept).length > 0 ? (
        <div className={styles.notice} role="note" data-testid="kept-options">
          <Info size={14} aria-hidden />
          <span>
            Kept from the build you are re-running, not editable here:{' '}
            {keptFlags(draft.kept).map((flag, i) => (
              <span key={flag}>
                {i > 0 ? ', ' : ''}
                <code>{flag}</code>
              </span>
            ))}
            . The command beside the form shows their values.
          </span>
          <Button variant="ghost" size="sm" onClick={() => set('kept', {})} data-testid="drop-kept-options">
            Leave them out
          </Button>
        </div>
      ) : null}

      {startError2 ? <ErrorState error={startError2} variant="inline" subject="Could not start" /> : null}

      <div className={styles.layout}>
        <form
          className={styles.form}
          noValidate
          aria-label="Build options"
          onSubmit={(event) => {
            event.preventDefault();
            void onStart();
          }}
        >
          <SourceSection
            {...section}
            contextRef={contextRef}
            recent={recent}
            inspection={context.inspection}
            notAFolder={notAFolder}
            onTrustFrontend={context.trust}
          />
          <BuilderSection
            {...section}
            builders={builders}
            current={current}
            chosen={chosen}
            driverRefusal={driverRefusal}
            onOpenBuilders={onOpenBuilders}
          />
          <ImageSection {...section} badTag={badTag} declared={context.outline?.args} />
          <OutputSection {...section} chosen={chosen} />
          <SecretsSection {...section} declared={context.outline?.secrets} />
          {/* Enter in a text field submits, like any form. */}
          <button type="submit" hidden tabIndex={-1} />
        </form>

        <aside className={styles.side} aria-label="Context and command">
          <ContextCheck
            contextDir={isAbsolutePath(context.contextDir) ? context.contextDir : ''}
            inspection={context.inspection}
            partial={context.partial}
            loading={context.query.isFetching}
            error={context.error}
            onRefresh={() => void context.query.refetch()}
            recent={recent}
            onPickRecent={(p) => set('contextDir', p)}
          />
          <CommandPreview
            result={commandQuery.data}
            pending={commandQuery.isFetching}
            invalid={Boolean(commandError) || Boolean(errors['contextDir'])}
            hasContext={isAbsolutePath(draft.contextDir.trim())}
          />
        </aside>
      </div>
    </div>
  );
}
