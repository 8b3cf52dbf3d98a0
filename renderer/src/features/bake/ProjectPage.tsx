import { useEffect, useMemo } from 'react';
import { appErrorOf, useCommand } from '../../api/client';
import { setBakeDraft, useBakeUi } from './bake-ui';
import BakeRuns from './BakeRuns';
import { DefinitionError, ProjectSkeleton } from './ProjectStates';
import { addRecentProject } from './recent-projects';
import { RunForm } from './RunForm';
import { Groups, runTargets, TargetCard } from './TargetCard';
import styles from './Bake.module.css';

/** An open project: groups, targets (pick which to run) and the run form. */
export function ProjectPage({ projectDir }: { projectDir: string }) {
  const draft = useBakeUi((s) => s.draft);
  const inspect = useCommand(
    'bake.inspect',
    { projectDir },
    { staleTime: 30_000, refetchOnWindowFocus: false, retry: false },
  );
  useEffect(() => {
    if (inspect.data) addRecentProject(projectDir);
  }, [inspect.data, projectDir]);
  const project = inspect.data;
  const picked = useMemo(() => new Set(draft.targets), [draft.targets]);
  if (inspect.isPending) return <ProjectSkeleton />;
  if (inspect.isError)
    return (
      <DefinitionError
        error={appErrorOf(inspect.error)}
        onRetry={() => void inspect.refetch()}
        retrying={inspect.isFetching}
      />
    );
  if (!project) return null;
  const toggle = (name: string) =>
    setBakeDraft((d) => {
      const withoutGroups = d.targets.filter((t) => !project.groups.some((g) => g.name === t));
      return { ...d, targets: picked.has(name) ? withoutGroups.filter((t) => t !== name) : [...withoutGroups, name] };
    });
  const inRun = new Set(runTargets(project, draft.targets));
  return (
    <div className={styles.projectLayout} data-testid="bake-project">
      <div className={styles.column}>
        <Groups project={project} draft={draft} />
        <section className={styles.card} aria-labelledby="bake-targets">
          <div className={styles.cardHead}>
            <h2 id="bake-targets" className={styles.legend}>
              Targets <span className={styles.count}>{project.targets.length}</span>
            </h2>
            {draft.targets.length > 0 ? (
              <button
                type="button"
                className={styles.linkButton}
                onClick={() => setBakeDraft((d) => ({ ...d, targets: [] }))}
              >
                Back to the default group
              </button>
            ) : null}
          </div>
          <p className={styles.hintText}>
            {draft.targets.length === 0
              ? project.defaultTargets.length > 0
                ? `None picked: the run builds the default group (${project.defaultTargets.join(', ')}). Tick targets to build only those.`
                : 'This project has no default group: tick the targets to build, or pick a group.'
              : 'Only the ticked targets (or the picked group) are built.'}
          </p>
          {project.targets.length === 0 ? (
            <p className={styles.muted}>The definition has no targets.</p>
          ) : (
            <ul className={styles.targetList}>
              {project.targets.map((t) => (
                <TargetCard
                  key={t.name}
                  t={t}
                  selected={picked.has(t.name)}
                  inRun={inRun.has(t.name)}
                  onToggle={() => toggle(t.name)}
                />
              ))}
            </ul>
          )}
          {!project.complete ? (
            <p className={styles.hintText}>
              buildx before 0.20 lists only the default group; name other targets in Overrides or upgrade buildx.
            </p>
          ) : null}
        </section>
        <BakeRuns projectDir={project.projectDir} limit={5} />
      </div>
      <RunForm project={project} />
    </div>
  );
}
