export { baseName } from '../../../../electron/common/validation';

/** Durations as a build log shows them: "0.4 s", "12.3 s", "2 m 05 s", "1 h 02 m". */
export function formatDuration(ms: number | undefined, options: { whole?: boolean } = {}): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 60) {
    if (options.whole) return `${Math.floor(s)} s`;
    return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
  }
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m} m ${String(totalS % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} m`;
}

/** "sha256:0123456789ab…" → "0123456789ab" for compact display (the full value is copied). */
export function shortDigest(digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return hex.slice(0, 12);
}

export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : `${Math.round(ratio * 100)}%`;
}
