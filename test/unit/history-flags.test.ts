import { describe, expect, it } from 'vitest';
import type { HistoryRecordItem } from '../../electron/common/contracts/history';
import {
  buildxFilter,
  buildxRecordJson,
  formatTemplate,
  HistoryFlagError,
  isBuildxFilter,
  offsetOf,
  recordAtOffset,
} from '../../electron/cli/history-flags';
import { goDurationMs } from '../../electron/common/validation';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const item = (id: string, o: Partial<HistoryRecordItem> = {}): HistoryRecordItem =>
  ({
    id: `b/b0/${id}`,
    ref: `b/b0/${id}`,
    kind: 'build',
    builder: 'b',
    builderState: 'available',
    name: `ctx-${id}`,
    origin: 'external',
    status: 'succeeded',
    startedAt: NOW - 30 * 60_000,
    finishedAt: NOW - 29 * 60_000,
    durationMs: 60_000,
    platforms: [],
    tags: [],
    counts: { total: 6, completed: 6, cached: 1 },
    cacheHitRatio: 1 / 6,
    stored: { buildkit: true, builddeck: false },
    source: {},
    ...o,
  }) as HistoryRecordItem;

describe("buildx history's flags, read by `builddeck history`", () => {
  it('parses Go durations as time.ParseDuration does', () => {
    expect(goDurationMs('1h30m')).toBe(5_400_000);
    expect(goDurationMs('250ms')).toBe(250);
    expect(goDurationMs('1.5s')).toBe(1500);
    expect(goDurationMs('0')).toBe(0);
    for (const bad of ['', '1d', 'h', '10', '-1s']) expect(goDurationMs(bad), bad).toBeUndefined();
  });

  it('tells buildx filters from BuildDeck text and matches status, ref, times and durations', () => {
    expect(isBuildxFilter('status=error')).toBe(true);
    expect(isBuildxFilter('duration>30s')).toBe(true);
    expect(isBuildxFilter('webapp')).toBe(false);
    const failed = item('f', { status: 'failed' });
    const running = item('r', { status: 'running', startedAt: NOW - 5000, finishedAt: undefined, durationMs: 5000 });
    const old = item('old', {
      startedAt: NOW - 3 * 3_600_000,
      finishedAt: NOW - 3 * 3_600_000 + 1000,
      durationMs: 1000,
    });
    const all = [item('a'), failed, running, old];
    const pick = (f: string) => all.filter(buildxFilter(f, NOW)).map((i) => i.id.split('/')[2]);
    expect(pick('status=error')).toEqual(['f']);
    expect(pick('status!=completed')).toEqual(['f', 'r']);
    expect(pick('status=running')).toEqual(['r']);
    expect(pick('ref=ol')).toEqual(['old']);
    expect(pick('startedAt>1h')).toEqual(['a', 'f', 'r']);
    expect(pick('startedAt<2026-12-03T10:00:00Z')).toEqual(['old']);
    // A running record has no duration yet: buildx compares 0.
    expect(pick('duration>30s')).toEqual(['a', 'f']);
    for (const bad of ['status=done', 'status>x', 'duration=1s', 'duration>1d', 'startedAt>soon', 'repository=x'])
      expect(() => buildxFilter(bad, NOW), bad).toThrow(HistoryFlagError);
  });

  it("prints buildx's JSON line (its keys, its status words) for BuildKit records only", () => {
    expect(JSON.parse(buildxRecordJson(item('a')) ?? '')).toEqual({
      cached_steps: 1,
      completed_at: '2026-12-03T11:31:00.000Z',
      completed_steps: 6,
      created_at: '2026-12-03T11:30:00.000Z',
      name: 'ctx-a',
      ref: 'b/b0/a',
      status: 'Completed',
      total_steps: 6,
    });
    expect(Object.keys(JSON.parse(buildxRecordJson(item('a')) ?? '') as object)).toEqual([
      'cached_steps',
      'completed_at',
      'completed_steps',
      'created_at',
      'name',
      'ref',
      'status',
      'total_steps',
    ]);
    expect(JSON.parse(buildxRecordJson(item('f', { status: 'cancelled' })) ?? '')).toMatchObject({ status: 'Error' });
    expect(buildxRecordJson(item('x', { ref: undefined }))).toBeUndefined();
    // A record nothing names is listed under its ID in BuildDeck; buildx prints an empty name.
    expect(JSON.parse(buildxRecordJson(item('y6sbx', { name: 'y6sbx' })) ?? '')).toMatchObject({ name: '' });
    expect(formatTemplate('{{.Ref}}|{{.Name}}', [item('y6sbx', { name: 'y6sbx' })], NOW)).toBe('y6sbx|');
  });

  it('fills a {{.Field}} template, with a header row after `table`, and refuses what it cannot fill', () => {
    const rows = [item('a'), item('b', { status: 'running', startedAt: NOW - 61_000 })];
    expect(formatTemplate('{{.Ref}} {{.Status}}', rows, NOW)).toBe('a Completed\nb Running');
    expect(formatTemplate('table {{.Ref}}\\t{{.Duration}}', rows, NOW).split('\n')).toEqual([
      'BUILD ID  DURATION',
      'a         1m  0s',
      'b         1m  1s+',
    ]);
    expect(() => formatTemplate('{{.Link}}', rows, NOW)).toThrow(/\{\{\.Link\}\} is not supported/);
    expect(() => formatTemplate('{{json .}}', rows, NOW)).toThrow(HistoryFlagError);
  });

  it('^N counts finished BuildKit records, newest first', () => {
    const list = [item('run', { status: 'running' }), item('n0'), item('own', { ref: undefined }), item('n1')];
    expect(offsetOf('^0')).toBe(0);
    expect(offsetOf('^12')).toBe(12);
    expect(offsetOf('^x')).toBeUndefined();
    expect(offsetOf('b/b0/x')).toBeUndefined();
    expect(recordAtOffset(list, 0)?.id).toBe('b/b0/n0');
    expect(recordAtOffset(list, 1)?.id).toBe('b/b0/n1');
    expect(recordAtOffset(list, 2)).toBeUndefined();
  });
});
