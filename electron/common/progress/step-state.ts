import type { SnippetLine, Step, StepState } from '../contracts/builds';

/** Lines of source shown either side of a warning's or an error's range. */
const SNIPPET_CONTEXT = 2;
/** How BuildKit and buildx word a step stopped by a cancel (not a failure of its own). */
const CANCELLED_ERROR = /context canceled|\bcanceled\b|\bcancelled\b/i;

/** The `± SNIPPET_CONTEXT` lines around a 1-based line of a source text. */
export function snippetAround(source: string, start: number, end = start): SnippetLine[] {
  const lines = source.split('\n');
  const from = Math.max(1, start - SNIPPET_CONTEXT);
  const to = Math.min(lines.length, end + SNIPPET_CONTEXT);
  const out: SnippetLine[] = [];
  for (let n = from; n <= to; n++) out.push({ line: n, text: lines[n - 1] ?? '', marked: n >= start && n <= end });
  return out;
}

export function stepStateOf(step: Pick<Step, 'error' | 'completedAt' | 'startedAt' | 'cached'>): StepState {
  if (step.error !== undefined) return CANCELLED_ERROR.test(step.error) ? 'cancelled' : 'failed';
  if (step.completedAt !== undefined) return step.cached ? 'cached' : 'done';
  if (step.startedAt !== undefined) return 'running';
  return 'queued';
}
