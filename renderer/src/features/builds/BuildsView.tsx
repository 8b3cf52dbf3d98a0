import { Plus } from 'lucide-react';
import type { BuildListItem } from '../../../../electron/common/contracts/builds';
import { useCommand } from '../../api/client';
import { baseName, formatDuration } from './format';
import { StatusIcon } from './live/BuildDetails';
import { BuildView } from './live/BuildView';
import { NewBuildView } from './new/NewBuildView';
import { chord } from './shortcuts';
import { openBuild, openNewBuild, useBuildsUi } from './ui-store';
import styles from './BuildsView.module.css';

function tabLabel(b: BuildListItem): string {
  return baseName(b.contextDir);
}

/** This session's builds as tabs (running first in time order), plus "New build". */
function BuildTabs({ current }: { current: string | undefined }) {
  const list = useCommand(
    'builds.list',
    {},
    { refetchInterval: (q) => (q.state.data?.some((b) => b.status === 'running') ? 5_000 : false) },
  );
  const builds = list.data ?? [];
  return (
    <nav className={styles.tabs} aria-label="Builds this session">
      <button
        type="button"
        className={`${styles.tab} ${styles.newTab} ${current === undefined ? styles.tabOn : ''}`}
        aria-current={current === undefined ? 'page' : undefined}
        title={`New build (${chord('B')})`}
        aria-keyshortcuts="Control+B Meta+B"
        onClick={() => openNewBuild()}
        data-testid="tab-new-build"
      >
        <Plus size={14} aria-hidden />
        New build
      </button>
      <ul className={styles.tabList}>
        {builds.slice(0, 12).map((b) => (
          <li key={b.buildId}>
            <button
              type="button"
              className={`${styles.tab} ${b.buildId === current ? styles.tabOn : ''}`}
              aria-current={b.buildId === current ? 'page' : undefined}
              title={`${b.contextDir} on ${b.builder}${b.tags.length > 0 ? ` → ${b.tags.join(', ')}` : ''}`}
              onClick={() => openBuild(b.buildId)}
              data-testid="build-tab"
              data-status={b.status}
            >
              <StatusIcon status={b.status} size={13} />
              <span className={styles.tabName}>{tabLabel(b)}</span>
              {b.durationMs !== undefined ? (
                <span className={styles.tabMeta}>{formatDuration(b.durationMs)}</span>
              ) : null}
              <span className="visually-hidden">{b.status}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function BuildsView({ onOpenBuilders }: { onOpenBuilders: () => void }) {
  const page = useBuildsUi((s) => s.page);
  const current = page.kind === 'build' ? page.buildId : undefined;
  return (
    <div className={styles.shell}>
      <BuildTabs current={current} />
      {page.kind === 'new' ? (
        <NewBuildView onOpenBuilders={onOpenBuilders} />
      ) : (
        <BuildView key={page.buildId} buildId={page.buildId} />
      )}
    </div>
  );
}
