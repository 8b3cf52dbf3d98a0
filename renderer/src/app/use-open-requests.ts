import { useEffect } from 'react';
import type { EventPayload } from '../../../electron/common/contract';
import { getBridge } from '../api/bridge';

export type OpenRequest = EventPayload<'app.openRequested'>;

/**
 * The desktop shell (tray item, notification click) asks the window to show a view or a build.
 * Views the sidebar does not have yet are ignored rather than breaking navigation.
 */
export function useOpenRequests(onOpen: (request: OpenRequest) => void): void {
  useEffect(() => getBridge().on('app.openRequested', onOpen), [onOpen]);
}
