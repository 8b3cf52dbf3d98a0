import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { RotateCcw, Save } from 'lucide-react';
import { settingsPatch, type Settings } from '../../../../electron/common/contracts/settings';
import type { AppError } from '../../../../electron/common/errors';
import { appErrorOf, commandKey, invoke, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorState } from '../../components/ErrorState';
import { Field } from '../../components/Field';
import { Skeleton } from '../../components/Skeleton';
import { errorField, errorsByControl, zodIssues } from '../../lib/field-errors';
import styles from './SettingsView.module.css';

/** The form keeps text as typed; numbers are parsed on submit so a half-typed value is not lost. */
interface Draft {
  dockerHost: string;
  dockerPath: string;
  healthTimeoutS: string;
  historyMaxCount: string;
  historyMaxAgeDays: string;
  logCapMiB: string;
  theme: Settings['theme'];
  startMinimized: boolean;
  launchAtLogin: boolean;
}

const MIB = 1024 * 1024;

function toDraft(s: Settings): Draft {
  return {
    dockerHost: s.dockerHost ?? '',
    dockerPath: s.dockerPath,
    healthTimeoutS: String(s.healthTimeoutMs / 1000),
    historyMaxCount: String(s.historyMaxCount),
    historyMaxAgeDays: String(s.historyMaxAgeDays),
    logCapMiB: String(Math.round((s.logCapBytes / MIB) * 100) / 100),
    theme: s.theme,
    startMinimized: s.startMinimized,
    launchAtLogin: s.launchAtLogin,
  };
}

/** Draft → patch, with errors keyed by draft field; the same zod schema the core enforces. */
function toPatch(d: Draft): { patch?: Record<string, unknown>; errors: Partial<Record<keyof Draft, string>> } {
  const num = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  const raw = {
    dockerHost: d.dockerHost.trim() === '' ? null : d.dockerHost.trim(),
    dockerPath: d.dockerPath,
    healthTimeoutMs: Math.round(num(d.healthTimeoutS) * 1000),
    historyMaxCount: num(d.historyMaxCount),
    historyMaxAgeDays: num(d.historyMaxAgeDays),
    logCapBytes: Math.round(num(d.logCapMiB) * MIB),
    theme: d.theme,
    startMinimized: d.startMinimized,
    launchAtLogin: d.launchAtLogin,
  };
  const parsed = settingsPatch.safeParse(raw);
  if (parsed.success) return { patch: parsed.data, errors: {} };
  return { errors: errorsByControl(zodIssues(parsed.error.issues), controlOf, (i) => describe(i.field, i.message)) };
}

/** Settings field (as the contract names it) → the control that shows it; the two in other units differ. */
function controlOf(field: string): keyof Draft | undefined {
  const key = field.split('.')[0] ?? '';
  if (key === 'healthTimeoutMs') return 'healthTimeoutS';
  if (key === 'logCapBytes') return 'logCapMiB';
  return key !== '' && key !== 'patch' ? (key as keyof Draft) : undefined;
}

function describe(key: string, message: string): string {
  switch (key) {
    case 'healthTimeoutMs':
      return 'Between 0.5 and 120 seconds.';
    case 'logCapBytes':
      return 'Between 0.0625 and 256 MiB.';
    case 'historyMaxCount':
      return 'A whole number from 10 to 100000.';
    case 'historyMaxAgeDays':
      return 'A whole number of days from 1 to 3650.';
    default:
      return message.charAt(0).toUpperCase() + message.slice(1) + '.';
  }
}

export function SettingsView() {
  const queryClient = useQueryClient();
  const query = useCommand('settings.get', {});
  const [draft, setDraft] = useState<Draft | undefined>();
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [saveError, setSaveError] = useState<AppError | undefined>();
  const [status, setStatus] = useState<string>('');
  const [busy, setBusy] = useState(false);

  // Untouched, the form shows what is stored; the first edit forks a draft.
  const shown = draft ?? (query.data ? toDraft(query.data.settings) : undefined);

  if (query.isError) return <ErrorState error={appErrorOf(query.error)} onRetry={() => void query.refetch()} />;
  if (!shown || !query.data) {
    return (
      <div className={styles.view} aria-busy="true">
        <h1 className={styles.title}>Settings</h1>
        <Skeleton width="60%" height={16} />
        <Skeleton width="40%" height={16} />
      </div>
    );
  }

  const stored = query.data.settings;
  const dirty = JSON.stringify(shown) !== JSON.stringify(toDraft(stored));
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft({ ...shown, [key]: value });
    setStatus('');
  };

  const apply = async (command: 'settings.update' | 'settings.reset', patch?: Record<string, unknown>) => {
    setBusy(true);
    setSaveError(undefined);
    const result =
      command === 'settings.update' ? await invoke(command, { patch: patch ?? {} }) : await invoke(command, {});
    setBusy(false);
    if (!result.ok) {
      const control = controlOf(errorField(result.error, 'patch') ?? '');
      if (control) setErrors({ [control]: result.error.message });
      else setSaveError(result.error);
      return;
    }
    queryClient.setQueryData(commandKey('settings.get', {}), result.value);
    setDraft(undefined);
    setErrors({});
    setStatus(
      command === 'settings.reset'
        ? 'Settings reset to defaults. The previous file was kept as a backup.'
        : 'Settings saved.',
    );
  };

  const onSubmit = (event: { preventDefault(): void }) => {
    event.preventDefault();
    const { patch, errors: found } = toPatch(shown);
    setErrors(found);
    if (patch) void apply('settings.update', patch);
  };

  const onReset = () => {
    if (window.confirm('Reset every setting to its default? Your current settings file is kept as a backup.'))
      void apply('settings.reset');
  };

  return (
    <div className={styles.view}>
      <header className={styles.header}>
        <h1 className={styles.title}>Settings</h1>
        <p className={styles.meta}>
          Stored in <code className="mono">{query.data.path}</code>
        </p>
      </header>
      <form className={styles.form} onSubmit={onSubmit} noValidate aria-describedby="settings-status">
        <fieldset className={styles.group}>
          <legend className={styles.legend}>Docker</legend>
          <Field
            layout="row"
            label="Docker endpoint"
            hint="Empty: DOCKER_HOST or the local socket. unix://, tcp:// or npipe://."
            error={errors.dockerHost}
          >
            {({ id, describedBy: by }) => (
              <input
                id={id}
                aria-describedby={by}
                aria-invalid={Boolean(errors.dockerHost)}
                className={styles.input}
                value={shown.dockerHost}
                placeholder="unix:///var/run/docker.sock"
                onChange={(e) => set('dockerHost', e.target.value)}
                spellCheck={false}
              />
            )}
          </Field>
          <Field
            layout="row"
            label="Docker CLI"
            hint="The program that runs buildx: a name on PATH or an absolute path."
            error={errors.dockerPath}
          >
            {({ id, describedBy: by }) => (
              <input
                id={id}
                aria-describedby={by}
                aria-invalid={Boolean(errors.dockerPath)}
                className={styles.input}
                value={shown.dockerPath}
                onChange={(e) => set('dockerPath', e.target.value)}
                spellCheck={false}
              />
            )}
          </Field>
          <Field
            layout="row"
            label="Health timeout (s)"
            hint="How long one builder may take to answer before it is shown unreachable."
            error={errors.healthTimeoutS}
          >
            {({ id, describedBy: by }) => (
              <input
                id={id}
                aria-describedby={by}
                aria-invalid={Boolean(errors.healthTimeoutS)}
                className={styles.inputShort}
                inputMode="decimal"
                value={shown.healthTimeoutS}
                onChange={(e) => set('healthTimeoutS', e.target.value)}
              />
            )}
          </Field>
        </fieldset>

        <fieldset className={styles.group}>
          <legend className={styles.legend}>History</legend>
          <Field layout="row" label="Keep at most (builds)" error={errors.historyMaxCount}>
            {({ id, describedBy: by }) => (
              <input
                id={id}
                aria-describedby={by}
                aria-invalid={Boolean(errors.historyMaxCount)}
                className={styles.inputShort}
                inputMode="numeric"
                value={shown.historyMaxCount}
                onChange={(e) => set('historyMaxCount', e.target.value)}
              />
            )}
          </Field>
          <Field layout="row" label="Keep for (days)" error={errors.historyMaxAgeDays}>
            {({ id, describedBy: by }) => (
              <input
                id={id}
                aria-describedby={by}
                aria-invalid={Boolean(errors.historyMaxAgeDays)}
                className={styles.inputShort}
                inputMode="numeric"
                value={shown.historyMaxAgeDays}
                onChange={(e) => set('historyMaxAgeDays', e.target.value)}
              />
            )}
          </Field>
          <Field
            layout="row"
            label="Log cap per build (MiB)"
            hint="Older log lines are dropped first; a failing step's tail is always kept."
            error={errors.logCapMiB}
          >
            {({ id, describedBy: by }) => (
              <input
                id={id}
                aria-describedby={by}
                aria-invalid={Boolean(errors.logCapMiB)}
                className={styles.inputShort}
                inputMode="decimal"
                value={shown.logCapMiB}
                onChange={(e) => set('logCapMiB', e.target.value)}
              />
            )}
          </Field>
        </fieldset>

        <fieldset className={styles.group}>
          <legend className={styles.legend}>Appearance and start-up</legend>
          <Field layout="row" label="Theme" error={errors.theme}>
            {({ id, describedBy: by }) => (
              <select
                id={id}
                aria-describedby={by}
                className={styles.select}
                value={shown.theme}
                onChange={(e) => set('theme', e.target.value as Settings['theme'])}
              >
                <option value="system">Follow the system</option>
                <option value="light">Light</option>
                <option value="dark">Dark</option>
              </select>
            )}
          </Field>
          <label className={styles.check}>
            <input
              type="checkbox"
              checked={shown.startMinimized}
              onChange={(e) => set('startMinimized', e.target.checked)}
            />
            Start minimised to the tray
          </label>
          <label className={styles.check}>
            <input
              type="checkbox"
              checked={shown.launchAtLogin}
              onChange={(e) => set('launchAtLogin', e.target.checked)}
            />
            Launch at login
          </label>
        </fieldset>

        {saveError ? <ErrorState error={saveError} variant="inline" subject="Settings" /> : null}
        <div className={styles.actions}>
          <Button
            type="submit"
            variant="primary"
            disabled={!dirty || busy}
            icon={<Save size={14} aria-hidden />}
            data-testid="settings-save"
          >
            {busy ? 'Saving…' : 'Save'}
          </Button>
          <Button
            variant="ghost"
            disabled={!dirty || busy}
            onClick={() => {
              setDraft(undefined);
              setErrors({});
            }}
          >
            Discard changes
          </Button>
          <span className={styles.spacer} />
          <Button variant="secondary" disabled={busy} onClick={onReset} icon={<RotateCcw size={14} aria-hidden />}>
            Reset to defaults
          </Button>
        </div>
        <p id="settings-status" className={styles.status} role="status">
          {status}
        </p>
      </form>
    </div>
  );
}
