import { Fragment, memo, useCallback, useEffect, useMemo, useRef, useState, type ReactNode, type Ref } from 'react';
import { Ban, CircleCheck, CircleX, Terminal, Unplug, X } from 'lucide-react';
import type { BuildSnapshot, BuildStatus, LogLine, Step } from '../../../../../electron/common/contracts/builds';
import { CopyButton } from '../../../components/CopyButton';
import { RelativeTime } from '../../../components/RelativeTime';
import { useNow } from '../../../lib/use-now';
import { baseName, formatDuration } from '../format';
import { LogView, type LineLabel } from '../logs/LogView';
import { usePagedLog, type LogSource } from '../logs/paged-log';
import { quoteArgv } from '../new/form-model';
import { isMod } from '../shortcuts';
import { Lanes, RunningIcon } from './Lanes';
import { Outcome, Warnings } from './Outcome';
import styles from './BuildView.module.css';
import tones from './status-tones.module.css';

export const STATUS_LABEL: Record<BuildStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export function StatusIcon({ status, size = 20 }: { status: BuildStatus; size?: number }) {
  switch (status) {
    case 'running':
      return <RunningIcon size={size} />;
    case 'succeeded':
      return <CircleCheck size={size} aria-hidden className={tones.icon_done} />;
    case 'failed':
      return <CircleX size={size} aria-hidden className={tones.icon_failed} />;
    case 'interrupted':
      return <Unplug size={size} aria-hidden className={tones.icon_interrupted} />;
    case 'cancelled':
      return <Ban size={size} aria-hidden className={tones.icon_cancelled} />;
  }
}

export function StatusBadge({ status }: { status: BuildStatus }) {
  return (
    <span
      className={`${tones.statusBadge} ${tones[`tone_${status}`] ?? ''}`}
      data-testid="build-status"
      data-status={status}
    >
      {STATUS_LABEL[status]}
    </span>
  );
}

interface RunHeaderProps {
  status: BuildStatus;
  title: ReactNode;
  /** The full path or name behind a shortened title (tooltip). */
  titleHint?: string | undefined;
  titleRef?: Ref<HTMLHeadingElement>;
  /** After the status badge (e.g. "From history"). */
  badge?: ReactNode;
  /** Facts in one line (folder, target…), separated by dots; empty ones are skipped. */
  meta: ReactNode[];
  /** Then the builder with its driver and when the run started, when known. */
  builder?: { name: string; driver: string } | undefined;
  startedAt?: number | undefined;
  elapsedMs: number | undefined;
  running: boolean;
  elapsedTestId: string;
  actions?: ReactNode;
}

/**
 * The head of a build's or a bake's page: status, title, facts, elapsed time and actions.
 * Memoised: a live build re-renders its page per progress batch; the header changes with the
 * status and the clock only (callers keep `meta`, `builder` and `actions` stable).
 */
export const RunHeader = memo(function RunHeader({
  status,
  title,
  titleHint,
  titleRef,
  badge,
  meta: facts,
  builder,
  startedAt,
  elapsedMs,
  running,
  elapsedTestId,
  actions,
}: RunHeaderProps) {
  const meta = [
    ...facts,
    // A record read from a .dockerbuild file may not name its builder.
    builder ? (
      <>
        {builder.name || 'unknown builder'}
        {builder.driver ? <span className={tones.muted}> ({builder.driver})</span> : null}
      </>
    ) : null,
    startedAt !== undefined ? (
      <>
        started <RelativeTime ms={startedAt} />
      </>
    ) : null,
  ].filter((m) => m !== null && m !== undefined && m !== false);
  return (
    <header className={styles.header}>
      <div className={styles.headerIcon}>
        <StatusIcon status={status} size={22} />
      </div>
      <div className={styles.headerMain}>
        <div className={styles.titleRow}>
          <h1 ref={titleRef} tabIndex={-1} className={styles.title} title={titleHint}>
            {title}
          </h1>
          <StatusBadge status={status} />
          {badge}
        </div>
        <p className={styles.meta}>
          {meta.map((m, i) => (
            <Fragment key={i}>
              {i > 0 ? (
                <span className={styles.dot} aria-hidden>
                  ·
                </span>
              ) : null}
              <span>{m}</span>
            </Fragment>
          ))}
        </p>
      </div>
      <div className={styles.elapsed} aria-label={running ? 'Elapsed' : 'Duration'} data-testid={elapsedTestId}>
        {formatDuration(elapsedMs, { whole: running })}
      </div>
      <div className={styles.actions}>{actions}</div>
    </header>
  );
});

/** A log line's label: the step's platform (when asked), stage and n/total, or its kind. */
export function stepLineLabel(st: Step | undefined, withPlatform: boolean): LineLabel | undefined {
  if (!st) return undefined;
  const arch = withPlatform && st.platform ? `${st.platform.split('/').slice(1).join('/')} ` : '';
  const where =
    st.index !== undefined
      ? `${st.stage ? `${st.stage} ` : ''}${st.index}/${st.total ?? '?'}`
      : st.internal
        ? 'internal'
        : (st.title.split(' ')[0] ?? '').toLowerCase();
  return { text: `${arch}${where}`, title: st.name, hue: st.order % 8 };
}

/** Build status and each platform lane's state: what the live region reports changes of. */
function statusKey(s: BuildSnapshot): Record<string, string> {
  const key: Record<string, string> = { build: s.status };
  for (const lane of s.lanes) if (lane.kind === 'platform') key[lane.key] = lane.summary.state;
  return key;
}

function describeChange(prev: Record<string, string>, s: BuildSnapshot): string {
  const parts: string[] = [];
  if (prev['build'] !== s.status) {
    if (s.status === 'succeeded') parts.push(`Build succeeded in ${formatDuration(s.result?.durationMs)}.`);
    else if (s.status === 'cancelled') parts.push('Build cancelled.');
    else if (s.status === 'failed') parts.push(`Build failed: ${s.error?.message ?? ''}`);
    else parts.push(`Build ${STATUS_LABEL[s.status].toLowerCase()}.`);
  }
  const platforms = s.lanes.filter((l) => l.kind === 'platform');
  if (platforms.length > 1) {
    for (const lane of platforms) {
      const state = lane.summary.state;
      if (prev[lane.key] !== state && (state === 'failed' || state === 'done')) {
        parts.push(state === 'failed' ? `${lane.key} failed.` : `${lane.key} finished.`);
      }
    }
  }
  return parts.join(' ');
}

/** What changed, in words, for the aria-live region: status and per-platform outcomes, not every step. */
function useAnnouncement(snapshot: BuildSnapshot): string {
  const key = statusKey(snapshot);
  const keyText = JSON.stringify(key);
  const [seen, setSeen] = useState({ text: keyText, key });
  const [message, setMessage] = useState('');
  if (seen.text !== keyText) {
    // Adjusting state while rendering (React's documented pattern): no effect, no extra commit.
    setSeen({ text: keyText, key });
    const said = describeChange(seen.key, snapshot);
    if (said) setMessage(said);
  }
  return message;
}

interface BuildDetailsProps {
  snapshot: BuildSnapshot;
  /** Buttons for the header (cancel, re-run...). */
  actions?: ReactNode;
  /** Where it came from, e.g. "From history" (stored builds). */
  origin?: ReactNode;
  /** Move focus to the title on open, so a screen reader starts at the build (not at <body>). */
  focusTitle?: boolean;
  /** Sections between the lanes and the logs (History: build facts, timing, runs, cache misses). */
  children?: ReactNode;
  /**
   * Where lines held at the core page in from: `builds.logs` for a build this core runs (default),
   * `history.streamLogs` for an attached History record's stream.
   */
  logSource?: LogSource;
}

/** A build, live or stored: header, outcome, lanes, warnings and logs. */
export function BuildDetails({ snapshot, actions, origin, focusTitle = true, children, logSource }: BuildDetailsProps) {
  const [selectedStep, setSelectedStep] = useState<string | undefined>();
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Only when nothing else holds focus (the Start button that opened this view is gone).
    if (focusTitle && (document.activeElement === document.body || document.activeElement === null)) {
      titleRef.current?.focus({ preventScroll: true });
    }
  }, [focusTitle, snapshot.buildId]);
  const searchRef = useRef<HTMLInputElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const now = useNow();
  const announcement = useAnnouncement(snapshot);
  const info = snapshot.info;
  const running = snapshot.status === 'running';
  const elapsed =
    snapshot.result?.durationMs ?? (snapshot.startedAt !== undefined ? now - snapshot.startedAt : undefined);
  const multi = snapshot.lanes.filter((l) => l.kind === 'platform').length > 1;
  const step = selectedStep ? snapshot.steps[selectedStep] : undefined;
  // A long log arrives as its tail; the pages before it are fetched as the view scrolls up.
  const paged = usePagedLog(logSource ?? { buildId: snapshot.buildId }, step?.id, step ? step.logs : snapshot.log);

  // Ctrl/Cmd+F searches the log instead of the page.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (isMod(event) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const showStep = useCallback((id: string) => {
    setSelectedStep((prev) => (prev === id ? undefined : id));
    logRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);

  const labelFor = useCallback(
    (line: LogLine): LineLabel | undefined => stepLineLabel(snapshot.steps[line.step], multi),
    [snapshot.steps, multi],
  );

  const title = info?.tags[0] ?? (info ? baseName(info.contextDir) : snapshot.buildId);
  const command = useMemo(() => (info ? quoteArgv(info.command) : undefined), [info]);
  // Stable across progress batches (`info` is set once), so the memoised header skips them.
  const meta = useMemo(
    () => [
      info ? (
        <span className="mono" title={info.contextDir}>
          {info.contextDir}
        </span>
      ) : (
        'Starting…'
      ),
      info?.target ? (
        <>
          target <span className="mono">{info.target}</span>
        </>
      ) : null,
    ],
    [info],
  );
  const builder = useMemo(() => (info ? { name: info.builder, driver: info.driver } : undefined), [info]);

  return (
    <div
      className={styles.view}
      data-testid="build-view"
      data-build-id={snapshot.buildId}
      data-status={snapshot.status}
    >
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="build-announcer">
        {announcement}
      </p>
      <RunHeader
        status={snapshot.status}
        title={title}
        titleHint={info?.contextDir}
        titleRef={titleRef}
        badge={origin}
        meta={meta}
        builder={builder}
        startedAt={snapshot.startedAt}
        elapsedMs={elapsed}
        running={running}
        elapsedTestId="build-elapsed"
        actions={actions}
      />

      <Outcome snapshot={snapshot} onShowStep={showStep} />

      <Lanes snapshot={snapshot} selectedStep={selectedStep} onSelectStep={showStep} />

      {children}

      <Warnings snapshot={snapshot} />

      <div ref={logRef} className={styles.logWrap}>
        <LogView
          key={step ? step.id : 'all'}
          list={paged.list}
          older={paged.older}
          label={step ? `Log of ${step.title}` : 'Combined build log'}
          labelFor={step ? undefined : labelFor}
          searchRef={searchRef}
          emptyText={
            step
              ? step.state === 'cached'
                ? 'Cached: this step did not run, so it printed nothing.'
                : step.state === 'queued'
                  ? 'Not started yet.'
                  : 'No output from this step.'
              : running
                ? 'Waiting for output…'
                : 'This build printed no output.'
          }
          header={
            <div className={styles.logTabs} role="group" aria-label="Log scope">
              <button
                type="button"
                className={`${styles.logTab} ${step ? '' : styles.logTabOn}`}
                aria-pressed={!step}
                onClick={() => setSelectedStep(undefined)}
              >
                All steps
              </button>
              {step ? (
                <span className={`${styles.logTab} ${styles.logTabOn} ${styles.logTabStep}`} data-testid="log-step-tab">
                  <span className="mono" title={step.name}>
                    {step.platform && multi ? `${step.platform} · ` : ''}
                    {step.title}
                  </span>
                  <button
                    type="button"
                    className={styles.logTabClose}
                    aria-label="Show all steps"
                    onClick={() => setSelectedStep(undefined)}
                  >
                    <X size={11} aria-hidden />
                  </button>
                </span>
              ) : null}
            </div>
          }
        />
      </div>

      {command ? (
        <details className={styles.commandDetails}>
          <summary>
            <Terminal size={13} aria-hidden /> Command
          </summary>
          <div className={styles.commandRow}>
            <code className={styles.commandText}>{command}</code>
            <CopyButton text={command} label="Copy command" />
          </div>
        </details>
      ) : null}
    </div>
  );
}
