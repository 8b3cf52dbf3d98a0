import { useId, type ReactNode } from 'react';
import styles from './Field.module.css';

/** What a field hands its control so label, error and hint are tied to it for assistive technology. */
export interface FieldControl {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
}

export interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  /** The control's id; a fresh one when not given (forms whose tests or focus logic name ids pass one). */
  id?: string;
  /**
   * `stacked` (default): label above the control. `row`: label in a column beside it (Settings).
   * `compact`: small muted labels for toolbar-like panels (cache prune).
   */
  layout?: 'stacked' | 'row' | 'compact';
  /** For groups of controls (chips, rows, radios): a labelled group instead of <label for>. */
  group?: boolean;
  /** Spans the form's columns. */
  wide?: boolean;
  /** Beside the label (a toggle, a count). */
  aside?: ReactNode;
  /** Under the error: a way out of it ("Use its folder"). */
  after?: ReactNode;
  /** Show the hint only while there is no error (forms that keep one line under each field). */
  hintOrError?: boolean;
  /** data-testid of the error line; `field-error` unless a test names the field. */
  errorTestId?: string;
  testId?: string;
  children: (control: FieldControl) => ReactNode;
}

/**
 * THE field of every form (create builder, new build, settings, cache prune): a label tied to its
 * control, an error announced when it appears (role=alert) and a hint, both referenced by
 * aria-describedby. One kit, so a field looks and reads the same in every view.
 */
export function Field(props: FieldProps) {
  const fresh = useId();
  const id = props.id ?? fresh;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const showHint = props.hint !== undefined && props.hint !== null && !(props.hintOrError && props.error);
  const describedBy = [props.error ? errorId : '', showHint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  const layout = props.layout ?? 'stacked';
  const className = [
    styles.field,
    layout === 'row' ? styles.row : '',
    layout === 'compact' ? styles.compact : '',
    props.wide ? styles.wide : '',
  ]
    .filter(Boolean)
    .join(' ');
  const label = props.group ? (
    <span id={`${id}-label`} className={styles.label}>
      {props.label}
    </span>
  ) : (
    <label htmlFor={id} className={styles.label}>
      {props.label}
    </label>
  );
  const body = (
    <>
      {props.children({ id, describedBy, invalid: Boolean(props.error) })}
      {props.error ? (
        <p id={errorId} className={styles.error} role="alert" data-testid={props.errorTestId ?? 'field-error'}>
          {props.error}
        </p>
      ) : null}
      {props.after}
      {showHint ? (
        <p id={hintId} className={styles.hint}>
          {props.hint}
        </p>
      ) : null}
    </>
  );
  const head = props.aside ? (
    <div className={styles.labelRow}>
      {label}
      {props.aside}
    </div>
  ) : (
    label
  );
  const groupProps = props.group ? { role: 'group', 'aria-labelledby': `${id}-label` } : {};
  return (
    <div className={className} data-testid={props.testId} {...groupProps}>
      {head}
      {layout === 'row' ? <div className={styles.control}>{body}</div> : body}
    </div>
  );
}
