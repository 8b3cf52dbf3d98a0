import { useState } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { Play, TriangleAlert } from 'lucide-react';
import type { BakeProject } from '../../../../electron/common/contracts/bake';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, invoke, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { ErrorState } from '../../components/ErrorState';
import { Field } from '../../components/Field';
import { errorField } from '../../lib/field-errors';
import { KeyValueRows, PlatformPicker } from '../builds/new/controls';
import { rowId } from '../builds/new/form-model';
import { useStartShortcut } from '../builds/shortcuts';
import { useDebounced } from '../builds/use-debounced';
import { draftToBakeRequest, openBakeRun, setBakeDraft, useBakeUi, type BakeDraft } from './bake-ui';
import { rememberBakeRequest, trackBake } from './live-bakes';
import { GrantedPrivileges, PrivilegesPrompt, requestedPrivileges } from './Allowed';
import { addRecentProject } from './recent-projects';
import { runTargets } from './TargetCard';
import fieldStyles from '../../components/Field.module.css';
import formStyles from '../builds/new/NewBuild.module.css';
import bakeStyles from './Bake.module.css';
import styles from './RunForm.module.css';

/** How to run the project: builder, platforms, variables, overrides, flags, the command, and Start. */
export function RunForm({ project }: { project: BakeProject }) {
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

  const start = async (d: BakeDraft = draft) => {
    setStarting(true);
    setStartError(undefined);
    const req = draftToBakeRequest(project.projectDir, d);
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
  useStartShortcut(() => void start());
  const asked = requestedPrivileges(startError);
  const allowAndStart = () => {
    if (!asked) return;
    const next = { ...draft, allow: [...new Set([...draft.allow, ...asked.allow])] };
    setBakeDraft(() => next);
    void start(next);
  };

  // What the targets to run ask for that the form does not grant yet (read with the project).
  const ahead = new Map<string, string>();
  for (const t of project.targets)
    if (targets.includes(t.name))
      for (const p of t.privileges) if (!draft.allow.includes(p.allow)) ahead.set(p.allow, p.description);

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
        <h2 className={bakeStyles.legend}>Run</h2>
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
          <legend className={fieldStyles.label}>Variables</legend>
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
      <GrantedPrivileges
        allow={draft.allow}
        onRevoke={(a) =>
          set(
            'allow',
            draft.allow.filter((x) => x !== a),
          )
        }
      />
      {asked ? (
        <PrivilegesPrompt asked={asked} onAllow={allowAndStart} starting={starting} />
      ) : ahead.size > 0 && !issue ? (
        <PrivilegesPrompt
          before
          asked={{ allow: [...ahead.keys()], descriptions: [...ahead.values()] }}
          onAllow={() => set('allow', [...draft.allow, ...ahead.keys()])}
          starting={starting}
        />
      ) : issue && !field?.match(/^(builder|platforms|variables|overrides)/) ? (
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
