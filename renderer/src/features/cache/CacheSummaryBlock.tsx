import type { CacheUsage } from '../../../../electron/common/contracts/cache';
import { TotalsCards, TypeBreakdown } from './CacheSummary';

/** Totals and the per-type chart, the top of the Cache view. */
export function CacheSummary({ usage }: { usage: CacheUsage }) {
  return (
    <>
      <TotalsCards usage={usage} />
      <TypeBreakdown usage={usage} />
    </>
  );
}
