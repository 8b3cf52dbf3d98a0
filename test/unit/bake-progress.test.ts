import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawJsonParser } from '../../electron/adapters/buildx/progress';
import { bakeSnapshot, type BakeEvent, type BakeSnapshot } from '../../electron/common/contracts/bake';
import type { BuildSnapshot, Step } from '../../electron/common/contracts/builds';
import {
  applyBakeProgress,
  BakeAttributor,
  createBakeSnapshot,
  finishBakeEvents,
  logLines,
  reduceBakeEvents,
  splitTargetPrefix,
  summarizeBake,
} from '../../electron/common/progress';
import { stepsPerTarget } from '../helpers/bake-oracle';

const dir = join(import.meta.dirname, '../fixtures/bake');
const VERSIONS = ['0.13.1', '0.29.1'] as const;
const raw = (name: string) => readFileSync(join(dir, `${name}.txt`), 'utf8');
const token = (v: string) =>
  new RegExp(`bdrec-[a-z0-9]+-${v.replace(/\./g, '\\.')}`).exec(raw(`three-${v}`))?.[0] ?? 'missing-token';

interface Printed {
  group: Record<string, { targets: string[] }>;
  target: Record<
    string,
    { platforms?: string[]; context: string; dockerfile?: string; target?: string; tags?: string[] }
  >;
}

/** Replays a recorded bake the way the core runs one: plan, one start per target, chunks, the end. */
function replay(name: string, opts: { ok: boolean; chunk?: number }): { s: BakeSnapshot; events: BakeEvent[] } {
  const printed = JSON.parse(readFileSync(join(dir, `${name}.print.json`), 'utf8')) as Printed;
  const names = printed.group['default']?.targets ?? [];
  const events: BakeEvent[] = [
    {
      type: 'planned',
      at: 1,
      projectDir: '/p',
      files: ['/p/docker-bake.hcl'],
      builder: 'b',
      driver: 'docker-container',
      requested: [],
      targets: names.map((n) => ({ name: n, platforms: printed.target[n]?.platforms ?? [], context: '.', tags: [] })),
      command: ['docker', 'buildx', 'bake'],
      variables: [],
    },
    ...names.map((n): BakeEvent => ({
      type: 'started',
      target: n,
      at: 1,
      builder: 'b',
      driver: 'docker-container',
      platforms: printed.target[n]?.platforms ?? [],
      defaultPlatform: 'linux/amd64',
      contextDir: '/p',
      tags: [],
      command: [],
    })),
  ];
  const parser = new RawJsonParser();
  const attributor = new BakeAttributor(names);
  const text = raw(name);
  const size = opts.chunk ?? text.length;
  for (let i = 0; i < text.length; i += size)
    events.push(...attributor.attribute(parser.push(text.slice(i, i + size))));
  events.push(...attributor.attribute(parser.end()));
  let s = reduceBakeEvents(createBakeSnapshot('k'), events);
  const metaPath = join(dir, `${name}.meta.json`);
  const meta = existsSync(metaPath)
    ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, Record<string, unknown>>)
    : {};
  const metadata = Object.fromEntries(
    names.map((n) => [
      n,
      {
        ...(typeof meta[n]?.['buildx.build.ref'] === 'string' ? { ref: meta[n]['buildx.build.ref'] } : {}),
        ...(typeof meta[n]?.['containerimage.digest'] === 'string' ? { digest: meta[n]['containerimage.digest'] } : {}),
      },
    ]),
  );
  const end = finishBakeEvents(s, {
    at: 10_000_000_000_000,
    ok: opts.ok,
    cancelled: false,
    exitCode: opts.ok ? 0 : 1,
    metadata,
  });
  events.push(...end);
  s = reduceBakeEvents(s, end);
  return { s, events };
}

const steps = (s: BuildSnapshot | undefined, lane: string): Step[] =>
  (s?.lanes.find((l) => l.key === lane)?.steps ?? []).map((id) => s?.steps[id] as Step);
const text = (s: BuildSnapshot | undefined) =>
  logLines(s?.log ?? { chunks: [], length: 0, dropped: 0 }).map((l) => l.text);

describe('splitTargetPrefix', () => {
  const targets = new Set(['alpha', 'beta']);
  it('takes a known target off the name and keeps what the build reducer reads', () => {
    expect(splitTargetPrefix('[alpha linux/arm64 base 2/2] RUN x', targets)).toEqual({
      target: 'alpha',
      name: '[linux/arm64 base 2/2] RUN x',
    });
    expect(splitTargetPrefix('[beta internal] load .dockerignore', targets)).toEqual({
      target: 'beta',
      name: '[internal] load .dockerignore',
    });
    expect(splitTargetPrefix('[alpha] exporting to image', targets)).toEqual({
      target: 'alpha',
      name: 'exporting to image',
    });
  });
  it('never mistakes a stage, a platform or another bracket for a target', () => {
    expect(splitTargetPrefix('[base 1/2] FROM x', targets)).toBeUndefined();
    expect(splitTargetPrefix('[linux/amd64 internal] load metadata', targets)).toBeUndefined();
    expect(splitTargetPrefix('[internal] load local bake definitions', targets)).toBeUndefined();
    expect(splitTargetPrefix('exporting to image', targets)).toBeUndefined();
  });
});

describe('bake progress on recorded runs', () => {
  for (const v of VERSIONS) {
    it(`buildx ${v}: three targets each get their own lanes, steps and logs; totals equal buildx's own rawjson`, () => {
      const { s } = replay(`three-${v}`, { ok: true, chunk: 777 });
      expect(bakeSnapshot.parse(s)).toEqual(s);
      expect(Object.keys(s.targets).sort()).toEqual(['app', 'derived', 'multi']);
      const summary = summarizeBake(s);
      expect(summary).toMatchObject({ ok: true, status: 'succeeded', cancelled: false });
      const oracle = stepsPerTarget(raw(`three-${v}`), ['app', 'multi', 'derived']);
      for (const t of summary.targets) {
        const sum = (k: 'steps' | 'cachedSteps') => t.platforms.reduce((n, p) => n + p[k], 0);
        expect({ target: t.target, steps: sum('steps'), cached: sum('cachedSteps') }).toEqual({
          target: t.target,
          steps: oracle[t.target]?.steps,
          cached: oracle[t.target]?.cached,
        });
        expect(t.ok).toBe(true);
      }
      // app: the multi-stage target, 3 steps; derived: its base stage only, 2 steps.
      const shape = summary.targets.map((t) => [t.target, t.platforms.map((p) => [p.platform, p.steps])]);
      expect(shape.sort()).toEqual([
        ['app', [['linux/amd64', 3]]],
        ['derived', [['linux/amd64', 2]]],
        [
          'multi',
          [
            ['linux/amd64', 2],
            ['linux/arm64', 2],
          ],
        ],
      ]);
      // The step app and derived share: one digest, a step in each target.
      const shared = Object.values(s.targets['app']?.steps ?? {}).find((st) => st.title.startsWith('RUN echo "base'));
      expect(shared).toBeDefined();
      expect(s.targets['derived']?.steps[shared?.id ?? '']?.title).toBe(shared?.title);
      // Logs stay with their target (and platform lane).
      expect(text(s.targets['app'])).toEqual(expect.arrayContaining([`base for override ${token(v)}`]));
      expect(text(s.targets['derived'])).not.toContain(`final ${token(v)}`);
      const arm = steps(s.targets['multi'], 'linux/arm64').find((st) => st.title.startsWith('RUN'));
      expect(logLines(arm?.logs ?? { chunks: [], length: 0, dropped: 0 }).map((l) => l.text)).toEqual([
        `arch aarch64 ${token(v)}`,
      ]);
      // The definition step and buildx's own warning are the bake's, not a target's.
      expect(Object.values(s.general.steps).map((st) => st.title)).toEqual(['load local bake definitions']);
      expect(s.general.messages.some((m) => m.startsWith('WARNING: No output specified'))).toBe(true);
      // Refs from the metadata file land on their targets.
      const meta = JSON.parse(readFileSync(join(dir, `three-${v}.meta.json`), 'utf8')) as Record<
        string,
        Record<string, string>
      >;
      for (const t of summary.targets) expect(t.ref).toBe(meta[t.target]?.['buildx.build.ref']);
    });

    it(`buildx ${v}: a rerun reports the cached steps buildx reported, per target`, () => {
      const { s } = replay(`three-cached-${v}`, { ok: true });
      const oracle = stepsPerTarget(raw(`three-cached-${v}`), ['app', 'multi', 'derived']);
      const summary = summarizeBake(s);
      for (const t of summary.targets) {
        expect(t.platforms.reduce((n, p) => n + p.cachedSteps, 0)).toBe(oracle[t.target]?.cached);
      }
      // Both RUN steps came from the cache (BuildKit does not mark a digest-pinned FROM cached).
      expect(summary.targets.find((t) => t.target === 'app')?.platforms[0]?.cachedSteps).toBe(2);
    });

    it(`buildx ${v}: a target failing on arm64 only fails that lane with its message; the bake fails`, () => {
      const { s } = replay(`arm64-fail-${v}`, { ok: false });
      const summary = summarizeBake(s);
      expect(summary).toMatchObject({ ok: false, status: 'failed' });
      const armfail = summary.targets.find((t) => t.target === 'armfail');
      expect(armfail).toMatchObject({ ok: false, status: 'failed' });
      expect(armfail?.platforms.find((p) => p.platform === 'linux/arm64')).toMatchObject({
        ok: false,
        error: expect.stringContaining('exit code: 7') as unknown,
      });
      // amd64 never "failed": it finished (ok) or BuildKit stopped it when arm64 failed.
      const amdLane = s.targets['armfail']?.lanes.find((l) => l.key === 'linux/amd64');
      expect(amdLane?.summary.state).not.toBe('failed');
      const amdDone = steps(s.targets['armfail'], 'linux/amd64').every(
        (st) => st.state === 'done' || st.state === 'cached',
      );
      expect(amdLane?.summary.ok).toBe(amdDone);
      // buildx's error block (file, line, snippet) belongs to the failing target, prefix removed.
      expect(s.targets['armfail']?.error).toMatchObject({
        lane: 'linux/arm64',
        line: 3,
        file: 'armfail.Dockerfile',
        message: expect.stringMatching(/^failed to solve: process .* exit code: 7$/) as unknown,
        lastLogLines: expect.arrayContaining([`arm64 is not supported ${token(v)}`]) as unknown,
      });
      // app: truthful from its own steps, and never blamed for armfail's error.
      const app = summary.targets.find((t) => t.target === 'app');
      const appRan = Object.values(s.targets['app']?.steps ?? {}).every(
        (st) => st.state === 'done' || st.state === 'cached',
      );
      expect(app?.ok).toBe(appRan);
      if (!appRan) {
        expect(app).toMatchObject({ status: 'cancelled', cancelled: true });
        expect(s.targets['app']?.messages).toContain('Stopped when target armfail failed.');
      }
      expect(s.targets['app']?.error).toBeUndefined();
      expect(summary.error).toContain('exit code: 7');
    });

    it(`buildx ${v}: with one target there is no prefix, and everything is that target's`, () => {
      const { s } = replay(`single-${v}`, { ok: true });
      expect(Object.keys(s.targets)).toEqual(['app']);
      const lane = s.targets['app']?.lanes.find((l) => l.key === 'linux/amd64');
      expect(lane?.summary).toMatchObject({ ok: true, steps: 3 });
      expect(text(s.targets['app'])).toContain(`final ${token(v)}`);
      expect(Object.values(s.general.steps).map((st) => st.title)).toEqual(['load local bake definitions']);
    });
  }
});

describe('bake reducer mechanics', () => {
  it('joins late exactly and reports gaps, like builds', () => {
    const { events } = replay('three-0.29.1', { ok: true });
    const whole = reduceBakeEvents(createBakeSnapshot('k'), events);
    const head = reduceBakeEvents(createBakeSnapshot('k'), events.slice(0, 40));
    // A batch that overlaps what the snapshot has applies only the new part.
    const joined = applyBakeProgress(head, { firstIndex: 30, events: events.slice(30) });
    expect(joined.gap).toBe(false);
    expect(joined.snapshot).toEqual(whole);
    expect(applyBakeProgress(head, { firstIndex: 41, events: events.slice(41) }).gap).toBe(true);
  });

  it('leaves untouched targets as they were (the renderer skips their sections)', () => {
    const { events } = replay('three-0.29.1', { ok: true });
    const s = reduceBakeEvents(createBakeSnapshot('k'), events.slice(0, -5));
    const next = reduceBakeEvents(s, [{ type: 'text', target: 'app', text: 'hello' }]);
    expect(next.targets['multi']).toBe(s.targets['multi']);
    expect(next.targets['app']).not.toBe(s.targets['app']);
    expect(s.targets['app']?.messages).not.toContain('hello');
  });

  it('a bake that fails before any target runs fails every target with its reason', () => {
    const planned: BakeEvent = {
      type: 'planned',
      at: 1,
      projectDir: '/p',
      files: [],
      builder: 'b',
      driver: 'docker',
      requested: [],
      targets: [
        { name: 'a', platforms: [], context: '.', tags: [] },
        { name: 'b', platforms: [], context: '.', tags: [] },
      ],
      command: [],
      variables: [],
    };
    const s = reduceBakeEvents(createBakeSnapshot('k'), [planned]);
    const end = finishBakeEvents(s, {
      at: 5,
      ok: false,
      cancelled: false,
      exitCode: 1,
      metadata: {},
      errorCode: 'BUILDER_UNREACHABLE',
      errorMessage: 'The builder did not answer.',
    });
    const summary = summarizeBake(reduceBakeEvents(s, end));
    expect(summary.targets.map((t) => [t.target, t.ok, t.status, t.error])).toEqual([
      ['a', false, 'failed', 'The builder did not answer.'],
      ['b', false, 'failed', 'The builder did not answer.'],
    ]);
    expect(summary).toMatchObject({ ok: false, status: 'failed', error: 'The builder did not answer.' });
  });
});
