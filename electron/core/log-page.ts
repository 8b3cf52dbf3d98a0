import type { BuildLogPage, BuildSnapshot } from '../common/contracts/builds';
import { appError } from '../common/errors';
import { logPage } from '../common/progress';

/**
 * One page of a snapshot's log (`step`'s own, or the whole run's), for `builds.logs`, `bake.logs`
 * and `history.streamLogs`: lines from the absolute line `from`, or INVALID_INPUT naming the range
 * that exists, or the step the snapshot does not have. `owner` names the run in that message
 * ("Build b1", "Target app of bake k2").
 */
export function pageOfLog(
  snapshot: BuildSnapshot,
  step: string | undefined,
  from: number,
  limit: number,
  where: { owner: string; stepHint: string },
): BuildLogPage {
  const list = step === undefined ? snapshot.log : snapshot.steps[step]?.logs;
  if (!list) {
    throw appError('INVALID_INPUT', `${where.owner} has no step ${step ?? ''}.`, {
      hint: where.stepHint,
      details: { field: 'step' },
    });
  }
  const first = list.dropped;
  const end = list.dropped + list.length;
  const lines = logPage(list, from, limit);
  if (!lines) {
    throw appError(
      'INVALID_INPUT',
      from < first
        ? `Lines before ${first} of this log were dropped to keep memory bounded.`
        : `This log has ${end} lines; line ${from} does not exist yet.`,
      {
        hint: `Ask for lines ${first} to ${end} (from ${first} to ${Math.max(first, end - 1)}).`,
        details: { field: 'from' },
      },
    );
  }
  return { from, lines, first, end };
}
