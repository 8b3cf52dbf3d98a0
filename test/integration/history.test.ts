import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type {
  BuildEvent,
  BuildRequestInput,
  BuildSnapshot,
  BuildSummary,
} from '../../electron/common/contracts/builds';
import type { HistoryRecordDetails, HistoryRecordItem } from '../../electron/common/contracts/history';
import { applyProgress, logLines } from '../../electron/common/progress';
import { createCore, type Core } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { outcomeOf } from '../helpers/cli';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);

/** A build through BuildDeck (builds.start), waited for; its ref is collected for cleanup. */
async function deckBuildOn(core: Core, input: BuildRequestInput, refs: Set<string>): Promise<BuildSummary> {
  let buildId = '';
  const done = new Promise<BuildSummary>((resolve) => {
    const off = core.events.subscribe((event, payload) => {
      if (event === 'build.finished' && payload.buildId === buildId) {
        off();
        resolve(payload.summary);
      }
    });
  });
  const r = await core.router.call('builds.start', input);
  if (!r.ok) throw new Error(r.error.message);
  buildId = r.value.buildId;
  const summary = await done;
  const h = await core.router.call('history.get', { buildId });
  if (h.ok && h.value.item.ref) refs.add(h.value.item.ref);
  return summary;
}

/**
 * History over BuildKit's own records, against the real engine and buildx 0.29: builds run with
 * plain `docker buildx build` (no BuildDeck), on the default builder and on a docker-container
 * builder, and builds run through BuildDeck. Every record a test makes is removed with
 * `buildx history rm` (default builder) or goes with its builder.
 */
describe('history of every build, against the real engine and buildx 0.29', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let dataDir: string;
  let root: string;
  let dc: string;
  const token = `bdtest-hist-${Math.random().toString(36).slice(2, 8)}`;
  const refs = new Set<string>();
  const images: string[] = [];
  let failedRef = '';
  let unlisten: () => void = () => undefined;
  const events: { event: string; payload: unknown }[] = [];

  const dir = (name: string, files: Record<string, string>) => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text.replaceAll('TOKEN', token));
    return d;
  };

  /** `docker buildx build` as a user types it; returns the ref from the metadata file (when written). */
  async function plainBuild(ctx: string, args: string[] = []): Promise<{ ok: boolean; ref?: string }> {
    const meta = join(ctx, `meta-${Math.random().toString(36).slice(2)}.json`);
    const ok = await sandbox
      .docker(['buildx', 'build', '--progress=quiet', '--metadata-file', meta, ...args, ctx], { timeoutMs: 180_000 })
      .then(
        () => true,
        () => false,
      );
    let ref: string | undefined;
    try {
      ref = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['buildx.build.ref'];
    } catch {
      ref = undefined;
    }
    if (ref) refs.add(ref);
    return { ok, ...(ref ? { ref } : {}) };
  }

  async function bkLs(builder: string) {
    const { stdout } = await sandbox.docker(['buildx', 'history', 'ls', '--builder', builder, '--format', 'json']);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async function records(input: Record<string, unknown> = {}) {
    const r = await core.router.call('history.records', { refresh: true, limit: 500, ...input });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  async function details(id: string): Promise<HistoryRecordDetails> {
    const r = await core.router.call('history.details', { id });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  /** A build through BuildDeck (builds.start), waited for. */
  async function deckBuild(input: BuildRequestInput): Promise<BuildSummary> {
    return deckBuildOn(core, input, refs);
  }

  beforeAll(async () => {
    sandbox = buildxSandbox();
    root = mkdtempSync(join(tmpdir(), 'bd-hist-'));
    dataDir = join(root, 'data');
    core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: 10_000, pollIntervalMs: 600_000 });
    dc = sandbox.name('hist-dc');
    await sandbox.docker(containerBuilderArgs(dc, { hostNetwork: true, bootstrap: true }), { timeoutMs: 120_000 });
  }, 300_000);

  afterAll(async () => {
    unlisten();
    await core.dispose();
    for (const ref of refs) {
      const [builder, , id] = ref.split('/');
      if (builder === 'default' && id)
        await sandbox.docker(['buildx', 'history', 'rm', '--builder', 'default', id]).catch(() => undefined);
    }
    await exec('docker', ['image', 'rm', '-f', ...images]).catch(() => undefined);
    await sandbox.cleanup();
    await pruneCacheByToken(token);
    rmSync(root, { recursive: true, force: true });
  }, 300_000);

  it('lists plain buildx builds on the default and a docker-container builder like `history ls` does', async () => {
    const onDefault = dir('plain-default', {
      Dockerfile: 'FROM local/busybox:latest\nRUN echo "default TOKEN"\n',
    });
    const onContainer = dir('plain-dc', {
      Dockerfile: 'FROM 127.0.0.1:5000/busybox\nRUN echo "container TOKEN"\n',
    });
    const a = await plainBuild(onDefault);
    const b = await plainBuild(onContainer, ['--builder', dc]);
    expect(a.ok && b.ok).toBe(true);
    const list = await records();
    for (const [ref, builder] of [
      [a.ref, 'default'],
      [b.ref, dc],
    ] as const) {
      const row = (await bkLs(builder)).find((r) => r['ref'] === ref);
      const item = list.items.find((i) => i.ref === ref);
      expect(row, `history ls has ${ref}`).toBeDefined();
      expect(item).toMatchObject({
        id: ref,
        builder,
        status: 'succeeded',
        origin: 'external',
        builderState: 'available',
        counts: {
          total: row?.['total_steps'],
          completed: row?.['completed_steps'],
          cached: row?.['cached_steps'] ?? 0,
        },
        stored: { buildkit: true, builddeck: false },
      });
      // buildx's local state (same BUILDX_CONFIG) names the context folder.
      expect(item?.source.contextDir).toBe(builder === 'default' ? onDefault : onContainer);
    }
    // The CLI lists the same rows, with the platforms `history ls` does not print (one BuildKit call per node).
    const cli = await exec(
      process.execPath,
      ['--import', 'tsx', resolve('electron/cli/index.ts'), 'history', 'ls', '--json', '--limit', '500'],
      { env: { ...sandbox.env, BUILDDECK_DATA_DIR: join(root, 'cli-data') } },
    );
    const printed = (JSON.parse(cli.stdout) as { items: HistoryRecordItem[] }).items;
    for (const ref of [a.ref, b.ref])
      expect(printed.find((i) => i.ref === ref)).toMatchObject({ status: 'succeeded', platforms: ['linux/amd64'] });
    // Filters: by builder, by folder, by text.
    expect((await records({ builder: dc })).items.map((i) => i.ref)).toContain(b.ref);
    expect((await records({ builder: dc })).items.map((i) => i.ref)).not.toContain(a.ref);
    expect((await records({ folder: onDefault })).items.map((i) => i.ref)).toEqual([a.ref]);
    expect((await records({ text: 'plain-dc' })).items.map((i) => i.ref)).toEqual([b.ref]);
    // Details carry the steps with their output and the base image's resolved digest.
    const d = await details(b.ref as string);
    const run = d.steps.find((s) => s.title === `RUN echo "container ${token}"`);
    expect(run).toMatchObject({ state: 'done', cached: false, isStep: true });
    const logs = await core.router.call('history.logs', { id: b.ref as string, step: run?.id });
    expect(logs.ok && logs.value.lines.map((l) => l.text)).toEqual([`container ${token}`]);
    expect(d.dependencies).toEqual([
      expect.objectContaining({ kind: 'image', name: expect.stringContaining('busybox') as unknown }),
    ]);
    expect(d.dependencies[0]?.digests[0]).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(d.timing?.lanes.flatMap((l) => l.bars).some((bar) => bar.stepId === run?.id)).toBe(true);
  }, 300_000);

  it('shows a failing plain build with its error and Dockerfile line, and round-trips it through .dockerbuild', async () => {
    const ctx = dir('plain-fail', {
      Dockerfile: 'FROM local/busybox:latest\nRUN echo "one TOKEN"\nRUN echo "bad TOKEN" >&2; exit 3\nRUN echo never\n',
    });
    const started = Date.now();
    const r = await plainBuild(ctx);
    expect(r.ok).toBe(false);
    // buildx writes no metadata file for a failed build: find it by its folder.
    const item = (await records({ folder: ctx })).items.find((i) => i.startedAt >= started - 2000);
    expect(item).toMatchObject({ status: 'failed', builder: 'default' });
    failedRef = item?.ref as string;
    refs.add(failedRef);
    const row = (await bkLs('default')).find((x) => x['ref'] === failedRef);
    expect(row?.['status']).toBe('Error');
    const d = await details(failedRef);
    expect(d.error).toMatchObject({
      message: expect.stringContaining('exit code: 3') as unknown,
      line: 3,
      stepName: expect.stringContaining(`RUN echo "bad ${token}"`) as unknown,
    });
    expect(d.error?.snippet.find((l) => l.marked)?.text).toContain('exit 3');
    expect(d.source.dockerfile?.errorLines).toEqual([3]);
    expect(d.error?.lastLogLines.join('\n')).toContain(`bad ${token}`);

    const file = join(root, 'failed.dockerbuild');
    const exported = await core.router.call('history.export', { id: failedRef, dest: file });
    expect(exported).toMatchObject({ ok: true, value: { path: file } });
    expect(statSync(file).size).toBeGreaterThan(500);
    const opened = await core.router.call('history.open', { path: file });
    if (!opened.ok) throw new Error(opened.error.message);
    const fromFile = await details(opened.value.items[0]?.id as string);
    expect(opened.value.items[0]).toMatchObject({ status: 'failed', origin: 'file', builderState: 'file' });
    // Same steps, same error, same timing as the live record.
    const shape = (x: HistoryRecordDetails) =>
      x.steps.map((s) => [s.name, s.state, s.cached, s.startedAt, s.durationMs]).sort();
    expect(shape(fromFile)).toEqual(shape(d));
    expect(fromFile.error?.message).toBe(d.error?.message);
    expect(fromFile.error?.stepName).toBe(d.error?.stepName);
    expect(fromFile.timing?.byKind).toEqual(d.timing?.byKind);
    expect(fromFile.timing?.wallMs).toBe(d.timing?.wallMs);
    expect(fromFile.item.startedAt).toBe(d.item.startedAt);
  }, 300_000);

  it('turns garbage, truncated and missing .dockerbuild files, unknown refs into clear errors', async () => {
    const garbage = join(root, 'garbage.dockerbuild');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const g = await core.router.call('history.open', { path: garbage });
    expect(g).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!g.ok) expect(g.error.message).toMatch(/not a readable \.dockerbuild file: it is not a tar archive/);

    const full = readFileSync(join(root, 'failed.dockerbuild'));
    const cut = join(root, 'truncated.dockerbuild');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    const t = await core.router.call('history.open', { path: cut });
    expect(t).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!t.ok) expect(t.error.message).toMatch(/truncated/);

    const missing = await core.router.call('history.open', { path: join(root, 'nope.dockerbuild') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!missing.ok) expect(missing.error.message).toMatch(/no such file/);

    for (const id of ['default/default/zzzzzzzzzzzzzzzzzzzzzzzzz', 'zzzzzzzzzzzzzzzzzzzzzzzzz']) {
      const u = await core.router.call('history.details', { id });
      expect(u).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'id' } } });
      if (!u.ok) expect(u.error.message).toContain('No build record');
    }
    const badId = await core.router.invoke('history.details', { id: '../../etc/passwd' });
    expect(badId).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'id' } } });
  }, 300_000);

  it('lists a plain buildx build that is still running and streams its lanes live', async () => {
    unlisten = core.events.subscribe((event, payload) => events.push({ event, payload }));
    await core.router.call('history.watch', { seconds: 120 });
    const ctx = dir('plain-running', {
      // Long enough to be seen running on a loaded machine; a line every 2 s shows the lane moving.
      Dockerfile:
        'FROM local/busybox:latest\nRUN echo "started TOKEN"; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2; echo "tick $i"; done; echo "ended TOKEN"\n',
    });
    const began = Date.now();
    const child = spawn('docker', ['buildx', 'build', '--progress=quiet', ctx], {
      env: sandbox.env,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let running: HistoryRecordItem | undefined;
    while (!running && Date.now() - began < 20_000) {
      const appeared = events.some(
        (e) => e.event === 'history.recordsChanged' && (e.payload as { reason: string }).reason === 'appeared',
      );
      if (appeared)
        running = (await records({ folder: ctx, refresh: false })).items.find((i) => i.status === 'running');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Printed, not asserted (a speed goal; see `npm run bench`): how soon the poller saw it.
    console.log(`history: an external build appeared as running after ${Date.now() - began} ms`);
    expect(running).toMatchObject({ status: 'running', origin: 'external', source: { contextDir: ctx } });
    refs.add(running?.ref as string);

    // `builddeck history logs REF --follow` in another terminal: lines arrive while the build runs.
    const follower = spawn(
      process.execPath,
      ['--import', 'tsx', resolve('electron/cli/index.ts'), 'history', 'logs', running?.ref as string, '--follow'],
      { env: { ...sandbox.env, BUILDDECK_DATA_DIR: join(root, 'cli-data') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const followed: { text: string; buildDone: boolean }[] = [];
    let buildDone = false;
    void exited.then(() => (buildDone = true));
    let partial = '';
    follower.stdout.on('data', (c: Buffer) => {
      const parts = (partial + c.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) followed.push({ text, buildDone });
    });
    let followerErr = '';
    follower.stderr.on('data', (c: Buffer) => (followerErr += c.toString()));
    const followerExit = new Promise<number | null>((r) => follower.on('close', r));

    const attached = await core.router.call('history.attach', { id: running?.id as string });
    if (!attached.ok) throw new Error(attached.error.message);
    expect(attached.value.done).toBe(false);
    let snapshot: BuildSnapshot = attached.value.snapshot;
    const streamId = attached.value.streamId;
    const states: string[] = [];
    let linesWhileRunning = 0;
    const deadline = Date.now() + 90_000;
    let ended = false;
    for (let seen = 0; !ended && Date.now() < deadline;) {
      for (const e of events.slice(seen)) {
        if (e.event === 'history.progressed' && (e.payload as { streamId: string }).streamId === streamId) {
          const next = applyProgress(snapshot, e.payload as { firstIndex: number; events: BuildEvent[] });
          expect(next.gap).toBe(false);
          snapshot = next.snapshot;
          const run = Object.values(snapshot.steps).find((s) => s.title.startsWith('RUN echo "started'));
          if (run && states[states.length - 1] !== run.state) states.push(run.state);
          if (run?.state === 'running') linesWhileRunning = run.logs.length;
        }
        if (e.event === 'history.streamEnded' && (e.payload as { streamId: string }).streamId === streamId)
          ended = true;
      }
      seen = events.length;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited).toBe(0);
    expect(ended).toBe(true);
    // The RUN step was seen running, then done, in the same per-platform lane a live build uses.
    expect(states).toEqual(expect.arrayContaining(['running', 'done']));
    expect(states.indexOf('running')).toBeLessThan(states.indexOf('done'));
    // Output arrived while the step was still running: the lane updated live, not at the end.
    expect(linesWhileRunning).toBeGreaterThan(0);
    expect(snapshot.lanes.map((l) => l.key)).toContain('linux/amd64');
    expect(logLines(snapshot.log).map((l) => l.text)).toEqual(
      expect.arrayContaining([`started ${token}`, `ended ${token}`]),
    );
    expect(snapshot.status).toBe('succeeded');

    // The CLI follower printed ticks before the build ended, then the last line, and returned.
    expect(await followerExit, followerErr).toBe(0);
    expect(
      followed.some((l) => /\| tick \d+$/.test(l.text) && !l.buildDone),
      JSON.stringify(followed),
    ).toBe(true);
    expect(followed.map((l) => l.text)).toEqual(expect.arrayContaining([expect.stringMatching(`\\| ended ${token}$`)]));
    expect(followerErr).toContain('Build succeeded.');

    // `history ls` prints no platforms or error. While a window listens, finished rows are described
    // in the background (one `history inspect` each), so the list shows them without opening them.
    await expect
      .poll(
        async () => {
          const list = await records({ refresh: false });
          const done = list.items.find((i) => i.ref === running?.ref);
          return { platforms: done?.platforms, error: list.items.find((i) => i.ref === failedRef)?.error };
        },
        { timeout: 60_000, interval: 500 },
      )
      .toEqual({ platforms: ['linux/amd64'], error: expect.stringContaining('exit code: 3') as unknown });
    expect(
      events.some(
        (e) =>
          e.event === 'history.recordsChanged' &&
          (e.payload as { reason: string; ids: string[] }).reason === 'described' &&
          (e.payload as { ids: string[] }).ids.includes(running?.ref as string),
      ),
    ).toBe(true);
  }, 240_000);

  it('explains cache misses of BuildDeck builds: a changed file, a changed build arg, a retagged base image', async () => {
    const base = `${token}-base:latest`;
    images.push(base, `${token}-other:latest`);
    await exec('docker', ['tag', 'local/busybox:latest', base]);
    const ctx = dir('why', {
      Dockerfile: `FROM ${base}\nARG V=1\nCOPY a.txt b.txt /\nRUN echo "TOKEN $V" && cat /a.txt /b.txt\n`,
      // Contents carry the token: no layer from an earlier test run can be a cache hit here.
      'a.txt': 'a1 TOKEN\n',
      'b.txt': 'b1 TOKEN\n',
    });
    const why = async () => {
      const list = await records({ folder: ctx });
      const newest = list.items[0];
      const r = await core.router.call('history.why', { id: newest?.id as string });
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    expect((await deckBuild({ contextDir: ctx })).ok).toBe(true);
    expect((await deckBuild({ contextDir: ctx })).ok).toBe(true);
    expect((await why()).verdict).toBe('no-miss');

    writeFileSync(join(ctx, 'b.txt'), `b2 ${token}\n`);
    expect((await deckBuild({ contextDir: ctx })).ok).toBe(true);
    const files = await why();
    expect(files).toMatchObject({
      verdict: 'explained',
      firstMiss: { name: expect.stringContaining('COPY') as unknown },
    });
    expect(files.causes[0]).toMatchObject({ kind: 'files-changed', files: [{ path: 'b.txt', change: 'modified' }] });

    // A run with nothing changed: everything cached again, the baseline for the next change.
    expect((await deckBuild({ contextDir: ctx })).ok).toBe(true);
    expect((await deckBuild({ contextDir: ctx, buildArgs: { V: '2' } })).ok).toBe(true);
    const arg = await why();
    expect(arg.causes[0]).toMatchObject({ kind: 'build-arg-changed', args: [{ name: 'V', before: '1', after: '2' }] });

    // Retag the base to other content: the same FROM line resolves to another digest.
    const other = dir('other-base', { Dockerfile: 'FROM local/busybox:latest\nRUN echo "other TOKEN" > /other\n' });
    await sandbox.docker([
      'buildx',
      'build',
      '--builder',
      'default',
      '--progress=quiet',
      '-t',
      `${token}-other:latest`,
      other,
    ]);
    expect((await deckBuild({ contextDir: ctx, buildArgs: { V: '2' } })).ok).toBe(true);
    await exec('docker', ['tag', `${token}-other:latest`, base]);
    expect((await deckBuild({ contextDir: ctx, buildArgs: { V: '2' } })).ok).toBe(true);
    const img = await why();
    expect(img.causes.map((c) => c.kind)).toContain('base-image-changed');
    expect(img.causes.find((c) => c.kind === 'base-image-changed')?.image?.name).toContain(`${token}-base`);

    // Runs of the same build over time: seven, oldest first; the second (nothing changed) hit the cache more.
    const newest = (await records({ folder: ctx })).items[0];
    const runs = await core.router.call('history.runs', { id: newest?.id as string });
    if (!runs.ok) throw new Error(runs.error.message);
    expect(runs.value.runs).toHaveLength(7);
    expect(runs.value.runs.map((r) => r.startedAt)).toEqual([...runs.value.runs.map((r) => r.startedAt)].sort());
    expect(runs.value.runs[1]?.cacheHitRatio).toBeGreaterThan(runs.value.runs[0]?.cacheHitRatio ?? 1);
    // BuildDeck's builds carry their ref: one row each, merged with BuildKit's record.
    const list = await records({ folder: ctx });
    expect(list.items.every((i) => i.ref && i.buildId && i.stored.buildkit && i.stored.builddeck)).toBe(true);
  }, 600_000);

  it('keeps BuildDeck records of a stopped builder visible and says why BuildKit cannot be read', async () => {
    const ctx = dir('on-dc', { Dockerfile: 'FROM 127.0.0.1:5000/busybox\nRUN echo "deck TOKEN"\n' });
    expect((await deckBuild({ contextDir: ctx, builder: dc })).ok).toBe(true);
    const before = (await records({ folder: ctx })).items[0];
    expect(before).toMatchObject({
      builder: dc,
      builderState: 'available',
      stored: { buildkit: true, builddeck: true },
    });
    // A History view is open meanwhile: its reads (every 0.4-2 s) race the stop and must not undo it.
    const listening = core.events.subscribe(() => undefined);
    onTestFinished(listening);
    await core.router.call('history.watch', { seconds: 60 });
    await sandbox.docker(['buildx', 'stop', dc]);
    const list = await records({ folder: ctx });
    expect(list.items[0]).toMatchObject({
      id: before?.id,
      builderState: 'stopped',
      status: 'succeeded',
      stored: { buildkit: false, builddeck: true },
    });
    expect(list.notices).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'builder-stopped', builder: dc })]),
    );
    // Details still come from BuildDeck's record; export needs the builder.
    const d = await details(before?.id as string);
    expect(d.steps.some((s) => s.title === `RUN echo "deck ${token}"`)).toBe(true);
    const exp = await core.router.call('history.export', {
      id: before?.id as string,
      dest: join(root, 'x.dockerbuild'),
    });
    expect(exp.ok).toBe(false);
    if (!exp.ok) expect(exp.error.message).toMatch(/no longer has this one|not running/);
    // Reading history did not start the stopped builder, not even for a moment.
    for (let i = 0; i < 6; i++) {
      const { stdout } = await exec('docker', [
        'ps',
        '--filter',
        `name=buildx_buildkit_${dc}`,
        '--format',
        '{{.Names}}',
      ]);
      expect(stdout.trim()).toBe('');
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 300_000);

  it('removes exactly the records named', async () => {
    const ctx = dir('rm', { Dockerfile: 'FROM local/busybox:latest\nRUN echo "rm TOKEN"\n' });
    const a = await plainBuild(ctx);
    const b = await plainBuild(ctx, ['--build-arg', 'X=1']);
    const r = await core.router.call('history.remove', { ids: [a.ref as string] });
    expect(r).toEqual({ ok: true, value: { removed: [{ id: a.ref, buildkit: true, builddeck: false }], failed: [] } });
    const left = (await bkLs('default')).map((x) => x['ref']);
    expect(left).not.toContain(a.ref);
    expect(left).toContain(b.ref);
  }, 300_000);

  it('takes buildx history flags: ls --format json and --filter, ^N, inspect, logs --progress, rm --all', async () => {
    const cli = (args: string[]) =>
      outcomeOf(
        exec(process.execPath, ['--import', 'tsx', resolve('electron/cli/index.ts'), 'history', ...args], {
          env: { ...sandbox.env, BUILDDECK_DATA_DIR: join(root, 'cli-data') },
          maxBuffer: 64 * 1024 * 1024,
        }),
      );
    const ok = dir('flags-ok', { Dockerfile: 'FROM 127.0.0.1:5000/busybox\nRUN echo "flags ok TOKEN"\n' });
    const bad = dir('flags-bad', { Dockerfile: 'FROM 127.0.0.1:5000/busybox\nRUN echo "flags bad TOKEN" && exit 3\n' });
    expect((await plainBuild(ok, ['--builder', dc])).ok).toBe(true);
    expect((await plainBuild(bad, ['--builder', dc])).ok).toBe(false);
    const lines = (text: string) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The same records, fields and order as buildx's JSON lines (BuildDeck's times to the millisecond).
    const same = (r: Record<string, unknown>) => ({
      ref: r['ref'],
      status: r['status'],
      total_steps: r['total_steps'],
      completed_steps: r['completed_steps'],
      cached_steps: r['cached_steps'],
      created_at: Math.floor(Date.parse(String(r['created_at']))),
    });
    const theirs = await bkLs(dc);
    const ours = await cli(['ls', '--builder', dc, '--format', 'json']);
    expect(ours.code, ours.stderr).toBe(0);
    expect(theirs.length).toBeGreaterThanOrEqual(3);
    expect(lines(ours.stdout).map(same)).toEqual(theirs.map(same));
    // buildx's filters pick what buildx picks.
    for (const filter of ['status=error', 'status!=error', 'duration<1h', 'startedAt>1h']) {
      const f = await cli(['ls', '--builder', dc, '--format', 'json', '--filter', filter]);
      const b = await sandbox.docker([
        'buildx',
        'history',
        'ls',
        '--builder',
        dc,
        '--format',
        'json',
        '--filter',
        filter,
      ]);
      expect(
        lines(f.stdout).map((r) => r['ref']),
        filter,
      ).toEqual(lines(b.stdout).map((r) => r['ref']));
    }
    expect(lines((await cli(['ls', '--builder', dc, '--format', 'json', '--filter', 'status=error'])).stdout)).toEqual([
      expect.objectContaining({ status: 'Error' }),
    ]);
    // ^N is the Nth finished record before the newest, on the builder buildx would pick.
    for (const n of [0, 1]) {
      const b = await sandbox.docker(['buildx', 'history', 'inspect', '--builder', dc, `^${n}`, '--format', 'json']);
      const theirRef = (JSON.parse(b.stdout) as { Ref: string }).Ref;
      const mine = await cli(['inspect', `^${n}`, '--builder', dc, '--format', 'json']);
      expect(mine.code, mine.stderr).toBe(0);
      expect((JSON.parse(mine.stdout) as { item: { ref: string } }).item.ref).toBe(`${dc}/${dc}0/${theirRef}`);
    }
    const logs = await cli(['logs', '^1', '--builder', dc, '--progress', 'plain']);
    expect(logs.stdout).toContain(`flags ok ${token}`);
    // --follow takes ^N too (a finished record prints once and returns).
    const followed = await cli(['logs', '^1', '--builder', dc, '--follow']);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toContain(`flags ok ${token}`);
    const far = await cli(['inspect', '^99', '--builder', dc]);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/No finished build record \^99 on builder/);
    for (const refused of [
      ['ls', '--local'],
      ['ls', '--format', '{{.Link}}'],
      ['logs', '^0', '--progress', 'rawjson'],
    ])
      expect((await cli([...refused, '--builder', dc])).code, refused.join(' ')).toBe(2);
    // rm --all: every BuildKit record of that builder, as buildx's own rm --all.
    const rm = await cli(['rm', '--all', '--builder', dc]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await bkLs(dc)).toEqual([]);
  }, 300_000);
});

describe('history with buildx 0.13.1', () => {
  it('lists BuildDeck records and names the buildx version that unlocks the rest', async () => {
    const sandbox = buildxSandbox({ oldBuildx: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'bd-hist-old-'));
    const core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: 10_000, pollIntervalMs: 600_000 });
    const ctx = mkdtempSync(join(tmpdir(), 'bd-hist-old-ctx-'));
    const token = `bdtest-hist-old-${Math.random().toString(36).slice(2, 8)}`;
    writeFileSync(join(ctx, 'Dockerfile'), `FROM local/busybox:latest\nRUN echo "${token}"\n`);
    const refs = new Set<string>();
    try {
      const summary = await deckBuildOn(core, { contextDir: ctx }, refs);
      expect(summary.ok).toBe(true);
      const caps = await core.router.call('history.capabilities', {});
      expect(caps).toMatchObject({
        ok: true,
        value: {
          buildxVersion: '0.13.1',
          buildkitRecords: false,
          notice: { kind: 'buildx-too-old', requiredVersion: '0.20.0', installedVersion: '0.13.1' },
        },
      });
      const list = await core.router.call('history.records', { refresh: true });
      expect(list).toMatchObject({
        ok: true,
        value: {
          items: [{ builder: 'default', builderState: 'unsupported', origin: 'builddeck', status: 'succeeded' }],
          notices: [{ kind: 'buildx-too-old' }],
        },
      });
      if (list.ok) expect(list.value.notices[0]?.message).toMatch(/needs buildx 0\.20\.0/);
    } finally {
      await core.dispose();
      // BuildKit recorded it all the same: remove that record with the current buildx.
      for (const ref of refs)
        await exec('docker', ['buildx', 'history', 'rm', ref.split('/')[2] ?? '']).catch(() => undefined);
      await sandbox.cleanup();
      await pruneCacheByToken(token);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(ctx, { recursive: true, force: true });
    }
  }, 300_000);
});
