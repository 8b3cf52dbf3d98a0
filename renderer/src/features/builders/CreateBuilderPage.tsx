import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { ArrowLeft } from 'lucide-react';
import type { CreatableDriver } from '../../../../electron/common/builders/create-input';
import type { CreateResult } from '../../../../electron/common/contracts/builders';
import { Button } from '../../components/Button';
import { errorField } from '../../lib/field-errors';
import { CopyButton } from '../../components/CopyButton';
import { ActionProgress } from './ActionProgress';
import { checkDraft, draftFieldOf, emptyDraft, type CreateDraft, type DraftField } from './create-form';
import { Check, FormContext, Section, Text, type FormApi } from './create-fields';
import { DaemonSection, DriverPicker, DriverSections, Platforms } from './CreateBuilderSections';
import { useBuilderAction } from './use-builder-ops';
import styles from './CreateBuilderPage.module.css';

export interface CreateBuilderPageProps {
  /** Existing builders, for name suggestions when appending a node. */
  existing: { name: string; driver: string }[];
  /** Prefill: add a node to this builder. */
  appendTo?: { name: string; driver: string } | undefined;
  onCancel: () => void;
  onCreated: (name: string) => void;
}

export function CreateBuilderPage({ existing, appendTo, onCancel, onCreated }: CreateBuilderPageProps) {
  const [draft, setDraft] = useState<CreateDraft>(() => {
    const d = emptyDraft((appendTo?.driver as CreatableDriver | undefined) ?? 'docker-container');
    return appendTo ? { ...d, name: appendTo.name, append: true, bootstrap: true } : d;
  });
  const [touched, setTouched] = useState<Set<DraftField>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<DraftField, string>>>({});
  const [result, setResult] = useState<CreateResult | undefined>();
  const { state, run, reset } = useBuilderAction();
  const checked = useMemo(() => checkDraft(draft), [draft]);
  const running = state.status === 'running';
  const datalistId = useId();
  const pendingFocus = useRef<DraftField | undefined>(undefined);

  const api: FormApi = {
    draft,
    set: (field, value) => {
      setDraft((d) => ({ ...d, [field]: value }));
      setServerErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
      if (state.status === 'failed') reset();
    },
    errorOf: (field) => serverErrors[field] ?? (submitted || touched.has(field) ? checked.errors[field] : undefined),
    touch: (field) => setTouched((t) => (t.has(field) ? t : new Set(t).add(field))),
    disabled: running,
  };

  const errorCount = Object.keys(checked.errors).length;

  const submit = async () => {
    setSubmitted(true);
    if (!checked.valid) {
      const first = Object.keys(checked.errors)[0];
      if (first) document.getElementById(`f-${first}`)?.focus();
      return;
    }
    setServerErrors({});
    setResult(undefined);
    const r = await run('create', 'builders.create', checked.valid);
    if (r.ok) {
      setResult(r.value);
      return;
    }
    // buildx's refusal, mapped by the core to the form field it concerns.
    const named = errorField(r.error);
    const field = named === undefined ? undefined : draftFieldOf(named);
    if (field) {
      setServerErrors({ [field]: r.error.message });
      pendingFocus.current = field;
    }
  };

  // Inputs are disabled while the command runs: focus the field buildx refused once they are not.
  useEffect(() => {
    const field = pendingFocus.current;
    if (!field || running) return;
    pendingFocus.current = undefined;
    document.getElementById(`f-${field}`)?.focus();
  }, [serverErrors, running]);

  const title = draft.append ? `Add a node to ${draft.name || 'a builder'}` : 'New builder';

  return (
    <div className={styles.page}>
      <header className={styles.header}>
        <Button
          variant="ghost"
          onClick={onCancel}
          icon={<ArrowLeft size={14} aria-hidden />}
          disabled={running}
          data-testid="back"
        >
          Builders
        </Button>
        <h1 className={styles.title}>{title}</h1>
      </header>
      <FormContext.Provider value={api}>
        <form
          className={styles.layout}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          aria-label="Create builder"
        >
          <div className={styles.form}>
            {draft.append ? null : <DriverPicker />}
            <Section title={draft.append ? 'Node' : 'Builder'}>
              <Text
                field="name"
                label={draft.append ? 'Builder' : 'Name'}
                placeholder="my-builder"
                hint="Letters, digits, “-”, “_” and “.”; starts with a letter."
                mono
                list={datalistId}
              />
              <datalist id={datalistId}>
                {existing
                  .filter((b) => b.driver === draft.driver)
                  .map((b) => (
                    <option key={b.name} value={b.name} />
                  ))}
              </datalist>
              <Text
                field="node"
                label="Node name"
                placeholder={draft.name ? `${draft.name}0` : 'name0'}
                hint="Optional; buildx numbers nodes itself."
                mono
              />
              <Check
                field="append"
                label="Add a node to an existing builder"
                hint="Multi-node builders can give each node its own platforms."
              />
              <Platforms />
              <Check
                field="use"
                label="Use as the current builder"
                hint="docker buildx build picks it when no --builder is given."
              />
              <Check field="bootstrap" label="Start it now" hint="If it cannot start, nothing is left behind." />
            </Section>
            <DriverSections driver={draft.driver} />
            {draft.driver !== 'remote' ? <DaemonSection /> : null}
          </div>

          <aside className={styles.side} aria-label="Command and result">
            <div className={styles.commandBox}>
              <div className={styles.commandHead}>
                <h2 className={styles.sectionTitle}>Equivalent command</h2>
                <CopyButton text={checked.command} label="Copy the docker buildx create command" withText />
              </div>
              <pre className={styles.command} data-testid="create-command">
                {checked.command}
              </pre>
              <p className={errorCount > 0 && (submitted || touched.size > 0) ? styles.commandWarn : styles.hint}>
                {errorCount > 0
                  ? `${errorCount} field${errorCount === 1 ? ' needs' : 's need'} attention before it can run.`
                  : 'BuildDeck runs exactly this, as an argument list (never through a shell).'}
              </p>
            </div>
            {result ? null : (
              <Button
                type="submit"
                variant="primary"
                disabled={running}
                className={styles.submit}
                data-testid="create-submit"
              >
                {running
                  ? 'Creating…'
                  : draft.append
                    ? 'Add node'
                    : draft.bootstrap
                      ? 'Create and start'
                      : 'Create builder'}
              </Button>
            )}
            <ActionProgress state={state} />
            {result ? (
              <div className={styles.done} data-testid="create-done">
                {result.warnings.map((w) => (
                  <p key={w} className={styles.commandWarn}>
                    {w}
                  </p>
                ))}
                <div className={styles.doneActions}>
                  <Button variant="primary" onClick={() => onCreated(result.builder.name)}>
                    Open {result.builder.name}
                  </Button>
                  <Button
                    variant="secondary"
                    onClick={() => {
                      setResult(undefined);
                      reset();
                      setSubmitted(false);
                      setTouched(new Set());
                      setDraft(emptyDraft(draft.driver));
                    }}
                  >
                    Create another
                  </Button>
                </div>
              </div>
            ) : null}
          </aside>
        </form>
      </FormContext.Provider>
    </div>
  );
}
