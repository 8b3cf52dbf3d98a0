import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  humanSize,
  parseAgo,
  parseDuJson,
  parseDuVerbose,
  parseGoTime,
  parseHumanSize,
  parsePruneVerbose,
} from '../../electron/adapters/buildx/cache-parse';
import { idFilter } from '../../electron/adapters/buildx/cache';
import { parseBuildctlDu } from '../../electron/adapters/docker/buildkit-cache';
import { parseSystemDfBuildCache } from '../../electron/adapters/docker/cache';
import { AppException } from '../../electron/common/errors';
import { totalsOf } from '../../electron/core/cache/plan';

/*
 * Recorded on this kind of machine from one docker-container builder (BuildKit v0.13.2) while a build
 * was running (so some records are in use), within a second of each other: `du --format json`
 * (buildx 0.29.1), `du --verbose` (0.29.1 and Debian's 0.13.1), and `buildctl du --format '{{json .}}'`
 * inside the BuildKit container, which gives the exact bytes buildx rounds. The build had a cache
 * mount and a heredoc RUN (a multi-line description). Engine fixtures: Engine 26.1.5's /system/df
 * (with its `" Parents"` key) and /build/prune answers for records this recording made.
 */
const fixture = (dir: string, name: string) =>
  readFileSync(new URL(`../fixtures/${dir}/${name}`, import.meta.url), 'utf8');
const READ_AT = Date.parse('2026-11-27T06:43:25Z');

interface Exact {
  id: string;
  size: number;
  inUse: boolean;
  shared: boolean;
  mutable: boolean;
  parents: string[] | null;
  recordType: string;
  description: string;
}
const exact = JSON.parse(fixture('buildx', 'du-buildctl-0.13.2-same-moment.json')) as Exact[];
const exactById = new Map(exact.map((r) => [r.id, r]));

describe('buildx du parsers on recorded output', () => {
  const json = parseDuJson(fixture('buildx', 'du-0.29.1.json'), READ_AT);
  const v29 = parseDuVerbose(fixture('buildx', 'du-0.29.1-verbose.txt'), READ_AT);
  const v13 = parseDuVerbose(fixture('buildx', 'du-0.13.1-verbose.txt'), READ_AT);

  it('reads every record of the 0.29.1 JSON with the same ids, types, parents and flags BuildKit has', () => {
    expect(json).toHaveLength(exact.length);
    for (const r of json) {
      const e = exactById.get(r.id);
      expect(e, r.id).toBeDefined();
      if (!e) continue;
      expect(r.type).toBe(e.recordType);
      expect(r.parents).toEqual(e.parents ?? []);
      expect(r.shared).toBe(e.shared);
      expect(r.mutable).toBe(e.mutable);
      expect(r.description).toBe(e.description.trimEnd());
    }
    expect(json.filter((r) => r.inUse).length).toBeGreaterThan(0);
    expect(json.filter((r) => !r.inUse).length).toBeGreaterThan(0);
    expect(json.map((r) => r.type)).toContain('exec.cachemount');
  });

  it('reads back rounded sizes within go-units precision (4 significant digits) of the exact bytes', () => {
    for (const r of json) {
      const e = exactById.get(r.id)?.size ?? NaN;
      expect(Math.abs(r.size - e), r.id).toBeLessThanOrEqual(Math.max(0.5, e * 0.0005));
      expect(humanSize(e)).toBe(humanSize(r.size));
    }
    // The summary buildx prints is the exact total, formatted; ours from rounded records agrees.
    const exactTotal = exact.reduce((s, r) => s + r.size, 0);
    expect(humanSize(exactTotal)).toBe('3.253MB');
    expect(v29.summary.total).toBe(parseHumanSize('3.253MB'));
    expect(humanSize(totalsOf(json).size)).toBe('3.253MB');
  });

  it('reads the same records from --verbose in both layouts (0.13.1 tabs + Parent:, 0.29.1 spaces + Parents: list)', () => {
    const key = (rs: typeof json) =>
      rs
        .map((r) => ({
          id: r.id,
          type: r.type,
          size: r.size,
          parents: r.parents,
          description: r.description,
          shared: r.shared,
          mutable: r.mutable,
          usageCount: r.usageCount,
        }))
        .sort((a, b) => a.id.localeCompare(b.id));
    expect(key(v29.records)).toEqual(key(json));
    expect(key(v13.records)).toEqual(key(json));
    expect(v13.summary).toMatchObject({ total: 3_253_000, reclaimable: 57_340 });
  });

  it('keeps a multi-line (heredoc) description whole, blank line included', () => {
    const heredoc = (rs: typeof json) => rs.find((r) => r.description.includes('fixture-heredoc-a'));
    for (const rs of [json, v29.records, v13.records]) {
      expect(heredoc(rs)?.description).toBe(
        'mount / from exec /bin/sh -c echo fixture-heredoc-a > /a.txt\necho fixture-heredoc-b > /b.txt',
      );
      expect(heredoc(rs)?.usageCount).toBe(0);
    }
  });

  it('turns "N ago" into the latest time it can mean and never-used into null', () => {
    const cache = json.find((r) => r.type === 'exec.cachemount');
    expect(cache?.lastUsedAt).toBe(new Date(READ_AT - 5_000).toISOString()); // "5 seconds ago"
    const neverUsed = json.filter((r) => r.usageCount === 0);
    expect(neverUsed.length).toBeGreaterThan(0);
    for (const r of neverUsed) expect(r.lastUsedAt).toBeNull();
    expect(json.find((r) => r.id === 'etg219o5lrx7gabtkpzmdkgz2')?.createdAt).toBe('2026-11-27T06:37:08.842Z');
  });

  it('reads what prune --verbose removed in both versions', () => {
    expect(parsePruneVerbose(fixture('buildx', 'prune-0.13.1-verbose.txt'))).toEqual({
      removed: [
        { id: 'ny00umsvh9pl0uyfz3jt6nnin', size: 12_290 },
        { id: 'toi1euu9aslex77tz9o0enqyy', size: 12_290 },
      ],
      total: 24_580,
    });
    const p29 = parsePruneVerbose(fixture('buildx', 'prune-0.29.1-verbose.txt'));
    expect(p29.removed.map((r) => r.id)).toEqual(['ylkbkz1m6qnhp1sxqvgokirho', 'r33jenz64o8lin7fvvw2pqqbt']);
    expect(p29.total).toBe(20_480);
    expect(parsePruneVerbose('Total:\t0B\n')).toEqual({ removed: [], total: 0 });
  });

  it('refuses output it does not understand as INTERNAL with the raw text', () => {
    expect(() => parseDuJson('ERROR: something\n', READ_AT)).toThrow(AppException);
    expect(() => parseDuJson('{"ID":"x","Size":"12 parsecs"}', READ_AT)).toThrow(/does not understand/);
    expect(() => parseDuVerbose('what is this', READ_AT)).toThrow(AppException);
    expect(parseDuJson('', READ_AT)).toEqual([]);
  });
});

describe('buildctl du inside a docker-container builder (exact source)', () => {
  it("reads BuildKit's own numbers: exact bytes and times, and the same records buildx shows rounded", () => {
    const records = parseBuildctlDu(fixture('buildx', 'du-buildctl-0.13.2-same-moment.json'));
    expect(records).toHaveLength(14);
    expect(totalsOf(records).size).toBe(3_252_812);
    const json = parseDuJson(fixture('buildx', 'du-0.29.1.json'), READ_AT);
    expect(records.map((r) => r.id).sort()).toEqual(json.map((r) => r.id).sort());
    const busybox = records.find((r) => r.id === 'etg219o5lrx7gabtkpzmdkgz2');
    expect(busybox).toMatchObject({
      size: 3_117_644,
      createdAt: '2026-11-27T06:37:08.842Z',
      lastUsedAt: '2026-11-27T06:37:09.205Z',
      type: 'regular',
      mutable: false,
    });
    expect(records.find((r) => r.description.includes('fixture-heredoc-a'))?.description).toMatch(/b\.txt$/);
    expect(parseBuildctlDu('null')).toEqual([]);
    expect(() => parseBuildctlDu('{"not":"a list"}')).toThrow();
  });
});

describe('go-units formats', () => {
  it('parses and prints HumanSize like buildx', () => {
    expect(parseHumanSize('0B')).toBe(0);
    expect(parseHumanSize('96B')).toBe(96);
    expect(parseHumanSize('12.29kB')).toBe(12_290);
    expect(parseHumanSize('3.118MB*')).toBe(3_118_000);
    expect(parseHumanSize('1.5GB')).toBe(1_500_000_000);
    expect(parseHumanSize('12 parsecs')).toBeUndefined();
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(96)).toBe('96B');
    expect(humanSize(12_288)).toBe('12.29kB');
    expect(humanSize(4096)).toBe('4.096kB');
    expect(humanSize(20_480)).toBe('20.48kB');
    expect(humanSize(1_000_000)).toBe('1MB');
    expect(humanSize(999_999)).toBe('1000kB');
  });

  it('reads HumanDuration as the youngest age it allows', () => {
    const h = 3_600_000;
    expect(parseAgo('Less than a second ago')).toBe(0);
    expect(parseAgo('1 second ago')).toBe(1000);
    expect(parseAgo('41 seconds ago')).toBe(41_000);
    expect(parseAgo('About a minute ago')).toBe(60_000);
    expect(parseAgo('6 minutes ago')).toBe(360_000);
    expect(parseAgo('About an hour ago')).toBe(h);
    expect(parseAgo('3 hours ago')).toBe(2.5 * h); // hours are rounded to the nearest
    expect(parseAgo('2 days ago')).toBe(47.5 * h);
    expect(parseAgo('3 weeks ago')).toBe((504 - 0.5) * h);
    expect(parseAgo('4 months ago')).toBe((2880 - 0.5) * h);
    expect(parseAgo('2 years ago')).toBe(17_520 * h);
    expect(parseAgo('yesterday')).toBeUndefined();
  });

  it("parses Go's time.String()", () => {
    expect(parseGoTime('2026-11-27 06:37:08.842694094 +0000 UTC')).toBe('2026-11-27T06:37:08.842Z');
    expect(parseGoTime('2026-11-27 07:37:08 +0100 CET')).toBe('2026-11-27T06:37:08.000Z');
    expect(parseGoTime('soon')).toBeNull();
  });

  it('builds an anchored id regex and refuses anything that is not an id', () => {
    expect(idFilter(['abc123', 'def456'])).toBe('^(abc123|def456)$');
    expect(() => idFilter(['abc', '.*'])).toThrow(AppException);
  });
});

describe('Engine API /system/df build cache', () => {
  const records = parseSystemDfBuildCache(JSON.parse(fixture('docker', 'cache-system-df-26.1.5.json')));

  it('reads Engine 26.1\'s " Parents" key (leading space) as the parents', () => {
    const raw = fixture('docker', 'cache-system-df-26.1.5.json');
    expect(raw).toContain('" Parents"');
    const child = records.find((r) => r.id === 'w6h0pniuwrmc7yaot3lhacjmz');
    expect(child?.parents).toEqual(['frqcxv4tjqgxepam57w2nei45']);
    expect(records.filter((r) => r.parents.length > 0).length).toBe(3);
  });

  it('reads exact sizes, times, shared/in-use flags, and says mutable is unknown', () => {
    expect(records).toHaveLength(5);
    const shared = records.filter((r) => r.shared).map((r) => r.id);
    expect(shared).toEqual(['gn1ao32dz6nhgcfxnq90wtdbm', 'tk3c7wf5i12rrhquh65gb2666']);
    for (const r of records) {
      expect(r.mutable).toBeNull();
      expect(Number.isInteger(r.size)).toBe(true);
      expect(r.createdAt).toMatch(/^2026-11-27T/);
    }
    expect(records.map((r) => r.type)).toContain('exec.cachemount');
  });

  it('accepts the older `Parent` and newer `Parents` spellings, and zero times as never', () => {
    const [old, current] = parseSystemDfBuildCache({
      BuildCache: [
        { ID: 'a', Parent: 'p', Size: -1, LastUsedAt: '0001-01-01T00:00:00Z', CreatedAt: '2026-01-01T00:00:00Z' },
        { ID: 'b', Parents: ['p', 'q'], Size: 10, LastUsedAt: null },
      ],
    });
    expect(old).toMatchObject({ parents: ['p'], size: 0, lastUsedAt: null, type: 'regular' });
    expect(current).toMatchObject({ parents: ['p', 'q'], size: 10, lastUsedAt: null, createdAt: null });
    expect(parseSystemDfBuildCache({ BuildCache: null })).toEqual([]);
    expect(() => parseSystemDfBuildCache({ BuildCache: [{ Size: 1 }] })).toThrow(AppException);
  });
});
