import { lazy, Suspense, useCallback, useState } from 'react';
import { useLiveInvalidation } from '../api/client';
import { openBakeRun } from '../features/bake/bake-ui';
import { Skeleton } from '../components/Skeleton';
import { BuildsShell } from '../features/builds/BuildsShell';
import { isViewId, Sidebar, type ViewId } from './Sidebar';
import { useOpenRequests, type OpenRequest } from './use-open-requests';
import { useTheme } from './use-theme';
import styles from './App.module.css';

// Each view is its own chunk, loaded when first shown: the window's first paint waits only for the
// shell (sidebar, live build strip) and the view it opens on, not for every view's code
// (issue 14: <= 250 kB of JavaScript before the first paint; test/bench/renderer-bundle.bench.ts).
const BuildersView = lazy(() => import('../features/builders/BuildersView').then((m) => ({ default: m.BuildersView })));
const BuildsView = lazy(() => import('../features/builds/BuildsView').then((m) => ({ default: m.BuildsView })));
const HistoryView = lazy(() => import('../features/history/HistoryView').then((m) => ({ default: m.HistoryView })));
const BakeView = lazy(() => import('../features/bake/BakeView'));
const CacheView = lazy(() => import('../features/cache/CacheView').then((m) => ({ default: m.CacheView })));
const SettingsView = lazy(() => import('../features/settings/SettingsView').then((m) => ({ default: m.SettingsView })));

/** A view's code on its way (a local file: a frame or two); placeholders instead of a blank pane. */
function ViewLoading() {
  return (
    <div aria-busy="true" className={styles.viewLoading}>
      <span className="visually-hidden" role="status">
        Loading…
      </span>
      <Skeleton width="30%" height={22} />
      <Skeleton width="80%" />
      <Skeleton width="65%" />
    </div>
  );
}

export function App() {
  const [view, setView] = useState<ViewId>('builders');
  useLiveInvalidation();
  useTheme();
  useOpenRequests(
    useCallback((request: OpenRequest) => {
      if (isViewId(request.view)) setView(request.view);
      // A tray re-run of a bake: show that run once the Bake view has loaded.
      if (request.view === 'bake' && request.buildId) openBakeRun(request.buildId);
    }, []),
  );

  return (
    <div className={styles.shell}>
      <a href="#main" className={styles.skipLink}>
        Skip to content
      </a>
      <Sidebar current={view} onNavigate={setView} />
      <BuildsShell onNavigate={setView} />
      <main id="main" className={styles.main} tabIndex={-1}>
        <Suspense fallback={<ViewLoading />}>
          {view === 'builders' ? <BuildersView /> : null}
          {view === 'builds' ? <BuildsView onOpenBuilders={() => setView('builders')} /> : null}
          {view === 'bake' ? <BakeView /> : null}
          {view === 'history' ? <HistoryView /> : null}
          {view === 'cache' ? <CacheView /> : null}
          {view === 'settings' ? <SettingsView /> : null}
        </Suspense>
      </main>
    </div>
  );
}
