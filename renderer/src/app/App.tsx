import { lazy, Suspense, useCallback, useState } from 'react';
import { isViewId, Sidebar, type ViewId } from './Sidebar';
import { useOpenRequests, type OpenRequest } from './use-open-requests';
import { ViewLoading } from './ViewLoading';
import { loadView } from './views';
import styles from './App.module.css';

// The window's first paint is this shell: sidebar and a skeleton, React and nothing else of size
// (issue 14: <= 250 kB of JavaScript before the first paint; test/bench/renderer-bundle.bench.ts).
// The workspace (TanStack Query, live builds, the views) and the view the window opens on are
// fetched in parallel as soon as this module runs.
const INITIAL_VIEW: ViewId = 'builders';
const workspace = import('./Workspace');
void loadView(INITIAL_VIEW);
const Workspace = lazy(() => workspace);

export function App() {
  const [view, setView] = useState<ViewId>(INITIAL_VIEW);
  useOpenRequests(
    useCallback((request: OpenRequest) => {
      if (isViewId(request.view)) setView(request.view);
      // The shell, not the workspace, takes the build a request names: the workspace's chunk may
      // not have run yet (a tray click while the window is still loading), and a request only its
      // listener knew would be lost. The views' stores hold it until their view shows.
      const buildId = request.buildId;
      if (request.view === 'builds' && buildId)
        void import('../features/builds/ui-store').then((m) => m.openBuild(buildId));
      else if (request.view === 'history')
        void import('../features/history/history-ui').then((m) => m.openHistoryEntry(buildId));
      else if (request.view === 'bake' && buildId)
        void import('../features/bake/bake-ui').then((m) => m.openBakeRun(buildId));
    }, []),
  );

  return (
    <div className={styles.shell}>
      <a href="#main" className={styles.skipLink}>
        Skip to content
      </a>
      <Sidebar current={view} onNavigate={setView} />
      <Suspense
        fallback={
          <main id="main" className={styles.main} tabIndex={-1}>
            <ViewLoading />
          </main>
        }
      >
        <Workspace view={view} onNavigate={setView} />
      </Suspense>
    </div>
  );
}
