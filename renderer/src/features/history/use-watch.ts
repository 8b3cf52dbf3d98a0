import { useEffect } from 'react';
import { invoke } from '../../api/client';

const LEASE_S = 60;

/**
 * While a History page is on screen, keeps the core polling BuildKit often (a build started in a
 * terminal shows as running within 2 s); the lease is renewed before it ends and simply lapses
 * when the page closes, so a hidden window costs nothing.
 */
export function useWatchLease(): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const renew = async () => {
      const result = await invoke('history.watch', { seconds: LEASE_S });
      if (stopped) return;
      // Renew a little before the end; after a failure (core restarting) try again soon.
      const wait = result.ok ? Math.max(5_000, result.value.until - Date.now() - 10_000) : 10_000;
      timer = setTimeout(() => void renew(), wait);
    };
    void renew();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
}
