import { useState, type ReactNode } from 'react';
import { Plus, Trash2, X } from 'lucide-react';
import { Button } from '../../../components/Button';
import { rowId, type CacheRow, type KeyValueRow, type SecretRow } from './form-model';
import styles from './NewBuild.module.css';

/** Image tags as removable chips; Enter, comma or space commits what was typed. */
export function TagInput(props: {
  id: string;
  values: string[];
  onChange: (values: string[]) => void;
  describedBy: string | undefined;
  invalid: boolean;
  placeholder: string;
  /** Index of a chip the core rejected. */
  badIndex?: number | undefined;
}) {
  const [text, setText] = useState('');
  const commit = (raw: string) => {
    const parts = raw
      .split(/[\s,]+/)
      .map((p) => p.trim())
      .filter(Boolean)
      .filter((p) => !props.values.includes(p));
    if (parts.length > 0) props.onChange([...props.values, ...parts]);
    setText('');
  };
  return (
    <div className={`${styles.tagBox} ${props.invalid ? styles.invalid : ''}`}>
      {props.values.map((tag, i) => (
        <span key={tag} className={`${styles.chip} ${i === props.badIndex ? styles.chipBad : ''}`}>
          <span className="mono">{tag}</span>
          <button
            type="button"
            className={styles.chipRemove}
            aria-label={`Remove tag ${tag}`}
            onClick={() => props.onChange(props.values.filter((t) => t !== tag))}
          >
            <X size={11} aria-hidden />
          </button>
        </span>
      ))}
      <input
        id={props.id}
        className={styles.tagInput}
        value={text}
        placeholder={props.values.length === 0 ? props.placeholder : 'Add another…'}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid || undefined}
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => {
          const value = event.target.value;
          if (/[\s,]$/.test(value)) commit(value);
          else setText(value);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && text.trim()) {
            event.preventDefault();
            commit(text);
          } else if (event.key === 'Backspace' && !text && props.values.length > 0) {
            props.onChange(props.values.slice(0, -1));
          }
        }}
        onBlur={() => commit(text)}
        onPaste={(event) => {
          const pasted = event.clipboardData.getData('text');
          if (/[\s,]/.test(pasted)) {
            event.preventDefault();
            commit(text + pasted);
          }
        }}
      />
    </div>
  );
}

/** The trash button at the end of an editable row. */
function RemoveRowButton(props: { label: string; onClick: () => void }) {
  return (
    <Button
      variant="ghost"
      size="sm"
      iconOnly
      aria-label={props.label}
      onClick={props.onClick}
      icon={<Trash2 size={13} aria-hidden />}
    />
  );
}

/** The "Add …" button under a list of editable rows. */
function AddRowButton(props: { onClick: () => void; children: ReactNode }) {
  return (
    <Button
      variant="ghost"
      size="sm"
      className={styles.addRow}
      icon={<Plus size={13} aria-hidden />}
      onClick={props.onClick}
    >
      {props.children}
    </Button>
  );
}

function RowError({ error }: { error: string | undefined }) {
  return error ? (
    <p className={styles.rowError} role="alert" data-testid="field-error">
      {error}
    </p>
  ) : null;
}

/** NAME = value rows (build args, labels). */
export function KeyValueRows(props: {
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  errors: Record<string, string>;
  keyLabel: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
  addLabel: string;
  testId: string;
}) {
  const update = (id: string, change: Partial<KeyValueRow>) =>
    props.onChange(props.rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  return (
    <div className={styles.rows} data-testid={props.testId}>
      {props.rows.map((row, i) => {
        const error = props.errors[`row:${row.id}`];
        return (
          <div key={row.id} className={styles.rowWrap}>
            <div className={styles.kvRow}>
              <input
                className={`${styles.input} mono ${error ? styles.invalid : ''}`}
                value={row.key}
                placeholder={props.keyPlaceholder}
                aria-label={`${props.keyLabel} ${i + 1} name`}
                aria-invalid={Boolean(error) || undefined}
                spellCheck={false}
                onChange={(event) => update(row.id, { key: event.target.value })}
              />
              <span className={styles.eq} aria-hidden>
                =
              </span>
              <input
                className={`${styles.input} mono`}
                value={row.value}
                placeholder={props.valuePlaceholder}
                aria-label={`${props.keyLabel} ${i + 1} value`}
                spellCheck={false}
                onChange={(event) => update(row.id, { value: event.target.value })}
              />
              <RemoveRowButton
                label={`Remove ${props.keyLabel} ${row.key || i + 1}`}
                onClick={() => props.onChange(props.rows.filter((r) => r.id !== row.id))}
              />
            </div>
            <RowError error={error} />
          </div>
        );
      })}
      <AddRowButton onClick={() => props.onChange([...props.rows, { id: rowId(), key: '', value: '' }])}>
        {props.addLabel}
      </AddRowButton>
    </div>
  );
}

/** Secrets: an id and where buildx reads it (a file or an environment variable). Never a value. */
export function SecretRows(props: {
  rows: SecretRow[];
  onChange: (rows: SecretRow[]) => void;
  errors: Record<string, string>;
}) {
  const update = (id: string, change: Partial<SecretRow>) =>
    props.onChange(props.rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  return (
    <div className={styles.rows} data-testid="secret-rows">
      {props.rows.map((row, i) => {
        const error = props.errors[`row:${row.id}`];
        return (
          <div key={row.id} className={styles.rowWrap}>
            <div className={styles.secretRow}>
              <input
                className={`${styles.input} mono ${error ? styles.invalid : ''}`}
                value={row.secretId}
                placeholder="id, e.g. npmrc"
                aria-label={`Secret ${i + 1} id`}
                aria-invalid={Boolean(error) || undefined}
                spellCheck={false}
                onChange={(event) => update(row.id, { secretId: event.target.value })}
              />
              <select
                className={styles.select}
                value={row.source}
                aria-label={`Secret ${i + 1} source`}
                onChange={(event) => update(row.id, { source: event.target.value === 'env' ? 'env' : 'file' })}
              >
                <option value="file">from file</option>
                <option value="env">from variable</option>
              </select>
              <input
                className={`${styles.input} mono`}
                value={row.ref}
                placeholder={row.source === 'file' ? '/home/me/.npmrc' : 'NPM_TOKEN'}
                aria-label={
                  row.source === 'file' ? `Secret ${i + 1} file path` : `Secret ${i + 1} environment variable name`
                }
                spellCheck={false}
                autoComplete="off"
                onChange={(event) => update(row.id, { ref: event.target.value })}
              />
              <RemoveRowButton
                label={`Remove secret ${row.secretId || i + 1}`}
                onClick={() => props.onChange(props.rows.filter((r) => r.id !== row.id))}
              />
            </div>
            <RowError error={error} />
          </div>
        );
      })}
      <AddRowButton
        onClick={() => props.onChange([...props.rows, { id: rowId(), secretId: '', source: 'file', ref: '' }])}
      >
        Add secret
      </AddRowButton>
    </div>
  );
}

/** Cache import/export rows: registry ref or local directory (and inline, for export). */
export function CacheRows(props: {
  direction: 'from' | 'to';
  rows: CacheRow[];
  onChange: (rows: CacheRow[]) => void;
  errors: Record<string, string>;
}) {
  const update = (id: string, change: Partial<CacheRow>) =>
    props.onChange(props.rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  const noun = props.direction === 'from' ? 'Cache source' : 'Cache export';
  return (
    <div className={styles.rows} data-testid={`cache-${props.direction}-rows`}>
      {props.rows.map((row, i) => {
        const error = props.errors[`row:${row.id}`];
        return (
          <div key={row.id} className={styles.rowWrap}>
            <div className={props.direction === 'to' ? styles.cacheToRow : styles.cacheRow}>
              <select
                className={styles.select}
                value={row.type}
                aria-label={`${noun} ${i + 1} type`}
                onChange={(event) => update(row.id, { type: event.target.value as CacheRow['type'] })}
              >
                <option value="registry">registry</option>
                <option value="local">local dir</option>
                {props.direction === 'to' ? <option value="inline">inline</option> : null}
              </select>
              <input
                className={`${styles.input} mono ${error ? styles.invalid : ''}`}
                value={row.type === 'inline' ? '' : row.value}
                disabled={row.type === 'inline'}
                placeholder={
                  row.type === 'registry'
                    ? '127.0.0.1:5000/app:buildcache'
                    : row.type === 'local'
                      ? '/tmp/buildcache'
                      : 'stored in the image'
                }
                aria-label={`${noun} ${i + 1} ${row.type === 'registry' ? 'image reference' : 'directory'}`}
                aria-invalid={Boolean(error) || undefined}
                spellCheck={false}
                onChange={(event) => update(row.id, { value: event.target.value })}
              />
              {props.direction === 'to' ? (
                <select
                  className={styles.select}
                  value={row.mode}
                  disabled={row.type === 'inline'}
                  aria-label={`${noun} ${i + 1} mode`}
                  title="min: only the final image's layers; max: every intermediate layer"
                  onChange={(event) => update(row.id, { mode: event.target.value as CacheRow['mode'] })}
                >
                  <option value="">mode: default</option>
                  <option value="min">mode: min</option>
                  <option value="max">mode: max</option>
                </select>
              ) : null}
              <RemoveRowButton
                label={`Remove ${noun.toLowerCase()} ${i + 1}`}
                onClick={() => props.onChange(props.rows.filter((r) => r.id !== row.id))}
              />
            </div>
            <RowError error={error} />
          </div>
        );
      })}
      <AddRowButton
        onClick={() => props.onChange([...props.rows, { id: rowId(), type: 'registry', value: '', mode: '' }])}
      >
        {props.direction === 'from' ? 'Add cache source' : 'Add cache export'}
      </AddRowButton>
    </div>
  );
}

/** Toggle chips for a builder's platforms, plus a field for one it did not list. */
export function PlatformPicker(props: {
  available: string[];
  selected: string[];
  onChange: (platforms: string[]) => void;
  describedBy: string | undefined;
  labelledBy?: string;
}) {
  const [other, setOther] = useState('');
  const all = [...props.available, ...props.selected.filter((p) => !props.available.includes(p))];
  const toggle = (p: string) =>
    props.onChange(props.selected.includes(p) ? props.selected.filter((x) => x !== p) : [...props.selected, p]);
  const addOther = () => {
    const value = other.trim();
    if (value && !props.selected.includes(value)) props.onChange([...props.selected, value]);
    setOther('');
  };
  return (
    <div className={styles.platforms} aria-describedby={props.describedBy}>
      <div className={styles.platformChips} data-testid="platform-chips">
        {all.map((p) => {
          const on = props.selected.includes(p);
          return (
            <button
              key={p}
              type="button"
              className={`${styles.platformChip} ${on ? styles.platformOn : ''}`}
              aria-pressed={on}
              onClick={() => toggle(p)}
            >
              <span className={styles.check} aria-hidden />
              <span className="mono">{p}</span>
            </button>
          );
        })}
      </div>
      <div className={styles.otherPlatform}>
        <input
          className={`${styles.input} mono`}
          value={other}
          placeholder="Other, e.g. linux/arm/v7"
          aria-label="Add another platform"
          spellCheck={false}
          onChange={(event) => setOther(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              addOther();
            }
          }}
        />
        <Button size="sm" onClick={addOther} disabled={!other.trim()}>
          Add
        </Button>
      </div>
    </div>
  );
}

/**
 * What the Dockerfile asks for that the form does not set yet (its outline, `builds.outline`), one
 * click away: each chip adds its row, prefilled, and then leaves.
 */
export function DeclaredChips(props: {
  label: string;
  testId: string;
  items: { key: string; text: string; detail?: string | undefined; aria: string; title?: string | undefined }[];
  onAdd: (key: string) => void;
}) {
  if (props.items.length === 0) return null;
  return (
    <div className={styles.declared} data-testid={props.testId}>
      <span className={styles.declaredLabel}>{props.label}</span>
      {props.items.map((item) => (
        <button
          key={item.key}
          type="button"
          className={styles.declaredChip}
          title={item.title}
          aria-label={item.aria}
          onClick={() => props.onAdd(item.key)}
        >
          <span aria-hidden>+</span>
          <span className="mono">
            {item.text}
            {item.detail && <span className={styles.declaredValue}>{item.detail}</span>}
          </span>
        </button>
      ))}
    </div>
  );
}
