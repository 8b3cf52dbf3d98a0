/**
 * Shared by every benchmark: whole-process timing, alternating runs, medians, and the one table row
 * each figure becomes. A bench prints its own detail lines and then `row(...)`; scripts/bench.mjs
 * collects the rows of all benches into ONE table at the end. Figures are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface Row {
  figure: string;
  /** BuildDeck's figure, formatted (e.g. "0.142 s", "612k events/s"). */
  ours: string;
  /** The reference's figure and what it is (the command a user would otherwise run), or "-". */
  reference: string;
  /** ours / reference (or the normalised figure the goal is stated in); undefined when not a ratio. */
  ratio?: number | undefined;
  goal: string;
  met: boolean;
}

/** Prints a row for scripts/bench.mjs to collect (one JSON line with a fixed prefix). */
export function row(r: Row): void {
  process.stdout.write(`BENCH_ROW ${JSON.stringify(r)}\n`);
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

export interface ProcessRun {
  /** Wall time from spawn to exit (ms). */
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms after spawn at which each stdout line arrived. */
  lines: { at: number; text: string }[];
}

/** Runs a whole process as a user would (argument array, no shell) and times it from spawn to exit. */
export function timeProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, [...args], {
      env: options.env ?? process.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const lines: { at: number; text: string }[] = [];
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      const at = performance.now() - started;
      partial += c.toString('utf8');
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        lines.push({ at, text: partial.slice(0, nl) });
        partial = partial.slice(nl + 1);
      }
    });
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({
        ms: performance.now() - started,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        lines,
      });
    });
  });
}

/**
 * Runs each contender once per round, alternating, for `rounds` rounds (after one warm-up round
 * that is not counted): under a shared, loaded machine, neighbours in time see the same load, so
 * the ratio of medians is far steadier than either absolute figure.
 */
export async function alternate<K extends string>(
  rounds: number,
  contenders: Record<K, () => Promise<number>>,
  options: { warmup?: boolean; log?: (round: number, times: Record<K, number>) => void } = {},
): Promise<Record<K, number[]>> {
  const keys = Object.keys(contenders) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  if (options.warmup !== false) for (const k of keys) await contenders[k]();
  for (let i = 0; i < rounds; i++) {
    const times = {} as Record<K, number>;
    // Alternate who goes first, so neither always runs right after the other's cache warm-up.
    const order = i % 2 === 0 ? keys : [...keys].reverse();
    for (const k of order) {
      const t = await contenders[k]();
      times[k] = t;
      out[k].push(t);
    }
    options.log?.(i + 1, times);
  }
  return out;
}

/** The machine's state, printed with the table: figures under load read differently. */
export function loadNote(): string {
  const [one, five] = loadavg();
  return `load average ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min) on ${cpus().length} CPUs`;
}
