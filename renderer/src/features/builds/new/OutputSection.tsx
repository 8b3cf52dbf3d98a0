import { Info } from 'lucide-react';
import type { DockerfileOutline } from '../../../../../electron/common/contracts/builds';
import type { Builder } from '../../../../../electron/common/domain';
import { Field } from '../../../components/Field';
import { CacheRows, DeclaredChips, SecretRows } from './controls';
import { OUTPUT_KINDS, rowId, type BuildDraft, type OutputKind, type SetField } from './form-model';
import styles from './NewBuild.module.css';

const OUTPUT_LABELS: Record<OutputKind, string> = {
  default: 'Builder default',
  load: 'Load into Docker',
  push: 'Push to registry',
  local: 'Local directory',
  oci: 'OCI tarball',
  docker: 'Docker tarball',
  cacheonly: 'Cache only',
};

interface SectionProps {
  draft: BuildDraft;
  set: SetField;
  errors: Record<string, string>;
}

/** Where the result goes (and where a file output is written), and the cache imported and exported. */
export function OutputSection({ draft, set, errors, chosen }: SectionProps & { chosen: Builder | undefined }) {
  const dest = draft.output === 'local' || draft.output === 'oci' || draft.output === 'docker';
  return (
    <fieldset className={styles.group}>
      <legend className={styles.legend}>Output and cache</legend>
      <Field label="Output" group error={errors['output']}>
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
          error={errors['outputDest']}
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
          <Info size={13} aria-hidden /> A {chosen.driver} builder keeps the result in its cache unless you load or push
          it.
        </p>
      ) : null}
      <div className={styles.pair}>
        <Field label="Cache from" group error={errors['cacheFrom']}>
          {() => (
            <CacheRows direction="from" rows={draft.cacheFrom} onChange={(r) => set('cacheFrom', r)} errors={errors} />
          )}
        </Field>
        <Field label="Cache to" group error={errors['cacheTo']}>
          {() => <CacheRows direction="to" rows={draft.cacheTo} onChange={(r) => set('cacheTo', r)} errors={errors} />}
        </Field>
      </div>
    </fieldset>
  );
}

/** Build secrets: only the id and where buildx reads the value travel; the value never does. */
export function SecretsSection({
  draft,
  set,
  errors,
  declared,
}: SectionProps & {
  /** The secrets the Dockerfile's RUN steps mount (its outline), offered one click away. */
  declared?: DockerfileOutline['secrets'] | undefined;
}) {
  const offered = (declared ?? []).filter((d) => !draft.secrets.some((r) => r.secretId === d.name));
  return (
    <fieldset className={styles.group}>
      <legend className={styles.legend}>Secrets</legend>
      <Field
        label="Build secrets"
        group
        error={errors['secrets']}
        hint="Mounted with RUN --mount=type=secret,id=…. BuildDeck passes only the id and where buildx reads it: the value is never read, shown or stored."
      >
        {() => <SecretRows rows={draft.secrets} onChange={(rows) => set('secrets', rows)} errors={errors} />}
      </Field>
      <DeclaredChips
        label="The Dockerfile mounts"
        testId="declared-secrets"
        items={offered.map((d) => ({
          key: d.name,
          text: d.name,
          detail: d.required ? ' required' : undefined,
          aria: `Add secret ${d.name}${d.required ? ' (required: the build fails without it)' : ''}`,
        }))}
        onAdd={(name) => set('secrets', [...draft.secrets, { id: rowId(), secretId: name, source: 'file', ref: '' }])}
      />
    </fieldset>
  );
}
