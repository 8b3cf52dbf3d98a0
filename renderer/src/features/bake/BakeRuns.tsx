import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Boxes, FolderOpen, RotateCw } from 'lucide-react';
import type { BakeHistoryItem } from '../../../../electron/common/contracts/bake';
import type { AppError } from '../../../../electron/common/errors';
import { getBridge } from '../../api/bridge';
import { commandKey, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { baseName, formatDuration } from '../builds/format';
import { StatusIcon } from '../builds/live/BuildDetails';
import { openRecordedBake, rerunRecordedBake } from './bake-actions';
import styles from './Bake.module.css';

/**
 * Recorded bakes, one row per run with its targets inside (each with its result and BuildKit ref).
 * Shown in History (loaded on demand) and on the Bake view; nothing at all when there are none.
 */
export default function BakeRuns({ projectDir, limit = 8 }: { projectDir?: string; limit?: number }) {
  const queryClient = useQueryClient();
  const runs = useCommand('bake.history', { limit, ...(projectDir ? { projectDir } : {}) }, { staleTime: 5_000 });
  const [error, setError] = useState<AppError | undefined>();
  useEffect(
    () =>
      getBridge().on('bake.historyChanged', () => {
        void queryClient.invalidateQueries({ queryKey: commandKey('bake.history') });
      }),
    [queryClient],
  );
  const items = runs.data?.items ?? [];
  if (items.length === 0) return null;

  const rerun = async (item: BakeHistoryItem) => {
    setError(undefined);
    setError(await rerunRecordedBake(item.bakeId, item.projectDir));
  };
  const edit = (item: BakeHistoryItem) => openRecordedBake(item.bakeId, item.projectDir);

  return (
    <section className={styles.card} aria-labelledby="bake-runs-title" data-testid="bake-runs">
      <div className={styles.cardHead}>
        <h2 id="bake-runs-title" className={styles.legend}>
          Bake runs <span className={styles.count}>{runs.data?.total ?? items.length}</span>
        </h2>
      </div>
      {error ? <ErrorState error={error} variant="inline" subject="Re-run" /> : null}
      <ul className={styles.runList}>
        {items.map((item) => (
          <li key={item.bakeId} className={styles.runRow} data-testid="bake-run-row" data-status={item.status}>
            <StatusIcon status={item.status} size={16} />
            <div className={styles.runMain}>
              <p className={styles.runTitle}>
                <Boxes size={13} aria-hidden className={styles.projectIcon} />
                <span title={item.projectDir}>{baseName(item.projectDir)}</span>
                <span className={styles.muted}>
                  on {item.builder} · <RelativeTime ms={item.startedAt} />
                  {item.durationMs !== undefined ? ` · ${formatDuration(item.durationMs)}` : ''}
                </span>
              </p>
              <ul className={styles.runTargets} aria-label="Targets">
                {(item.results.length > 0
                  ? item.results
                  : item.targets.map((t) => ({ target: t, status: item.status, ref: undefined }))
                ).map((t) => (
                  <li
                    key={t.target}
                    className={styles.runTarget}
                    title={t.ref ? `BuildKit record ${t.ref}` : undefined}
                    data-testid="bake-run-target"
                    data-ref={t.ref}
                  >
                    <StatusIcon status={t.status} size={12} />
                    <span className="mono">{t.target}</span>
                  </li>
                ))}
              </ul>
            </div>
            <div className={styles.runActions}>
              <Button
                size="sm"
                variant="ghost"
                onClick={() => void edit(item)}
                icon={<FolderOpen size={13} aria-hidden />}
              >
                Open
              </Button>
              <Button
                size="sm"
                onClick={() => void rerun(item)}
                disabled={item.status === 'running'}
                icon={<RotateCw size={13} aria-hidden />}
                data-testid="bake-rerun"
              >
                Re-run
              </Button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
