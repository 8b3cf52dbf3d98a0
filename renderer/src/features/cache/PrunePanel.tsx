import { useId, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { CircleCheck, Eye, Info, Trash2, TriangleAlert } from 'lucide-react';
import { CACHE_RECORD_TYPES, humanSize, parseDuration, parseSize } from '../../../../electron/common/cache/values';
import type { CachePruneResult } from '../../../../electron/common/contracts/cache';
import type { AppError } from '../../../../electron/common/errors';
import { commandKey, invoke } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorState } from '../../components/ErrorState';
import { Field } from '../../components/Field';
import { errorField } from '../../lib/field-errors';
import { pluralize } from '../../lib/format';
import { typeLabel, typeTone } from './use-cache';
import styles from './PrunePanel.module.css';
import tones from './tones.module.css';

const UNTIL_PRESETS = [
  { value: '', label: 'Any time' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: 'custom', label: 'Custom…' },
] as const;

interface Draft {
  untilPreset: string;
  untilCustom: string;
  types: string[];
  description: string;
  reservedSpace: string;
  maxUsedSpace: string;
  minFreeSpace: string;
  all: boolean;
}

const EMPTY: Draft = {
  untilPreset: '24h',
  untilCustom: '',
  types: [],
  description: '',
  reservedSpace: '',
  maxUsedSpace: '',
  minFreeSpace: '',
  all: false,
};

type PruneField = 'until' | 'types' | 'description' | 'reservedSpace' | 'maxUsedSpace' | 'minFreeSpace' | 'filters';

/** The contract's filter object from the form, with the fields the form can already tell are wrong. */
function toFilters(d: Draft): {
  filters: Record<string, unknown>;
  errors: Partial<Record<PruneField, string>>;
  empty: boolean;
} {
  const filters: Record<string, unknown> = {};
  const errors: Partial<Record<PruneField, string>> = {};
  const until = d.untilPreset === 'custom' ? d.untilCustom.trim() : d.untilPreset;
  if (until) {
    if (parseDuration(until) === undefined) errors.until = 'A duration such as 90m, 36h or 14d.';
    filters['until'] = until;
  }
  if (d.types.length > 0) filters['type'] = d.types;
  if (d.description.trim()) filters['description'] = d.description.trim();
  for (const key of ['reservedSpace', 'maxUsedSpace', 'minFreeSpace'] as const) {
    const v = d[key].trim();
    if (!v) continue;
    if (parseSize(v) === undefined) errors[key] = 'A size such as 512MB or 10GB.';
    filters[key] = v;
  }
  if (d.all) filters['all'] = true;
  return { filters, errors, empty: Object.keys(filters).length === 0 };
}

/** The contract names the field at fault as `filters.until`; the form shows it next to that field. */
function fieldOf(error: AppError): PruneField | undefined {
  const field = errorField(error) ?? '';
  const key = (errorField(error, 'filters') ?? '').split('.')[0] ?? '';
  if (key === 'type') return 'types';
  if (key === 'keepStorage') return 'reservedSpace';
  if (['until', 'description', 'reservedSpace', 'maxUsedSpace', 'minFreeSpace'].includes(key)) return key as PruneField;
  return field === 'filters' ? 'filters' : undefined;
}

/** One text filter of the prune form. */
function PruneText(props: {
  id: string;
  label: string;
  hint?: string;
  placeholder: string;
  value: string;
  error: string | undefined;
  short?: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <Field id={props.id} layout="compact" label={props.label} hint={props.hint} error={props.error}>
      {(control) => (
        <input
          id={control.id}
          className={props.short ? `${styles.control} ${styles.short}` : styles.control}
          placeholder={props.placeholder}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          aria-invalid={control.invalid || undefined}
          aria-describedby={control.describedBy}
        />
      )}
    </Field>
  );
}

type Stage =
  | { kind: 'editing' }
  | { kind: 'previewing' }
  | { kind: 'preview'; result: CachePruneResult }
  | { kind: 'confirming'; result: CachePruneResult }
  | { kind: 'pruning'; result: CachePruneResult }
  | { kind: 'done'; result: CachePruneResult }
  | { kind: 'failed'; error: AppError };

export function PrunePanel({ builder }: { builder: string }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [stage, setStage] = useState<Stage>({ kind: 'editing' });
  const [serverErrors, setServerErrors] = useState<Partial<Record<PruneField, string>>>({});
  const id = useId();
  const { filters, errors: localErrors, empty } = toFilters(draft);
  const errors = { ...serverErrors, ...localErrors };
  const busy = stage.kind === 'previewing' || stage.kind === 'pruning';

  // Any change to the filters makes a preview stale: the prune button must never act on old filters.
  const edit = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setServerErrors({});
    if (stage.kind !== 'editing' && !busy) setStage({ kind: 'editing' });
  };

  const fail = (error: AppError) => {
    const field = fieldOf(error);
    if (error.code === 'INVALID_INPUT' && field) {
      setServerErrors({ [field]: error.message });
      setStage({ kind: 'editing' });
    } else {
      setStage({ kind: 'failed', error });
    }
  };

  const preview = async () => {
    setStage({ kind: 'previewing' });
    const r = await invoke('cache.prune', { builder, filters, dryRun: true });
    if (r.ok) setStage({ kind: 'preview', result: r.value });
    else fail(r.error);
  };

  const prune = async (planned: CachePruneResult) => {
    setStage({ kind: 'pruning', result: planned });
    const onlyIds = planned.planned.records.map((r) => r.id);
    const r = await invoke('cache.prune', { builder, filters, onlyIds });
    void queryClient.invalidateQueries({ queryKey: commandKey('cache.usage') });
    if (r.ok) setStage({ kind: 'done', result: r.value });
    else fail(r.error);
  };

  const fieldError = (field: PruneField): ReactNode =>
    errors[field] ? (
      <span className={styles.fieldError} id={`${id}-${field}-error`} role="alert">
        {errors[field]}
      </span>
    ) : null;
  const describedBy = (field: PruneField) => (errors[field] ? `${id}-${field}-error` : undefined);
  const hasErrors = Object.keys(localErrors).length > 0;

  return (
    <section className={styles.panel} aria-labelledby={`${id}-title`}>
      <div className={styles.head}>
        <h2 id={`${id}-title`} className={styles.title}>
          Prune
        </h2>
        <p className={styles.lead}>
          Preview first: BuildDeck then removes exactly the records the preview lists, and nothing that appears
          afterwards.
        </p>
      </div>

      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy && !empty && !hasErrors) void preview();
        }}
      >
        <Field id={`${id}-until`} layout="compact" label="Unused for at least" error={errors.until}>
          {(control) => (
            <div className={styles.inline}>
              <select
                id={control.id}
                className={styles.control}
                value={draft.untilPreset}
                onChange={(e) => edit({ untilPreset: e.target.value })}
                aria-describedby={control.describedBy}
              >
                {UNTIL_PRESETS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
              {draft.untilPreset === 'custom' ? (
                <input
                  className={`${styles.control} ${styles.short}`}
                  aria-label="Custom duration"
                  placeholder="e.g. 36h"
                  value={draft.untilCustom}
                  onChange={(e) => edit({ untilCustom: e.target.value })}
                  aria-invalid={control.invalid || undefined}
                  aria-describedby={control.describedBy}
                />
              ) : null}
            </div>
          )}
        </Field>

        <PruneText
          id={`${id}-description`}
          label="Description contains"
          placeholder="e.g. npm ci, or a step name"
          value={draft.description}
          error={errors.description}
          onChange={(v) => edit({ description: v })}
        />

        <PruneText
          id={`${id}-reserved`}
          label="Keep at least"
          hint="Stop once the cache is below this; least used go first."
          placeholder="e.g. 5GB"
          value={draft.reservedSpace}
          error={errors.reservedSpace}
          short
          onChange={(v) => edit({ reservedSpace: v })}
        />

        <fieldset className={`${styles.field} ${styles.wide}`} aria-describedby={describedBy('types')}>
          <legend className={styles.label}>Record types</legend>
          <div className={styles.chips}>
            {CACHE_RECORD_TYPES.map((t) => {
              const on = draft.types.includes(t);
              return (
                <label key={t} className={`${styles.chip} ${on ? styles.chipOn : ''} ${tones[typeTone(t)] ?? ''}`}>
                  <input
                    type="checkbox"
                    checked={on}
                    onChange={() => edit({ types: on ? draft.types.filter((x) => x !== t) : [...draft.types, t] })}
                  />
                  <span className={tones.typeBadge}>{typeLabel(t)}</span>
                </label>
              );
            })}
            <span className={styles.help}>
              {draft.types.length === 0 ? 'None ticked: any type.' : 'Any of the ticked types.'}
            </span>
          </div>
          {fieldError('types')}
        </fieldset>

        <div className={`${styles.field} ${styles.wide}`}>
          <label className={styles.checkLabel}>
            <input type="checkbox" checked={draft.all} onChange={(e) => edit({ all: e.target.checked })} />
            Also shared, internal and frontend records
          </label>
          <span className={styles.help}>
            Like <code>docker buildx prune --all</code>. Without a filter above, this means everything that is not in
            use.
          </span>
        </div>

        <details className={`${styles.advanced} ${styles.wide}`}>
          <summary>Storage targets (BuildKit 0.17+, Docker Engine 28+)</summary>
          <div className={styles.advancedBody}>
            <PruneText
              id={`${id}-max`}
              label="Max used space"
              placeholder="e.g. 20GB"
              value={draft.maxUsedSpace}
              error={errors.maxUsedSpace}
              short
              onChange={(v) => edit({ maxUsedSpace: v })}
            />
            <PruneText
              id={`${id}-min`}
              label="Min free space"
              placeholder="e.g. 10GB"
              value={draft.minFreeSpace}
              error={errors.minFreeSpace}
              short
              onChange={(v) => edit({ minFreeSpace: v })}
            />
          </div>
        </details>

        <div className={`${styles.actions} ${styles.wide}`}>
          <Button
            type="submit"
            variant="primary"
            disabled={busy || empty || hasErrors}
            aria-busy={stage.kind === 'previewing'}
            icon={<Eye size={14} aria-hidden />}
          >
            {stage.kind === 'previewing' ? 'Computing…' : 'Preview'}
          </Button>
          {empty ? (
            <span className={styles.help}>Choose a filter, or tick “Also shared…” to consider everything.</span>
          ) : null}
          {fieldError('filters')}
        </div>
      </form>

      <Outcome
        stage={stage}
        onConfirm={(r) => setStage({ kind: 'confirming', result: r })}
        onCancel={(r) => setStage({ kind: 'preview', result: r })}
        onPrune={(r) => void prune(r)}
        onRetry={() => void preview()}
      />
    </section>
  );
}

function Outcome({
  stage,
  onConfirm,
  onCancel,
  onPrune,
  onRetry,
}: {
  stage: Stage;
  onConfirm: (r: CachePruneResult) => void;
  onCancel: (r: CachePruneResult) => void;
  onPrune: (r: CachePruneResult) => void;
  onRetry: () => void;
}) {
  switch (stage.kind) {
    case 'editing':
    case 'previewing':
      return null;
    case 'failed':
      return <ErrorState error={stage.error} variant="inline" subject="Prune" onRetry={onRetry} />;
    case 'done': {
      const f = stage.result.freed;
      return (
        <div className={`${styles.outcome} ${styles.success}`} role="status" data-testid="prune-done">
          <CircleCheck size={18} aria-hidden className={styles.successIcon} />
          <div>
            <strong>
              Freed {humanSize(f?.size ?? 0)}
              {f && !f.sizeExact ? ' (as buildx rounds it)' : ''}
            </strong>
            <p>
              {stage.result.builder} removed {pluralize(f?.ids.length ?? 0, 'record')}.
              {f && f.notRemoved.length > 0
                ? ` ${pluralize(f.notRemoved.length, 'planned record')} stayed: used or built on since the preview.`
                : ''}
            </p>
          </div>
        </div>
      );
    }
    case 'preview':
    case 'confirming':
    case 'pruning': {
      const r = stage.result;
      const n = r.planned.records.length;
      return (
        <div className={styles.outcome} data-testid="prune-preview">
          <div className={styles.previewHead}>
            <div role="status">
              <strong className={styles.previewTotal}>
                {n === 0
                  ? 'Nothing to remove'
                  : `${pluralize(n, 'record')} · ${humanSize(r.planned.size)}${r.exact ? '' : ' at most'}`}
              </strong>
              <span className={styles.help}> would be removed from {r.builder}</span>
            </div>
            {n > 0 && stage.kind === 'preview' ? (
              <Button
                variant="secondary"
                className={styles.danger}
                onClick={() => onConfirm(r)}
                icon={<Trash2 size={14} aria-hidden />}
              >
                Prune {pluralize(n, 'record')}…
              </Button>
            ) : null}
          </div>
          {r.notes.length > 0 ? (
            <ul className={styles.notes}>
              {r.notes.map((note) => (
                <li key={note}>
                  <Info size={13} aria-hidden /> {note}
                </li>
              ))}
            </ul>
          ) : null}
          {stage.kind !== 'preview' ? (
            <div className={styles.confirm} role="alertdialog" aria-labelledby="prune-confirm-text">
              <TriangleAlert size={18} aria-hidden className={styles.confirmIcon} />
              <p id="prune-confirm-text">
                Remove {pluralize(n, 'record')} ({humanSize(r.planned.size)}) from <strong>{r.builder}</strong>? Builds
                recreate them when needed, at the cost of rebuilding those steps.
              </p>
              <div className={styles.confirmActions}>
                <Button variant="secondary" onClick={() => onCancel(r)} disabled={stage.kind === 'pruning'}>
                  Cancel
                </Button>
                <Button
                  variant="secondary"
                  className={styles.danger}
                  onClick={() => onPrune(r)}
                  disabled={stage.kind === 'pruning'}
                  aria-busy={stage.kind === 'pruning'}
                  icon={<Trash2 size={14} aria-hidden />}
                  // Focus lands on the destructive action's dialog, not on the action itself.
                >
                  {stage.kind === 'pruning' ? 'Removing…' : `Remove ${pluralize(n, 'record')}`}
                </Button>
              </div>
            </div>
          ) : null}
          {n > 0 ? <PlannedList result={r} /> : null}
        </div>
      );
    }
  }
}

const LIST_MAX = 200;

function PlannedList({ result }: { result: CachePruneResult }) {
  const records = result.planned.records;
  return (
    <div className={styles.plannedWrap}>
      <table className={styles.planned}>
        <caption className="visually-hidden">Records the prune removes, children before parents</caption>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Type</th>
            <th scope="col" className={styles.num}>
              Size
            </th>
          </tr>
        </thead>
        <tbody>
          {records.slice(0, LIST_MAX).map((rec) => (
            <tr key={rec.id}>
              <td>
                <span className={styles.plannedDesc} title={rec.description}>
                  {rec.description || '—'}
                </span>
                <code className={styles.plannedId}>{rec.id}</code>
              </td>
              <td className={tones[typeTone(rec.type)]}>
                <span className={tones.typeBadge}>{typeLabel(rec.type)}</span>
              </td>
              <td className={styles.num}>{humanSize(rec.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {records.length > LIST_MAX ? <p className={styles.help}>and {records.length - LIST_MAX} more records</p> : null}
    </div>
  );
}
