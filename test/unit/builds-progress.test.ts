import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseRawJson, RawJsonParser } from '../../electron/adapters/buildx/progress';
import type { BuildEvent, BuildSnapshot } from '../../electron/common/contracts/builds';
import { buildSnapshot } from '../../electron/common/contracts/builds';
import {
  applyProgress,
  createBuildSnapshot,
  logLineAt,
  logLines,
  orderedLaneSteps,
  parseVertexName,
  reduceBuild,
  reduceBuildEvents,
  summarizeBuild,
} from '../../electron/common/progress';

const dir = join(import.meta.dirname, '../fixtures/rawjson');
const VERSIONS = ['0.13.1', '0.29.1'] as const;
const fixture = (name: string) => readFileSync(join(dir, `${name}.txt`), 'utf8');
/** record.ts puts a unique token into each version's RUN lines; read it back, so re-recording works. */
const token = (v: string) =>
  new RegExp(`bdrec-[a-z0-9]+-${v.replace(/\./g, '\\.')}`).exec(fixture(`single-success-${v}`))?.[0] ?? 'missing-token';

function started(platforms: string[], at = 0): BuildEvent {
  return {
    type: 'started',
    at,
    builder: 'b',
    driver: platforms.length > 1 ? 'docker-container' : 'docker',
    platforms,
    defaultPlatform: 'linux/amd64',
    contextDir: '/ctx',
    tags: [],
    command: ['docker', 'buildx', 'build'],
  };
}

/** Runs a recorded stream through parser and reducer the way the core does (start, chunks, finish). */
function replay(
  name: string,
  opts: { platforms?: string[]; ok?: boolean; cancelled?: boolean; chunk?: number } = {},
): BuildSnapshot {
  const text = fixture(name);
  const parser = new RawJsonParser();
  let s = reduceBuild(createBuildSnapshot('t'), started(opts.platforms ?? []));
  const size = opts.chunk ?? text.length;
  for (let i = 0; i < text.length; i += size) s = reduceBuildEvents(s, parser.push(text.slice(i, i + size)));
  s = reduceBuildEvents(s, parser.end());
  const metaPath = join(dir, `${name}.meta.json`);
  const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>) : {};
  const digest = meta['containerimage.digest'];
  return reduceBuild(s, {
    type: 'finished',
    at: Math.max(0, ...Object.values(s.steps).map((x) => x.completedAt ?? 0)) + 1,
    ok: opts.ok ?? true,
    cancelled: opts.cancelled ?? false,
    exitCode: opts.ok === false ? 1 : 0,
    ...(typeof digest === 'string' ? { digest } : {}),
  });
}

describe('parseVertexName', () => {
  it('reads platform, stage and step numbers from the frontend prefix', () => {
    expect(parseVertexName('[linux/arm64 build 2/3] RUN make')).toEqual({
      platform: 'linux/arm64',
      stage: 'build',
      index: 2,
      total: 3,
      isStep: true,
      internal: false,
      title: 'RUN make',
    });
    expect(parseVertexName('[2/3] RUN make')).toMatchObject({ isStep: true, index: 2, total: 3, title: 'RUN make' });
    expect(parseVertexName('[2/3] RUN make').platform).toBeUndefined();
    expect(parseVertexName('[linux/arm/v7 1/2] FROM x')).toMatchObject({ platform: 'linux/arm/v7', isStep: true });
    expect(parseVertexName('[linux/amd64 internal] load metadata for x')).toMatchObject({
      platform: 'linux/amd64',
      internal: true,
      isStep: false,
    });
    expect(parseVertexName('[internal] load .dockerignore')).toMatchObject({
      internal: true,
      isStep: false,
      title: 'load .dockerignore',
    });
    expect(parseVertexName('exporting to image')).toEqual({
      isStep: false,
      internal: false,
      title: 'exporting to image',
    });
    expect(parseVertexName('[auth] library/busybox:pull token')).toMatchObject({ isStep: false, internal: false });
  });
});

describe('rawjson parser on recorded streams', () => {
  for (const v of VERSIONS) {
    it(`buildx ${v}: both shapes give the same events, whatever the chunking`, () => {
      const whole = parseRawJson(fixture(`single-success-${v}`));
      expect(whole.filter((e) => e.type === 'text')).toEqual([]);
      const vertexes = whole.filter((e) => e.type === 'vertex');
      expect(vertexes.map((e) => e.name)).toContain(`[2/4] RUN echo hello from build ${token(v)} && sleep 1`);
      const logs = whole
        .filter((e) => e.type === 'log')
        .map((e) => e.data)
        .join('');
      expect(logs).toContain('hello from build');
      expect(logs).toContain('to stderr');
      // Cut into 7-byte chunks: same events (log data may be split differently, same text).
      const p = new RawJsonParser();
      const text = fixture(`single-success-${v}`);
      const parts: BuildEvent[] = [];
      for (let i = 0; i < text.length; i += 7) parts.push(...p.push(text.slice(i, i + 7)));
      parts.push(...p.end());
      expect(parts.filter((e) => e.type !== 'log')).toEqual(whole.filter((e) => e.type !== 'log'));
      expect(
        parts
          .filter((e) => e.type === 'log')
          .map((e) => e.data)
          .join(''),
      ).toBe(logs);
    });

    it(`buildx ${v}: the plain-text error after the JSON becomes one error with file, line and snippet`, () => {
      const events = parseRawJson(fixture(`syntax-error-${v}`));
      const errors = events.filter((e) => e.type === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        message: 'failed to solve: dockerfile parse error on line 3: unknown instruction: RUNN (did you mean RUN?)',
        file: 'Dockerfile',
        line: 3,
      });
      expect(errors[0]?.type === 'error' && errors[0].snippet.find((l) => l.marked)).toEqual({
        line: 3,
        text: 'RUNN false',
        marked: true,
      });
      expect(events.filter((e) => e.type === 'text')).toEqual([]);
    });
  }

  it('survives truncated, garbage and hostile input', () => {
    const text = fixture('multi-success-0.13.1');
    for (const cut of [1, 100, 1000, text.length - 3]) {
      const events = parseRawJson(text.slice(0, cut));
      expect(Array.isArray(events)).toBe(true);
      // A cut object is kept as text, never thrown.
      expect(() => reduceBuildEvents(createBuildSnapshot('x'), events)).not.toThrow();
    }
    const garbage = [
      '\u0000\u0001binary{{{',
      '{"vertexes": "nope"}',
      '{"vertexes":[{"name":"no digest"}],"logs":[{"vertex":"v","data":12}],"statuses":[{}]}',
      '{"logs":[{"vertex":"v","stream":1,"data":"!!!not base64"}]}',
      '[1,2,3]\nnull\n"str"\n',
      '{"warnings":[{"short":42,"range":"x","sourceInfo":7}]}',
      'ERROR: something {with braces} happened',
      '}}}}',
    ];
    for (const g of garbage) expect(() => reduceBuildEvents(createBuildSnapshot('x'), parseRawJson(g))).not.toThrow();
    // `{` inside an ERROR line is text, not the start of a JSON object that swallows the rest.
    expect(parseRawJson('ERROR: failed {x}\n')).toEqual([{ type: 'error', message: 'failed {x}', snippet: [] }]);
  });

  it('decodes UTF-8 split across log chunks and base64-decodes warnings with their source line', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const bytes = Buffer.from('naïve ✓\n');
    const a = bytes.subarray(0, 3).toString('base64');
    const b = bytes.subarray(3).toString('base64');
    const events = parseRawJson(
      [
        JSON.stringify({
          vertexes: [{ digest: 'v1', name: '[1/2] RUN x', started: '2026-01-01T00:00:00.123456789Z' }],
        }),
        JSON.stringify({ logs: [{ vertex: 'v1', stream: 1, data: a }] }),
        JSON.stringify({ logs: [{ vertex: 'v1', stream: 1, data: b }] }),
        // Shape from BuildKit's client.VertexWarning (build checks); BuildKit 0.13 here emits none.
        JSON.stringify({
          warnings: [
            {
              vertex: 'v1',
              level: 1,
              short: b64('FromAsCasing: keywords casing mismatch'),
              detail: [b64("'as' and 'FROM' keywords' casing do not match")],
              url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
              sourceInfo: { filename: 'Dockerfile', data: b64('FROM a as b\nRUN x\nRUN y\n'), language: 'Dockerfile' },
              range: [{ start: { line: 1 }, end: { line: 1 } }],
            },
          ],
        }),
      ].join('\n'),
    );
    const s = reduceBuildEvents(createBuildSnapshot('w'), events);
    expect(logLines(s.log).map((l) => l.text)).toEqual(['naïve ✓']);
    expect(s.steps['v1']?.startedAt).toBe(Date.parse('2026-01-01T00:00:00.123Z'));
    expect(s.warnings).toEqual([
      {
        step: 'v1',
        level: 1,
        short: 'FromAsCasing: keywords casing mismatch',
        detail: ["'as' and 'FROM' keywords' casing do not match"],
        url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
        file: 'Dockerfile',
        line: 1,
        snippet: [
          { line: 1, text: 'FROM a as b', marked: true },
          { line: 2, text: 'RUN x', marked: false },
          { line: 3, text: 'RUN y', marked: false },
        ],
      },
    ]);
  });
});

describe('reducer on recorded builds', () => {
  for (const v of VERSIONS) {
    it(`buildx ${v}: single-platform success has one lane with steps, logs and the digest`, () => {
      const s = replay(`single-success-${v}`, { chunk: 512 });
      expect(buildSnapshot.safeParse(s).success).toBe(true);
      expect(s.status).toBe('succeeded');
      expect(s.lanes.map((l) => [l.key, l.kind])).toEqual([
        ['linux/amd64', 'platform'],
        ['shared', 'shared'],
      ]);
      const lane = s.lanes[0];
      if (!lane) throw new Error('no lane');
      const titles = orderedLaneSteps(s, lane).map((st) => [st.index, st.state]);
      expect(titles).toEqual([
        [1, 'cached'],
        [2, 'done'],
        [3, 'done'],
        [4, 'done'],
      ]);
      const run = Object.values(s.steps).find((st) => st.index === 2);
      expect(logLines(run?.logs ?? { chunks: [], length: 0, dropped: 0 }).map((l) => l.text)).toEqual([
        `hello from build ${token(v)}`,
      ]);
      expect(run?.durationMs).toBeGreaterThan(900); // `sleep 1`
      const stderrLine = logLines(s.log).find((l) => l.text === 'to stderr');
      expect(stderrLine?.stream).toBe(2);
      const summary = summarizeBuild(s);
      expect(summary).toMatchObject({
        ok: true,
        cancelled: false,
        digest: expect.stringMatching(/^sha256:/) as unknown,
      });
      expect(summary.platforms).toEqual([
        expect.objectContaining({ platform: 'linux/amd64', ok: true, steps: 4, cachedSteps: 1 }),
      ]);
    });

    it(`buildx ${v}: a rebuild reports its RUN and COPY steps cached`, () => {
      const s = replay(`single-cached-${v}`);
      const summary = summarizeBuild(s);
      expect(summary.platforms).toEqual([
        expect.objectContaining({ platform: 'linux/amd64', steps: 4, cachedSteps: 3, cacheHitRatio: 0.75 }),
      ]);
      expect(
        Object.values(s.steps)
          .filter((st) => st.state === 'cached')
          .map((st) => st.title),
      ).toEqual(expect.arrayContaining(['COPY a.txt /a.txt', `RUN echo hello from build ${token(v)} && sleep 1`]));
    });

    it(`buildx ${v}: multi-platform success has one lane per platform plus shared`, () => {
      const s = replay(`multi-success-${v}`, { platforms: ['linux/amd64', 'linux/arm64'] });
      expect(s.lanes.map((l) => l.key)).toEqual(['linux/amd64', 'linux/arm64', 'shared']);
      for (const lane of s.lanes.slice(0, 2)) {
        expect(lane.summary).toMatchObject({ ok: true, state: 'done', steps: 4 });
        const stages = new Set(lane.steps.map((id) => s.steps[id]?.stage).filter(Boolean));
        expect(stages).toEqual(new Set(['base', 'final']));
      }
      const arch = logLines(s.log)
        .map((l) => l.text)
        .filter((t) => t.startsWith('arch '));
      expect(arch.sort()).toEqual([`arch aarch64 ${token(v)}`, `arch x86_64 ${token(v)}`]);
      expect(s.lanes[2]?.steps.map((id) => s.steps[id]?.title)).toContain('exporting to oci image format');
      expect(summarizeBuild(s).digest).toMatch(/^sha256:/);
    });

    it(`buildx ${v}: a RUN failing only on arm64 fails that lane with its error; amd64 stays truthful`, () => {
      const s = replay(`multi-arm64-fail-${v}`, { platforms: ['linux/amd64', 'linux/arm64'], ok: false });
      const [amd, arm] = s.lanes;
      expect(arm?.summary).toMatchObject({ ok: false, state: 'failed' });
      expect(arm?.summary.error).toContain('exit code: 7');
      expect(amd?.summary).toMatchObject({ ok: true, state: 'done', steps: 3 });
      expect(s.error).toMatchObject({
        lane: 'linux/arm64',
        file: 'Dockerfile',
        line: 3,
        lastLogLines: ['arm64 is not supported'],
      });
      expect(s.error?.snippet.find((l) => l.marked)?.text).toContain('aarch64');
      expect(s.steps[s.error?.step ?? '']?.platform).toBe('linux/arm64');
      const summary = summarizeBuild(s);
      expect(summary.ok).toBe(false);
      expect(summary.platforms.map((p) => [p.platform, p.ok])).toEqual([
        ['linux/amd64', true],
        ['linux/arm64', false],
      ]);
    });

    it(`buildx ${v}: a failing RUN shows the step, its last output and the Dockerfile line`, () => {
      const s = replay(`single-runfail-${v}`, { ok: false });
      expect(s.status).toBe('failed');
      expect(s.error?.message).toContain('exit code: 3');
      expect(s.error?.lastLogLines).toEqual(expect.arrayContaining([`about to fail ${token(v)}`, 'bad thing']));
      expect(s.error?.line).toBe(3);
      expect(s.steps[s.error?.step ?? '']?.state).toBe('failed');
      // The step after the failure never ran: cancelled, not failed and not queued forever.
      expect(Object.values(s.steps).find((st) => st.title === 'RUN echo never')?.state).toBe('cancelled');
    });

    it(`buildx ${v}: a cancelled build is cancelled, not failed`, () => {
      const s = replay(`single-cancel-${v}`, { ok: false, cancelled: true });
      expect(s.status).toBe('cancelled');
      expect(s.error).toBeUndefined();
      const run = Object.values(s.steps).find((st) => st.title.startsWith('RUN echo started'));
      expect(run?.state).toBe('cancelled');
      expect(s.lanes[0]?.summary.state).toBe('cancelled');
      expect(summarizeBuild(s)).toMatchObject({ ok: false, cancelled: true });
    });
  }

  it('a syntax error fails the single lane with the parse error and the marked line', () => {
    const s = replay('syntax-error-0.29.1', { ok: false });
    expect(summarizeBuild(s).platforms).toEqual([
      expect.objectContaining({
        platform: 'linux/amd64',
        ok: false,
        steps: 0,
        error: expect.stringContaining('unknown instruction: RUNN') as unknown,
      }),
    ]);
    expect(s.error).toMatchObject({ file: 'Dockerfile', line: 3 });
  });
});

describe('parser fast paths', () => {
  const files = ['single-success', 'multi-success', 'multi-arm64-fail', 'single-runfail', 'single-cancel'];

  it('reads buildx 0.29 log and status lines without JSON.parse and gets the events the general path gets', () => {
    for (const f of files) {
      const text = fixture(`${f}-0.29.1`);
      // `{ "logs"` is the same JSON but not the fast path's exact shape: it takes JSON.parse.
      const general = text.replace(/^\{"(logs|statuses)"/gm, '{ "$1"');
      expect(general).not.toBe(text);
      expect(text).toMatch(/^\{"statuses"/m);
      expect(parseRawJson(text)).toEqual(parseRawJson(general));
    }
  });

  it('leaves status lines that are not exactly the common shape to JSON.parse, with the same result', () => {
    const v = '"vertex":"sha256:a"';
    const t = '"timestamp":"2026-11-27T06:36:46.438048802Z"';
    const lines = [
      `{"statuses":[{"id":"x",${v},"name":"transferring","current":0,${t},"started":"2026-11-27T06:36:45.4Z"}]}`,
      `{"statuses":[{"id":"x",${v},"name":"transferring","total":191,"current":191,${t},"started":"2026-11-27T06:36:45.4Z","completed":"2026-11-27T06:36:47.9Z"}]}`,
      `{"statuses":[{"id":"x",${v},"current":3,${t}}]}`, // no name, no start
      `{"statuses":[{"id":"x",${v},"name":"","current":3}]}`, // an empty name, no time
      `{"statuses":[{"id":"x",${v},"name":"n","total":0,"current":0,"timestamp":"garbage"}]}`,
      `{"statuses":[{"id":"",${v},"current":1}]}`, // no id: skipped
      `{"statuses":[{"id":"x","vertex":"","current":1}]}`, // no vertex: skipped
      `{"statuses":[{"id":"x",${v},"current":1.5}]}`, // a fraction
      `{"statuses":[{"id":"x",${v},"current":2e3}]}`, // an exponent
      `{"statuses":[{"id":"x",${v},"current":-4}]}`, // a sign
      `{"statuses":[{"id":"x",${v},"current":12345678901234567}]}`, // past 2^53
      `{"statuses":[{"id":"x",${v},"total":null,"current":1}]}`,
      `{"statuses":[{"id":"x",${v},"current":1,"extra":true}]}`,
      `{"statuses":[{"vertex":"sha256:a","id":"x","current":1}]}`, // another order
      `{"statuses":[{"id":"a\\u0041",${v},"current":1}]}`, // an escape
      `{"statuses":[{"id":"x",${v},"current":1},{"id":"y",${v},"current":2}]}`, // two at once
      `{"statuses":[{"id":"x",${v},"current":1}],"logs":[]}`,
    ];
    const fast = parseRawJson(`${lines.join('\n')}\n`);
    const general = parseRawJson(`${lines.map((l) => l.replace(/^\{"statuses"/, '{ "statuses"')).join('\n')}\n`);
    expect(fast).toEqual(general);
    expect(fast.map((e) => (e.type === 'status' ? [e.id, e.current, e.total, e.at] : e.type))).toEqual([
      ['x', 0, undefined, Date.parse('2026-11-27T06:36:46.438Z')],
      ['x', 191, 191, Date.parse('2026-11-27T06:36:46.438Z')],
      ['x', 3, undefined, Date.parse('2026-11-27T06:36:46.438Z')],
      ['x', 3, undefined, undefined],
      ['x', 0, 0, undefined],
      ['x', 1.5, undefined, undefined],
      ['x', 2000, undefined, undefined],
      ['x', -4, undefined, undefined],
      ['x', 12345678901234568, undefined, undefined],
      ['x', 1, undefined, undefined],
      ['x', 1, undefined, undefined],
      ['x', 1, undefined, undefined],
      ['aA', 1, undefined, undefined],
      ['x', 1, undefined, undefined],
      ['y', 2, undefined, undefined],
      ['x', 1, undefined, undefined],
    ]);
    // The common shapes (the first five) never reach JSON.parse.
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(parseRawJson(`${lines.slice(0, 5).join('\n')}\n`)).toEqual(fast.slice(0, 5));
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    // Not JSON (a leading zero): the line as text, as JSON.parse's path has always given it.
    const bad = `{"statuses":[{"id":"x",${v},"current":01}]}`;
    expect(parseRawJson(`${bad}\n`)).toEqual([{ type: 'text', text: bad }]);
  });

  it('gives the same events whatever size the reads are cut into', () => {
    for (const f of files) {
      const text = fixture(`${f}-0.29.1`);
      const whole = parseRawJson(text);
      for (const size of [1, 7, 100, 4096]) {
        const p = new RawJsonParser();
        const events: BuildEvent[] = [];
        for (let i = 0; i < text.length; i += size) events.push(...p.push(text.slice(i, i + size)));
        events.push(...p.end());
        expect(events).toEqual(whole);
      }
    }
  });

  it('leaves lines that are not exactly the common shape to JSON.parse, with the same result', () => {
    const lines = [
      '{"logs":[{"vertex":"","stream":1,"data":"eAo="}]}', // no digest: skipped
      '{"logs":[{"vertex":"sha256:a","stream":12,"data":"eAo="}]}',
      '{"logs":[{"vertex":"sha256:\\u0041","stream":1,"data":"eAo="}]}', // an escape in the digest
      '{"logs":[{"vertex":"sha256:a","stream":1,"data":"eA\\/o="}]}', // an escape in the data
      '{"logs":[{"vertex":"sha256:a","stream":1,"data":"eAo=","timestamp":"2026-11-27T06:36:46.5\\u005a"}]}',
      '{"logs":[{"vertex":"sha256:a","stream":1,"data":"eAo=","extra":1}]}',
      '{"logs":[{"vertex":"sha256:a","stream":1,"data":"eAo="},{"vertex":"sha256:b","stream":2,"data":"eQo="}]}',
    ];
    const fast = parseRawJson(`${lines.join('\n')}\n`);
    const general = parseRawJson(`${lines.map((l) => l.replace(/^\{"logs"/, '{ "logs"')).join('\n')}\n`);
    expect(fast).toEqual(general);
    expect(fast.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.vertex : ''))).toEqual([
      'sha256:a',
      'sha256:A',
      'sha256:a',
      'sha256:a',
      'sha256:a',
      'sha256:a',
      'sha256:b',
    ]);
    // Not JSON (a leading zero): the line as text, as JSON.parse's path has always given it.
    const bad = '{"logs":[{"vertex":"sha256:a","stream":01,"data":"eAo="}]}';
    expect(parseRawJson(`${bad}\n`)).toEqual([{ type: 'text', text: bad }]);
  });

  it('gives every timestamp exactly what Date.parse gives (milliseconds, fraction truncated)', () => {
    const stamps = [
      '2026-11-27T06:36:46.52357514Z',
      '2026-11-27T06:36:46.5Z',
      '2026-11-27T06:36:46.999999999Z',
      '2026-11-27T06:36:47.000000001Z',
      '2026-11-27T06:36:47Z',
      '2026-11-27T07:36:47.123+01:00',
      // Two seconds in turn (a status line's start and timestamp), then a third.
      '2026-11-27T06:36:46.1Z',
      '2026-11-27T06:36:47.2Z',
      '2026-11-27T06:36:46.3Z',
      '2026-11-27T06:36:48.4Z',
      '2026-11-27T06:36:46.5Z',
      '0001-01-01T00:00:00Z',
      'garbage',
    ];
    const lines = stamps.map((t) => `{"logs":[{"vertex":"sha256:a","stream":1,"data":"eAo=","timestamp":"${t}"}]}`);
    const events = parseRawJson(`${lines.join('\n')}\n`);
    expect(events.map((e) => (e.type === 'log' ? e.at : 'not a log'))).toEqual(
      stamps.map((t) => {
        const ms = Date.parse(t);
        return Number.isFinite(ms) && ms > 0 ? ms : undefined;
      }),
    );
  });

  it('keeps a UTF-8 character split across log lines of the same stream whole', () => {
    const bytes = Buffer.from('é€😀\n');
    const line = (b: Buffer) => `{"logs":[{"vertex":"sha256:a","stream":1,"data":"${b.toString('base64')}"}]}`;
    const text = [line(bytes.subarray(0, 1)), line(bytes.subarray(1, 4)), line(bytes.subarray(4))].join('\n');
    const events = parseRawJson(text);
    expect(events.map((e) => (e.type === 'log' ? e.data : '')).join('')).toBe('é€😀\n');
  });

  it('gives each log line of a read its own text, ASCII or not, in order (a read is decoded at once)', () => {
    const line = (vertex: string, stream: number, b: Buffer) =>
      `{"logs":[{"vertex":"${vertex}","stream":${stream},"data":"${b.toString('base64')}"}]}`;
    const e = Buffer.from('é\n');
    const text = [
      line('sha256:a', 1, Buffer.from('one\n')),
      line('sha256:a', 1, e.subarray(0, 1)), // half a character: no text yet, no event
      line('sha256:b', 1, Buffer.from('two\n')),
      line('sha256:a', 1, e.subarray(1)),
      line('sha256:a', 2, Buffer.from([0x41, 0xff, 0x0a])), // an invalid byte
      line('sha256:b', 2, Buffer.from('three\n')),
    ].join('\n');
    const logs = (events: BuildEvent[]) =>
      events.flatMap((ev) => (ev.type === 'log' ? [[ev.vertex, ev.stream, ev.data]] : []));
    const want = [
      ['sha256:a', 1, 'one\n'],
      ['sha256:b', 1, 'two\n'],
      ['sha256:a', 1, 'é\n'],
      ['sha256:a', 2, 'A\uFFFD\n'],
      ['sha256:b', 2, 'three\n'],
    ];
    expect(logs(parseRawJson(text))).toEqual(want);
    // And read in pieces: the same texts, whatever each read held.
    for (const size of [1, 7, 100]) {
      const p = new RawJsonParser();
      const events: BuildEvent[] = [];
      for (let i = 0; i < text.length; i += size) events.push(...p.push(text.slice(i, i + size)));
      events.push(...p.end());
      expect(logs(events)).toEqual(want);
    }
    // A whole recorded stream in one push is decoded in batches: every line still gets its own text.
    const many = Array.from({ length: 6000 }, (_, i) => `line ${i} of a long recorded build log\n`);
    const big = parseRawJson(many.map((t) => line('sha256:c', 1, Buffer.from(t))).join('\n'));
    expect(big.map((ev) => (ev.type === 'log' ? ev.data : ''))).toEqual(many);
  });
});

describe('reducer mechanics', () => {
  const v = (digest: string, name: string, extra: Partial<BuildEvent & { type: 'vertex' }> = {}): BuildEvent => ({
    type: 'vertex',
    digest,
    name,
    ...extra,
  });

  it('never mutates the snapshot it was given and shares untouched steps', () => {
    const s0 = reduceBuildEvents(createBuildSnapshot('m'), [
      started(['linux/amd64']),
      v('a', '[1/2] FROM x', { started: 1 }),
      v('b', '[2/2] RUN y', { started: 2 }),
    ]);
    const frozen = JSON.stringify(s0);
    const s1 = reduceBuild(s0, { type: 'log', vertex: 'b', stream: 1, data: 'line\n' });
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(s1).not.toBe(s0);
    expect(s1.steps['a']).toBe(s0.steps['a']); // untouched: same object
    expect(s1.steps['b']).not.toBe(s0.steps['b']);
    expect(s1.lanes).toBe(s0.lanes); // a log line changes no lane
    expect(s1.eventCount).toBe(s0.eventCount + 1);
  });

  it('joins lines split across chunks, keeps streams apart, caps logs by whole chunks', () => {
    let s = reduceBuildEvents(createBuildSnapshot('l', { maxLogLines: 600, maxStepLogLines: 300 }), [
      v('a', '[1/1] RUN y', { started: 1 }),
    ]);
    s = reduceBuildEvents(s, [
      { type: 'log', vertex: 'a', stream: 1, data: 'hel' },
      { type: 'log', vertex: 'a', stream: 2, data: 'err\n' },
      { type: 'log', vertex: 'a', stream: 1, data: 'lo\r\nwor' },
    ]);
    expect(logLines(s.log).map((l) => [l.stream, l.text])).toEqual([
      [2, 'err'],
      [1, 'hello'],
    ]);
    s = reduceBuild(s, v('a', '[1/1] RUN y', { started: 1, completed: 5 }));
    expect(logLines(s.log).at(-1)?.text).toBe('wor'); // flushed when the step completed
    for (let i = 0; i < 1000; i++) s = reduceBuild(s, { type: 'log', vertex: 'a', stream: 1, data: `n${i}\n` });
    expect(s.log.length).toBeLessThanOrEqual(600);
    expect(s.log.length + s.log.dropped).toBe(1003);
    expect(logLineAt(s.log, s.log.length - 1)?.text).toBe('n999');
    expect(logLineAt(s.log, 0)?.seq).toBe(s.log.dropped);
    expect(s.steps['a']?.logs.length).toBeLessThanOrEqual(300);
  });

  it('two reductions from one snapshot each get their own log, and neither shows in the base', () => {
    const base = reduceBuildEvents(createBuildSnapshot('f'), [v('a', '[1/1] RUN y', { started: 1 })]);
    const one = reduceBuild(base, { type: 'log', vertex: 'a', stream: 1, data: 'one\n' });
    const two = reduceBuild(base, { type: 'log', vertex: 'a', stream: 1, data: 'two\n' });
    const more = reduceBuild(one, { type: 'log', vertex: 'a', stream: 1, data: 'three\n' });
    expect(logLines(base.log)).toEqual([]);
    expect((JSON.parse(JSON.stringify(base)) as BuildSnapshot).log).toEqual({
      chunks: [],
      length: 0,
      dropped: 0,
      chars: 0,
    });
    expect(logLines(one.log).map((l) => l.text)).toEqual(['one']);
    expect(logLines(two.log).map((l) => l.text)).toEqual(['two']);
    expect(logLines(more.log).map((l) => l.text)).toEqual(['one', 'three']);
    expect(logLines(two.steps['a']?.logs ?? base.log).map((l) => l.text)).toEqual(['two']);
    expect((JSON.parse(JSON.stringify(one)) as BuildSnapshot).log.chunks).toEqual([[logLineAt(one.log, 0)]]);
  });

  it('reduces a snapshot its holder deep-froze (a store that freezes state) without throwing', () => {
    const deepFreeze = (o: unknown): void => {
      if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return;
      Object.freeze(o);
      for (const v of Object.values(o)) deepFreeze(v);
    };
    let s = reduceBuildEvents(createBuildSnapshot('z'), [v('a', '[1/1] RUN y', { started: 1 })]);
    s = reduceBuild(s, { type: 'log', vertex: 'a', stream: 1, data: 'one\n' });
    deepFreeze(s);
    const next = reduceBuild(s, { type: 'log', vertex: 'a', stream: 1, data: 'two\n' });
    expect(logLines(next.log).map((l) => l.text)).toEqual(['one', 'two']);
    expect(logLines(s.log).map((l) => l.text)).toEqual(['one']);
  });

  /** Events that take every branch of reduceBuild's one-event paths and of the pass they stand for. */
  const mixed = (): BuildEvent[] => [
    started(['linux/amd64']),
    v('a', '[linux/amd64 1/2] RUN x', { started: 1 }),
    v('b', '[linux/amd64 2/2] RUN y', { started: 2 }),
    { type: 'log', vertex: 'a', stream: 1, data: 'first\n' }, // a stream's first line: pending set to ''
    { type: 'log', vertex: 'a', stream: 1, data: 'second\r\n' },
    { type: 'log', vertex: 'b', stream: 1, data: 'b1\n' },
    { type: 'log', vertex: 'a', stream: 2, data: 'err\n' },
    { type: 'log', vertex: 'a', stream: 2, data: 'err2\n' },
    { type: 'log', vertex: 'a', stream: 1, data: 'two\nlines\n' },
    { type: 'log', vertex: 'a', stream: 1, data: 'part' },
    { type: 'log', vertex: 'a', stream: 1, data: 'ial\n' },
    { type: 'log', vertex: 'a', stream: 1, data: `${'x'.repeat(40)}\n` }, // over maxLineLength
    { type: 'log', vertex: 'a', stream: 3, data: 'three\n' },
    { type: 'log', vertex: 'a', stream: 3, data: 'three again\n', at: 7 },
    { type: 'log', vertex: 'nope', stream: 1, data: 'lost\n' },
    { type: 'status', vertex: 'a', id: 'l1', name: 'downloading', current: 5, total: 10 },
    { type: 'status', vertex: 'a', id: 'l2', current: 1 },
    { type: 'status', vertex: 'a', id: 'l1', current: 10, total: 10, completed: 3 },
    { type: 'status', vertex: 'a', id: 'l3', current: 0.1, total: 0.3 },
    { type: 'status', vertex: 'nope', id: 'l1', current: 1 },
    ...Array.from({ length: 70 }, (_, k): BuildEvent => ({ type: 'status', vertex: 'b', id: `m${k}`, current: k })),
    ...Array.from({ length: 40 }, (_, k): BuildEvent => ({ type: 'log', vertex: 'b', stream: 1, data: `n${k}\n` })),
    v('a', '[linux/amd64 1/2] RUN x', { started: 1, completed: 9 }),
    { type: 'log', vertex: 'a', stream: 1, data: 'after\n' },
    { type: 'finished', at: 20, ok: true, cancelled: false, exitCode: 0 },
  ];
  const limits = { maxLineLength: 32, maxLogLines: 300, maxStepLogLines: 260 };

  it('one event at a time gives exactly what one batch gives', () => {
    let one = createBuildSnapshot('o', limits);
    for (const e of mixed()) one = reduceBuild(one, e);
    const batch = reduceBuildEvents(createBuildSnapshot('o', limits), mixed());
    expect(JSON.stringify(one)).toBe(JSON.stringify(batch));
    // And on recorded builds (the reducer's every event kind, as buildx printed them).
    for (const name of ['multi-arm64-fail-0.29.1', 'single-success-0.13.1', 'single-runfail-0.29.1']) {
      const events = [started(['linux/amd64', 'linux/arm64']), ...parseRawJson(fixture(name))];
      let s = createBuildSnapshot(name);
      for (const e of events) s = reduceBuild(s, e);
      expect(JSON.stringify(s)).toBe(JSON.stringify(reduceBuildEvents(createBuildSnapshot(name), events)));
    }
  });

  it('one event at a time: earlier snapshots never change, untouched steps and lanes keep identity', () => {
    const kept: { s: BuildSnapshot; json: string }[] = [];
    let s = createBuildSnapshot('k', limits);
    for (const e of mixed()) {
      const next = reduceBuild(s, e);
      expect(next).not.toBe(s);
      const named = e.type === 'log' || e.type === 'status' ? e.vertex : e.type === 'vertex' ? e.digest : undefined;
      if (e.type === 'log' || e.type === 'status') {
        for (const id of Object.keys(s.steps)) {
          if (id === named) expect(next.steps[id]).not.toBe(s.steps[id]);
          else expect(next.steps[id]).toBe(s.steps[id]);
        }
        if (named !== undefined && s.steps[named]) expect(next.steps).not.toBe(s.steps);
        expect(next.lanes).toBe(s.lanes);
      }
      if (e.type === 'status') expect(next.log).toBe(s.log);
      kept.push({ s: next, json: JSON.stringify(next) });
      s = next;
    }
    for (const k of kept) expect(JSON.stringify(k.s)).toBe(k.json);
  });

  it('applyProgress skips what a reloaded window already has and reports gaps', () => {
    const events: BuildEvent[] = [
      started([]),
      v('a', '[1/1] RUN y', { started: 1 }),
      { type: 'log', vertex: 'a', stream: 1, data: 'x\n' },
    ];
    const fromGet = reduceBuildEvents(createBuildSnapshot('r'), events.slice(0, 2));
    const joined = applyProgress(fromGet, { firstIndex: 0, events });
    expect(joined.gap).toBe(false);
    expect(joined.snapshot.eventCount).toBe(3);
    expect(logLines(joined.snapshot.log)).toHaveLength(1);
    expect(applyProgress(fromGet, { firstIndex: 5, events }).gap).toBe(true);
    expect(applyProgress(joined.snapshot, { firstIndex: 0, events }).snapshot).toBe(joined.snapshot);
  });

  it('sums byte progress of a step across its transfers', () => {
    let s = reduceBuildEvents(createBuildSnapshot('p'), [v('a', '[1/1] FROM x', { started: 1 })]);
    s = reduceBuildEvents(s, [
      { type: 'status', vertex: 'a', id: 'layer1', current: 50, total: 100 },
      { type: 'status', vertex: 'a', id: 'layer2', current: 10, total: 300 },
      { type: 'status', vertex: 'a', id: 'layer1', current: 100, total: 100, completed: 3 },
    ]);
    expect(s.steps['a']).toMatchObject({ bytesCurrent: 110, bytesTotal: 400 });
    expect(s.steps['a']?.transfers.find((t) => t.id === 'layer1')?.done).toBe(true);
  });

  it('keeps the byte sums equal to the kept transfers as the oldest fall off and totals change', () => {
    let s = reduceBuildEvents(createBuildSnapshot('p'), [v('a', '[1/1] FROM x', { started: 1 })]);
    const sums = (st: BuildSnapshot) => {
      const ts = st.steps['a']?.transfers ?? [];
      const counted = ts.filter((t) => t.total !== undefined && t.total > 0);
      return {
        bytesCurrent: counted.reduce((n, t) => n + Math.min(t.current, t.total ?? 0), 0),
        bytesTotal: counted.reduce((n, t) => n + (t.total ?? 0), 0),
      };
    };
    // 70 layers (the 6 oldest fall off at 64), one batch each way, some without a total, some over it.
    const events: BuildEvent[] = [];
    for (let k = 0; k < 70; k++)
      events.push({
        type: 'status',
        vertex: 'a',
        id: `layer${k}`,
        current: k * 7,
        ...(k % 3 === 0 ? {} : { total: k * 5 }),
      });
    s = reduceBuildEvents(s, events.slice(0, 30));
    for (const e of events.slice(30)) s = reduceBuild(s, e);
    expect(s.steps['a']?.transfers).toHaveLength(64);
    expect(s.steps['a']?.transfers[0]?.id).toBe('layer6');
    expect(s.steps['a']).toMatchObject(sums(s));
    // An update of a kept layer, one that loses its total, and a fraction (summed afresh, no drift).
    s = reduceBuildEvents(s, [
      { type: 'status', vertex: 'a', id: 'layer10', current: 1, total: 2 },
      { type: 'status', vertex: 'a', id: 'layer11', current: 5 },
      { type: 'status', vertex: 'a', id: 'layer13', current: 0.1, total: 0.3 },
    ]);
    expect(s.steps['a']).toMatchObject(sums(s));
    expect(s.steps['a']?.bytesCurrent).toBeGreaterThan(0);
  });
});

describe('lane reading order', () => {
  it('multi-stage steps read in Dockerfile order even when cache hits finish out of order', () => {
    const events: BuildEvent[] = [
      {
        type: 'started',
        at: 0,
        builder: 'b',
        driver: 'docker',
        platforms: [],
        defaultPlatform: 'linux/amd64',
        contextDir: '/c',
        tags: [],
        command: [],
      },
      {
        type: 'vertex',
        digest: 'def',
        name: '[internal] load build definition from Dockerfile',
        started: 1,
        completed: 2,
      },
      // BuildKit reports cached steps of later stages first, all within the same millisecond.
      {
        type: 'vertex',
        digest: 's4',
        name: '[stage-1 4/4] COPY --from=base /x /x',
        started: 10,
        completed: 10,
        cached: true,
      },
      {
        type: 'vertex',
        digest: 's1',
        name: '[base 1/4] FROM docker.io/library/busybox',
        started: 10,
        completed: 10,
        cached: true,
      },
      { type: 'vertex', digest: 's3', name: '[stage-1 3/4] WORKDIR /app', started: 10, completed: 10, cached: true },
      { type: 'vertex', digest: 's2', name: '[base 2/4] RUN make', started: 11, completed: 11, cached: true },
      { type: 'vertex', digest: 'exp', name: 'exporting to image', started: 20, completed: 21 },
    ];
    const s = reduceBuildEvents(createBuildSnapshot('b'), events);
    const order = s.lanes.flatMap((lane) => orderedLaneSteps(s, lane).map((st) => st.index ?? st.title));
    expect(order.filter((x) => typeof x === 'number')).toEqual([1, 2, 3, 4]);
  });
});

describe('lane reading order, per-stage numbering', () => {
  it('a stage built FROM another (numbered per stage) reads after the stage it builds on', () => {
    const vertex = (digest: string, name: string, started: number): BuildEvent => ({
      type: 'vertex',
      digest,
      name,
      started,
      completed: started + 1,
    });
    const s = reduceBuildEvents(createBuildSnapshot('b'), [
      started([]),
      // As measured (bake fixture): `[final 1/1]` is announced before `[base 1/2]`.
      vertex('f1', '[final 1/1] RUN cat /who', 30),
      vertex('b1', '[base 1/2] FROM busybox', 10),
      vertex('b2', '[base 2/2] RUN echo > /who', 20),
    ]);
    const lane = s.lanes.find((l) => l.key === 'linux/amd64');
    expect(lane && orderedLaneSteps(s, lane).map((st) => `${st.stage ?? ''} ${st.index ?? ''}`)).toEqual([
      'base 1',
      'base 2',
      'final 1',
    ]);
  });
});
