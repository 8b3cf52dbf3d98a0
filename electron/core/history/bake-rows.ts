import type { BakeHistoryItem } from '../../common/contracts/bake';
import type { HistoryRecordItem, RecordBuilderState } from '../../common/contracts/history';
import { ratio } from './record-model';
import { baseName } from '../../common/validation';

/**
 * A bake BuildDeck ran: one row with its targets' records as children (by ref), so the list shows a
 * bake where it happened in time, with the targets under it.
 */
export function itemFromBake(b: BakeHistoryItem, state: RecordBuilderState): HistoryRecordItem {
  const counts = b.results.reduce(
    (c, t) => ({ total: c.total + t.steps, completed: c.completed + t.steps, cached: c.cached + t.cachedSteps }),
    { total: 0, completed: 0, cached: 0 },
  );
  const targets = b.requested.length > 0 ? b.requested : b.targets;
  return {
    id: b.bakeId,
    kind: 'bake',
    children: b.results.flatMap((t) => (t.ref ? [t.ref] : [])),
    builder: b.builder,
    ...(b.driver ? { driver: b.driver } : {}),
    builderState: state,
    name: baseName(b.projectDir),
    source: {
      kind: 'bake',
      contextDir: b.projectDir,
      ...(targets.length > 0 ? { bakeTarget: targets.join(', ') } : {}),
    },
    origin: 'builddeck',
    status: b.status,
    startedAt: b.startedAt,
    ...(b.finishedAt !== undefined ? { finishedAt: b.finishedAt } : {}),
    ...(b.durationMs !== undefined ? { durationMs: b.durationMs } : {}),
    platforms: [...new Set(b.results.flatMap((t) => t.platforms))],
    tags: b.results.flatMap((t) => (t.imageName ? [t.imageName] : [])),
    counts,
    cacheHitRatio: ratio(counts, b.status),
    ...(b.error ? { error: b.error.split('\n')[0] } : {}),
    stored: { buildkit: false, builddeck: true },
  };
}

/** A bake target's BuildKit record, under its bake: BuildDeck started it, as that target. */
export function underBake(item: HistoryRecordItem, bakeId: string, target: string): HistoryRecordItem {
  return { ...item, parent: bakeId, origin: 'builddeck', source: { ...item.source, kind: 'bake', bakeTarget: target } };
}

/**
 * The bakes' rows for the merged list; the listed records of their targets are re-parented in
 * place (BuildDeck started them, as that target).
 */
export function withBakes(
  items: HistoryRecordItem[],
  bakes: (() => BakeHistoryItem[]) | undefined,
  stateOf: (builder: string) => RecordBuilderState,
): HistoryRecordItem[] {
  let list: BakeHistoryItem[];
  try {
    list = bakes?.() ?? [];
  } catch {
    // No database: the Bake view says why; the list still shows every build.
    return [];
  }
  const index = new Map(items.map((item, i) => [item.ref ?? item.id, i]));
  return list.map((b) => {
    for (const t of b.results) {
      const at = t.ref ? index.get(t.ref) : undefined;
      const child = at !== undefined ? items[at] : undefined;
      if (at !== undefined && child) items[at] = underBake(child, b.bakeId, t.target);
    }
    return itemFromBake(b, stateOf(b.builder));
  });
}
