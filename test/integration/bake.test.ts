import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BakeProject, BakeRequestInput, BakeSnapshot, BakeSummary } from '../../electron/common/contracts/bake';
import type { AppError } from '../../electron/common/errors';
import { applyBakeProgress, createBakeSnapshot, logLines, summarizeBake } from '../../electron/common/progress';
import { createCore, type Core } from '../../electron/composition/create-core';
import { loadTrayInputs, runTrayAction, trayMenu } from '../../electron/main/desktop-model';
import { stepsPerTarget } from '../helpers/bake-oracle';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, containerBuilderArgs, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);
const fixtureProject = join(import.meta.dirname, '../fixtures/bake/project');

/**
 * The real docker CLI with a tap: a wrapper that runs `docker "$@"` and, for a rawjson bake, copies
 * buildx's stderr to a file. BuildDeck runs it as its docker path, so the test can read exactly
 * what buildx printed for the run BuildDeck reduced (not FAKE: every call reaches real docker).
 */
function tappedDocker(dir: string): { path: string; log: string } {
  const path = join(dir, 'docker-tap');
  const log = join(dir, 'rawjson.log');
  writeFileSync(
    path,
    `#!/bin/bash\ncase " $* " in\n  *" bake "*"--progress=rawjson"*) exec docker "$@" 2> >(tee -a "${log}" >&2) ;;\nesac\nexec docker "$@"\n`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}

interface Watched {
  bakeId: string;
  seen: () => BakeSnapshot;
  finished: Promise<BakeSummary>;
}

async function start(core: Core, input: BakeRequestInput): Promise<Watched | AppError> {
  let bakeId: string | undefined = undefined;
  let snapshot = createBakeSnapshot('');
  const early: { bakeId: string; firstIndex: number; events: never[] }[] = [];
  let done: (s: BakeSummary) => void = () => undefined;
  const finished = new Promise<BakeSummary>((r) => (done = r));
  const apply = (b: Parameters<typeof applyBakeProgress>[1]) => {
    const next = applyBakeProgress(snapshot, b);
    if (next.gap) throw new Error('gap in bake.progressed');
    snapshot = next.snapshot;
  };
  const off = core.events.subscribe((event, payload) => {
    if (event === 'bake.progressed') {
      if (bakeId === undefined) early.push(payload as never);
      else if (payload.bakeId === bakeId) apply(payload);
    }
    if (event === 'bake.finished' && payload.bakeId === bakeId) {
      off();
      done(payload.summary);
    }
  });
  const r = await core.router.call('bake.start', input);
  if (!r.ok) {
    off();
    return r.error;
  }
  bakeId = r.value.bakeId;
  snapshot = createBakeSnapshot(bakeId);
  for (const b of early.splice(0)) if (b.bakeId === bakeId) apply(b);
  return { bakeId, seen: () => snapshot, finished };
}

async function bake(core: Core, input: BakeRequestInput) {
  const w = await start(core, input);
  if (!('bakeId' in w)) throw new Error(`${w.code}: ${w.message}`);
  const summary = await w.finished;
  const got = await core.router.call('bake.get', { bakeId: w.bakeId });
  if (!got.ok) throw new Error(got.error.message);
  return { bakeId: w.bakeId, summary, snapshot: got.value, seen: w.seen() };
}

/** A bake started elsewhere (history, tray): its snapshot once it has ended. */
async function waitBake(core: Core, bakeId: string): Promise<BakeSnapshot> {
  for (;;) {
    const r = await core.router.call('bake.get', { bakeId });
    if (!r.ok) throw new Error(r.error.message);
    if (r.value.status !== 'running') return r.value;
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** tee may still be writing when buildx has exited: read once the file stops growing. */
async function settled(file: string): Promise<string> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.length === last) return text;
    last = text.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  return readFileSync(file, 'utf8');
}

const totals = (t: BakeSummary['targets'][number]) => ({
  steps: t.platforms.reduce((n, p) => n + p.steps, 0),
  cached: t.platforms.reduce((n, p) => n + p.cachedSteps, 0),
});

describe('bake, against the real engine and buildx 0.29', () => {
  const token = `bdtest-bake-${Math.random().toString(36).slice(2, 8)}`;
  let sandbox: BuildxSandbox;
  let core: Core;
  let work: string;
  let tap: { path: string; log: string };
  const refs: string[] = [];

  beforeAll(() => {
    sandbox = buildxSandbox();
    work = mkdtempSync(join(tmpdir(), 'bd-bake-'));
    tap = tappedDocker(work);
    core = createCore({
      env: sandbox.env,
      dataDir: join(work, 'data'),
      dockerPath: tap.path,
      healthTimeoutMs: 5000,
      pollIntervalMs: 600_000,
    });
  });
  afterAll(async () => {
    await core.dispose();
    const { stdout } = await exec('docker', [
      'image',
      'ls',
      '--format',
      '{{.Repository}}:{{.Tag}}',
      '--filter',
      `reference=${token}*`,
    ]);
    const images = stdout.split('\n').filter(Boolean);
    if (images.length) await exec('docker', ['image', 'rm', '-f', ...images]).catch(() => undefined);
    // BuildKit keeps a history record per target built on the default builder: remove ours.
    const local = refs.filter((r) => r.startsWith('default/')).map((r) => r.split('/').at(-1) ?? '');
    if (local.length)
      await sandbox.docker(['buildx', 'history', 'rm', '--builder', 'default', ...local]).catch(() => undefined);
    await pruneCacheByToken(token);
    await sandbox.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** The fixture project (bake file and Dockerfiles) in a fresh folder, with this run's token. */
  function project(name: string): string {
    const dir = join(work, name);
    cpSync(fixtureProject, dir, { recursive: true });
    for (const f of readdirSync(dir))
      writeFileSync(join(dir, f), readFileSync(join(dir, f), 'utf8').replaceAll('TOKEN', token));
    return dir;
  }

  describe('on a docker-container builder (QEMU for arm64, the local registry over the host network)', () => {
    let builder: string;
    let dir: string;
    beforeAll(async () => {
      builder = sandbox.name('bake');
      await sandbox.docker(containerBuilderArgs(builder, { hostNetwork: true, bootstrap: true }), {
        timeoutMs: 180_000,
      });
      dir = project('three');
    }, 180_000);

    it('lists the groups and targets buildx resolves, with inheritance and the default group', async () => {
      const r = await core.router.call('bake.inspect', { projectDir: dir, variables: { WHO: 'inspected' } });
      expect(r.ok).toBe(true);
      const p = (r as { value: BakeProject }).value;
      expect(p).toMatchObject({ kind: 'hcl', complete: true, files: [join(dir, 'docker-bake.hcl')] });
      // buildx sorts the default group's members (it merges the names asked for into it).
      expect(p.defaultTargets).toEqual(['app', 'derived', 'multi']);
      expect(p.groups).toEqual([
        { name: 'default', members: ['app', 'derived', 'multi'], targets: ['app', 'derived', 'multi'] },
      ]);
      const byName = Object.fromEntries(p.targets.map((t) => [t.name, t]));
      expect(Object.keys(byName).sort()).toEqual(['app', 'armfail', 'derived', 'multi']);
      // derived inherits app's Dockerfile and args; the variable is applied.
      expect(byName['derived']).toMatchObject({
        dockerfile: 'app.Dockerfile',
        target: 'base',
        args: { WHO: 'inspected' },
        groups: ['default'],
        contextPath: dir,
      });
      expect(byName['multi']?.platforms).toEqual(['linux/amd64', 'linux/arm64']);
      expect(byName['armfail']?.groups).toEqual([]);
      expect(p.variables).toEqual([{ name: 'WHO', value: 'inspected' }]);
    });

    it('bakes the group: each target its own lanes; steps and cached steps equal buildx’s own rawjson', async () => {
      rmSync(tap.log, { force: true });
      const r = await bake(core, { projectDir: dir, builder, variables: { WHO: `first-${token}` } });
      expect(r.summary).toMatchObject({ ok: true, status: 'succeeded', cancelled: false });
      expect(r.summary.targets.map((t) => t.target)).toEqual(['app', 'derived', 'multi']);
      expect(r.seen).toEqual(r.snapshot);
      const raw = await settled(tap.log);
      const oracle = stepsPerTarget(raw, ['app', 'multi', 'derived']);
      for (const t of r.summary.targets) {
        expect({ target: t.target, ...totals(t) }).toEqual({
          target: t.target,
          steps: oracle[t.target]?.steps,
          cached: oracle[t.target]?.cached,
        });
        expect(t.ok).toBe(true);
        expect(t.ref).toMatch(new RegExp(`^${builder}/`));
        refs.push(t.ref ?? '');
      }
      expect(
        r.summary.targets.find((t) => t.target === 'multi')?.platforms.map((p) => [p.platform, p.ok, p.steps]),
      ).toEqual([
        ['linux/amd64', true, 2],
        ['linux/arm64', true, 2],
      ]);
      expect(oracle['multi']?.byPlatform['linux/arm64']?.steps).toBe(2);
      // The variable reached the build; logs stay with their target and platform.
      const appLog = logLines(r.snapshot.targets['app']?.log ?? { chunks: [], length: 0, dropped: 0 }).map(
        (l) => l.text,
      );
      expect(appLog).toContain(`base for first-${token} ${token}`);
      const multiLog = logLines(r.snapshot.targets['multi']?.log ?? { chunks: [], length: 0, dropped: 0 }).map(
        (l) => l.text,
      );
      expect(multiLog.sort()).toEqual([`arch aarch64 ${token}`, `arch x86_64 ${token}`]);
      // Each target's log pages as a build's does (a window's log view pages them in after a flood).
      const page = await core.router.call('bake.logs', { bakeId: r.bakeId, target: 'multi', from: 0, limit: 10 });
      expect(page.ok ? page.value.lines.map((l) => l.text).sort() : page.error).toEqual(multiLog);
      const missing = await core.router.invoke('bake.logs', { bakeId: r.bakeId, target: 'nope', from: 0 });
      expect(missing).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'target' } } });

      // Again with the same variable: buildx reports the RUN steps cached, and so does BuildDeck.
      rmSync(tap.log, { force: true });
      const again = await bake(core, { projectDir: dir, builder, variables: { WHO: `first-${token}` } });
      const raw2 = await settled(tap.log);
      const oracle2 = stepsPerTarget(raw2, ['app', 'multi', 'derived']);
      for (const t of again.summary.targets) {
        expect({ target: t.target, ...totals(t) }).toEqual({
          target: t.target,
          steps: oracle2[t.target]?.steps,
          cached: oracle2[t.target]?.cached,
        });
        refs.push(t.ref ?? '');
      }
      expect(
        totals(again.summary.targets.find((t) => t.target === 'app') as BakeSummary['targets'][number]).cached,
      ).toBeGreaterThanOrEqual(2);
    });

    it('fails only the arm64 lane of the target that fails on arm64; the others report what they did', async () => {
      const r = await bake(core, {
        projectDir: dir,
        builder,
        targets: ['app', 'armfail'],
        variables: { WHO: `arm-${token}` },
      });
      expect(r.summary).toMatchObject({ ok: false, status: 'failed' });
      expect(r.summary.error).toContain('exit code: 7');
      const armfail = r.snapshot.targets['armfail'];
      const arm = armfail?.lanes.find((l) => l.key === 'linux/arm64');
      expect(arm?.summary).toMatchObject({
        ok: false,
        state: 'failed',
        error: expect.stringContaining('exit code: 7') as unknown,
      });
      expect(armfail?.error).toMatchObject({
        lane: 'linux/arm64',
        line: 3,
        lastLogLines: expect.arrayContaining([`arm64 is not supported ${token}`]) as unknown,
      });
      const amd = armfail?.lanes.find((l) => l.key === 'linux/amd64');
      expect(amd?.summary.state).not.toBe('failed');
      // app ran on its own: succeeded if its steps all finished, else BuildKit stopped it (cancelled).
      const app = r.summary.targets.find((t) => t.target === 'app');
      const appDone = Object.values(r.snapshot.targets['app']?.steps ?? {}).every(
        (s) => s.state === 'done' || s.state === 'cached',
      );
      expect(app?.ok).toBe(appDone);
      expect(app?.status).toBe(appDone ? 'succeeded' : 'cancelled');
      expect(r.summary.targets.find((t) => t.target === 'armfail')).toMatchObject({ ok: false, status: 'failed' });
      // buildx writes no metadata file when a bake fails: each target's ref comes from its local state.
      for (const t of r.summary.targets) {
        expect(t.ref).toMatch(new RegExp(`^${builder}/${builder}0/[a-z0-9]+$`));
        refs.push(t.ref ?? '');
      }
      // One history entry, its two targets inside with their results and refs.
      const h = await core.router.call('bake.historyGet', { bakeId: r.bakeId });
      expect(h.ok).toBe(true);
      if (!h.ok) return;
      expect(h.value.item).toMatchObject({ status: 'failed', projectDir: dir, builder, requested: ['app', 'armfail'] });
      expect(h.value.item.results.map((t) => [t.target, t.status, t.ref])).toEqual(
        r.summary.targets.map((t) => [t.target, t.status, t.ref]),
      );
      expect(h.value.request).toMatchObject({ targets: ['app', 'armfail'], variables: { WHO: `arm-${token}` } });
      // Each target's ref opens its own BuildKit record in History (the link from a bake entry).
      for (const t of r.summary.targets) {
        const d = await core.router.call('history.details', { id: t.ref ?? '' });
        expect(d.ok, JSON.stringify(d)).toBe(true);
        if (!d.ok) continue;
        expect(d.value.item).toMatchObject({ ref: t.ref, builder });
        if (t.target === 'armfail') expect(d.value.item.status).toBe('failed');
      }
      // History's merged list: the bake is one row, its targets' BuildKit records rows under it.
      const list = await core.router.call('history.records', { builder, refresh: true, limit: 500 });
      if (!list.ok) throw new Error(list.error.message);
      const bakeRow = list.value.items.find((i) => i.id === r.bakeId);
      expect(bakeRow).toMatchObject({
        kind: 'bake',
        status: 'failed',
        origin: 'builddeck',
        builder,
        source: { kind: 'bake', contextDir: dir, bakeTarget: 'app, armfail' },
      });
      expect([...(bakeRow?.children ?? [])].sort()).toEqual(r.summary.targets.map((t) => t.ref).sort());
      for (const t of r.summary.targets) {
        expect(list.value.items.find((i) => i.ref === t.ref)).toMatchObject({
          parent: r.bakeId,
          origin: 'builddeck',
          source: { kind: 'bake', bakeTarget: t.target },
        });
      }
    });

    it('re-runs a recorded bake from history and from the tray, with the same request', async () => {
      const list = await core.router.call('bake.history', { projectDir: dir });
      expect(list.ok).toBe(true);
      if (!list.ok) return;
      // The two group bakes and the failing one, newest first, each one entry.
      expect(list.value.items.map((i) => i.requested)).toEqual([['app', 'armfail'], [], []]);
      const first = list.value.items.at(-1);
      const rerun = await core.router.call('bake.rerun', { bakeId: first?.bakeId ?? '' });
      expect(rerun.ok).toBe(true);
      if (!rerun.ok) return;
      const again = await core.router.call('bake.get', { bakeId: rerun.value.bakeId });
      expect(again.ok && again.value.info?.variables).toEqual(['WHO']);
      const snapshot = await waitBake(core, rerun.value.bakeId);
      expect(snapshot.status).toBe('succeeded');
      for (const t of summarizeBake(snapshot).targets) refs.push(t.ref ?? '');

      const inputs = await loadTrayInputs(core.router);
      const menu = trayMenu(inputs);
      const entry = menu.find((m) => m.label.startsWith(`Bake ${basename(dir)} (app, armfail)`));
      expect(entry?.action).toMatchObject({ kind: 'rerunBake' });
      const fromTray = await runTrayAction(core.router, entry?.action ?? { kind: 'open' });
      expect(fromTray).toMatchObject({ ok: true, value: { bakeId: expect.any(String) as unknown } });
      const trayRun = await waitBake(core, (fromTray as { value: { bakeId: string } }).value.bakeId);
      expect(trayRun.info?.requested).toEqual(['app', 'armfail']);
      for (const t of summarizeBake(trayRun).targets) refs.push(t.ref ?? '');
    });

    it('cancel stops the whole bake: every target ends cancelled and BuildKit stops the steps', async () => {
      const slow = join(work, 'slow');
      mkdirSync(slow);
      writeFileSync(
        join(slow, 'Dockerfile'),
        `FROM 127.0.0.1:5000/busybox\nARG N\nRUN echo "started $N ${token}"; sleep 60; echo never\n`,
      );
      writeFileSync(
        join(slow, 'docker-bake.hcl'),
        'group "default" { targets = ["one", "two"] }\ntarget "one" { args = { N = "one" } }\ntarget "two" { args = { N = "two" } }\n',
      );
      const w = await start(core, { projectDir: slow, builder });
      if (!('bakeId' in w)) throw new Error(w.message);
      for (let i = 0; i < 600; i++) {
        const s = w.seen();
        const both = ['one', 'two'].every((t) =>
          logLines(s.targets[t]?.log ?? { chunks: [], length: 0, dropped: 0 }).some((l) =>
            l.text.startsWith('started'),
          ),
        );
        if (both) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const asked = Date.now();
      expect(await core.router.call('bake.cancel', { bakeId: w.bakeId })).toEqual({
        ok: true,
        value: { cancelled: true },
      });
      const summary = await w.finished;
      expect(Date.now() - asked).toBeLessThan(25_000);
      expect(summary).toMatchObject({ ok: false, cancelled: true, status: 'cancelled' });
      expect(summary.targets.map((t) => [t.target, t.status])).toEqual([
        ['one', 'cancelled'],
        ['two', 'cancelled'],
      ]);
      for (const t of ['one', 'two']) {
        const run = Object.values(w.seen().targets[t]?.steps ?? {}).find((s) => s.title.startsWith('RUN'));
        expect(run?.state).toBe('cancelled');
      }
      let left = '';
      for (let i = 0; i < 40; i++) {
        left = (await exec('ps', ['-eo', 'args'])).stdout
          .split('\n')
          .filter((l) => l.includes(`started $N ${token}`) || l.includes(`${token}"; sleep 60`))
          .join('\n');
        if (!left) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(left).toBe('');
      expect(await core.router.call('bake.cancel', { bakeId: w.bakeId })).toEqual({
        ok: true,
        value: { cancelled: false },
      });
    }, 120_000);
  });

  it('bakes a compose.yaml with two services’ build sections on the default builder', async () => {
    const dir = join(work, 'compose');
    mkdirSync(join(dir, 'web'), { recursive: true });
    mkdirSync(join(dir, 'api'), { recursive: true });
    writeFileSync(join(dir, 'web', 'Dockerfile'), `FROM local/busybox:latest\nRUN echo "web ${token}"\n`);
    writeFileSync(join(dir, 'api', 'Dockerfile.api'), `FROM local/busybox:latest\nARG V\nRUN echo "api $V ${token}"\n`);
    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:\n  web:\n    build: ./web\n    image: ${token}-web:dev\n  api:\n    build:\n      context: ./api\n      dockerfile: Dockerfile.api\n      args:\n        V: "\${API_VERSION:-0}"\n    image: ${token}-api:dev\n  db:\n    image: local/busybox:latest\n`,
    );
    const p = await core.router.call('bake.inspect', { projectDir: dir });
    expect(p).toMatchObject({ ok: true, value: { kind: 'compose', defaultTargets: ['api', 'web'] } });
    const r = await bake(core, { projectDir: dir, variables: { API_VERSION: '7' } });
    expect(r.summary).toMatchObject({ ok: true });
    expect(r.summary.targets.map((t) => [t.target, t.ok, t.imageName])).toEqual([
      ['api', true, `docker.io/library/${token}-api:dev`],
      ['web', true, `docker.io/library/${token}-web:dev`],
    ]);
    for (const t of r.summary.targets) refs.push(t.ref ?? '');
    const apiLog = logLines(r.snapshot.targets['api']?.log ?? { chunks: [], length: 0, dropped: 0 }).map((l) => l.text);
    expect(apiLog).toContain(`api 7 ${token}`);
    const { stdout } = await exec('docker', ['image', 'inspect', `${token}-web:dev`, '--format', '{{.Id}}']);
    expect(r.summary.targets.find((t) => t.target === 'web')?.digest).toBe(stdout.trim());
  });

  it('names the file and line of a broken definition: HCL syntax, unknown target, missing Dockerfile', async () => {
    const dir = join(work, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'docker-bake.hcl'), 'target "a" {\n  dockerfile = "Dockerfile"\n  tags = [\n}\n');
    const syntax = await core.router.call('bake.inspect', { projectDir: dir });
    expect(syntax).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^docker-bake\.hcl line 4: Invalid expression/) as unknown,
        hint: expect.stringContaining('line 4 of docker-bake.hcl') as unknown,
        details: { field: 'definition', file: 'docker-bake.hcl', line: 4 },
      },
    });
    const started = await core.router.call('bake.start', { projectDir: dir });
    expect(started).toMatchObject({ ok: false, error: { details: { field: 'definition', line: 4 } } });

    writeFileSync(
      join(dir, 'docker-bake.hcl'),
      'group "default" {\n  targets = ["good", "nofile"]\n}\n\ntarget "good" {\n  dockerfile = "Good.Dockerfile"\n}\n\ntarget "nofile" {\n  context = "."\n  dockerfile = "Missing.Dockerfile"\n}\n',
    );
    writeFileSync(join(dir, 'Good.Dockerfile'), 'FROM local/busybox:latest\n');
    const unknown = await core.router.call('bake.start', { projectDir: dir, targets: ['nope'] });
    expect(unknown).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: 'The definition has no target or group named "nope".',
        details: { field: 'targets' },
      },
    });
    const missing = await core.router.call('bake.start', { projectDir: dir });
    expect(missing).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: 'Target "nofile": its Dockerfile Missing.Dockerfile does not exist.',
        details: { field: 'targets', target: 'nofile', file: join(dir, 'docker-bake.hcl'), line: 11 },
      },
    });
    // The project still opens, and says which target cannot run and where.
    const listed = await core.router.call('bake.inspect', { projectDir: dir });
    expect(listed.ok && listed.value.targets.find((t) => t.name === 'nofile')?.problem).toEqual({
      message: 'Target "nofile": its Dockerfile Missing.Dockerfile does not exist.',
      file: join(dir, 'docker-bake.hcl'),
      line: 11,
    });
    expect(listed.ok && listed.value.targets.find((t) => t.name === 'good')?.problem).toBeUndefined();
  });
});
