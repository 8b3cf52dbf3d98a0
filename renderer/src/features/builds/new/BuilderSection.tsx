import type { Builder } from '../../../../../electron/common/domain';
import type { AppError } from '../../../../../electron/common/errors';
import { useCommand } from '../../../api/client';
import { Field } from '../../../components/Field';
import { DriverCallout } from './callouts';
import { PlatformPicker } from './controls';
import type { BuildDraft, SetField } from './form-model';
import styles from './NewBuild.module.css';

/** Which builder runs the build and for which platforms; the docker driver's one-platform limit. */
export function BuilderSection(props: {
  draft: BuildDraft;
  set: SetField;
  errors: Record<string, string>;
  builders: Builder[];
  current: Builder | undefined;
  chosen: Builder | undefined;
  /** The core refused several platforms on a docker-driver builder. */
  driverRefusal: AppError | undefined;
  onOpenBuilders: () => void;
}) {
  const { draft, set, errors, builders, current, chosen, driverRefusal } = props;
  const engine = useCommand('engine.info', {}, { staleTime: 60_000 });
  const available = [...new Set((chosen?.nodes ?? []).flatMap((n) => n.platforms))];
  const candidates = (() => {
    const fromCore = driverRefusal?.details?.['candidates'];
    if (Array.isArray(fromCore)) return fromCore.filter((c): c is string => typeof c === 'string');
    return builders.filter((b) => b.driver !== 'docker').map((b) => b.name);
  })();
  // Said before the start: the docker driver builds one platform unless the engine stores images in containerd.
  const predictedRefusal =
    !driverRefusal &&
    chosen?.driver === 'docker' &&
    draft.platforms.length > 1 &&
    engine.data &&
    !engine.data.containerdSnapshotter;
  return (
    <fieldset className={styles.group}>
      <legend className={styles.legend}>Builder and platforms</legend>
      <Field
        label="Builder"
        error={errors['builder']}
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
            <option value="">{current ? `Current: ${current.name} (${current.driver})` : 'Current builder'}</option>
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
        error={errors['platforms']}
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
                onOpenBuilders={props.onOpenBuilders}
              />
            ) : null}
          </>
        )}
      </Field>
    </fieldset>
  );
}
