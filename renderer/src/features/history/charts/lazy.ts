import { lazy } from 'react';

/** React.lazy wrappers: both come from the one chart chunk, fetched the first time either renders. */
export const LazyTimingChart = lazy(() => import('./index').then((m) => ({ default: m.TimingChart })));
export const LazyRunsChart = lazy(() => import('./index').then((m) => ({ default: m.RunsChart })));
