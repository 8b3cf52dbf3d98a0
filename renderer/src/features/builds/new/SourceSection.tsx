import type { Ref } from 'react';
import type { ContextInspection } from '../../../../../electron/common/contracts/builds';
import { Button } from '../../../components/Button';
import { Field } from '../../../components/Field';
import { FrontendCallout } from './callouts';
import type { BuildDraft, SetField } from './form-model';
import styles from './NewBuild.module.css';

/** Where the build comes from: the context folder, the Dockerfile and the target stage. */
export function SourceSection(props: {
  draft: BuildDraft;
  set: SetField;
  errors: Record<string, string>;
  contextRef: Ref<HTMLInputElement>;
  recent: string[];
  inspection: ContextInspection | undefined;
  /** The folder to offer when the path typed is a file. */
  notAFolder: string | undefined;
  onTrustFrontend: (image: string) => void;
}) {
  const { draft, set, errors, inspection, notAFolder } = props;
  const dockerfiles = inspection?.dockerfiles ?? [];
  const targets = inspection?.targets ?? [];
  return (
    <fieldset className={styles.group}>
      <legend className={styles.legend}>Source</legend>
      <Field
        label="Context folder"
        error={errors['contextDir']}
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
              ref={props.contextRef}
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
              {props.recent.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <div className={styles.pair}>
        <Field
          label="Dockerfile"
          error={errors['dockerfile']}
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
          error={errors['target']}
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
          onTrust={() => props.onTrustFrontend(inspection.frontendToConfirm ?? '')}
        />
      ) : null}
    </fieldset>
  );
}
