import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../electron/common/contracts/builds';
import type { RecordStep } from '../../electron/common/contracts/history';
import { recordTimingOf } from '../../electron/common/history/timing';
import { createBuildSnapshot, reduceBuildEvents } from '../../electron/common/progress';
import { factsFromInspect, parseHistoryLs } from '../../electron/adapters/buildx/history-parse';
import { openDatabase } from '../../electron/adapters/db/database';
import { HASHED_BUILDS_PER_CONTEXT, SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import { buildRequest } from '../../electron/common/contracts/builds';
import { readDockerbuild, statusEvents } from '../../electron/adapters/dockerbuild/reader';
import { lineOfStep, snapshotOf, stepsOf } from '../../electron/core/history/record-model';
import { copySources, explainCacheMiss, imageNameOf, type RunEvidence } from '../../electron/core/history/why';

const FIXTURE = new URL('../fixtures/dockerbuild/failed-default-0.29.1.dockerbuild', import.meta.url);

describe('.dockerbuild reader (a real export of buildx 0.29.1, docker driver)', () => {
  it('reads the record, its progress stream and its error', async () => {
    const [record, ...more] = await readDockerbuild(readFileSync(FIXTURE), 'failed.dockerbuild');
    expect(more).toEqual([]);
    expect(record?.facts).toMatchObject({
      id: 'opb37ahd6rjxgla3f13gbyni5',
      status: 'failed',
      contextDir: '/tmp/hx2',
      dockerfilePath: 'Dockerfile',
      counts: { total: 6, completed: 6, cached: 1 },
      defaultPlatform: 'linux/amd64',
      error: { message: expect.stringContaining('exit code: 3') as unknown, code: 'Unknown' },
    });
    // Through the same reducer as a live build: one lane, the failing step and its output.
    const s = snapshotOf(
      'f',
      { builder: '', platforms: [], defaultPlatform: 'linux/amd64', startedAt: 0 },
      record?.events ?? [],
      {
        at: record?.facts.completedAt ?? 0,
        ok: false,
        cancelled: false,
      },
    );
    const steps = stepsOf(s).filter((st) => st.isStep);
    expect(steps.map((st) => [st.index, st.state])).toEqual(
      expect.arrayContaining([
        [2, 'done'],
        [3, 'failed'],
      ]),
    );
    expect(s.lanes.map((l) => l.key)).toContain('linux/amd64');
    expect(s.error?.message).toContain('exit code: 3');
    expect(s.error?.lastLogLines).toEqual(['bad']);
  });

  it('names what is wrong with a bad file', async () => {
    const full = readFileSync(FIXTURE);
    const fail = (bytes: Buffer) =>
      readDockerbuild(bytes, 'x.dockerbuild').then(
        () => 'read',
        (e: unknown) => (e as Error).message,
      );
    expect(await fail(Buffer.from('hello, this is not an archive at all'.repeat(40)))).toMatch(/not a tar archive/);
    expect(await fail(full.subarray(0, full.length - 100))).toMatch(/truncated/);
    // A tar (gzipped, like an export) without index.json: some other archive.
    const tar = Buffer.alloc(1536);
    tar.write('hello.txt', 0);
    tar.write('0000644\0', 100);
    tar.write('0000000\0', 108);
    tar.write('0000000\0', 116);
    tar.write('00000000005\0', 124);
    tar.write('00000000000\0', 136);
    tar.write('0', 156);
    tar.write('ustar\0', 257);
    tar.write('00', 263);
    tar.write('        ', 148);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i] ?? 0;
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    tar.write('hello', 512);
    expect(await fail(gzipSync(tar))).toMatch(/no index\.json/);
  });

  it('reads the length-prefixed status frames and refuses a cut one', () => {
    expect(statusEvents(Buffer.alloc(0), 'x')).toEqual([]);
    expect(() => statusEvents(Buffer.from([10, 0, 0, 0, 1, 2]), 'x')).toThrow(/progress stream is truncated/);
    expect(() => statusEvents(Buffer.from([1, 0]), 'x')).toThrow(/progress stream is truncated/);
  });
});

describe('buildx history output', () => {
  it('parses `history ls --format json` lines (measured on 0.29.1)', () => {
    const rows = parseHistoryLs(
      [
        '{"cached_steps":0,"completed_at":"2026-12-01T15:09:17.305733175Z","completed_steps":9,"created_at":"2026-12-01T15:09:13.605323998Z","name":"hx1","ref":"default/default/pek59qu1gxh70hhy481w483gc","status":"Completed","total_steps":9}',
        '{"completed_steps":0,"created_at":"2026-12-01T15:10:00Z","name":"x","ref":"b/b0/abc","status":"Running","total_steps":0}',
        'WARNING: not json',
        '{"ref":"broken"}',
      ].join('\n'),
    );
    expect(rows).toEqual([
      {
        ref: 'default/default/pek59qu1gxh70hhy481w483gc',
        builder: 'default',
        node: 'default',
        id: 'pek59qu1gxh70hhy481w483gc',
        name: 'hx1',
        status: 'succeeded',
        createdAt: Date.parse('2026-12-01T15:09:13.605Z'),
        completedAt: Date.parse('2026-12-01T15:09:17.305Z'),
        counts: { total: 9, completed: 9, cached: 0 },
      },
      expect.objectContaining({ ref: 'b/b0/abc', status: 'running', counts: { total: 0, completed: 0, cached: 0 } }),
    ]);
  });

  it('reads `history inspect --format json` (0.29.1) into facts', () => {
    const facts = factsFromInspect(
      JSON.stringify({
        Name: 'hx1',
        Ref: 'pek59qu1gxh70hhy481w483gc',
        Context: '.',
        Dockerfile: 'Dockerfile',
        StartedAt: '2026-12-01T15:09:13.605323998Z',
        CompletedAt: '2026-12-01T15:09:17.305733175Z',
        Duration: 3700409177,
        Status: 'completed',
        NumCompletedSteps: 9,
        NumTotalSteps: 9,
        NumCachedSteps: 0,
        BuildArgs: [{ Name: 'FOO', Value: '2' }],
        Config: { ImageResolveMode: 'local' },
        Materials: [{ URI: 'pkg:docker/local/busybox@latest?platform=linux%2Famd64', Digests: ['sha256:a949'] }],
        Attachments: [{ Digest: 'sha256:7338', Type: 'application/vnd.docker.container.image.v1+json' }],
      }),
      'x',
    );
    expect(facts).toMatchObject({
      id: 'pek59qu1gxh70hhy481w483gc',
      status: 'succeeded',
      buildArgs: [{ name: 'FOO', value: '2' }],
      materials: [{ uri: 'pkg:docker/local/busybox@latest?platform=linux%2Famd64', digests: ['sha256:a949'] }],
      configDigest: 'sha256:7338',
      counts: { total: 9, completed: 9, cached: 0 },
    });
    expect(() => factsFromInspect('not json', 'x')).toThrow(/not JSON/);
  });
});

const step = (over: Partial<RecordStep> & { id: string; title: string }): RecordStep => ({
  name: `[${over.index ?? 1}/4] ${over.title}`,
  lane: 'linux/amd64',
  isStep: true,
  internal: false,
  state: over.cached ? 'cached' : 'done',
  cached: false,
  logLines: 0,
  ...over,
});

function run(id: string, steps: RecordStep[], extra: Partial<RunEvidence> = {}): RunEvidence {
  return {
    id,
    steps,
    buildArgs: [],
    materials: [{ uri: 'pkg:docker/local/busybox@latest?platform=linux%2Famd64', digests: ['sha256:aaa'] }],
    noCache: false,
    files: [
      { path: 'a.txt', hash: '1' },
      { path: 'src/b.txt', hash: '2' },
    ],
    source: 'test',
    ...extra,
  };
}

describe('why did the cache miss', () => {
  const from = step({ id: 'f', title: 'FROM docker.io/local/busybox:latest', index: 1, startedAt: 1 });
  const copy = (cached: boolean) => step({ id: 'c', title: 'COPY src /src', index: 2, cached, startedAt: 2 });
  const runStep = (cached: boolean, title = 'RUN make V=1') => step({ id: 'r', title, index: 3, cached, startedAt: 3 });
  const cachedRun = run('old', [from, copy(true), runStep(true)]);

  it('names the changed file under the COPY source, not the others', () => {
    const now = run('new', [{ ...from, cached: true, state: 'cached' }, copy(false), runStep(false)], {
      files: [
        { path: 'a.txt', hash: 'changed' },
        { path: 'src/b.txt', hash: '3' },
        { path: 'src/new.txt', hash: '4' },
      ],
    });
    const why = explainCacheMiss(now, cachedRun);
    expect(why).toMatchObject({ verdict: 'explained', againstId: 'old', firstMiss: { stepId: 'c' } });
    expect(why.causes).toEqual([
      expect.objectContaining({
        kind: 'files-changed',
        files: [
          { path: 'src/b.txt', change: 'modified' },
          { path: 'src/new.txt', change: 'added' },
        ],
      }),
    ]);
  });

  it('names changed files behind a COPY that was itself a cache hit from an older build', () => {
    const now = run('new', [copy(true), runStep(false)], {
      files: [
        { path: 'a.txt', hash: '1' },
        { path: 'src/b.txt', hash: 'older' },
      ],
    });
    const why = explainCacheMiss(now, cachedRun);
    expect(why).toMatchObject({ verdict: 'explained', firstMiss: { stepId: 'r' } });
    expect(why.causes).toEqual([
      expect.objectContaining({ kind: 'files-changed', files: [{ path: 'src/b.txt', change: 'modified' }] }),
    ]);
    expect(why.causes[0]?.summary).toContain('COPY src /src');
  });

  it('names a build arg: from the step text BuildKit expanded, or because a RUN sees it', () => {
    const expanded = explainCacheMiss(
      run('new', [copy(true), runStep(false, 'RUN make V=2')], { buildArgs: [{ name: 'V', value: '2' }] }),
      run('old', [copy(true), runStep(true, 'RUN make V=1')], { buildArgs: [{ name: 'V', value: '1' }] }),
    );
    expect(expanded.causes[0]).toMatchObject({
      kind: 'build-arg-changed',
      args: [{ name: 'V', before: '1', after: '2' }],
    });
    const unseen = explainCacheMiss(
      run('new', [copy(true), runStep(false)], { buildArgs: [{ name: 'TOKEN', value: 'b' }] }),
      run('old', [copy(true), runStep(true)], { buildArgs: [] }),
    );
    expect(unseen.causes[0]).toMatchObject({ kind: 'build-arg-changed', args: [{ name: 'TOKEN', after: 'b' }] });
    // Left at its Dockerfile default the first time: the step text tells the old value.
    const defaulted = explainCacheMiss(
      run('new', [copy(true), runStep(false, 'RUN make V=2')], { buildArgs: [{ name: 'V', value: '2' }] }),
      run('old', [copy(true), runStep(true, 'RUN make V=1')], { buildArgs: [] }),
    );
    expect(defaulted.causes[0]).toMatchObject({
      kind: 'build-arg-changed',
      args: [{ name: 'V', before: '1', after: '2' }],
    });
  });

  it('names a base image that resolved to another digest', () => {
    const why = explainCacheMiss(
      run('new', [copy(false), runStep(false)], {
        materials: [{ uri: 'pkg:docker/local/busybox@latest?platform=linux%2Famd64', digests: ['sha256:bbb'] }],
      }),
      cachedRun,
    );
    expect(why.causes).toEqual([
      expect.objectContaining({
        kind: 'base-image-changed',
        image: { name: 'local/busybox:latest', before: 'sha256:aaa', after: 'sha256:bbb' },
      }),
    ]);
  });

  it('says --no-cache, a changed instruction, or that it cannot tell', () => {
    expect(explainCacheMiss(run('n', [copy(false)], { noCache: true }), cachedRun).causes[0]?.kind).toBe('no-cache');
    const edited = explainCacheMiss(run('n', [copy(true), runStep(false, 'RUN make -j2')]), cachedRun);
    expect(edited.causes[0]).toMatchObject({
      kind: 'instruction-changed',
      instruction: { before: 'RUN make V=1', after: 'RUN make -j2' },
    });
    const unknown = explainCacheMiss(run('n', [copy(true), runStep(false)]), cachedRun);
    expect(unknown).toMatchObject({ verdict: 'unexplained', causes: [{ kind: 'unknown' }] });
    const noHashes = explainCacheMiss(run('n', [copy(false)], { files: undefined }), cachedRun);
    expect(noHashes.limits.join(' ')).toMatch(/no content hashes/);
  });

  it('finds no miss when every cached step stayed cached, and says when there is no earlier run', () => {
    // FROM flips between cached and not with image loading: not a cache miss.
    expect(explainCacheMiss(run('n', [{ ...from, cached: false }, copy(true), runStep(true)]), cachedRun).verdict).toBe(
      'no-miss',
    );
    expect(explainCacheMiss(run('n', []), undefined).verdict).toBe('no-earlier-run');
  });

  it('reads COPY/ADD sources and image names', () => {
    expect(copySources('COPY --chown=1:1 a.txt src/ /dst/')).toEqual(['a.txt', 'src/']);
    expect(copySources('ADD ["a b.txt", "/x"]')).toEqual(['a b.txt']);
    expect(copySources('RUN x')).toBeUndefined();
    expect(imageNameOf('pkg:docker/local/busybox@latest?platform=linux%2Famd64')).toBe('local/busybox:latest');
    expect(imageNameOf('pkg:docker/127.0.0.1:5000/busybox@sha256:abc')).toBe('127.0.0.1:5000/busybox@sha256:abc');
  });

  it('finds the Dockerfile line of a failed step by its instruction', () => {
    const df = 'FROM a\n# note\nRUN echo one\nRUN echo bad >&2; \\\n  exit 3\nRUN never\n';
    expect(lineOfStep(df, 'RUN echo bad >&2;   exit 3')).toBe(4);
    expect(lineOfStep(df, 'RUN echo one')).toBe(3);
    expect(lineOfStep(df, 'COPY x y')).toBeUndefined();
  });
});

describe('timing chart', () => {
  it('splits wall time into executed, cached and waiting, every instant once', () => {
    const t = (ms: number) => 1_000_000 + ms;
    const events: BuildEvent[] = [
      {
        type: 'started',
        at: t(0),
        builder: 'b',
        driver: 'docker',
        platforms: [],
        defaultPlatform: 'linux/amd64',
        contextDir: '/c',
        tags: [],
        command: [],
      },
      { type: 'vertex', digest: 'a', name: '[1/3] FROM x', started: t(100), completed: t(300), cached: true },
      { type: 'vertex', digest: 'b', name: '[2/3] RUN a', started: t(200), completed: t(1200) },
      { type: 'vertex', digest: 'c', name: '[3/3] RUN b', started: t(1500), completed: t(2000) },
      { type: 'finished', at: t(2500), ok: true, cancelled: false, exitCode: 0 },
    ];
    const s = reduceBuildEvents(createBuildSnapshot('x'), events);
    const timing = recordTimingOf(s, t(9999));
    expect(timing?.byKind).toEqual({ executedMs: 1500, cachedMs: 100, waitingMs: 900 });
    expect(timing?.wallMs).toBe(2500);
    expect(timing?.lanes[0]?.bars.map((b) => [b.stepId, b.start, b.end, b.cached])).toEqual([
      ['a', 100, 300, true],
      ['b', 200, 1200, false],
      ['c', 1500, 2000, false],
    ]);
  });
});

describe("BuildDeck's own record of what a build sent", () => {
  it('keeps context hashes for the newest builds of a folder only, and finds builds by ref', () => {
    const db = openDatabase(':memory:');
    const store = new SqliteHistoryStore(db, { pid: process.pid, isAlive: () => true });
    const request = buildRequest.parse({ contextDir: '/ctx' });
    const n = HASHED_BUILDS_PER_CONTEXT + 2;
    for (let i = 0; i < n; i++) {
      const buildId = `b${i}`;
      store.insertStarted({
        buildId,
        request,
        secretIds: [],
        builder: 'default',
        driver: 'docker',
        platforms: [],
        startedAt: 1000 + i,
      });
      store.saveContext(buildId, {
        dockerfileText: 'FROM x',
        files: [{ path: 'a.txt', hash: String(i) }],
        truncated: false,
      });
    }
    store.saveMaterials('b0', [{ uri: 'pkg:docker/x@latest', digests: ['sha256:1'] }]);
    store.setRef('b3', 'default/default/abc');
    // The two oldest dropped their file lists; their Dockerfile text and materials stay.
    expect(store.getContext('b0')).toEqual({
      dockerfileText: 'FROM x',
      truncated: false,
      materials: [{ uri: 'pkg:docker/x@latest', digests: ['sha256:1'] }],
    });
    expect(store.getContext('b1')?.files).toBeUndefined();
    expect(store.getContext(`b${n - 1}`)?.files).toEqual([{ path: 'a.txt', hash: String(n - 1) }]);
    expect(store.findByRef('default/default/abc')).toBe('b3');
    expect(store.get('b3')?.item.ref).toBe('default/default/abc');
    db.close();
  });
});
