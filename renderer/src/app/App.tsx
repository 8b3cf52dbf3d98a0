import { lazy, Suspense, useCallback, useState } from 'react';
import { useLiveInvalidation } from '../api/client';
import { openBakeRun } from '../features/bake/bake-ui';
import { BuildersView } from '../features/builders/BuildersView';
import { BuildsShell } from '../features/builds/BuildsShell';
import { BuildsView } from '../features/builds/BuildsView';
import { CacheView } from '../features/cache/CacheView';
import { HistoryView } from '../features/history/HistoryView';
import { Skeleton } from '../components/Skeleton';
import { SettingsView } from '../features/settings/SettingsView';
import { isViewId, Sidebar, type ViewId } from './Sidebar';
import { useOpenRequests, type OpenRequest } from './use-open-requests';
import { useTheme } from './use-theme';
import styles from './App.module.css';

// Loaded when first shown: bake is a whole feature most sessions never open.
const BakeView = lazy(() => import('../features/bake/BakeView'));

function ViewLoading() {
  return (
    <div className={styles.viewLoading} aria-busy="true">
      <p className="visually-hidden" role="status">
        Loading…
      </p>
      <Skeleton width="30%" height={22} />
      <Skeleton height={160} />
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
        {view === 'builders' ? <BuildersView /> : null}
        {view === 'builds' ? <BuildsView onOpenBuilders={() => setView('builders')} /> : null}
        {view === 'bake' ? (
          <Suspense fallback={<ViewLoading />}>
            <BakeView />
          </Suspense>
        ) : null}
        {view === 'history' ? <HistoryView /> : null}
        {view === 'cache' ? <CacheView /> : null}
        {view === 'settings' ? <SettingsView /> : null}
      </main>
    </div>
  );
}
