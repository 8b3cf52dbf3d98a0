import { describe, expect, it } from 'vitest';
import {
  decodeDiskUsage,
  decodeHistoryEvent,
  decodeInfo,
  decodeWorkers,
  normalizePlatform,
} from '../../electron/adapters/buildkit/control';

/** A protobuf writer just big enough to state messages in tests (the reader under test is the product). */
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const key = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, n: number | bigint) => [...key(field, 0), ...varint(n)];
const bytes = (field: number, body: number[]) => [...key(field, 2), ...varint(body.length), ...body];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);
const msg = (...parts: number[][]) => Buffer.from(parts.flat());

describe('BuildKit messages read in place', () => {
  it('DiskUsage: every field, negative and 64-bit integers, the deprecated Parent, unknown fields skipped', () => {
    const created = Date.parse('2026-12-01T10:00:00.123Z');
    const ts = (ms: number) => [...int(1, Math.floor(ms / 1000)), ...int(2, (ms % 1000) * 1e6 + 456)];
    const record = msg(
      str(1, 'abc123'),
      int(2, 1),
      int(3, 0),
      int(4, 2 ** 40 + 5), // a size past 32 bits
      bytes(6, ts(created)),
      bytes(7, ts(created + 1000)),
      int(8, 7),
      str(9, 'mount / from exec /bin/sh -c echo ü  '),
      str(10, 'exec.cachemount'),
      int(11, 1),
      str(12, 'p1'),
      str(12, 'p2'),
      int(99, 5), // a field a newer BuildKit added
    );
    const old = msg(str(1, 'old'), int(4, -1), str(5, 'parent-old'), bytes(6, int(1, -62135596800)));
    const [a, b] = decodeDiskUsage(msg(bytes(1, [...record]), bytes(1, [...old])));
    expect(a).toEqual({
      id: 'abc123',
      mutable: true,
      inUse: false,
      size: 2 ** 40 + 5,
      parents: ['p1', 'p2'],
      createdAt: created,
      lastUsedAt: created + 1000,
      usageCount: 7,
      description: 'mount / from exec /bin/sh -c echo ü  ',
      recordType: 'exec.cachemount',
      shared: true,
    });
    expect(b?.parents).toEqual(['parent-old']);
    expect(b?.size).toBeLessThanOrEqual(0); // BuildKit's -1: "not computed yet"
    expect(b?.createdAt).toBeLessThan(0); // Go's zero time
  });

  it('ListWorkers and Info: IDs, labels, platforms, GC policy and versions', () => {
    const platform = (os: string, arch: string, variant = '') =>
      bytes(3, [...str(1, arch), ...str(2, os), ...(variant ? str(3, variant) : [])]);
    const label = (k: string, v: string) => bytes(2, [...str(1, k), ...str(2, v)]);
    const worker = msg(
      str(1, 'w1'),
      label('org.mobyproject.buildkit.worker.executor', 'oci'),
      platform('linux', 'amd64'),
      label('org.mobyproject.buildkit.worker.snapshotter', 'overlayfs'),
      platform('linux', 'arm', 'v7'),
      // BuildKit 0.13's rule (keepBytes in field 3, as reservedSpace is now), two filters.
      bytes(4, [
        ...int(2, 172800000000000),
        ...int(3, 512000000),
        ...str(4, 'type==source.local'),
        ...str(4, 'type==exec.cachemount'),
      ]),
      // 0.17+'s last rule: all, the newer space fields.
      bytes(4, [...int(1, 1), ...int(3, 26e9), ...int(5, 40e9), ...int(6, 10e9)]),
      bytes(5, str(2, 'v0.13.2')),
    );
    expect(decodeWorkers(msg(bytes(1, [...worker]), bytes(1, [...msg(str(1, 'w0'))])))).toEqual([
      {
        id: 'w1',
        labels: {
          'org.mobyproject.buildkit.worker.executor': 'oci',
          'org.mobyproject.buildkit.worker.snapshotter': 'overlayfs',
        },
        platforms: [
          { os: 'linux', architecture: 'amd64', variant: '' },
          { os: 'linux', architecture: 'arm', variant: 'v7' },
        ],
        gcPolicy: [
          {
            all: false,
            filters: ['type==source.local', 'type==exec.cachemount'],
            keepDurationNs: 172800000000000,
            reservedSpace: 512000000,
            maxUsedSpace: 0,
            minFreeSpace: 0,
          },
          { all: true, filters: [], keepDurationNs: 0, reservedSpace: 26e9, maxUsedSpace: 40e9, minFreeSpace: 10e9 },
        ],
        version: 'v0.13.2',
      },
      { id: 'w0', labels: {}, platforms: [], gcPolicy: [] },
    ]);
    expect(decodeInfo(msg(bytes(1, [...str(1, 'github.com/moby/buildkit'), ...str(2, 'v0.29.0')])))).toBe('v0.29.0');
    expect(() => decodeWorkers(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(/truncated/);
  });

  it('normalises platforms the way buildx lists them', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'aarch64', variant: 'v8' })).toBe('linux/arm64');
    expect(normalizePlatform({ os: 'linux', architecture: 'x86_64', variant: '' })).toBe('linux/amd64');
    expect(normalizePlatform({ os: 'linux', architecture: 'amd64', variant: 'v3' })).toBe('linux/amd64/v3');
    expect(normalizePlatform({ os: 'linux', architecture: 'arm', variant: '' })).toBe('linux/arm/v7');
    expect(normalizePlatform({ os: 'linux', architecture: 'armhf', variant: '' })).toBe('linux/arm/v7');
  });

  it('BuildHistoryEvent: type, ref, times, counts, platform attr, naming attrs, digest, image names, a cancelled error', () => {
    const ts = (ms: number) => [...int(1, Math.floor(ms / 1000)), ...int(2, (ms % 1000) * 1e6)];
    const entry = (field: number, k: string, v: string) => bytes(field, [...str(1, k), ...str(2, v)]);
    const created = Date.parse('2026-12-01T10:00:00.250Z');
    const record = [
      ...str(1, 'r1abc'),
      ...str(2, 'dockerfile.v0'),
      ...entry(3, 'context', '.'),
      ...entry(3, 'platform', 'linux/amd64,linux/arm64'),
      ...entry(3, 'target', 'release'),
      ...entry(3, 'build-arg:HTTP_PROXY', 'http://proxy:3128'), // not for naming: not kept
      ...bytes(5, [...int(1, 1), ...str(2, 'context canceled')]),
      ...bytes(6, ts(created)),
      ...bytes(7, ts(created + 1500)),
      ...entry(9, 'containerimage.digest', 'sha256:abc'),
      ...entry(9, 'image.name', 'a:1,b:2'),
      ...int(15, 2),
      ...int(16, 9),
      ...int(17, 7),
      ...int(99, 5), // a field from a newer BuildKit: skipped
    ];
    expect(decodeHistoryEvent(msg(int(1, 1), bytes(2, record)))).toEqual({
      type: 'complete',
      id: 'r1abc',
      createdAt: created,
      completedAt: created + 1500,
      counts: { total: 9, completed: 7, cached: 2 },
      failed: true,
      cancelled: true,
      error: 'context canceled',
      platforms: ['linux/amd64', 'linux/arm64'],
      digest: 'sha256:abc',
      imageNames: ['a:1', 'b:2'],
      // What buildx names a record from (core/history/build-name.ts), and only that.
      nameAttrs: { context: '.', target: 'release' },
    });
    // A running default-platform build: STARTED, no platform named, no error.
    const running = decodeHistoryEvent(msg(bytes(2, [...str(1, 'r2'), ...bytes(6, ts(created))])));
    expect(running).toMatchObject({ type: 'started', id: 'r2', failed: false, platforms: [] });
    expect(decodeHistoryEvent(msg(int(1, 2)))).toBeUndefined();
  });
});
