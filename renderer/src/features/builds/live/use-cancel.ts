import { useState } from 'react';
import type { AppError, Result } from '../../../../../electron/common/errors';

/**
 * A Cancel button's state for a build or bake: `cancelling` until the run ends (nothing is left to
 * cancel then), the core's refusal as an error. `cancel` is the contract call.
 */
export function useCancel(cancel: () => Promise<Result<unknown>>, running: boolean) {
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<AppError | undefined>();
  const run = async () => {
    if (!running || cancelling) return;
    setCancelling(true);
    setError(undefined);
    const result = await cancel();
    if (!result.ok) {
      setCancelling(false);
      setError(result.error);
    }
  };
  return { cancelling: cancelling && running, cancel: run, error };
}
