import { useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { CalendarClock, Play, Save } from 'lucide-react';
import { humanSize, parseDuration, parseSize } from '../../../../electron/common/cache/values';
import type {
  HousekeepingRuleValue,
  HousekeepingRunValue,
  HousekeepingState,
} from '../../../../electron/common/contracts/cache';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, commandKey, invoke, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { errorField } from '../../lib/field-errors';
import { pluralize } from '../../lib/format';
import styles from './HousekeepingPanel.module.css';

const INTERVALS = [
  { value: '1h', label: 'every hour' },
  { value: '6h', label: 'every 6 hours' },
  { value: '24h', label: 'every day' },
] as const;

interface Draft {
  enabled: boolean;
  maxSize: string;
  olderThan: string;
  all: boolean;
  interval: string;
}

const GIB = 1024 ** 3;

function toDraft(rule: HousekeepingRuleValue | null): Draft {
  if (!rule) return { enabled: true, maxSize: '', olderThan: '', all: false, interval: '1h' };
  const hours = rule.intervalMs / 3_600_000;
  const maxSize =
    rule.maxSize === null ? '' : rule.maxSize % GIB === 0 ? `${rule.maxSize / GIB}GB` : String(rule.maxSize);
  const days =
    rule.olderThanMs === null
      ? ''
      : rule.olderThanMs % 86_400_000 === 0
        ? `${rule.olderThanMs / 86_400_000}d`
        : `${Math.round(rule.olderThanMs / 1000)}s`;
  return {
    enabled: rule.enabled,
    maxSize,
    olderThan: days,
    all: rule.all,
    interval: INTERVALS.find((i) => parseDuration(i.value) === rule.intervalMs)?.value ?? `${hours}h`,
  };
}

const OUTCOME_LABEL: Record<HousekeepingRunValue['outcome'], string> = {
  pruned: 'Pruned',
  nothing: 'Nothing to do',
  skipped: 'Skipped',
  failed: 'Failed',
};

/** Opt-in scheduled pruning for one builder, and the record of every run. */
export function HousekeepingPanel({ builder }: { builder: string }) {
  const state = useCommand('cache.housekeeping.get', { builder });
  if (state.isPending) {
    return (
      <section className={styles.panel} aria-busy="true">
        <Skeleton width={180} height={14} />
        <Skeleton width="60%" />
      </section>
    );
  }
  if (state.isError) {
    return (
      <section className={styles.panel}>
        <p className={styles.error}>Housekeeping could not be read: {appErrorOf(state.error).message}</p>
      </section>
    );
  }
  // Keyed by the rule's save time: a save elsewhere resets the form to what is stored.
  return <HousekeepingForm key={`${builder}:${state.data.rule?.updatedAt ?? 'none'}`} state={state.data} />;
}

function HousekeepingForm({ state }: { state: HousekeepingState }) {
  const queryClient = useQueryClient();
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => toDraft(state.rule));
  const [busy, setBusy] = useState<'save' | 'run' | 'remove' | undefined>();
  const [error, setError] = useState<AppError | undefined>();
  const [lastRun, setLastRun] = useState<HousekeepingRunValue | undefined>();
  const edit = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setError(undefined);
  };
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: commandKey('cache.housekeeping.get') });
  };

  const sizeError =
    draft.maxSize.trim() && parseSize(draft.maxSize.trim()) === undefined ? 'A size such as 20GB.' : undefined;
  const ageError =
    draft.olderThan.trim() && parseDuration(draft.olderThan.trim()) === undefined
      ? 'A duration such as 14d.'
      : undefined;
  const serverField = errorField(error);

  if (!state.available) {
    return (
      <section className={styles.panel} aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className={styles.title}>
          Scheduled housekeeping
        </h2>
        <p className={styles.help}>{state.reason}</p>
      </section>
    );
  }

  const save = async (remove = false) => {
    setBusy(remove ? 'remove' : 'save');
    const r = await invoke('cache.housekeeping.set', {
      builder: state.builder,
      enabled: draft.enabled,
      maxSize: draft.maxSize.trim() || null,
      olderThan: draft.olderThan.trim() || null,
      all: draft.all,
      interval: draft.interval,
      ...(remove ? { remove: true } : {}),
    });
    setBusy(undefined);
    if (r.ok) refresh();
    else setError(r.error);
  };

  const runNow = async () => {
    setBusy('run');
    const r = await invoke('cache.housekeeping.run', { builder: state.builder });
    setBusy(undefined);
    if (r.ok) {
      setLastRun(r.value);
      refresh();
    } else setError(r.error);
  };

  const rule = state.rule;
  return (
    <section className={styles.panel} aria-labelledby={`${id}-title`}>
      <div className={styles.head}>
        <div>
          <h2 id={`${id}-title`} className={styles.title}>
            Scheduled housekeeping
            <span className={rule?.enabled ? `${styles.badge} ${styles.on}` : styles.badge}>
              {rule?.enabled ? 'On' : rule ? 'Paused' : 'Off'}
            </span>
          </h2>
          <p className={styles.help}>
            While BuildDeck runs, it checks this builder on a schedule: records unused for the given age go first, then
            the least used ones while the private cache is over the size. Every run is recorded below.
          </p>
        </div>
        <CalendarClock size={20} aria-hidden className={styles.icon} />
      </div>

      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy && !sizeError && !ageError) void save();
        }}
      >
        <label className={styles.check}>
          <input type="checkbox" checked={draft.enabled} onChange={(e) => edit({ enabled: e.target.checked })} />
          Enabled
        </label>
        <div className={styles.field}>
          <label htmlFor={`${id}-size`} className={styles.label}>
            Keep the private cache under
          </label>
          <input
            id={`${id}-size`}
            className={styles.control}
            placeholder="e.g. 20GB"
            value={draft.maxSize}
            onChange={(e) => edit({ maxSize: e.target.value })}
            aria-invalid={sizeError || serverField === 'maxSize' ? true : undefined}
          />
          {sizeError ? <span className={styles.fieldError}>{sizeError}</span> : null}
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-age`} className={styles.label}>
            Remove records unused for
          </label>
          <input
            id={`${id}-age`}
            className={styles.control}
            placeholder="e.g. 14d"
            value={draft.olderThan}
            onChange={(e) => edit({ olderThan: e.target.value })}
            aria-invalid={ageError || serverField === 'olderThan' ? true : undefined}
          />
          {ageError ? <span className={styles.fieldError}>{ageError}</span> : null}
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-interval`} className={styles.label}>
            Check
          </label>
          <select
            id={`${id}-interval`}
            className={styles.control}
            value={draft.interval}
            onChange={(e) => edit({ interval: e.target.value })}
          >
            {INTERVALS.map((i) => (
              <option key={i.value} value={i.value}>
                {i.label}
              </option>
            ))}
          </select>
        </div>
        <label className={styles.check}>
          <input type="checkbox" checked={draft.all} onChange={(e) => edit({ all: e.target.checked })} />
          Include shared, internal and frontend records
        </label>
        <div className={styles.actions}>
          <Button
            type="submit"
            variant="primary"
            disabled={busy !== undefined || Boolean(sizeError ?? ageError)}
            aria-busy={busy === 'save'}
            icon={<Save size={14} aria-hidden />}
          >
            {busy === 'save' ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
          </Button>
          {rule ? (
            <>
              <Button
                variant="secondary"
                onClick={() => void runNow()}
                disabled={busy !== undefined}
                aria-busy={busy === 'run'}
                icon={<Play size={14} aria-hidden />}
              >
                {busy === 'run' ? 'Running…' : 'Run now'}
              </Button>
              <Button variant="ghost" onClick={() => void save(true)} disabled={busy !== undefined}>
                Remove rule
              </Button>
            </>
          ) : null}
        </div>
        {error ? (
          <p className={styles.fieldError} role="alert">
            {error.message}
          </p>
        ) : null}
      </form>

      {lastRun ? (
        <p className={styles.lastRun} role="status">
          {OUTCOME_LABEL[lastRun.outcome]}:{' '}
          {lastRun.records > 0
            ? `removed ${pluralize(lastRun.records, 'record')}, ${humanSize(lastRun.bytes)}`
            : (lastRun.detail ?? 'under the limits')}
          .
        </p>
      ) : null}

      {state.runs.length > 0 ? (
        <table className={styles.runs}>
          <caption className={styles.caption}>Recent runs</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">By</th>
              <th scope="col">Outcome</th>
              <th scope="col" className={styles.num}>
                Freed
              </th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {state.runs.map((r) => (
              <tr key={r.id} data-testid="housekeeping-run">
                <td>
                  <RelativeTime ms={Date.parse(r.at)} />
                </td>
                <td>{r.trigger === 'manual' ? 'You' : 'Schedule'}</td>
                <td>
                  <span className={`${styles.outcome} ${styles[r.outcome] ?? ''}`}>{OUTCOME_LABEL[r.outcome]}</span>
                </td>
                <td className={styles.num}>
                  {r.records > 0 ? `${humanSize(r.bytes)} · ${pluralize(r.records, 'record')}` : '—'}
                </td>
                <td className={styles.detail} title={r.detail ?? undefined}>
                  {r.detail ??
                    (r.sizeBefore !== null && r.sizeAfter !== null
                      ? `${humanSize(r.sizeBefore)} → ${humanSize(r.sizeAfter)}`
                      : '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : rule ? (
        <p className={styles.help}>
          No run yet: the first check happens within a minute of BuildDeck starting, then{' '}
          {INTERVALS.find((i) => i.value === draft.interval)?.label ?? 'on schedule'}.
        </p>
      ) : null}
    </section>
  );
}
