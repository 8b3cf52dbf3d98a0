import type { CacheTrend, CacheUsage } from '../../../../electron/common/contracts/cache';
import { TotalsCards, TypeBreakdown } from './CacheSummary';

/** Totals and the per-type chart, the top of the Cache view. */
export function CacheSummary({ usage, trend }: { usage: CacheUsage; trend?: CacheTrend | undefined }) {
  return (
    <>
      <TotalsCards usage={usage} trend={trend} />
      <TypeBreakdown usage={usage} />
    </>
  );
}
