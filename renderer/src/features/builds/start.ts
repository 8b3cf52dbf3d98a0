import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { BuildRequestInput } from '../../../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../../../electron/common/contracts/history';
import type { Result } from '../../../../electron/common/errors';
import { commandKey, invoke } from '../../api/client';
import { rememberRequest, trackBuild } from './live-store';
import { addRecentFolder } from './recent-folders';
import { requestToDraft, rowId } from './new/form-model';
import { openBuild, openNewBuild } from './ui-store';

/**
 * Starts a build and opens its live view. One path for the form, re-run, the shortcut and History,
 * all through `builds.start`.
 */
export function useStartBuild(): (request: BuildRequestInput) => Promise<Result<{ buildId: string }>> {
  const queryClient = useQueryClient();
  return useCallback(
    async (request: BuildRequestInput) => {
      const result = await invoke('builds.start', request);
      if (result.ok) {
        const { buildId } = result.value;
        rememberRequest(buildId, request);
        trackBuild(buildId);
        addRecentFolder(request.contextDir);
        openBuild(buildId);
        void queryClient.invalidateQueries({ queryKey: commandKey('builds.list') });
      }
      return result;
    },
    [queryClient],
  );
}

/** What a re-run needs from a stored build: its request and the ids of the secrets it used. */
export type RerunSource = Pick<HistoryEntry, 'request' | 'secretIds'>;

/**
 * Re-runs a build recorded in history. History keeps a request without its secrets (ids only):
 * such a build opens in the form with the secret ids filled in, to be given their sources again.
 */
export function useRerunEntry(): (entry: RerunSource) => Promise<Result<{ buildId: string } | { needsSecrets: true }>> {
  const start = useStartBuild();
  return useCallback(
    async (entry: RerunSource) => {
      if (entry.secretIds.length > 0) {
        openNewBuild(
          {
            ...requestToDraft(entry.request),
            secrets: entry.secretIds.map((id) => ({ id: rowId(), secretId: id, source: 'file' as const, ref: '' })),
          },
          {
            notice: {
              tone: 'info',
              text: `This build used ${entry.secretIds.length === 1 ? 'a secret' : `${entry.secretIds.length} secrets`} (${entry.secretIds.join(', ')}). BuildDeck never stores where secrets come from: give each one's file or variable, then start.`,
            },
          },
        );
        return { ok: true, value: { needsSecrets: true } };
      }
      return start(entry.request);
    },
    [start],
  );
}
