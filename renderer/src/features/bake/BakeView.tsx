import { useEffect } from 'react';
import { Boxes, FolderOpen, RotateCw } from 'lucide-react';
import { useQueryClient } from '@tanstack/react-query';
import { getBridge } from '../../api/bridge';
import { commandKey, useCommand } from '../../api/client';
import { setFolderDrop } from '../../app/folder-drop';
import { Button } from '../../components/Button';
import { StatusIcon } from '../builds/live/BuildDetails';
import { baseName, formatDuration } from '../builds/format';
import BakeRuns from './BakeRuns';
import { FolderPicker } from './FolderPicker';
import { openBakeRun, openProject, setPicking, useBakeUi } from './bake-ui';
import { useLiveBakeEvents } from './live-bakes';
import { ProjectPage } from './ProjectPage';
import { NoProject } from './ProjectStates';
import { RunPage } from './RunPage';
import tabStyles from '../builds/BuildsView.module.css';
import styles from './Bake.module.css';

/** The project tab, then this session's bakes (newest first). */
function BakeTabs({ current }: { current: string | undefined }) {
  const projectDir = useBakeUi((s) => s.projectDir);
  const list = useCommand(
    'bake.list',
    {},
    {
      refetchInterval: (q) => (q.state.data?.some((b) => b.status === 'running') ? 3_000 : false),
    },
  );
  return (
    <nav className={tabStyles.tabs} aria-label="Bake runs this session">
      <button
        type="button"
        className={`${tabStyles.tab} ${current === undefined ? tabStyles.tabOn : ''}`}
        aria-current={current === undefined ? 'page' : undefined}
        onClick={() => useBakeUi.setState({ page: { kind: 'project' } })}
        data-testid="tab-project"
      >
        <Boxes size={14} aria-hidden />
        {projectDir ? baseName(projectDir) : 'Project'}
      </button>
      <ul className={tabStyles.tabList}>
        {(list.data ?? []).slice(0, 10).map((b) => (
          <li key={b.bakeId}>
            <button
              type="button"
              className={`${tabStyles.tab} ${b.bakeId === current ? tabStyles.tabOn : ''}`}
              aria-current={b.bakeId === current ? 'page' : undefined}
              title={`${b.projectDir}: ${b.targets.join(', ')} on ${b.builder}`}
              onClick={() => openBakeRun(b.bakeId)}
              data-testid="bake-tab"
              data-status={b.status}
            >
              <StatusIcon status={b.status} size={13} />
              <span className={tabStyles.tabName}>
                {baseName(b.projectDir)} · {b.targets.length === 1 ? b.targets[0] : `${b.targets.length} targets`}
              </span>
              {b.durationMs !== undefined ? (
                <span className={tabStyles.tabMeta}>{formatDuration(b.durationMs)}</span>
              ) : null}
              <span className="visually-hidden">{b.status}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Bake: open a project (picker, drop, recents), pick targets and overrides, watch every target. */
export default function BakeView() {
  const page = useBakeUi((s) => s.page);
  const projectDir = useBakeUi((s) => s.projectDir);
  const picking = useBakeUi((s) => s.picking);
  const queryClient = useQueryClient();
  useLiveBakeEvents();

  // While this view shows, a folder dropped on the window opens as a project.
  useEffect(
    () =>
      setFolderDrop({
        title: 'Drop a folder to open it as a project',
        sub: 'BuildDeck reads its bake or compose file with docker buildx bake.',
        open: (path) => openProject(path),
      }),
    [],
  );
  useEffect(() => {
    const bridge = getBridge();
    const refresh = () => void queryClient.invalidateQueries({ queryKey: commandKey('bake.list') });
    refresh();
    const offStarted = bridge.on('bake.started', refresh);
    const offFinished = bridge.on('bake.finished', refresh);
    return () => {
      offStarted();
      offFinished();
    };
  }, [queryClient]);

  return (
    <div className={tabStyles.shell}>
      <BakeTabs current={page.kind === 'run' ? page.bakeId : undefined} />
      {page.kind === 'run' ? (
        <RunPage key={page.bakeId} bakeId={page.bakeId} />
      ) : (
        <div className={styles.view} data-testid="bake-view">
          <header className={styles.header}>
            <div className={styles.titleBlock}>
              <h1 className={styles.title}>{projectDir ? baseName(projectDir) : 'Bake'}</h1>
              <p className={`${styles.meta} ${projectDir ? 'mono' : ''}`}>
                {projectDir ?? 'Whole projects of images, target by target, platform by platform.'}
              </p>
            </div>
            <div className={styles.headerActions}>
              {projectDir ? (
                <Button
                  variant="ghost"
                  onClick={() => void queryClient.invalidateQueries({ queryKey: commandKey('bake.inspect') })}
                  title="Read the definition again"
                  icon={<RotateCw size={14} aria-hidden />}
                >
                  Reload
                </Button>
              ) : null}
              <Button
                onClick={() => setPicking(true)}
                icon={<FolderOpen size={14} aria-hidden />}
                data-testid="open-folder"
              >
                Open folder…
              </Button>
            </div>
          </header>
          {projectDir ? (
            <ProjectPage key={projectDir} projectDir={projectDir} />
          ) : (
            <>
              <NoProject />
              <BakeRuns />
            </>
          )}
        </div>
      )}
      {picking ? (
        <FolderPicker initialDir={projectDir} onPick={(dir) => openProject(dir)} onClose={() => setPicking(false)} />
      ) : null}
    </div>
  );
}
