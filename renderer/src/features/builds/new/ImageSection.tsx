import type { DockerfileOutline } from '../../../../../electron/common/contracts/builds';
import { Field } from '../../../components/Field';
import { DeclaredChips, KeyValueRows, TagInput } from './controls';
import { rowId, type BuildDraft, type SetField } from './form-model';
import styles from './NewBuild.module.css';

/** What the image is called and built with: tags, build arguments, labels, no-cache and pull. */
export function ImageSection(props: {
  draft: BuildDraft;
  set: SetField;
  errors: Record<string, string>;
  /** The tag chip the core refused. */
  badTag: number | undefined;
  /** The build arguments the Dockerfile declares (its outline), offered one click away. */
  declared?: DockerfileOutline['args'] | undefined;
}) {
  const { draft, set, errors } = props;
  // Those not set yet: a click adds the row with the Dockerfile's default to edit.
  const offered = (props.declared ?? []).filter((a) => !draft.buildArgs.some((r) => r.key === a.name));
  return (
    <fieldset className={styles.group}>
      <legend className={styles.legend}>Image</legend>
      <Field label="Tags" error={errors['tags']} hint="Enter, comma or space adds a tag.">
        {({ id, describedBy, invalid }) => (
          <TagInput
            id={id}
            values={draft.tags}
            onChange={(tags) => set('tags', tags)}
            describedBy={describedBy}
            invalid={invalid}
            badIndex={props.badTag}
            placeholder="app:dev, 127.0.0.1:5000/app:1.2"
          />
        )}
      </Field>
      <Field label="Build arguments" group error={errors['buildArgs']}>
        {() => (
          <KeyValueRows
            rows={draft.buildArgs}
            onChange={(rows) => set('buildArgs', rows)}
            errors={errors}
            keyLabel="Build argument"
            keyPlaceholder="NAME"
            valuePlaceholder="value"
            addLabel="Add build argument"
            testId="build-arg-rows"
          />
        )}
      </Field>
      <DeclaredChips
        label="The Dockerfile declares"
        testId="declared-args"
        items={offered.map((a) => ({
          key: a.name,
          text: a.name,
          detail: a.value ? `=${a.value}` : undefined,
          title: a.description,
          aria: `Add build argument ${a.name}${a.value !== undefined ? ` (default ${a.value || 'empty'})` : ''}${a.description ? `: ${a.description}` : ''}`,
        }))}
        onAdd={(name) =>
          set('buildArgs', [
            ...draft.buildArgs,
            { id: rowId(), key: name, value: offered.find((a) => a.name === name)?.value ?? '' },
          ])
        }
      />
      <Field label="Labels" group error={errors['labels']}>
        {() => (
          <KeyValueRows
            rows={draft.labels}
            onChange={(rows) => set('labels', rows)}
            errors={errors}
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
          <input type="checkbox" checked={draft.noCache} onChange={(event) => set('noCache', event.target.checked)} />
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
  );
}
