/**
 * Cache values shared by the contract, the CLI and the renderer. Pure and free of zod, so the renderer
 * bundle can use them without pulling schemas in.
 */

/** Record types BuildKit reports (client.UsageRecordType). */
export const CACHE_RECORD_TYPES = [
  'regular',
  'source.local',
  'source.git.checkout',
  'exec.cachemount',
  'frontend',
  'internal',
] as const;
export type CacheRecordType = (typeof CACHE_RECORD_TYPES)[number];

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

/**
 * "24h", "7d", "1h30m", "90s", "2w" → milliseconds; undefined when malformed or zero.
 * Days and weeks are accepted (Go's ParseDuration is not: BuildDeck converts before calling buildx).
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g))
    ms += Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] ?? NaN);
  return Number.isFinite(ms) && ms >= 1000 ? Math.round(ms) : undefined;
}

/** Milliseconds → a Go duration string ("86400s") that buildx and the Engine API accept. */
export function toGoDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgtp]?i?b?)$/i;
const SIZE_POWER: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/**
 * "10GB", "512m", "1.5GiB", "1048576" → bytes; undefined when malformed.
 * Units are binary (1 GB = 1024³ bytes), exactly as `docker buildx prune --reserved-space` reads them
 * (docker's RAMInBytes), so a value means the same in BuildDeck and in a terminal.
 */
export function parseSize(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const m = SIZE.exec(input.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const power = SIZE_POWER[unit.replace(/i?b$/, '')];
  if (power === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * 1024 ** power);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;

/**
 * Bytes as `docker buildx du` prints them (go-units HumanSize: decimal units, 4 significant digits),
 * so figures in BuildDeck and in a terminal can be compared at a glance.
 */
export function humanSize(bytes: number): string {
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1000 && i < DECIMAL_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  const s = v === 0 ? '0' : v.toPrecision(4);
  return `${s.includes('.') ? s.replace(/\.?0+$/, '') : s}${DECIMAL_UNITS[i] ?? 'B'}`;
}
