import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BuildEvent,
  BuildRequestInput,
  BuildSnapshot,
  BuildSummary,
  Step,
} from '../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../electron/common/contracts/history';
import type { AppError } from '../../electron/common/errors';
import { applyProgress, createBuildSnapshot, logLines } from '../../electron/common/progress';
import { createCore, type Core } from '../../electron/composition/create-core';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';
import { freePort } from '../helpers/net';

const exec = promisify(execFile);

interface Watched {
  buildId: string;
  /** What a window sees: the core's events through the shared reducer. */
  seen: () => BuildSnapshot;
  finished: Promise<BuildSummary>;
  /** Resolves when a log line containing the text arrives. */
  logged(text: string): Promise<void>;
}

async function start(core: Core, input: BuildRequestInput): Promise<Watched | AppError> {
  let buildId: string | undefined = undefined;
  let snapshot: BuildSnapshot | undefined;
  const early: { buildId: string; firstIndex: number; events: BuildEvent[] }[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let done: (s: BuildSummary) => void = () => undefined;
  const finished = new Promise<BuildSummary>((r) => (done = r));
  const apply = (b: { firstIndex: number; events: BuildEvent[] }) => {
    const next = applyProgress(snapshot ?? createBuildSnapshot(buildId ?? ''), b);
    if (next.gap) throw new Error('gap in build.progressed');
    snapshot = next.snapshot;
    const text = logLines(snapshot.log)
      .map((l) => l.text)
      .join('\n');
    for (const w of waiters.splice(0)) {
      if (text.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  };
  const unsubscribe = core.events.subscribe((event, payload) => {
    if (event === 'build.progressed') {
      const p = payload;
      if (buildId === undefined) early.push(p);
      else if (p.buildId === buildId) apply(p);
    }
    if (event === 'build.finished' && (payload as { buildId: string }).buildId === buildId) {
      unsubscribe();
      done((payload as { summary: BuildSummary }).summary);
    }
  });
  const r = await core.router.invoke('builds.start', input);
  if (!r.ok) {
    unsubscribe();
    return r.error;
  }
  buildId = (r.value as { buildId: string }).buildId;
  snapshot = createBuildSnapshot(buildId);
  for (const b of early.splice(0)) if (b.buildId === buildId) apply(b);
  return {
    buildId,
    seen: () => snapshot as BuildSnapshot,
    finished,
    logged: (text) =>
      Promise.race([
        new Promise<void>((resolve) => waiters.push({ text, resolve })),
        finished.then(() => {
          throw new Error(`build ended before "${text}" was logged: ${JSON.stringify(snapshot?.error)}`);
        }),
      ]),
  };
}

async function build(core: Core, input: BuildRequestInput) {
  const w = await start(core, input);
  if (!('buildId' in w)) throw new Error(`${w.code}: ${w.message}`);
  const summary = await w.finished;
  const got = await core.router.invoke('builds.get', { buildId: w.buildId });
  if (!got.ok) throw new Error(got.error.message);
  const snapshot = got.value as BuildSnapshot;
  return { buildId: w.buildId, summary, snapshot, seen: w.seen() };
}

const stepsOf = (s: BuildSnapshot, lane: string): Step[] =>
  (s.lanes.find((l) => l.key === lane)?.steps ?? [])
    .map((id) => s.steps[id] as Step)
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0));

describe('builds, against the real engine and buildx 0.29', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let ctx: string;
  let dataDir: string;
  const token = `bdtest-build-${Math.random().toString(36).slice(2, 8)}`;
  const image = `${token}:single`;
  const dockerfile = (name: string, text: string) => writeFileSync(join(ctx, name), text.replaceAll('TOKEN', token));

  beforeAll(() => {
    sandbox = buildxSandbox();
    ctx = mkdtempSync(join(tmpdir(), 'bd-build-ctx-'));
    dataDir = mkdtempSync(join(tmpdir(), 'bd-build-data-'));
    writeFileSync(join(ctx, 'a.txt'), 'payload\n');
    core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: 5000, pollIntervalMs: 600_000 });
  });
  afterAll(async () => {
    await core.dispose();
    // Every image this file loads is tagged, so none is left dangling (a dangling one would pin the cache).
    await exec('docker', [
      'image',
      'rm',
      '-f',
      image,
      `${token}:cli`,
      `${token}:old`,
      `${token}:secret`,
      `${token}:long`,
    ]).catch(() => undefined);
    await sandbox.cleanup();
    await pruneCacheByToken(token);
    rmSync(ctx, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds.get sends a long log once, as its tail; builds.logs pages the rest in and refuses bad ranges', async () => {
    dockerfile('Long.Dockerfile', 'FROM local/busybox:latest\nRUN seq 1 3000 | sed "s/^/n TOKEN /"\n');
    const r = await build(core, { contextDir: ctx, dockerfile: 'Long.Dockerfile', tags: [`${token}:long`] });
    expect(r.summary.ok).toBe(true);
    const run = Object.values(r.snapshot.steps).find((s) => s.title.startsWith('RUN seq'));
    const total = r.seen.log.length;
    expect(total).toBeGreaterThanOrEqual(3000);
    // The tail only: the build log's last 4 chunks, the step's last chunk; the rest held at the core.
    expect(r.snapshot.log.length).toBeLessThanOrEqual(1024);
    expect(r.snapshot.log.held).toBe(total - r.snapshot.log.length);
    expect(logLines(r.snapshot.log).at(-1)?.text).toBe(logLines(r.seen.log).at(-1)?.text);
    expect(run?.logs.length).toBeLessThan(256);
    // Pages from 0 up to the tail give back every line the window saw, in order.
    const paged: string[] = [];
    for (let from = 0; from < (r.snapshot.log.held ?? 0); from += 1024) {
      const page = await core.router.call('builds.logs', { buildId: r.buildId, from, limit: 1024 });
      if (!page.ok) throw new Error(page.error.message);
      paged.push(...page.value.lines.slice(0, (r.snapshot.log.held ?? 0) - from).map((l) => l.text));
    }
    paged.push(...logLines(r.snapshot.log).map((l) => l.text));
    expect(paged).toEqual(logLines(r.seen.log).map((l) => l.text));
    const stepPage = await core.router.call('builds.logs', { buildId: r.buildId, step: run?.id, from: 0, limit: 3 });
    expect(stepPage).toMatchObject({ ok: true, value: { from: 0, first: 0, end: 3000 } });
    expect(stepPage.ok && stepPage.value.lines.map((l) => l.text)).toEqual([1, 2, 3].map((n) => `n ${token} ${n}`));
    // Bad input: a clear INVALID_INPUT naming the field, never a crash.
    const past = await core.router.invoke('builds.logs', { buildId: r.buildId, from: total + 1 });
    expect(past).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringContaining(`has ${total} lines`) as unknown },
    });
    const noStep = await core.router.invoke('builds.logs', { buildId: r.buildId, step: 'sha256:nope', from: 0 });
    expect(noStep).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'step' } } });
    const negative = await core.router.invoke('builds.logs', { buildId: r.buildId, from: -1 });
    expect(negative).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const huge = await core.router.invoke('builds.logs', { buildId: r.buildId, from: 0, limit: 1e6 });
    expect(huge).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const unknown = await core.router.invoke('builds.logs', { buildId: 'nope', from: 0 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('builds one platform on the default builder: steps, logs, digest; a rebuild is cached', async () => {
    dockerfile(
      'Dockerfile',
      'FROM local/busybox:latest\nRUN echo "hello TOKEN" && sleep 1\nCOPY a.txt /a.txt\nRUN cat /a.txt >&2\n',
    );
    const first = await build(core, { contextDir: ctx, tags: [image] });
    expect(first.summary).toMatchObject({
      ok: true,
      cancelled: false,
      status: 'succeeded',
      imageName: `docker.io/library/${image}`,
    });
    const { stdout } = await exec('docker', ['image', 'inspect', image, '--format', '{{.Id}}']);
    expect(first.summary.digest).toBe(stdout.trim());
    expect(first.summary.platforms).toEqual([expect.objectContaining({ platform: 'linux/amd64', ok: true, steps: 4 })]);
    const steps = stepsOf(first.snapshot, 'linux/amd64');
    expect(steps.map((s) => [s.index, s.state])).toEqual([
      [1, expect.stringMatching(/cached|done/)],
      [2, 'done'],
      [3, 'done'],
      [4, 'done'],
    ]);
    expect(steps[1]?.durationMs).toBeGreaterThanOrEqual(1000);
    expect(logLines(steps[1]?.logs ?? first.snapshot.log).map((l) => l.text)).toEqual([`hello ${token}`]);
    expect(logLines(first.snapshot.log).find((l) => l.text === 'payload')?.stream).toBe(2);
    // What a window reduced from the events is exactly what the core replays to a reloaded one.
    expect(first.seen).toEqual(first.snapshot);

    const again = await build(core, { contextDir: ctx, tags: [image] });
    expect(again.summary.platforms[0]).toMatchObject({
      ok: true,
      steps: 4,
      cachedSteps: expect.any(Number) as unknown,
    });
    const cached = stepsOf(again.snapshot, 'linux/amd64')
      .filter((s) => s.state === 'cached')
      .map((s) => s.index);
    expect(cached).toEqual(expect.arrayContaining([2, 3, 4]));
    expect(again.summary.platforms[0]?.cachedSteps).toBeGreaterThanOrEqual(3);

    // Recorded in history, with the same steps and digest.
    const h = await core.router.invoke('history.get', { buildId: again.buildId });
    expect(h.ok).toBe(true);
    const entry = (h as { value: HistoryEntry }).value;
    expect(entry.item).toMatchObject({ status: 'succeeded', digest: again.summary.digest, steps: 4 });
    expect(entry.item.cachedSteps).toBeGreaterThanOrEqual(3);
  });

  it('shows a Dockerfile syntax error with its line, and fails the lane', async () => {
    dockerfile('Syntax.Dockerfile', 'FROM local/busybox:latest\nRUN echo TOKEN\nRUNN false\n');
    const r = await build(core, { contextDir: ctx, dockerfile: 'Syntax.Dockerfile' });
    expect(r.summary).toMatchObject({ ok: false, cancelled: false, status: 'failed' });
    expect(r.snapshot.error).toMatchObject({
      line: 3,
      message: expect.stringContaining('unknown instruction: RUNN') as unknown,
    });
    expect(r.snapshot.error?.snippet.find((l) => l.marked)).toEqual({ line: 3, text: 'RUNN false', marked: true });
    expect(r.summary.platforms).toEqual([expect.objectContaining({ ok: false })]);
  });

  it('cancels mid-RUN: buildx stops, BuildKit cancels the step, the result says cancelled', async () => {
    dockerfile('Slow.Dockerfile', 'FROM local/busybox:latest\nRUN echo "started TOKEN"; sleep 60; echo never\n');
    const w = await start(core, { contextDir: ctx, dockerfile: 'Slow.Dockerfile' });
    if (!('buildId' in w)) throw new Error(w.message);
    await w.logged(`started ${token}`);
    const asked = Date.now();
    expect(await core.router.invoke('builds.cancel', { buildId: w.buildId })).toEqual({
      ok: true,
      value: { cancelled: true },
    });
    const summary = await w.finished;
    expect(Date.now() - asked).toBeLessThan(15_000);
    expect(summary).toMatchObject({ ok: false, cancelled: true, status: 'cancelled' });
    const s = w.seen();
    expect(s.error).toBeUndefined();
    const run = Object.values(s.steps).find((st) => st.title.startsWith('RUN echo "started'));
    expect(run?.state).toBe('cancelled');
    expect(logLines(s.log).map((l) => l.text)).not.toContain('never');
    // BuildKit really stopped the step: its shell (whose command line carries the token) is gone.
    let left = '';
    for (let i = 0; i < 20; i++) {
      left = (await exec('ps', ['-eo', 'args'])).stdout
        .split('\n')
        .filter((l) => l.includes(`started ${token}`))
        .join('\n');
      if (!left) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(left).toBe('');
    // Cancelling twice is harmless.
    expect(await core.router.invoke('builds.cancel', { buildId: w.buildId })).toEqual({
      ok: true,
      value: { cancelled: false },
    });
  });

  it('passes a secret to the build without its value reaching logs, events, command line or history', async () => {
    const value = `s3cr3t-${token}-value`;
    const secretCore = createCore({
      env: { ...sandbox.env, BDTEST_SECRET: value },
      dataDir,
      healthTimeoutMs: 5000,
      pollIntervalMs: 600_000,
    });
    try {
      dockerfile(
        'Secret.Dockerfile',
        'FROM local/busybox:latest\nRUN --mount=type=secret,id=tok echo "TOKEN secret bytes: $(wc -c < /run/secrets/tok)"\n',
      );
      const input = {
        contextDir: ctx,
        dockerfile: 'Secret.Dockerfile',
        tags: [`${token}:secret`],
        secrets: [{ id: 'tok', env: 'BDTEST_SECRET' }],
      };
      const events: unknown[] = [];
      const off = secretCore.events.subscribe((_e, p) => events.push(p));
      const r = await build(secretCore, input);
      off();
      expect(r.summary.ok).toBe(true);
      // The build saw it (its length), nobody else saw it.
      expect(logLines(r.snapshot.log).map((l) => l.text)).toContain(`${token} secret bytes: ${value.length}`);
      const cmd = await secretCore.router.invoke('builds.commandLine', input);
      const h = await secretCore.router.invoke('history.get', { buildId: r.buildId });
      expect(h).toMatchObject({ ok: true, value: { secretIds: ['tok'], request: { secrets: [] } } });
      for (const seen of [JSON.stringify(r.snapshot), JSON.stringify(events), JSON.stringify(cmd), JSON.stringify(h)])
        expect(seen).not.toContain(value);
      const { readFileSync, readdirSync } = await import('node:fs');
      for (const f of readdirSync(dataDir)) expect(readFileSync(join(dataDir, f)).includes(value)).toBe(false);
      // A secret from a variable that is not set is refused before buildx runs.
      const unset = await secretCore.router.invoke('builds.start', {
        ...input,
        secrets: [{ id: 'tok', env: 'BDTEST_NOT_SET' }],
      });
      expect(unset).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'secrets.0.env' } } });
    } finally {
      await secretCore.dispose();
    }
  });

  it('refuses a missing context and a Dockerfile that is not there, naming the field', async () => {
    const missing = await core.router.invoke('builds.start', { contextDir: join(ctx, 'nope') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'contextDir' } } });
    const relative = await core.router.invoke('builds.start', { contextDir: 'relative/dir' });
    expect(relative).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'contextDir' } } });
    const file = await core.router.invoke('builds.start', { contextDir: join(ctx, 'a.txt') });
    expect(file).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'contextDir' } } });
    const noDockerfile = await core.router.invoke('builds.start', {
      contextDir: ctx,
      dockerfile: 'Missing.Dockerfile',
    });
    expect(noDockerfile).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', details: { field: 'dockerfile' } },
    });
    const badTag = await core.router.invoke('builds.start', { contextDir: ctx, tags: ['--push'] });
    expect(badTag).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'tags.0' } } });
  });

  it('explains that the docker driver cannot build several platforms, before running buildx', async () => {
    const r = await core.router.invoke('builds.start', {
      contextDir: ctx,
      builder: 'default',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        details: { field: 'platforms', driver: 'docker', suggestedDriver: 'docker-container' },
      },
    });
    if (!r.ok) expect(r.error.hint).toMatch(/docker-container/);
    const unknown = await core.router.invoke('builds.start', { contextDir: ctx, builder: 'bdtest-no-such-builder' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'BUILDER_NOT_FOUND' } });
  });

  it('reports an unreachable builder as such', async () => {
    // A real remote builder whose endpoint is a closed port on this machine.
    const port = await freePort();
    const name = sandbox.name('unreach');
    await sandbox.docker(['buildx', 'create', '--name', name, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
    dockerfile('Dockerfile', 'FROM local/busybox:latest\nRUN echo TOKEN\n');
    const started = Date.now();
    const w = await start(core, { contextDir: ctx, builder: name });
    // Refused at once by the endpoint probe, not after buildx's own 20 s.
    expect(w).toMatchObject({ code: 'BUILDER_UNREACHABLE', hint: expect.stringContaining('endpoint') as unknown });
    expect((w as AppError).message).toContain(`tcp://127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 90_000);

  describe('multi-platform on a docker-container builder (QEMU for arm64)', () => {
    let builder: string;
    beforeAll(async () => {
      builder = sandbox.name('multi');
      await sandbox.docker(containerBuilderArgs(builder, { hostNetwork: true, bootstrap: true }), {
        timeoutMs: 180_000,
      });
    }, 180_000);

    it('builds amd64 and arm64 in two lanes, both complete, with an OCI digest', async () => {
      dockerfile(
        'Multi.Dockerfile',
        'FROM 127.0.0.1:5000/busybox AS base\nRUN echo "arch $(uname -m) TOKEN"\nFROM base\nCOPY a.txt /a.txt\n',
      );
      const out = join(ctx, 'multi.tar');
      const r = await build(core, {
        contextDir: ctx,
        dockerfile: 'Multi.Dockerfile',
        builder,
        platforms: ['linux/amd64', 'linux/arm64'],
        outputs: [{ type: 'oci', dest: out }],
      });
      expect(r.snapshot.lanes.map((l) => l.key)).toEqual(['linux/amd64', 'linux/arm64', 'shared']);
      expect(r.summary).toMatchObject({ ok: true, digest: expect.stringMatching(/^sha256:/) as unknown });
      expect(r.summary.platforms.map((p) => [p.platform, p.ok, p.steps])).toEqual([
        ['linux/amd64', true, 3],
        ['linux/arm64', true, 3],
      ]);
      const arch = logLines(r.snapshot.log)
        .map((l) => l.text)
        .filter((t) => t.startsWith('arch '))
        .sort();
      expect(arch).toEqual([`arch aarch64 ${token}`, `arch x86_64 ${token}`]);
      expect(r.seen).toEqual(r.snapshot);
    });

    it('fails only the arm64 lane when a RUN fails only on arm64, and reports amd64 truthfully', async () => {
      dockerfile(
        'ArmFails.Dockerfile',
        'FROM 127.0.0.1:5000/busybox\nRUN echo "TOKEN $(uname -m)"\nRUN if [ "$(uname -m)" = aarch64 ]; then echo "no arm64 here" >&2; exit 7; fi; echo fine\n',
      );
      const r = await build(core, {
        contextDir: ctx,
        dockerfile: 'ArmFails.Dockerfile',
        builder,
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      expect(r.summary.ok).toBe(false);
      const arm = r.snapshot.lanes.find((l) => l.key === 'linux/arm64');
      const amd = r.snapshot.lanes.find((l) => l.key === 'linux/amd64');
      expect(arm?.summary).toMatchObject({
        ok: false,
        state: 'failed',
        error: expect.stringContaining('exit code: 7') as unknown,
      });
      expect(r.snapshot.error).toMatchObject({
        lane: 'linux/arm64',
        line: 3,
        lastLogLines: expect.arrayContaining(['no arm64 here']) as unknown,
      });
      // amd64 either finished its steps (then it is ok) or BuildKit cancelled them when arm64 failed;
      // never "failed", and its summary agrees with its steps.
      const amdSteps = stepsOf(r.snapshot, 'linux/amd64');
      expect(amdSteps.some((s) => s.state === 'failed')).toBe(false);
      const allDone = amdSteps.every((s) => s.state === 'done' || s.state === 'cached');
      expect(amd?.summary.ok).toBe(allDone);
      expect(amd?.summary.state).toBe(allDone ? 'done' : 'cancelled');
      expect(r.summary.platforms.find((p) => p.platform === 'linux/amd64')?.ok).toBe(allDone);
    });
  });

  it('inspects a context: size after .dockerignore, and targets from buildx --call=targets', async () => {
    dockerfile(
      'Stages.Dockerfile',
      'FROM local/busybox:latest AS base\n# tools adds the tools\nFROM base AS tools\nRUN echo TOKEN\nFROM base\n',
    );
    const r = await core.router.invoke('builds.inspectContext', { contextDir: ctx, dockerfile: 'Stages.Dockerfile' });
    expect(r).toMatchObject({ ok: true, value: { targetsSource: 'buildx', dockerfile: 'Stages.Dockerfile' } });
    if (!r.ok) return;
    const v = r.value as { targets: { name: string; description?: string }[]; files: number; dockerfiles: string[] };
    expect(v.targets).toEqual([
      expect.objectContaining({ name: 'base' }),
      { name: 'tools', description: 'adds the tools', base: 'base' },
    ]);
    expect(v.dockerfiles).toContain('Stages.Dockerfile');
    expect(v.files).toBeGreaterThanOrEqual(2);
  });

  describe('with buildx 0.13.1 (pretty-printed rawjson, no --call)', () => {
    let old: BuildxSandbox;
    let oldCore: Core;
    beforeAll(() => {
      old = buildxSandbox({ oldBuildx: true });
      oldCore = createCore({ env: old.env, dataDir, healthTimeoutMs: 5000, pollIntervalMs: 600_000 });
    });
    afterAll(async () => {
      await oldCore.dispose();
      await old.cleanup();
    });

    it('runs the same build with the same lanes and steps, and reads targets from the Dockerfile', async () => {
      expect(await oldCore.router.invoke('buildx.info', {})).toMatchObject({ ok: true, value: { version: '0.13.1' } });
      dockerfile(
        'Old.Dockerfile',
        'FROM local/busybox:latest AS base\nRUN echo "old TOKEN"\nFROM base AS final\nRUN echo done\n',
      );
      const r = await build(oldCore, {
        contextDir: ctx,
        dockerfile: 'Old.Dockerfile',
        target: 'base',
        tags: [`${token}:old`],
      });
      expect(r.summary).toMatchObject({ ok: true, platforms: [{ platform: 'linux/amd64', ok: true, steps: 2 }] });
      expect(logLines(r.snapshot.log).map((l) => l.text)).toContain(`old ${token}`);
      expect(r.seen).toEqual(r.snapshot);
      const i = await oldCore.router.invoke('builds.inspectContext', { contextDir: ctx, dockerfile: 'Old.Dockerfile' });
      expect(i).toMatchObject({
        ok: true,
        value: { targetsSource: 'dockerfile', targets: [{ name: 'base' }, { name: 'final' }] },
      });
    });
  });

  it('prints NDJSON events and a summary from `builddeck build --json`, exit code by result', async () => {
    dockerfile('Dockerfile', 'FROM local/busybox:latest\nRUN echo "cli TOKEN"\n');
    dockerfile('Bad.Dockerfile', 'FROM local/busybox:latest\nRUN echo TOKEN; exit 4\n');
    const cli = async (args: string[]) => {
      try {
        const { stdout } = await exec(
          process.execPath,
          ['--import', 'tsx', 'electron/cli/index.ts', 'build', ...args, '--json'],
          {
            env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir },
            maxBuffer: 64 * 1024 * 1024,
          },
        );
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string };
        return { code: e.code, stdout: e.stdout };
      }
    };
    const good = await cli([ctx, '--tag', `${token}:cli`]);
    expect(good.code).toBe(0);
    const lines = good.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.every((l) => typeof l.type === 'string')).toBe(true);
    expect(lines[0]?.type).toBe('started');
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      ok: true,
      cancelled: false,
      platforms: [{ platform: 'linux/amd64', ok: true, steps: 2 }],
    });
    const bad = await cli([ctx, '-f', 'Bad.Dockerfile']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      type: 'summary',
      ok: false,
      platforms: [{ ok: false }],
    });
  });
});
