import { createContext, useContext, useId, type ReactNode } from 'react';
import { FolderOpen } from 'lucide-react';
import { draftKeyOf } from '../../../../electron/common/builders/option-derive';
import { BUILDER_OPTIONS, type FormControl, type OptionKey } from '../../../../electron/common/builders/options';
import { getBridge, getHostKind } from '../../api/bridge';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import type { CreateDraft, DraftField } from './create-form';
import styles from './CreateBuilderPage.module.css';

/**
 * The Create builder form's controls, bound to its draft through one context. Driver options are
 * drawn from their declaration in common/builders/options.ts (label, hint, placeholder, control).
 */

export interface FormApi {
  draft: CreateDraft;
  set: <K extends DraftField>(field: K, value: CreateDraft[K]) => void;
  errorOf: (field: DraftField) => string | undefined;
  touch: (field: DraftField) => void;
  disabled: boolean;
}

export const FormContext = createContext<FormApi | undefined>(undefined);
export const useForm = (): FormApi => {
  const api = useContext(FormContext);
  if (!api) throw new Error('form fields must sit inside <FormContext.Provider>');
  return api;
};

/** Only string-valued draft fields are typed into. */
export type TextField = { [K in DraftField]: CreateDraft[K] extends string ? K : never }[DraftField];
export type BoolField = { [K in DraftField]: CreateDraft[K] extends boolean ? K : never }[DraftField];

/** Ids are `f-<field>`: submit focuses the first invalid one, and tests find them so. */
const idOf = (field: DraftField) => `f-${field}`;

function FormField(props: {
  field: DraftField;
  label: string;
  hint?: ReactNode;
  wide?: boolean;
  children: (control: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const { errorOf } = useForm();
  const id = idOf(props.field);
  return (
    <Field
      id={id}
      label={props.label}
      hint={props.hint}
      error={errorOf(props.field)}
      errorTestId={`error-${id}`}
      wide={props.wide ?? false}
      hintOrError
    >
      {props.children}
    </Field>
  );
}

/** What an input or textarea needs to edit a text field of the draft. */
function useBindText() {
  const { draft, set, touch, disabled } = useForm();
  return (field: TextField, control: { id: string; describedBy: string | undefined; invalid: boolean }) => ({
    id: control.id,
    name: field,
    value: draft[field],
    onChange: (e: { target: { value: string } }) => set(field, e.target.value),
    onBlur: () => touch(field),
    'aria-invalid': control.invalid || undefined,
    'aria-describedby': control.describedBy,
    disabled,
    spellCheck: false,
  });
}

export function Text(props: {
  field: TextField;
  label: string;
  hint?: ReactNode;
  placeholder?: string | undefined;
  mono?: boolean | undefined;
  wide?: boolean | undefined;
  browse?: boolean | undefined;
  list?: string;
}) {
  const bind = useBindText();
  return (
    <FormField field={props.field} label={props.label} hint={props.hint} wide={props.wide ?? false}>
      {({ id, describedBy, invalid }) => {
        const input = (
          <input
            {...bind(props.field, { id, describedBy, invalid })}
            className={props.mono ? `${styles.input} ${styles.mono}` : styles.input}
            placeholder={props.placeholder}
            autoComplete="off"
            list={props.list}
          />
        );
        return props.browse ? (
          <div className={styles.withButton}>
            {input}
            <BrowseButton field={props.field} label={props.label} />
          </div>
        ) : (
          input
        );
      }}
    </FormField>
  );
}

/** Electron can tell the path of a picked file; a browser (serve mode) cannot, so it is not offered. */
function BrowseButton({ field, label }: { field: TextField; label: string }) {
  const { set, touch, disabled } = useForm();
  const id = useId();
  if (getHostKind() !== 'electron') return null;
  return (
    <>
      <input
        id={id}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          const path = file ? getBridge().pathForFile(file) : undefined;
          if (path) {
            set(field, path);
            touch(field);
          }
        }}
      />
      <Button
        variant="secondary"
        icon={<FolderOpen size={14} aria-hidden />}
        disabled={disabled}
        onClick={() => document.getElementById(id)?.click()}
        aria-label={`Choose ${label} file`}
      >
        Browse…
      </Button>
    </>
  );
}

export function Area(props: {
  field: TextField;
  label: string;
  hint?: ReactNode;
  placeholder?: string | undefined;
  rows?: number | undefined;
}) {
  const bind = useBindText();
  return (
    <FormField field={props.field} label={props.label} hint={props.hint} wide>
      {({ id, describedBy, invalid }) => (
        <textarea
          {...bind(props.field, { id, describedBy, invalid })}
          className={`${styles.input} ${styles.mono} ${styles.area}`}
          rows={props.rows ?? 3}
          placeholder={props.placeholder}
        />
      )}
    </FormField>
  );
}

export function Check(props: { field: BoolField; label: string; hint?: string | undefined }) {
  const { draft, set, disabled } = useForm();
  const id = idOf(props.field);
  return (
    <div className={styles.check}>
      <input
        id={id}
        type="checkbox"
        checked={draft[props.field]}
        onChange={(e) => set(props.field, e.target.checked)}
        disabled={disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>
        <span className={styles.checkLabel}>{props.label}</span>
        {props.hint ? (
          <span id={`${id}-hint`} className={styles.hint}>
            {props.hint}
          </span>
        ) : null}
      </label>
    </div>
  );
}

function Select(props: { field: TextField; label: string; choices: FormControl['choices']; hint?: string }) {
  const { draft, set, disabled } = useForm();
  return (
    <FormField field={props.field} label={props.label} hint={props.hint}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          className={styles.input}
          value={draft[props.field]}
          onChange={(e) => set(props.field, e.target.value)}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          disabled={disabled}
        >
          {(props.choices ?? []).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </FormField>
  );
}

/** A driver option, drawn as its declaration says. */
export function OptionField({ option }: { option: OptionKey }) {
  const { draft } = useForm();
  const form: FormControl = BUILDER_OPTIONS[option].form;
  const field = draftKeyOf(option);
  if (form.shownWhen !== undefined && !draft[form.shownWhen as BoolField]) return null;
  if (BUILDER_OPTIONS[option].kind === 'bool')
    return <Check field={field as BoolField} label={form.label} hint={form.hint} />;
  const text = field as TextField;
  if (form.control === 'select')
    return (
      <Select field={text} label={form.label} choices={form.choices} {...(form.hint ? { hint: form.hint } : {})} />
    );
  if (form.control === 'area')
    return <Area field={text} label={form.label} hint={form.hint} placeholder={form.placeholder} rows={form.rows} />;
  return (
    <Text
      field={text}
      label={form.label}
      hint={form.hint}
      placeholder={form.placeholder}
      mono={form.mono}
      wide={form.wide}
      browse={form.browse}
    />
  );
}

export function Section({
  title,
  children,
  description,
}: {
  title: string;
  description?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className={styles.section} aria-labelledby={id}>
      <h2 id={id} className={styles.sectionTitle}>
        {title}
      </h2>
      {description ? <p className={styles.sectionDescription}>{description}</p> : null}
      <div className={styles.grid}>{children}</div>
    </section>
  );
}
