import { lazy, Suspense } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { createQueryClient, useLiveInvalidation } from '../api/client';
import { BuildsShell } from '../features/builds/BuildsShell';
import type { ViewId } from './Sidebar';
import { useTheme } from './use-theme';
import { ViewLoading } from './ViewLoading';
import { loadView } from './views';
import styles from './App.module.css';

// Each view is its own chunk, loaded when first shown (app/views.ts).
const BuildersView = lazy(() => loadView('builders').then((m) => ({ default: m.BuildersView })));
const BuildsView = lazy(() => loadView('builds').then((m) => ({ default: m.BuildsView })));
const HistoryView = lazy(() => loadView('history').then((m) => ({ default: m.HistoryView })));
const BakeView = lazy(() => loadView('bake'));
const CacheView = lazy(() => loadView('cache').then((m) => ({ default: m.CacheView })));
const SettingsView = lazy(() => loadView('settings').then((m) => ({ default: m.SettingsView })));

// When this chunk ran, for test/bench/renderer-frames.bench.ts: it must be after the first paint.
performance.mark('builddeck:workspace');

const queryClient = createQueryClient();

/** What needs the core's data: live invalidation, the theme setting, the builds shell, the views. */
function Live() {
  useLiveInvalidation();
  useTheme();
  return null;
}

/**
 * Everything of the window but the sidebar: its own chunk (TanStack Query, the live build store,
 * the build reducer, shortcuts), so the shell paints before any of it has loaded.
 */
export default function Workspace({ view, onNavigate }: { view: ViewId; onNavigate: (view: ViewId) => void }) {
  return (
    <QueryClientProvider client={queryClient}>
      <Live />
      <BuildsShell onNavigate={onNavigate} />
      <main id="main" className={styles.main} tabIndex={-1}>
        <Suspense fallback={<ViewLoading />}>
          {view === 'builders' ? <BuildersView /> : null}
          {view === 'builds' ? <BuildsView onOpenBuilders={() => onNavigate('builders')} /> : null}
          {view === 'bake' ? <BakeView /> : null}
          {view === 'history' ? <HistoryView /> : null}
          {view === 'cache' ? <CacheView /> : null}
          {view === 'settings' ? <SettingsView /> : null}
        </Suspense>
      </main>
    </QueryClientProvider>
  );
}
