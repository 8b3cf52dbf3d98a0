import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { Boxes, FileWarning, FolderOpen, Layers, Play, RotateCw, TriangleAlert } from 'lucide-react';
import type { BakeProject, BakeTarget } from '../../../../electron/common/contracts/bake';
import type { SnippetLine } from '../../../../electron/common/contracts/builds';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, invoke, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { EmptyState } from '../../components/EmptyState';
import { ErrorState } from '../../components/ErrorState';
import { Field } from '../../components/Field';
import { Skeleton } from '../../components/Skeleton';
import { errorField } from '../../lib/field-errors';
import { Snippet } from '../builds/live/Outcome';
import { KeyValueRows, PlatformPicker } from '../builds/new/controls';
import { rowId } from '../builds/new/form-model';
import { useStartShortcut } from '../builds/shortcuts';
import { useDebounced } from '../builds/use-debounced';
import {
  draftToBakeRequest,
  openBakeRun,
  openProject,
  setBakeDraft,
  setPicking,
  useBakeUi,
  type BakeDraft,
} from './bake-ui';
import { rememberBakeRequest, trackBake } from './live-bakes';
import BakeRuns from './BakeRuns';
import { addRecentProject, recentProjects } from './recent-projects';
import formStyles from '../builds/new/NewBuild.module.css';
import styles from './Bake.module.css';

const baseName = (p: string) => p.split(/[\\/]/).filter(Boolean).pop() ?? p;

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

function ProjectSkeleton() {
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

function Chips({ values, mono = true }: { values: string[]; mono?: boolean }) {
  if (values.length === 0) return <span className={styles.muted}>—</span>;
  return (
    <span className={styles.chips}>
      {values.map((v) => (
        <span key={v} className={`${styles.smallChip} ${mono ? 'mono' : ''}`}>
          {v}
        </span>
      ))}
    </span>
  );
}

function TargetDetails({ t }: { t: BakeTarget }) {
  const rows: [string, React.ReactNode][] = [
    [
      'Context',
      <span className="mono" key="c" title={t.contextPath}>
        {t.context}
      </span>,
    ],
    [
      'Dockerfile',
      t.dockerfileInline ? (
        'inline (in the definition)'
      ) : (
        <span className="mono" key="d">
          {t.dockerfile ?? 'Dockerfile'}
        </span>
      ),
    ],
    [
      'Stage',
      t.target ? (
        <span className="mono" key="s">
          {t.target}
        </span>
      ) : (
        <span className={styles.muted} key="s">
          last stage
        </span>
      ),
    ],
    ['Platforms', <Chips key="p" values={t.platforms} />],
    ['Tags', <Chips key="t" values={t.tags} />],
    ['Args', <Chips key="a" values={Object.entries(t.args).map(([k, v]) => `${k}=${v}`)} />],
    ['Cache from', <Chips key="cf" values={t.cacheFrom} />],
    ['Cache to', <Chips key="ct" values={t.cacheTo} />],
    ['Outputs', <Chips key="o" values={t.outputs} />],
  ];
  if (Object.keys(t.labels).length > 0)
    rows.push(['Labels', <Chips key="l" values={Object.entries(t.labels).map(([k, v]) => `${k}=${v}`)} />]);
  if (t.secrets.length > 0) rows.push(['Secrets', <Chips key="se" values={t.secrets} />]);
  if (t.ssh.length > 0) rows.push(['SSH', <Chips key="ss" values={t.ssh} />]);
  if (t.network) rows.push(['Network', t.network]);
  if (t.noCache || t.pull)
    rows.push([
      'Flags',
      <Chips key="f" mono={false} values={[t.noCache ? 'no cache' : '', t.pull ? 'pull' : ''].filter(Boolean)} />,
    ]);
  return (
    <dl className={styles.targetFacts}>
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function TargetCard({
  t,
  selected,
  inRun,
  onToggle,
}: {
  t: BakeTarget;
  /** Picked by name. */
  selected: boolean;
  /** Built by the run as the form stands (picked, in a picked group, or in the default group). */
  inRun: boolean;
  onToggle: () => void;
}) {
  const [open, setOpen] = useState(false);
  const id = `bake-target-${t.name}`;
  return (
    <li
      className={`${styles.targetCard} ${inRun ? styles.targetOn : ''} ${t.problem ? styles.targetProblem : ''}`}
      data-testid="bake-target"
      data-target={t.name}
      data-in-run={inRun || undefined}
    >
      <div className={styles.targetHead}>
        <label className={styles.targetCheck}>
          <input type="checkbox" checked={selected} onChange={onToggle} aria-describedby={`${id}-sum`} />
          <span className={`${styles.targetName} mono`}>{t.name}</span>
        </label>
        <span id={`${id}-sum`} className={styles.targetSummary}>
          {t.target ? <span className={styles.smallChip}>stage {t.target}</span> : null}
          {t.platforms.length > 0 ? (
            <span className={styles.smallChip}>
              {t.platforms.length === 1 ? t.platforms[0] : `${t.platforms.length} platforms`}
            </span>
          ) : null}
          {t.tags[0] ? (
            <span className={`${styles.smallChip} mono`}>
              {t.tags[0]}
              {t.tags.length > 1 ? ` +${t.tags.length - 1}` : ''}
            </span>
          ) : null}
        </span>
        <button
          type="button"
          className={styles.linkButton}
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide' : 'Details'}
        </button>
      </div>
      {t.description ? <p className={styles.targetDescription}>{t.description}</p> : null}
      {t.problem ? (
        <p className={styles.targetProblemText} role="note">
          <TriangleAlert size={13} aria-hidden /> {t.problem.message}
          {t.problem.file ? (
            <span className="mono">
              {' '}
              ({baseName(t.problem.file)}
              {t.problem.line ? `:${t.problem.line}` : ''})
            </span>
          ) : null}
        </p>
      ) : null}
      {open ? (
        <div id={id}>
          <TargetDetails t={t} />
        </div>
      ) : null}
    </li>
  );
}

function Groups({ project, draft }: { project: BakeProject; draft: BakeDraft }) {
  if (project.groups.length === 0) return null;
  return (
    <section className={styles.card} aria-labelledby="bake-groups">
      <h2 id="bake-groups" className={styles.legend}>
        Groups
      </h2>
      <ul className={styles.groupList}>
        {project.groups.map((g) => {
          const on = draft.targets.length === 1 && draft.targets[0] === g.name;
          return (
            <li key={g.name}>
              <button
                type="button"
                className={`${styles.groupButton} ${on ? styles.groupOn : ''}`}
                aria-pressed={on}
                onClick={() => setBakeDraft((d) => ({ ...d, targets: on ? [] : [g.name] }))}
                data-testid="bake-group"
              >
                <Layers size={14} aria-hidden />
                <span className="mono">{g.name}</span>
                <span className={styles.muted}>{g.targets.join(', ')}</span>
              </button>
              {g.description ? <p className={styles.targetDescription}>{g.description}</p> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Which targets a run would build: those picked, a picked group's, or the default group's. */
function runTargets(project: BakeProject, picked: string[]): string[] {
  if (picked.length === 0) return project.defaultTargets;
  return [...new Set(picked.flatMap((n) => project.groups.find((g) => g.name === n)?.targets ?? [n]))];
}

function RunForm({ project }: { project: BakeProject }) {
  const draft = useBakeUi((s) => s.draft);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<AppError | undefined>();
  const builders = useCommand('builders.list', {});
  const list = builders.data?.builders ?? [];
  const current = list.find((b) => b.current);
  const chosen = draft.builder ? list.find((b) => b.name === draft.builder) : current;
  const available = [...new Set((chosen?.nodes ?? []).flatMap((n) => n.platforms))];
  const set = <K extends keyof BakeDraft>(key: K, value: BakeDraft[K]) => {
    setBakeDraft((d) => ({ ...d, [key]: value }));
    setStartError(undefined);
  };
  const request = useDebounced(draftToBakeRequest(project.projectDir, draft), 200);
  const command = useCommand('bake.commandLine', request, {
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const commandError = command.isError ? appErrorOf(command.error) : undefined;
  const targets = runTargets(project, draft.targets);
  const multi = project.targets.filter((t) => targets.includes(t.name) && t.platforms.length > 1);
  const problems = project.targets.filter((t) => targets.includes(t.name) && t.problem);
  const declared = project.variables;
  const otherVariables = draft.variables.filter((r) => !declared.some((v) => v.name === r.key));
  const valueOf = (name: string) => draft.variables.find((r) => r.key === name)?.value ?? '';
  const setVariable = (name: string, value: string) =>
    set('variables', [
      ...draft.variables.filter((r) => r.key !== name),
      ...(value === '' ? [] : [{ id: rowId(), key: name, value }]),
    ]);

  const start = async () => {
    setStarting(true);
    setStartError(undefined);
    const req = draftToBakeRequest(project.projectDir, draft);
    const r = await invoke('bake.start', req);
    setStarting(false);
    if (!r.ok) {
      setStartError(r.error);
      return;
    }
    rememberBakeRequest(r.value.bakeId, req);
    trackBake(r.value.bakeId);
    addRecentProject(project.projectDir);
    openBakeRun(r.value.bakeId);
  };
  useStartShortcut(start);

  const issue = commandError ?? startError;
  const field = errorField(issue);
  return (
    <form
      className={styles.runForm}
      aria-label="Run options"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void start();
      }}
    >
      <div className={styles.runHead}>
        <h2 className={styles.legend}>Run</h2>
        <p className={styles.runWhat} data-testid="run-targets">
          {targets.length === 0
            ? 'Pick targets or a group: this project has no default group.'
            : `${targets.length} ${targets.length === 1 ? 'target' : 'targets'}: ${targets.join(', ')}`}
        </p>
      </div>
      <Field
        label="Builder"
        hint={chosen ? `${chosen.driver} driver` : undefined}
        error={field === 'builder' ? issue?.message : undefined}
      >
        {({ id, describedBy }) => (
          <select
            id={id}
            className={formStyles.select}
            value={draft.builder}
            aria-describedby={describedBy}
            onChange={(e) => set('builder', e.target.value)}
            data-testid="bake-builder"
          >
            <option value="">{current ? `Current: ${current.name} (${current.driver})` : 'Current builder'}</option>
            {list.map((b) => (
              <option key={b.name} value={b.name}>
                {b.name} ({b.driver})
              </option>
            ))}
          </select>
        )}
      </Field>
      {multi.length > 0 && chosen?.driver === 'docker' ? (
        <p className={styles.callout} role="note">
          <TriangleAlert size={14} aria-hidden /> {multi.map((t) => t.name).join(', ')}{' '}
          {multi.length === 1 ? 'builds' : 'build'} several platforms: pick a docker-container builder.
        </p>
      ) : null}
      <Field
        label="Platforms for every target"
        group
        hint={draft.platforms.length === 0 ? 'None: each target builds its own.' : '--set *.platform for all targets.'}
        error={field === 'platforms' ? issue?.message : undefined}
      >
        {({ describedBy }) => (
          <PlatformPicker
            available={available}
            selected={draft.platforms}
            onChange={(p) => set('platforms', p)}
            describedBy={describedBy}
          />
        )}
      </Field>
      {declared.length > 0 ? (
        <fieldset className={styles.varGroup}>
          <legend className={formStyles.label}>Variables</legend>
          {declared.map((v) => (
            <label key={v.name} className={styles.varRow}>
              <span className="mono">{v.name}</span>
              <input
                className={`${formStyles.input} mono`}
                value={valueOf(v.name)}
                placeholder={v.value ?? ''}
                spellCheck={false}
                onChange={(e) => setVariable(v.name, e.target.value)}
                data-testid="bake-variable"
                data-variable={v.name}
              />
            </label>
          ))}
        </fieldset>
      ) : null}
      <Field
        label={declared.length > 0 ? 'Other variables' : 'Variables'}
        group
        hint="Set in buildx's environment, as NAME=value docker buildx bake does."
        error={field?.startsWith('variables') ? issue?.message : undefined}
      >
        {() => (
          <KeyValueRows
            rows={otherVariables}
            onChange={(rows) =>
              set('variables', [...draft.variables.filter((r) => declared.some((v) => v.name === r.key)), ...rows])
            }
            errors={{}}
            keyLabel="Variable"
            keyPlaceholder="NAME"
            valuePlaceholder="value"
            addLabel="Add variable"
            testId="bake-variable-rows"
          />
        )}
      </Field>
      <Field
        label="Overrides"
        group
        hint="--set target.key=value, e.g. app.tags = app:dev, *.args.VERSION = 2."
        error={field?.startsWith('overrides') ? issue?.message : undefined}
      >
        {() => (
          <KeyValueRows
            rows={draft.overrides}
            onChange={(rows) => set('overrides', rows)}
            errors={{}}
            keyLabel="Override"
            keyPlaceholder="target.key"
            valuePlaceholder="value"
            addLabel="Add override"
            testId="bake-override-rows"
          />
        )}
      </Field>
      <div className={formStyles.checks}>
        {(
          [
            ['noCache', 'No cache'],
            ['pull', 'Pull'],
            ['push', 'Push'],
            ['load', 'Load into Docker'],
          ] as const
        ).map(([key, label]) => (
          <label key={key} className={formStyles.checkbox}>
            <input type="checkbox" checked={draft[key]} onChange={(e) => set(key, e.target.checked)} />
            {label}
          </label>
        ))}
      </div>
      {problems.length > 0 ? (
        <p className={styles.callout} role="note">
          <TriangleAlert size={14} aria-hidden /> {problems.map((t) => t.problem?.message).join(' ')}
        </p>
      ) : null}
      {issue && !field?.match(/^(builder|platforms|variables|overrides)/) ? (
        <ErrorState error={issue} variant="inline" subject="Cannot start" />
      ) : null}
      <div className={styles.commandBox}>
        <code className={styles.commandText} data-testid="bake-command" data-command={command.data?.text ?? ''}>
          {command.data?.text ?? '…'}
        </code>
        {command.data ? <CopyButton text={command.data.text} label="Copy command" /> : null}
      </div>
      <Button
        type="submit"
        variant="primary"
        disabled={starting || targets.length === 0}
        icon={<Play size={14} aria-hidden />}
        data-testid="start-bake"
        aria-keyshortcuts="Control+Enter Meta+Enter"
      >
        {starting ? 'Starting…' : `Bake ${targets.length === 1 ? targets[0] : `${targets.length} targets`}`}
      </Button>
    </form>
  );
}

/** An open project: groups, targets (pick which to run) and the run form. */
export function ProjectPage({ projectDir }: { projectDir: string }) {
  const draft = useBakeUi((s) => s.draft);
  const inspect = useCommand(
    'bake.inspect',
    { projectDir },
    { staleTime: 30_000, refetchOnWindowFocus: false, retry: false },
  );
  useEffect(() => {
    if (inspect.data) addRecentProject(projectDir);
  }, [inspect.data, projectDir]);
  const project = inspect.data;
  const picked = useMemo(() => new Set(draft.targets), [draft.targets]);
  if (inspect.isPending) return <ProjectSkeleton />;
  if (inspect.isError)
    return (
      <DefinitionError
        error={appErrorOf(inspect.error)}
        onRetry={() => void inspect.refetch()}
        retrying={inspect.isFetching}
      />
    );
  if (!project) return null;
  const toggle = (name: string) =>
    setBakeDraft((d) => {
      const withoutGroups = d.targets.filter((t) => !project.groups.some((g) => g.name === t));
      return { ...d, targets: picked.has(name) ? withoutGroups.filter((t) => t !== name) : [...withoutGroups, name] };
    });
  const inRun = new Set(runTargets(project, draft.targets));
  return (
    <div className={styles.projectLayout} data-testid="bake-project">
      <div className={styles.column}>
        <Groups project={project} draft={draft} />
        <section className={styles.card} aria-labelledby="bake-targets">
          <div className={styles.cardHead}>
            <h2 id="bake-targets" className={styles.legend}>
              Targets <span className={styles.count}>{project.targets.length}</span>
            </h2>
            {draft.targets.length > 0 ? (
              <button
                type="button"
                className={styles.linkButton}
                onClick={() => setBakeDraft((d) => ({ ...d, targets: [] }))}
              >
                Back to the default group
              </button>
            ) : null}
          </div>
          <p className={styles.hintText}>
            {draft.targets.length === 0
              ? project.defaultTargets.length > 0
                ? `None picked: the run builds the default group (${project.defaultTargets.join(', ')}). Tick targets to build only those.`
                : 'This project has no default group: tick the targets to build, or pick a group.'
              : 'Only the ticked targets (or the picked group) are built.'}
          </p>
          {project.targets.length === 0 ? (
            <p className={styles.muted}>The definition has no targets.</p>
          ) : (
            <ul className={styles.targetList}>
              {project.targets.map((t) => (
                <TargetCard
                  key={t.name}
                  t={t}
                  selected={picked.has(t.name)}
                  inRun={inRun.has(t.name)}
                  onToggle={() => toggle(t.name)}
                />
              ))}
            </ul>
          )}
          {!project.complete ? (
            <p className={styles.hintText}>
              buildx before 0.20 lists only the default group; name other targets in Overrides or upgrade buildx.
            </p>
          ) : null}
        </section>
        <BakeRuns projectDir={project.projectDir} limit={5} />
      </div>
      <RunForm project={project} />
    </div>
  );
}
