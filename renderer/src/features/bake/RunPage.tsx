import { useCallback, useMemo, useRef, useState } from 'react';
import { Octagon, Pencil, RotateCw, X } from 'lucide-react';
import type { BakeSnapshot, BakeSummary } from '../../../../electron/common/contracts/bake';
import type { BuildSnapshot, LogLine } from '../../../../electron/common/contracts/builds';
import type { AppError } from '../../../../electron/common/errors';
import { bakeTargetNames, summarizeBake } from '../../../../electron/common/progress';
import { invoke } from '../../api/client';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { useNow } from '../../lib/use-now';
import { baseName, formatDuration, percent, shortDigest } from '../builds/format';
import { RunHeader, StatusBadge, StatusIcon, stepLineLabel } from '../builds/live/BuildDetails';
import { Lanes } from '../builds/live/Lanes';
import { Outcome, Warnings } from '../builds/live/Outcome';
import { useCancel } from '../builds/live/use-cancel';
import { LogView, type LineLabel, type LogViewProps } from '../builds/logs/LogView';
import { usePagedLog } from '../builds/logs/paged-log';
import { useCancelShortcut } from '../builds/shortcuts';
import buildStyles from '../builds/live/BuildView.module.css';
import outcomeStyles from '../builds/live/Outcome.module.css';
import tones from '../builds/live/status-tones.module.css';
import { bakeRequestToDraft, openBakeRun, openProject } from './bake-ui';
import { rememberBakeRequest, trackBake, useLiveBake, useLiveBakes } from './live-bakes';
import formStyles from '../builds/new/NewBuild.module.css';
import bakeStyles from './Bake.module.css';
import styles from './RunPage.module.css';

type TargetSummary = BakeSummary['targets'][number];

/** A target's section: header with its result, the failure when it failed, its per-platform lanes. */
function TargetSection({
  name,
  snapshot,
  summary,
  stage,
  selectedStep,
  onSelectStep,
}: {
  name: string;
  snapshot: BuildSnapshot | undefined;
  summary: TargetSummary;
  stage: string | undefined;
  selectedStep: string | undefined;
  onSelectStep: (target: string, step: string) => void;
}) {
  const now = useNow();
  const select = useCallback((step: string) => onSelectStep(name, step), [name, onSelectStep]);
  const steps = summary.platforms.reduce((n, p) => n + p.steps, 0);
  const cached = summary.platforms.reduce((n, p) => n + p.cachedSteps, 0);
  const running = snapshot?.status === 'running';
  // bake ends its targets together, so a finished target shows how long BuildKit worked on it
  // (first step started to last step done), not the whole bake's time.
  const elapsed = running && snapshot?.startedAt !== undefined ? now - snapshot.startedAt : workSpan(snapshot);
  const stopped = snapshot?.messages.find((m) => m.startsWith('Stopped when'));
  // bake ends every target together: one whose steps are all done waits for the others.
  const waiting =
    running &&
    snapshot !== undefined &&
    snapshot.lanes.length > 0 &&
    snapshot.lanes.every((l) => l.summary.state === 'done');
  return (
    <section
      id={`bake-section-${name}`}
      className={`${styles.section} ${styles[`section_${snapshot?.status ?? 'running'}`] ?? ''}`}
      aria-labelledby={`bake-section-title-${name}`}
      data-testid="bake-section"
      data-target={name}
      data-status={snapshot?.status ?? 'running'}
    >
      <header className={styles.sectionHeader}>
        <StatusIcon status={snapshot?.status ?? 'running'} size={18} />
        <h2 id={`bake-section-title-${name}`} className={`${styles.sectionTitle} mono`}>
          {name}
        </h2>
        {stage ? <span className={bakeStyles.smallChip}>stage {stage}</span> : null}
        <StatusBadge status={snapshot?.status ?? 'running'} />
        <span className={styles.sectionStats} data-testid="bake-section-summary">
          {steps} steps · {cached} cached ({percent(steps > 0 ? cached / steps : null)}) ·{' '}
          <span title={running ? 'Since the bake started' : 'From its first step to its last'}>
            {formatDuration(elapsed ?? summary.durationMs, { whole: running })}
          </span>
        </span>
        {summary.digest ? (
          <span className={styles.sectionDigest}>
            <code title={summary.digest}>sha256:{shortDigest(summary.digest)}…</code>
            <CopyButton text={summary.digest} label={`Copy the digest of ${name}`} />
          </span>
        ) : null}
      </header>
      {stopped ? <p className={styles.stoppedNote}>{stopped} BuildKit stopped this target’s remaining steps.</p> : null}
      {waiting ? (
        <p className={styles.stoppedNote} data-testid="bake-section-waiting">
          Every step of this target is done; the bake finishes when all its targets have.
        </p>
      ) : null}
      {snapshot && snapshot.status === 'failed' ? <Outcome snapshot={snapshot} onShowStep={select} /> : null}
      {snapshot ? (
        <Lanes snapshot={snapshot} selectedStep={selectedStep} onSelectStep={select} />
      ) : (
        <p className={bakeStyles.muted}>Waiting for BuildKit…</p>
      )}
    </section>
  );
}

/** One line per target under the header: what happened to each, a link to its section. */
function TargetStrip({ summary, snapshot }: { summary: BakeSummary; snapshot: BakeSnapshot }) {
  return (
    <ol className={styles.strip} aria-label="Targets" data-testid="bake-strip">
      {summary.targets.map((t) => {
        const status = snapshot.targets[t.target]?.status ?? 'running';
        const steps = t.platforms.reduce((n, p) => n + p.steps, 0);
        const cached = t.platforms.reduce((n, p) => n + p.cachedSteps, 0);
        return (
          <li key={t.target}>
            <a
              href={`#bake-section-${t.target}`}
              className={`${styles.stripItem} ${styles[`strip_${status}`] ?? ''}`}
              data-testid="bake-strip-item"
              data-status={status}
            >
              <StatusIcon status={status} size={14} />
              <span className={`${styles.stripName} mono`}>{t.target}</span>
              <span className={styles.stripMeta}>
                {t.platforms.length > 1 ? `${t.platforms.length} platforms · ` : ''}
                {steps} steps · {cached} cached
              </span>
            </a>
          </li>
        );
      })}
    </ol>
  );
}

function BakeOutcome({ snapshot, summary }: { snapshot: BakeSnapshot; summary: BakeSummary }) {
  if (!snapshot.result) return null;
  const failed = summary.targets.filter((t) => !t.ok && !t.cancelled);
  const built = summary.targets.filter((t) => t.ok);
  const tone = summary.cancelled
    ? outcomeStyles.outcomeCancelled
    : summary.ok
      ? outcomeStyles.outcomeOk
      : outcomeStyles.outcomeFailed;
  const title = summary.cancelled
    ? `Cancelled after ${formatDuration(summary.durationMs)}`
    : summary.ok
      ? `Baked ${summary.targets.length} ${summary.targets.length === 1 ? 'target' : 'targets'} in ${formatDuration(summary.durationMs)}`
      : `${failed.length > 0 ? `${failed.map((t) => t.target).join(', ')} failed` : 'The bake failed'} after ${formatDuration(summary.durationMs)}`;
  return (
    <section
      className={`${outcomeStyles.outcome} ${tone}`}
      aria-label="Result"
      data-testid="bake-result"
      data-status={snapshot.status}
    >
      <StatusIcon status={snapshot.status} size={20} />
      <div className={outcomeStyles.outcomeMain}>
        <p className={outcomeStyles.outcomeTitle}>{title}</p>
        <p className={outcomeStyles.outcomeSub}>
          {summary.cancelled
            ? `${built.length} of ${summary.targets.length} targets had finished; BuildKit stopped the rest.`
            : `${built.length} of ${summary.targets.length} targets built${failed.length > 0 && built.length < summary.targets.length - failed.length ? `; ${summary.targets.length - failed.length - built.length} stopped when ${failed[0]?.target ?? 'a target'} failed` : ''}.`}
        </p>
        {!summary.ok && !summary.cancelled && failed.length === 0 && summary.error ? (
          <pre className={bakeStyles.definitionMessage}>{summary.error}</pre>
        ) : null}
      </div>
    </section>
  );
}

/** From the first step's start to the last step's end (BuildKit's own timestamps). */
function workSpan(snapshot: BuildSnapshot | undefined): number | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const st of Object.values(snapshot?.steps ?? {})) {
    if (st.startedAt !== undefined) first = Math.min(first, st.startedAt);
    if (st.completedAt !== undefined) last = Math.max(last, st.completedAt);
  }
  return first === Infinity || last === -Infinity ? undefined : Math.max(0, last - first);
}

/** A bake, live or finished: one section per target with its lanes, a summary per target, one result. */
export function RunPage({ bakeId }: { bakeId: string }) {
  const tracked = useLiveBake(bakeId);
  const request = useLiveBakes((s) => s.requests[bakeId]);
  const snapshot = tracked?.snapshot;
  const running = snapshot?.status === 'running';
  const { cancelling, cancel, error: cancelError } = useCancel(() => invoke('bake.cancel', { bakeId }), running);
  const [selected, setSelected] = useState<{ target: string; step?: string } | undefined>();
  const [rerunError, setRerunError] = useState<AppError | undefined>();
  const now = useNow();
  const logRef = useRef<HTMLDivElement>(null);
  useCancelShortcut(cancel);
  const onSelectStep = useCallback((target: string, step: string) => {
    setSelected((prev) => (prev?.target === target && prev.step === step ? { target } : { target, step }));
    logRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);
  const summary = useMemo(() => (snapshot ? summarizeBake(snapshot) : undefined), [snapshot]);

  if (!snapshot || !summary) {
    if (tracked?.error)
      return <ErrorState error={tracked.error} onRetry={() => trackBake(bakeId)} retrying={tracked.loading} />;
    return (
      <div className={styles.runLoading} aria-busy="true" data-testid="bake-loading">
        <p className="visually-hidden" role="status">
          Loading the bake…
        </p>
        <Skeleton width="40%" height={22} />
        <Skeleton height={48} />
        <Skeleton height={200} />
      </div>
    );
  }

  const info = snapshot.info;
  const names = bakeTargetNames(snapshot);
  const logTarget = selected?.target ?? names[0];
  const logSnapshot = logTarget ? snapshot.targets[logTarget] : undefined;
  const step = selected?.step && logSnapshot ? logSnapshot.steps[selected.step] : undefined;
  const elapsed =
    snapshot.result?.durationMs ?? (snapshot.startedAt !== undefined ? now - snapshot.startedAt : undefined);
  const labelFor = (line: LogLine): LineLabel | undefined => {
    const st = logSnapshot?.steps[line.step];
    // A bake target's lines always name their platform: several targets may build different ones.
    return stepLineLabel(st, true);
  };
  const rerun = async () => {
    if (!request) return;
    setRerunError(undefined);
    const r = await invoke('bake.start', request);
    if (!r.ok) return setRerunError(r.error);
    rememberBakeRequest(r.value.bakeId, request);
    trackBake(r.value.bakeId);
    openBakeRun(r.value.bakeId);
  };

  return (
    <div className={styles.run} data-testid="bake-run" data-bake-id={bakeId} data-status={snapshot.status}>
      <p className="visually-hidden" role="status" aria-live="polite">
        {snapshot.result
          ? summary.ok
            ? 'Bake succeeded.'
            : summary.cancelled
              ? 'Bake cancelled.'
              : `Bake failed: ${summary.error ?? ''}`
          : ''}
      </p>
      <RunHeader
        status={snapshot.status}
        title={
          <>
            {info ? baseName(info.projectDir) : 'Bake'}
            {info && info.requested.length > 0 ? (
              <span className={tones.muted}> · {info.requested.join(', ')}</span>
            ) : null}
          </>
        }
        titleHint={info?.projectDir}
        meta={[info ? <span className="mono">{info.projectDir}</span> : null]}
        builder={info ? { name: info.builder, driver: info.driver } : undefined}
        startedAt={snapshot.startedAt}
        elapsedMs={elapsed}
        running={running}
        elapsedTestId="bake-elapsed"
        actions={
          running ? (
            <Button
              variant="secondary"
              className={buildStyles.cancel}
              onClick={() => void cancel()}
              disabled={cancelling}
              aria-keyshortcuts="Escape Control+. Meta+."
              title="Cancel every target (Esc)"
              data-testid="cancel-bake"
              icon={<Octagon size={14} aria-hidden />}
            >
              {cancelling ? 'Cancelling…' : 'Cancel bake'}
            </Button>
          ) : (
            <>
              {info ? (
                <Button
                  variant="ghost"
                  onClick={() => openProject(info.projectDir, request ? bakeRequestToDraft(request) : undefined)}
                  icon={<Pencil size={14} aria-hidden />}
                >
                  Edit
                </Button>
              ) : null}
              {request ? (
                <Button
                  variant="primary"
                  onClick={() => void rerun()}
                  icon={<RotateCw size={14} aria-hidden />}
                  data-testid="rerun-bake"
                >
                  Re-run
                </Button>
              ) : null}
            </>
          )
        }
      />
      {cancelError ? <ErrorState error={cancelError} variant="inline" subject="Cancel" /> : null}
      {rerunError ? <ErrorState error={rerunError} variant="inline" subject="Re-run" /> : null}

      <BakeOutcome snapshot={snapshot} summary={summary} />
      <TargetStrip summary={summary} snapshot={snapshot} />
      <Warnings snapshot={snapshot.general} />

      {names.map((name) => (
        <TargetSection
          key={name}
          name={name}
          snapshot={snapshot.targets[name]}
          summary={summary.targets.find((t) => t.target === name) as TargetSummary}
          stage={info?.targets.find((t) => t.name === name)?.target}
          selectedStep={selected?.target === name ? selected.step : undefined}
          onSelectStep={onSelectStep}
        />
      ))}

      <div ref={logRef} className={buildStyles.logWrap}>
        {logSnapshot ? (
          <TargetLog
            key={`${logTarget ?? ''}:${step?.id ?? 'all'}`}
            bakeId={bakeId}
            target={logTarget ?? ''}
            step={step?.id}
            list={step ? step.logs : logSnapshot.log}
            label={step ? `Log of ${step.title} (${logTarget ?? ''})` : `Log of target ${logTarget ?? ''}`}
            labelFor={step ? undefined : labelFor}
            emptyText={
              running
                ? 'Waiting for output…'
                : step?.state === 'cached'
                  ? 'Cached: this step did not run, so it printed nothing.'
                  : 'No output.'
            }
            header={
              <div className={buildStyles.logTabs} role="group" aria-label="Log scope">
                <label className={styles.logTarget}>
                  <span className="visually-hidden">Target</span>
                  <select
                    className={formStyles.select}
                    value={logTarget}
                    onChange={(e) => setSelected({ target: e.target.value })}
                    data-testid="log-target"
                  >
                    {names.map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                </label>
                {step ? (
                  <span className={`${buildStyles.logTab} ${buildStyles.logTabOn} ${buildStyles.logTabStep}`}>
                    <span className="mono" title={step.name}>
                      {step.platform ? `${step.platform} · ` : ''}
                      {step.title}
                    </span>
                    <button
                      type="button"
                      className={buildStyles.logTabClose}
                      aria-label="Show all steps"
                      onClick={() => setSelected(logTarget ? { target: logTarget } : undefined)}
                    >
                      <X size={11} aria-hidden />
                    </button>
                  </span>
                ) : (
                  <span className={`${buildStyles.logTab} ${buildStyles.logTabOn}`}>All steps</span>
                )}
              </div>
            }
          />
        ) : null}
      </div>
    </div>
  );
}

/**
 * A target's log (or one step's). A flood of output reaches the window as each target's tail; the
 * earlier lines stay at the core and are paged in with `bake.logs` as the view scrolls up.
 */
function TargetLog({
  bakeId,
  target,
  step,
  list,
  ...view
}: Omit<LogViewProps, 'older'> & { bakeId: string; target: string; step: string | undefined }) {
  const paged = usePagedLog({ bakeId, target }, step, list);
  return <LogView {...view} list={paged.list} older={paged.older} />;
}
