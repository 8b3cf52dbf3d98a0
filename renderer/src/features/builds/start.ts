import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { BuildRequestInput } from '../../../../electron/common/contracts/builds';
import type { Result } from '../../../../electron/common/errors';
import { commandKey, invoke } from '../../api/client';
import { rememberRequest, trackBuild } from './live-store';
import { addRecentFolder } from './recent-folders';
import { openBuild } from './ui-store';

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
