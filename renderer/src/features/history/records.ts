import type {
  HistoryRecordItem,
  RecordBuilderState,
  RecordSource,
} from '../../../../electron/common/contracts/history';
import { baseName } from '../builds/format';

/**
 * How a history record reads in the list and the details: its title, where it came from, what a
 * removal takes away. Pure; the views and their tests share it.
 */

/** A tag if the build had one, else what buildx shows as NAME (folder, bake target, URL). */
export function recordTitle(item: Pick<HistoryRecordItem, 'tags' | 'name' | 'source'>): string {
  const tag = item.tags[0];
  if (tag) return tag;
  if (item.source.bakeTarget) return item.source.bakeTarget;
  if (item.name) return item.name;
  if (item.source.contextDir) return baseName(item.source.contextDir);
  return item.source.url ?? 'build';
}

/** The second line under the title: context (or URL), then Dockerfile and target when not the defaults. */
export function sourceText(source: RecordSource): string {
  const where =
    source.kind === 'bake'
      ? `bake target ${source.bakeTarget ?? '?'}${source.contextDir ? ` · ${source.contextDir}` : ''}`
      : (source.contextDir ?? source.url ?? (source.kind === 'stdin' ? 'Dockerfile from stdin' : 'unknown context'));
  const extras = [
    source.dockerfile && !/^(?:\.\/)?Dockerfile$/.test(source.dockerfile) ? `-f ${source.dockerfile}` : undefined,
    source.target ? `--target ${source.target}` : undefined,
  ].filter(Boolean);
  return extras.length > 0 ? `${where}  ${extras.join(' ')}` : where;
}

export const ORIGIN_LABEL: Record<HistoryRecordItem['origin'], string> = {
  builddeck: 'BuildDeck',
  external: 'CLI / other',
  file: '.dockerbuild',
};

/** A short badge for a builder that cannot answer about this record; undefined when it can. */
export function builderStateLabel(state: RecordBuilderState): { text: string; title: string } | undefined {
  switch (state) {
    case 'available':
    case 'file':
      return undefined;
    case 'stopped':
      return { text: 'stopped', title: 'The builder is stopped: BuildDeck shows what it recorded itself.' };
    case 'removed':
      return { text: 'removed', title: 'The builder no longer exists: only BuildDeck’s own record is left.' };
    case 'unreachable':
      return { text: 'unreachable', title: 'The builder did not answer: BuildDeck shows what it recorded itself.' };
    case 'unsupported':
      return { text: 'no history', title: 'This buildx or BuildKit keeps no build records.' };
  }
}

/** Short id for display: the last part of `builder/node/ID`, first 12 characters. */
export function shortRef(id: string): string {
  const last = id.split('/').at(-1) ?? id;
  return last.length > 12 ? last.slice(0, 12) : last;
}

export type RemoveScope = 'all' | 'buildkit' | 'builddeck';

/** Exactly what `history.remove` will delete for these records, one line each, for the confirmation. */
export function removalLines(items: readonly HistoryRecordItem[], scope: RemoveScope = 'all'): string[] {
  return items.map((item) => {
    const where: string[] = [];
    if (item.stored.buildkit && scope !== 'builddeck') where.push(`BuildKit’s record on builder ${item.builder}`);
    if (item.stored.builddeck && scope !== 'buildkit') where.push('BuildDeck’s copy (request, steps, logs)');
    const what = where.length > 0 ? where.join(' and ') : 'nothing stored here';
    return `${recordTitle(item)} (${item.ref ?? item.id}): ${what}`;
  });
}

/** A record that can be removed now: a build, not running, not only in an opened file, held somewhere. */
export function canRemove(item: HistoryRecordItem): boolean {
  // A bake's entry is removed from the Bake view (its targets' records stay rows of their own).
  return (
    item.kind !== 'bake' &&
    item.status !== 'running' &&
    item.origin !== 'file' &&
    (item.stored.buildkit || item.stored.builddeck)
  );
}

/** A dropped or picked file is a build record (open it) rather than a folder to build. */
export function isDockerBuildFile(name: string): boolean {
  return /\.dockerbuild$/i.test(name);
}

/** Group bake runs with their targets: children follow their parent when both are listed. */
export function groupRecords(items: readonly HistoryRecordItem[]): { item: HistoryRecordItem; depth: number }[] {
  const ids = new Set(items.map((i) => i.id));
  const children = new Map<string, HistoryRecordItem[]>();
  for (const item of items) {
    if (item.parent && ids.has(item.parent)) {
      const list = children.get(item.parent) ?? [];
      list.push(item);
      children.set(item.parent, list);
    }
  }
  const out: { item: HistoryRecordItem; depth: number }[] = [];
  for (const item of items) {
    if (item.parent && ids.has(item.parent)) continue;
    out.push({ item, depth: 0 });
    for (const child of children.get(item.id) ?? []) out.push({ item: child, depth: 1 });
  }
  return out;
}

/** A default file name for an export: the record's title, made safe, plus its short id. */
export function exportFileName(item: Pick<HistoryRecordItem, 'id' | 'ref' | 'tags' | 'name' | 'source'>): string {
  const title = recordTitle(item)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${title || 'build'}-${shortRef(item.ref ?? item.id)}.dockerbuild`;
}
