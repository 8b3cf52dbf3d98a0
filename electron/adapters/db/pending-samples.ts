import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CacheSample, SampleSinkPort } from '../../core/cache/ports';

/**
 * Cache usage samples taken while the database is not open (a CLI `cache du`, a window that has not
 * needed history yet): one JSON line each, appended to `<dataDir>/cache-samples.pending` (O_APPEND:
 * several processes may add at once). Loading SQLite for one sample would cost a CLI call more than
 * the read itself; whoever opens the database next imports them (`importPendingSamples`), applying
 * the same once-a-minute rule as a direct sample.
 */
export class PendingSamples implements SampleSinkPort {
  constructor(private readonly file: string) {}

  addSample(builder: string, sample: CacheSample, forced = false): void {
    const line = `${JSON.stringify({ builder, forced, ...sample })}\n`;
    try {
      appendFileSync(this.file, line, { mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 }); // a data folder not made yet
      appendFileSync(this.file, line, { mode: 0o600 });
    }
  }

  /** Unknown here: the rule is applied when the samples are imported. */
  lastSampleAt(): undefined {
    return undefined;
  }

  /** The database's owner trims; a pending file holds minutes of samples, not months. */
  trimSamples(): void {
    // nothing to trim
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const NUMBERS = ['at', 'records', 'size', 'reclaimable', 'shared', 'inUse'] as const;
function wellFormed(s: Partial<CacheSample> & { builder?: unknown; forced?: unknown }): boolean {
  return (
    typeof s.builder === 'string' &&
    s.builder !== '' &&
    NUMBERS.every((k) => typeof s[k] === 'number' && Number.isFinite(s[k])) &&
    (s.forced === undefined || typeof s.forced === 'boolean')
  );
}

/** Same rule as CacheService: one sample per builder per minute unless forced (after a prune). */
const SAMPLE_EVERY_MS = 60_000;

/**
 * Moves pending samples into the database. The file is renamed first (atomic), so a sample appended
 * meanwhile starts a new file and is never lost; a file left by an import that crashed is taken too.
 * Returns how many samples were kept.
 */
export function importPendingSamples(file: string, store: SampleSinkPort): number {
  const dir = dirname(file);
  const base = basename(file);
  const mine = `${file}.${process.pid}.importing`;
  try {
    renameSync(file, mine);
  } catch {
    // nothing pending (or another process took it)
  }
  let kept = 0;
  let names: string[];
  try {
    // Ours, and those of importers that died mid-way; never one a live process is importing now
    // (it would be counted twice).
    names = readdirSync(dir).filter((n) => {
      const pid = /^\.(\d+)\.importing$/.exec(n.slice(base.length))?.[1];
      return n.startsWith(base) && pid !== undefined && (Number(pid) === process.pid || !alive(Number(pid)));
    });
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const samples = text
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as CacheSample & { builder: string; forced?: boolean }];
        } catch {
          return []; // a torn last line of a process killed mid-write
        }
      })
      .sort((a, b) => a.at - b.at);
    for (const s of samples) {
      if (!wellFormed(s)) continue; // a line another version wrote, or a damaged file
      const last = store.lastSampleAt(s.builder);
      if (!s.forced && last !== undefined && Math.abs(s.at - last) < SAMPLE_EVERY_MS) continue;
      const { builder, forced, ...sample } = s;
      store.addSample(builder, sample, forced);
      kept++;
    }
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  return kept;
}
