import { memo } from 'react';
import { formatDateTime, formatRelative } from '../lib/format';
import { useNow } from '../lib/use-now';

interface RelativeTimeProps {
  /** Epoch milliseconds; undefined renders an em dash meaning "never / unknown". */
  ms: number | undefined;
  /** Accessible text when there is no time. */
  emptyLabel?: string;
  className?: string | undefined;
}

/** "12 s ago", ticking; the exact local time is in the tooltip and the datetime attribute. */
/** Memoised: its parents (a live build's header) re-render per progress batch; the clock ticks it. */
export const RelativeTime = memo(function RelativeTime({ ms, emptyLabel = 'never', className }: RelativeTimeProps) {
  const now = useNow();
  if (ms === undefined) {
    return (
      <span className={className} aria-label={emptyLabel} title={emptyLabel}>
        —
      </span>
    );
  }
  return (
    <time className={className} dateTime={new Date(ms).toISOString()} title={formatDateTime(ms)}>
      {formatRelative(ms, now)}
    </time>
  );
});
