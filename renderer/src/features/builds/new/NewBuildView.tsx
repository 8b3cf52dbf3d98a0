import { useEffect, useMemo, useRef, useState } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { CircleAlert, Info, Layers, Play, RotateCcw, X } from 'lucide-react';
import type { Builder } from '../../../../../electron/common/domain';
import type { AppError } from '../../../../../electron/common/errors';
import { appErrorOf, useCommand } from '../../../api/client';
import { Button } from '../../../components/Button';
import { ErrorState } from '../../../components/ErrorState';
import { Field } from '../../../components/Field';
import { isAbsolutePath } from '../../../../../electron/common/validation';
import { errorField, fieldIssues } from '../../../lib/field-errors';
import { isMac, useStartShortcut } from '../shortcuts';
import { recentFolders } from '../recent-folders';
import { useStartBuild } from '../start';
import { dismissNotice, setDraft, useBuildsUi } from '../ui-store';
import { useDebounced } from '../use-debounced';
import { CommandPreview } from './CommandPreview';
import { ContextCheck } from './ContextCheck';
import { CacheRows, KeyValueRows, PlatformPicker, SecretRows, TagInput } from './controls';
import { draftToRequest, emptyDraft, fieldKeyFor, OUTPUT_KINDS, type BuildDraft, type OutputKind } from './form-model';
import styles from './NewBuild.module.css';

function parentDir(p: string): string | undefined {
  const trimmed = p.replace(/[\\/]+$/, '');
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (at <= 0) return trimmed.startsWith('/') ? '/' : undefined;
  return trimmed.slice(0, at);
}

const OUTPUT_LABELS: Record<OutputKind, string> = {
  default: 'Builder default',
  load: 'Load into Docker',
  push: 'Push to registry',
  local: 'Local directory',
  oci: 'OCI tarball',
  docker: 'Docker tarball',
  cacheonly: 'Cache only',
};

interface Issue {
  field: string;
  message: string;
}

/** The core's INVALID_INPUT issues (router validation) as field/message pairs. */
function issuesOf(error: AppError | undefined): Issue[] {
  if (!error || error.code !== 'INVALID_INPUT') return [];
  if (!Array.isArray(error.details?.['issues'])) return fieldIssues(error);
  return fieldIssues(error).map(({ field, message }) => ({ field, message: sentence(describeIssue(field, message)) }));
}

/** zod reports a bad record key as "Invalid key in record"; say what a valid one looks like. */
function describeIssue(field: string, message: string): string {
  if (!/invalid key/i.test(message)) return message;
  if (field.startsWith('buildArgs'))
    return 'A build argument name is letters, digits and _, not starting with a digit.';
  if (field.startsWith('labels'))
    return 'A label key starts with a letter or digit; then letters, digits, ".", "_", "/" or "-".';
  return message;
}

function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

/** The docker driver refused several platforms: what the core said, and the builders that can. */
function DriverCallout(props: {
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
function FrontendCallout(props: { image: string; onTrust: () => void }) {
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

export function NewBuildView({ onOpenBuilders }: { onOpenBuilders: () => void }) {
  const draft = useBuildsUi((s) => s.draft);
  const focusSeq = useBuildsUi((s) => s.focusContextSeq);
  const notice = useBuildsUi((s) => s.notice);
  const start = useStartBuild();
  const contextRef = useRef<HTMLInputElement>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<AppError | undefined>();
  const [showLocal, setShowLocal] = useState(false);

  const set = <K extends keyof BuildDraft>(key: K, value: BuildDraft[K]) => {
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

  // Builders and the chosen one's platforms.
  const buildersQuery = useCommand('builders.list', {});
  const engine = useCommand('engine.info', {}, { staleTime: 60_000 });
  const builders: Builder[] = buildersQuery.data?.builders ?? [];
  const current = builders.find((b) => b.current);
  const chosen = draft.builder ? builders.find((b) => b.name === draft.builder) : current;
  const available = uniq((chosen?.nodes ?? []).flatMap((n) => n.platforms));

  // The context: walked once the path stops changing.
  const contextDir = useDebounced(draft.contextDir.trim(), 300);
  const dockerfileTyped = useDebounced(draft.dockerfile.trim(), 300);
  // A `# syntax=` frontend the user agreed to run for the targets probe (for this folder and file only).
  const [trusted, setTrusted] = useState<{ key: string; image: string } | undefined>();
  const inspectKey = `${contextDir}\0${dockerfileTyped}`;
  const trustFrontend = trusted?.key === inspectKey ? trusted.image : undefined;
  const inspectInput = {
    contextDir,
    ...(dockerfileTyped ? { dockerfile: dockerfileTyped } : {}),
    // The probe runs on the builder the form chose, not the current one.
    ...(draft.builder ? { builder: draft.builder } : {}),
    ...(trustFrontend ? { trustFrontend } : {}),
  };
  const inspect = useCommand('builds.inspectContext', inspectInput, {
    enabled: isAbsolutePath(contextDir),
    staleTime: 15_000,
    refetchOnWindowFocus: false,
  });
  const inspection = inspect.data;
  const inspectError = inspect.isError ? appErrorOf(inspect.error) : undefined;

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

  const errors: Record<string, string> = {};
  const badTag = (() => {
    for (const issue of [...issuesOf(startError), ...issuesOf(commandError)]) {
      const m = /^tags\.(\d+)/.exec(issue.field);
      if (m) return Number(m[1]);
    }
    return undefined;
  })();
  for (const issue of [...issuesOf(commandError), ...issuesOf(startError)]) {
    errors[fieldKeyFor(issue.field, mapping.paths)] = issue.message;
  }
  Object.assign(errors, mapping.localErrors);
  if (inspectError && draft.contextDir.trim()) {
    errors[errorField(inspectError) === 'dockerfile' ? 'dockerfile' : 'contextDir'] = inspectError.message;
  } else if (draft.contextDir.trim() && !isAbsolutePath(draft.contextDir.trim())) {
    errors['contextDir'] = 'Give the absolute path of the folder (it starts with / or a drive letter).';
  }

  const driverRefusal =
    startError?.code === 'INVALID_INPUT' &&
    errorField(startError) === 'platforms' &&
    startError.details?.['driver'] === 'docker'
      ? startError
      : undefined;
  const candidates = (() => {
    const fromCore = driverRefusal?.details?.['candidates'];
    if (Array.isArray(fromCore)) return fromCore.filter((c): c is string => typeof c === 'string');
    return builders.filter((b) => b.driver !== 'docker').map((b) => b.name);
  })();
  const predictedRefusal =
    !driverRefusal &&
    chosen?.driver === 'docker' &&
    draft.platforms.length > 1 &&
    engine.data &&
    !engine.data.containerdSnapshotter;
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

  const visibleErrors = showLocal
    ? errors
    : Object.fromEntries(Object.entries(errors).filter(([k]) => !(k in mapping.localErrors)));
  const dockerfiles = inspection?.dockerfiles ?? [];
  const targets = inspection?.targets ?? [];
  const shortcut = isMac() ? '⌘↵' : 'Ctrl+Enter';
  const notAFolder =
    inspectError && /is not a folder/.test(inspectError.message) ? parentDir(draft.contextDir.trim()) : undefined;
  const dest = draft.output === 'local' || draft.output === 'oci' || draft.output === 'docker';

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
          <fieldset className={styles.group}>
            <legend className={styles.legend}>Source</legend>
            <Field
              label="Context folder"
              error={visibleErrors['contextDir']}
              testId="field-context"
              hint={notAFolder ? undefined : 'Everything in it (minus .dockerignore) is sent to the builder.'}
              after={
                notAFolder ? (
                  <div className={styles.inlineAction}>
                    <Button size="sm" onClick={() => set('contextDir', notAFolder)}>
                      Use its folder: <span className="mono">{notAFolder}</span>
                    </Button>
                  </div>
                ) : undefined
              }
            >
              {({ id, describedBy, invalid }) => (
                <>
                  <input
                    ref={contextRef}
                    id={id}
                    className={`${styles.input} mono ${invalid ? styles.invalid : ''}`}
                    value={draft.contextDir}
                    placeholder="/home/me/projects/app"
                    aria-describedby={describedBy}
                    aria-invalid={invalid || undefined}
                    list={`${id}-recent`}
                    spellCheck={false}
                    autoComplete="off"
                    data-testid="context-input"
                    onChange={(event) => set('contextDir', event.target.value)}
                  />
                  <datalist id={`${id}-recent`}>
                    {recent.map((p) => (
                      <option key={p} value={p} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
            <div className={styles.pair}>
              <Field
                label="Dockerfile"
                error={visibleErrors['dockerfile']}
                hint={
                  draft.dockerfile
                    ? 'Relative to the context folder, or absolute.'
                    : inspection?.dockerfile
                      ? `Detected: ${inspection.dockerfile}`
                      : 'Detected in the context folder.'
                }
              >
                {({ id, describedBy, invalid }) => (
                  <>
                    <input
                      id={id}
                      className={`${styles.input} mono ${invalid ? styles.invalid : ''}`}
                      value={draft.dockerfile}
                      placeholder={inspection?.dockerfile ?? 'Dockerfile'}
                      aria-describedby={describedBy}
                      aria-invalid={invalid || undefined}
                      list={`${id}-found`}
                      spellCheck={false}
                      autoComplete="off"
                      data-testid="dockerfile-input"
                      onChange={(event) => set('dockerfile', event.target.value)}
                    />
                    <datalist id={`${id}-found`}>
                      {dockerfiles.map((f) => (
                        <option key={f} value={f} />
                      ))}
                    </datalist>
                  </>
                )}
              </Field>
              <Field
                label="Target stage"
                error={visibleErrors['target']}
                hint={
                  inspection && targets.length > 0
                    ? `${targets.length} stage${targets.length === 1 ? '' : 's'} ${inspection.targetsSource === 'buildx' ? 'reported by buildx' : 'found in the Dockerfile'}`
                    : 'Empty: the last stage.'
                }
              >
                {({ id, describedBy, invalid }) => (
                  <select
                    id={id}
                    className={`${styles.select} ${invalid ? styles.invalid : ''}`}
                    value={draft.target}
                    aria-describedby={describedBy}
                    data-testid="target-select"
                    onChange={(event) => set('target', event.target.value)}
                  >
                    <option value="">Last stage (default)</option>
                    {targets.map((t) => (
                      <option key={t.name} value={t.name}>
                        {t.name}
                        {t.description ? ` — ${t.description}` : t.base ? ` (FROM ${t.base})` : ''}
                      </option>
                    ))}
                    {draft.target && !targets.some((t) => t.name === draft.target) ? (
                      <option value={draft.target}>{draft.target}</option>
                    ) : null}
                  </select>
                )}
              </Field>
            </div>
            {inspection?.frontendToConfirm ? (
              <FrontendCallout
                image={inspection.frontendToConfirm}
                onTrust={() => setTrusted({ key: inspectKey, image: inspection.frontendToConfirm ?? '' })}
              />
            ) : null}
          </fieldset>

          <fieldset className={styles.group}>
            <legend className={styles.legend}>Builder and platforms</legend>
            <Field
              label="Builder"
              error={visibleErrors['builder']}
              hint={
                chosen
                  ? `${chosen.driver} driver · ${chosen.nodes.length} node${chosen.nodes.length === 1 ? '' : 's'}`
                  : undefined
              }
            >
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  className={`${styles.select} ${invalid ? styles.invalid : ''}`}
                  value={draft.builder}
                  aria-describedby={describedBy}
                  data-testid="builder-select"
                  onChange={(event) => set('builder', event.target.value)}
                >
                  <option value="">
                    {current ? `Current: ${current.name} (${current.driver})` : 'Current builder'}
                  </option>
                  {builders.map((b) => (
                    <option key={b.name} value={b.name}>
                      {b.name} ({b.driver})
                    </option>
                  ))}
                  {draft.builder && !builders.some((b) => b.name === draft.builder) ? (
                    <option value={draft.builder}>{draft.builder}</option>
                  ) : null}
                </select>
              )}
            </Field>
            <Field
              label="Platforms"
              group
              error={visibleErrors['platforms']}
              testId="field-platforms"
              hint={
                available.length === 0
                  ? 'This builder lists its platforms once it is running; add them by name.'
                  : draft.platforms.length === 0
                    ? `None selected: the builder's own platform${available[0] ? ` (${available[0]})` : ''}.`
                    : draft.platforms.length > 1
                      ? 'One lane per platform in the live view.'
                      : undefined
              }
            >
              {({ describedBy }) => (
                <>
                  <PlatformPicker
                    available={available}
                    selected={draft.platforms}
                    onChange={(p) => set('platforms', p)}
                    describedBy={describedBy}
                  />
                  {driverRefusal || predictedRefusal ? (
                    <DriverCallout
                      message={
                        driverRefusal?.message ??
                        `Builder "${chosen?.name ?? ''}" uses the docker driver, which builds one platform at a time.`
                      }
                      hint={driverRefusal?.hint}
                      candidates={candidates}
                      onPick={(name) => set('builder', name)}
                      onOneplatform={() => set('platforms', draft.platforms.slice(0, 1))}
                      onOpenBuilders={onOpenBuilders}
                    />
                  ) : null}
                </>
              )}
            </Field>
          </fieldset>

          <fieldset className={styles.group}>
            <legend className={styles.legend}>Image</legend>
            <Field label="Tags" error={visibleErrors['tags']} hint="Enter, comma or space adds a tag.">
              {({ id, describedBy, invalid }) => (
                <TagInput
                  id={id}
                  values={draft.tags}
                  onChange={(tags) => set('tags', tags)}
                  describedBy={describedBy}
                  invalid={invalid}
                  badIndex={badTag}
                  placeholder="app:dev, 127.0.0.1:5000/app:1.2"
                />
              )}
            </Field>
            <Field label="Build arguments" group error={visibleErrors['buildArgs']}>
              {() => (
                <KeyValueRows
                  rows={draft.buildArgs}
                  onChange={(rows) => set('buildArgs', rows)}
                  errors={visibleErrors}
                  keyLabel="Build argument"
                  keyPlaceholder="NAME"
                  valuePlaceholder="value"
                  addLabel="Add build argument"
                  testId="build-arg-rows"
                />
              )}
            </Field>
            <Field label="Labels" group error={visibleErrors['labels']}>
              {() => (
                <KeyValueRows
                  rows={draft.labels}
                  onChange={(rows) => set('labels', rows)}
                  errors={visibleErrors}
                  keyLabel="Label"
                  keyPlaceholder="org.opencontainers.image.title"
                  valuePlaceholder="value"
                  addLabel="Add label"
                  testId="label-rows"
                />
              )}
            </Field>
            <div className={styles.checks}>
              <label className={styles.checkbox}>
                <input
                  type="checkbox"
                  checked={draft.noCache}
                  onChange={(event) => set('noCache', event.target.checked)}
                />
                <span>
                  No cache <span className={styles.checkHint}>rebuild every step</span>
                </span>
              </label>
              <label className={styles.checkbox}>
                <input type="checkbox" checked={draft.pull} onChange={(event) => set('pull', event.target.checked)} />
                <span>
                  Pull <span className={styles.checkHint}>always fetch newer base images</span>
                </span>
              </label>
            </div>
          </fieldset>

          <fieldset className={styles.group}>
            <legend className={styles.legend}>Output and cache</legend>
            <Field label="Output" group error={visibleErrors['output']}>
              {() => (
                <div className={styles.segmented} data-testid="output-choice">
                  {OUTPUT_KINDS.map((kind) => (
                    <label key={kind} className={`${styles.segment} ${draft.output === kind ? styles.segmentOn : ''}`}>
                      <input
                        type="radio"
                        name="output"
                        value={kind}
                        checked={draft.output === kind}
                        onChange={() => set('output', kind)}
                        className="visually-hidden"
                      />
                      {OUTPUT_LABELS[kind]}
                    </label>
                  ))}
                </div>
              )}
            </Field>
            {dest ? (
              <Field
                label={draft.output === 'local' ? 'Export into directory' : 'Write tarball to'}
                error={visibleErrors['outputDest']}
              >
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    className={`${styles.input} mono ${invalid ? styles.invalid : ''}`}
                    value={draft.outputDest}
                    placeholder={draft.output === 'local' ? '/tmp/rootfs' : '/tmp/image.tar'}
                    aria-describedby={describedBy}
                    aria-invalid={invalid || undefined}
                    spellCheck={false}
                    onChange={(event) => set('outputDest', event.target.value)}
                  />
                )}
              </Field>
            ) : draft.output === 'default' && chosen && chosen.driver !== 'docker' ? (
              <p className={styles.outputNote}>
                <Info size={13} aria-hidden /> A {chosen.driver} builder keeps the result in its cache unless you load
                or push it.
              </p>
            ) : null}
            <div className={styles.pair}>
              <Field label="Cache from" group error={visibleErrors['cacheFrom']}>
                {() => (
                  <CacheRows
                    direction="from"
                    rows={draft.cacheFrom}
                    onChange={(r) => set('cacheFrom', r)}
                    errors={visibleErrors}
                  />
                )}
              </Field>
              <Field label="Cache to" group error={visibleErrors['cacheTo']}>
                {() => (
                  <CacheRows
                    direction="to"
                    rows={draft.cacheTo}
                    onChange={(r) => set('cacheTo', r)}
                    errors={visibleErrors}
                  />
                )}
              </Field>
            </div>
          </fieldset>

          <fieldset className={styles.group}>
            <legend className={styles.legend}>Secrets</legend>
            <Field
              label="Build secrets"
              group
              error={visibleErrors['secrets']}
              hint="Mounted with RUN --mount=type=secret,id=…. BuildDeck passes only the id and where buildx reads it: the value is never read, shown or stored."
            >
              {() => (
                <SecretRows rows={draft.secrets} onChange={(rows) => set('secrets', rows)} errors={visibleErrors} />
              )}
            </Field>
          </fieldset>
          {/* Enter in a text field submits, like any form. */}
          <button type="submit" hidden tabIndex={-1} />
        </form>

        <aside className={styles.side} aria-label="Context and command">
          <ContextCheck
            contextDir={isAbsolutePath(contextDir) ? contextDir : ''}
            inspection={inspection}
            loading={inspect.isFetching}
            error={inspectError}
            onRefresh={() => void inspect.refetch()}
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
