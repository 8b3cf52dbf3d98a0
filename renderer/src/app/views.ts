import type { ViewId } from './Sidebar';

/**
 * Each view's chunk. One function so the shell can start fetching the view the window opens on
 * while the workspace chunk is still on its way (no waterfall), and the workspace's React.lazy gets
 * the same promise.
 */
const loaders = {
  builders: () => import('../features/builders/BuildersView'),
  builds: () => import('../features/builds/BuildsView'),
  history: () => import('../features/history/HistoryView'),
  bake: () => import('../features/bake/BakeView'),
  cache: () => import('../features/cache/CacheView'),
  settings: () => import('../features/settings/SettingsView'),
} satisfies Record<ViewId, () => Promise<unknown>>;

type Loaders = typeof loaders;

export function loadView<V extends ViewId>(view: V): ReturnType<Loaders[V]> {
  return loaders[view]() as ReturnType<Loaders[V]>;
}
