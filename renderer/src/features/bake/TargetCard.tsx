import { useState } from 'react';
import { Layers, TriangleAlert } from 'lucide-react';
import type { BakeProject, BakeTarget } from '../../../../electron/common/contracts/bake';
import { setBakeDraft, type BakeDraft } from './bake-ui';
import { baseName } from '../builds/format';
import bakeStyles from './Bake.module.css';
import styles from './TargetCard.module.css';

// A project's targets and groups: what each builds, and picking which of them the run builds.

function Chips({ values, mono = true }: { values: string[]; mono?: boolean }) {
  if (values.length === 0) return <span className={bakeStyles.muted}>—</span>;
  return (
    <span className={styles.chips}>
      {values.map((v) => (
        <span key={v} className={`${bakeStyles.smallChip} ${mono ? 'mono' : ''}`}>
          {v}
        </span>
      ))}
    </span>
  );
}

function TargetDetails({ t }: { t: BakeTarget }) {
  const rows: [string, React.ReactNode][] = [
    [
      'Context',
      <span className="mono" key="c" title={t.contextPath}>
        {t.context}
      </span>,
    ],
    [
      'Dockerfile',
      t.dockerfileInline ? (
        'inline (in the definition)'
      ) : (
        <span className="mono" key="d">
          {t.dockerfile ?? 'Dockerfile'}
        </span>
      ),
    ],
    [
      'Stage',
      t.target ? (
        <span className="mono" key="s">
          {t.target}
        </span>
      ) : (
        <span className={bakeStyles.muted} key="s">
          last stage
        </span>
      ),
    ],
    ['Platforms', <Chips key="p" values={t.platforms} />],
    ['Tags', <Chips key="t" values={t.tags} />],
    ['Args', <Chips key="a" values={Object.entries(t.args).map(([k, v]) => `${k}=${v}`)} />],
    ['Cache from', <Chips key="cf" values={t.cacheFrom} />],
    ['Cache to', <Chips key="ct" values={t.cacheTo} />],
    [
      'Outputs',
      t.outputsUnread ? (
        // buildx < 0.30 creates output files when it only reads a definition: not read until a start.
        <span className={bakeStyles.muted} key="o">
          read at start: buildx before 0.30 creates output files when it only reads a definition
        </span>
      ) : (
        <Chips key="o" values={t.outputs} />
      ),
    ],
  ];
  if (Object.keys(t.labels).length > 0)
    rows.push(['Labels', <Chips key="l" values={Object.entries(t.labels).map(([k, v]) => `${k}=${v}`)} />]);
  if (t.secrets.length > 0) rows.push(['Secrets', <Chips key="se" values={t.secrets} />]);
  if (t.ssh.length > 0) rows.push(['SSH', <Chips key="ss" values={t.ssh} />]);
  if (t.network) rows.push(['Network', t.network]);
  if (t.noCache || t.pull)
    rows.push([
      'Flags',
      <Chips key="f" mono={false} values={[t.noCache ? 'no cache' : '', t.pull ? 'pull' : ''].filter(Boolean)} />,
    ]);
  return (
    <dl className={styles.targetFacts}>
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function TargetCard({
  t,
  selected,
  inRun,
  onToggle,
}: {
  t: BakeTarget;
  /** Picked by name. */
  selected: boolean;
  /** Built by the run as the form stands (picked, in a picked group, or in the default group). */
  inRun: boolean;
  onToggle: () => void;
}) {
  const [open, setOpen] = useState(false);
  const id = `bake-target-${t.name}`;
  return (
    <li
      className={`${styles.targetCard} ${inRun ? styles.targetOn : ''} ${t.problem ? styles.targetProblem : ''}`}
      data-testid="bake-target"
      data-target={t.name}
      data-in-run={inRun || undefined}
    >
      <div className={styles.targetHead}>
        <label className={styles.targetCheck}>
          <input type="checkbox" checked={selected} onChange={onToggle} aria-describedby={`${id}-sum`} />
          <span className={`${styles.targetName} mono`}>{t.name}</span>
        </label>
        <span id={`${id}-sum`} className={styles.targetSummary}>
          {t.target ? <span className={bakeStyles.smallChip}>stage {t.target}</span> : null}
          {t.platforms.length > 0 ? (
            <span className={bakeStyles.smallChip}>
              {t.platforms.length === 1 ? t.platforms[0] : `${t.platforms.length} platforms`}
            </span>
          ) : null}
          {t.tags[0] ? (
            <span className={`${bakeStyles.smallChip} mono`}>
              {t.tags[0]}
              {t.tags.length > 1 ? ` +${t.tags.length - 1}` : ''}
            </span>
          ) : null}
        </span>
        <button
          type="button"
          className={bakeStyles.linkButton}
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide' : 'Details'}
        </button>
      </div>
      {t.description ? <p className={styles.targetDescription}>{t.description}</p> : null}
      {t.problem ? (
        <p className={styles.targetProblemText} role="note">
          <TriangleAlert size={13} aria-hidden /> {t.problem.message}
          {t.problem.file ? (
            <span className="mono">
              {' '}
              ({baseName(t.problem.file)}
              {t.problem.line ? `:${t.problem.line}` : ''})
            </span>
          ) : null}
        </p>
      ) : null}
      {open ? (
        <div id={id}>
          <TargetDetails t={t} />
        </div>
      ) : null}
    </li>
  );
}

export function Groups({ project, draft }: { project: BakeProject; draft: BakeDraft }) {
  if (project.groups.length === 0) return null;
  return (
    <section className={bakeStyles.card} aria-labelledby="bake-groups">
      <h2 id="bake-groups" className={bakeStyles.legend}>
        Groups
      </h2>
      <ul className={bakeStyles.groupList}>
        {project.groups.map((g) => {
          const on = draft.targets.length === 1 && draft.targets[0] === g.name;
          return (
            <li key={g.name}>
              <button
                type="button"
                className={`${bakeStyles.groupButton} ${on ? bakeStyles.groupOn : ''}`}
                aria-pressed={on}
                onClick={() => setBakeDraft((d) => ({ ...d, targets: on ? [] : [g.name] }))}
                data-testid="bake-group"
              >
                <Layers size={14} aria-hidden />
                <span className="mono">{g.name}</span>
                <span className={bakeStyles.muted}>{g.targets.join(', ')}</span>
              </button>
              {g.description ? <p className={styles.targetDescription}>{g.description}</p> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Which targets a run would build: those picked, a picked group's, or the default group's. */
export function runTargets(project: BakeProject, picked: string[]): string[] {
  if (picked.length === 0) return project.defaultTargets;
  return [...new Set(picked.flatMap((n) => project.groups.find((g) => g.name === n)?.targets ?? [n]))];
}
