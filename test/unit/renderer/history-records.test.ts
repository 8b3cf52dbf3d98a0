import { describe, expect, it } from 'vitest';
import type { HistoryRecordItem } from '../../../electron/common/contracts/history';
import {
  canRemove,
  exportFileName,
  groupRecords,
  isDockerBuildFile,
  recordTitle,
  removalLines,
  sourceText,
} from '../../../renderer/src/features/history/records';

function record(over: Partial<HistoryRecordItem> & { id: string }): HistoryRecordItem {
  return {
    kind: 'build',
    builder: 'default',
    builderState: 'available',
    name: 'app',
    source: { kind: 'local', contextDir: '/src/app' },
    origin: 'external',
    status: 'succeeded',
    startedAt: 1,
    platforms: [],
    tags: [],
    counts: { total: 1, completed: 1, cached: 0 },
    cacheHitRatio: 0,
    stored: { buildkit: true, builddeck: false },
    ...over,
  };
}

describe('history records as the list shows them', () => {
  it('titles by tag, then bake target, then name', () => {
    expect(recordTitle(record({ id: 'a', tags: ['web:1'] }))).toBe('web:1');
    expect(recordTitle(record({ id: 'a', source: { kind: 'bake', bakeTarget: 'api' } }))).toBe('api');
    expect(recordTitle(record({ id: 'a' }))).toBe('app');
  });

  it('the source line names the context and only non-default Dockerfile and target', () => {
    expect(sourceText({ kind: 'local', contextDir: '/src/app', dockerfile: 'Dockerfile' })).toBe('/src/app');
    expect(sourceText({ kind: 'local', contextDir: '/src/app', dockerfile: 'ci.Dockerfile', target: 'test' })).toBe(
      '/src/app  -f ci.Dockerfile --target test',
    );
    expect(sourceText({ kind: 'bake', bakeTarget: 'api', contextDir: '/src' })).toBe('bake target api · /src');
    expect(sourceText({ kind: 'git', url: 'https://github.com/x/y.git' })).toBe('https://github.com/x/y.git');
  });

  it('removal lines say which stores lose the record, per scope', () => {
    const both = record({ id: 'd/d/1', ref: 'd/d/1', stored: { buildkit: true, builddeck: true } });
    expect(removalLines([both])).toEqual([
      'app (d/d/1): BuildKit’s record on builder default and BuildDeck’s copy (request, steps, logs)',
    ]);
    expect(removalLines([both], 'builddeck')).toEqual(['app (d/d/1): BuildDeck’s copy (request, steps, logs)']);
  });

  it('running records and records only in an opened file cannot be removed', () => {
    expect(canRemove(record({ id: 'a', status: 'running' }))).toBe(false);
    expect(
      canRemove(record({ id: 'file:x.0', origin: 'file', stored: { buildkit: false, builddeck: false, file: '/x' } })),
    ).toBe(false);
    expect(canRemove(record({ id: 'a' }))).toBe(true);
    // A bake's row is removed from the Bake view; its targets' records are rows of their own.
    expect(canRemove(record({ id: 'bk1', kind: 'bake', children: ['b/n/x'] }))).toBe(false);
  });

  it('a dropped .dockerbuild file is a record, anything else is a context', () => {
    expect(isDockerBuildFile('ci-run.dockerbuild')).toBe(true);
    expect(isDockerBuildFile('CI.DOCKERBUILD')).toBe(true);
    expect(isDockerBuildFile('Dockerfile')).toBe(false);
    expect(isDockerBuildFile('app.dockerbuild.tar')).toBe(false);
  });

  it('bake targets follow their bake run; orphans stay where they are', () => {
    const bake = record({ id: 'bake1', kind: 'bake', children: ['t1', 't2'] });
    const t1 = record({ id: 't1', parent: 'bake1' });
    const t2 = record({ id: 't2', parent: 'bake1' });
    const orphan = record({ id: 't3', parent: 'gone' });
    const other = record({ id: 'x' });
    expect(groupRecords([t1, other, bake, t2, orphan]).map((r) => `${r.item.id}:${r.depth}`)).toEqual([
      'x:0',
      'bake1:0',
      't1:1',
      't2:1',
      't3:0',
    ]);
  });

  it('export file names are safe and name the record', () => {
    expect(
      exportFileName(
        record({
          id: 'default/default/abcdef0123456789',
          ref: 'default/default/abcdef0123456789',
          tags: ['reg:5000/web:1.0'],
        }),
      ),
    ).toBe('reg-5000-web-1.0-abcdef012345.dockerbuild');
  });
});
