import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanSize } from '../../electron/adapters/buildx/cache-parse';
import type {
  CachePruneResult,
  CacheTrend,
  CacheUsage,
  HousekeepingRunValue,
  HousekeepingState,
} from '../../electron/common/contracts/cache';
import type { AppError } from '../../electron/common/errors';
import { createCore, type Core } from '../../electron/composition/create-core';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';
import { freePort, silentListener } from '../helpers/net';

/*
 * Real engine, real buildx. The default builder is shared with everyone on this daemon: this test
 * removes only records whose description carries its own random token (its RUN lines), and checks
 * that the daemon reported deleting exactly those. The context's "local source" records carry no
 * token, so instead of leaving new ones behind each run, the context lives in one fixed folder and the
 * sandbox gets a fixed buildx node id: BuildKit keys those records by both and reuses them.
 */
const docker = new Docker();
const exec = promisify(execFile);
const token = () => `bdtest-cache-${Math.random().toString(36).slice(2, 10)}`;

async function usage(core: Core, builder: string): Promise<CacheUsage> {
  const r = await core.router.invoke('cache.usage', { builder });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as CacheUsage;
}

async function prune(core: Core, input: unknown): Promise<CachePruneResult> {
  const r = await core.router.invoke('cache.prune', input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} ${JSON.stringify(r.error.details)}`);
  return r.value as CachePruneResult;
}

async function failure(core: Core, command: string, input: unknown): Promise<AppError> {
  const r = await core.router.invoke(command, input);
  if (r.ok) throw new Error(`${command} unexpectedly succeeded`);
  return r.error;
}

/** `docker buildx du` summary lines → {Total: '3.253MB', ...}. */
async function buildxSummary(sandbox: BuildxSandbox, builder: string): Promise<Record<string, string>> {
  const { stdout } = await sandbox.docker(['buildx', 'du', '--builder', builder]);
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^(Shared|Private|Reclaimable|Total):\s+(\S+)$/gm))
    out[m[1] as string] = m[2] as string;
  return out;
}

function contextDir(name: string, dockerfile: string): string {
  const dir = join(tmpdir(), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

describe('cache, against the real engine and buildx 0.29', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let dataDir: string;
  const changed: string[] = [];
  beforeAll(() => {
    sandbox = buildxSandbox();
    dataDir = mkdtempSync(join(tmpdir(), 'bd-cache-data-'));
    core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: 3000, pollIntervalMs: 60_000 });
    core.events.subscribe((event, payload) => {
      if (event === 'cache.changed') changed.push((payload as { builder: string }).builder);
    });
  });
  afterAll(async () => {
    await core.dispose();
    await sandbox.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("default builder: same totals as `docker buildx du`, and a prune by description removes only this test's records", async () => {
    const mark = token();
    const dir = contextDir(
      'bd-cache-test-default',
      `FROM local/busybox:latest\nRUN echo ${mark}-a > /a.txt\nRUN echo ${mark}-b > /b.txt\n`,
    );
    mkdirSync(sandbox.env['BUILDX_CONFIG'] as string, { recursive: true });
    writeFileSync(join(sandbox.env['BUILDX_CONFIG'] as string, '.buildNodeID'), 'bdtestcache00001');
    // cacheonly: no image is created, so the records stay private and prunable without `all`.
    await sandbox.docker(['buildx', 'build', '--builder', 'default', '--output', 'type=cacheonly', dir]);

    // Other tests build on this daemon too: read ours and buildx's back to back until they agree.
    let ours: CacheUsage | undefined;
    let theirs: Record<string, string> = {};
    for (let attempt = 0; attempt < 10; attempt++) {
      ours = await usage(core, 'default');
      theirs = await buildxSummary(sandbox, 'default');
      if (
        theirs['Total'] === humanSize(ours.totals.size) &&
        theirs['Reclaimable'] === humanSize(ours.totals.reclaimable)
      )
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!ours) throw new Error('no usage');
    expect(ours).toMatchObject({
      builder: 'default',
      driver: 'docker',
      source: 'engine-api',
      precision: { size: 'exact' },
    });
    expect(humanSize(ours.totals.size)).toBe(theirs['Total']);
    expect(humanSize(ours.totals.reclaimable)).toBe(theirs['Reclaimable']);
    if (theirs['Shared']) expect(humanSize(ours.totals.shared)).toBe(theirs['Shared']);
    expect(ours.totals.size).toBe(ours.records.reduce((s, r) => s + r.size, 0));
    expect(ours.totals.records).toBe(ours.records.length);

    const mine = ours.records.filter((r) => r.description.includes(mark));
    expect(mine).toHaveLength(2);
    const [a, b] = [
      mine.find((r) => r.description.includes(`${mark}-a`)),
      mine.find((r) => r.description.includes(`${mark}-b`)),
    ];
    expect(b?.parents).toEqual([a?.id]); // read from Engine 26's " Parents"
    const preview = await prune(core, { builder: 'default', filters: { description: mark }, dryRun: true });
    expect(preview.planned.records.map((r) => r.id)).toEqual([b?.id, a?.id]); // child first
    expect(preview.planned.size).toBe((a?.size ?? 0) + (b?.size ?? 0));
    expect(changed).toEqual([]);

    // Read right before and right after the prune: other tests use this daemon too.
    const beforeRecords = (await usage(core, 'default')).records;
    const before = new Set(beforeRecords.map((r) => r.id));
    const done = await prune(core, { builder: 'default', filters: { description: mark } });
    expect(done.planned.records.map((r) => r.id)).toEqual(preview.planned.records.map((r) => r.id));
    // The daemon's own account of what it deleted: exactly our two records, and their bytes.
    expect([...(done.freed?.ids ?? [])].sort()).toEqual([a?.id, b?.id].sort());
    expect(done.freed).toMatchObject({ size: preview.planned.size, sizeExact: true, notRemoved: [] });
    expect(changed).toEqual(['default']);

    const after = await usage(core, 'default');
    const afterIds = new Set(after.records.map((r) => r.id));
    expect(after.records.filter((r) => r.description.includes(mark))).toEqual([]);
    const othersGone = beforeRecords
      .filter((r) => r.id !== a?.id && r.id !== b?.id && !afterIds.has(r.id))
      .map((r) => `${r.id} ${r.description}`);
    expect(othersGone).toEqual([]);
    expect(before.has(a?.id ?? '')).toBe(true);
  });

  it('the CLI at a terminal lists what a prune would remove and asks first (buildx asks without -f)', async () => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    const mark = token();
    const dir = contextDir(`bd-cache-test-ask-${mark}`, `FROM local/busybox:latest\nRUN echo ${mark} > /a.txt\n`);
    try {
      await sandbox.docker(['buildx', 'build', '--builder', 'default', '--output', 'type=cacheonly', dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const mine = async () =>
      (await usage(core, 'default')).records.filter((r) => r.description.includes(mark)).map((r) => r.id);
    const ids = await mine();
    expect(ids).toHaveLength(1);
    // `script` gives the CLI a terminal (stdin, stdout) and types the answer into it. Every word of
    // the command is ours ([a-z0-9/.-]), so its one shell line needs no quoting.
    const atTerminal = (answer: string) =>
      new Promise<string>((resolve, reject) => {
        const line = `${process.execPath} bin/builddeck.js prune --builder default --description ${mark}`;
        const child = spawn('script', ['-qec', line, '/dev/null'], {
          env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
        child.stdin.end(`${answer}\n`);
      });
    const no = await atTerminal('n');
    expect(no).toContain(`This removes 1 record from default`);
    expect(no).toContain(ids[0]);
    expect(no).toContain('Remove this record from default? [y/N]');
    expect(no).toContain('Nothing removed.');
    expect(await mine()).toEqual(ids);
    const yes = await atTerminal('y');
    expect(yes).toContain('Pruned default: the builder removed 1 record');
    expect(await mine()).toEqual([]);
  });

  describe('a docker-container builder', () => {
    let name: string;
    const marks = [token(), token()];
    beforeAll(async () => {
      name = sandbox.name('cache');
      await sandbox.docker(containerBuilderArgs(name, { hostNetwork: true, bootstrap: true }));
      for (const mark of marks) {
        const dir = contextDir(
          `bd-cache-test-dc-${mark}`,
          `FROM 127.0.0.1:5000/busybox\nRUN echo ${mark} > /m.txt\nRUN --mount=type=cache,target=/c echo ${mark} > /c/x\n`,
        );
        try {
          await sandbox.docker(['buildx', 'build', '--builder', name, dir]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    it("reads exact usage from buildctl in its container, with `docker buildx du`'s totals", async () => {
      const u = await usage(core, name);
      expect(u).toMatchObject({
        builder: name,
        driver: 'docker-container',
        source: 'buildkit-api',
        precision: { size: 'exact', lastUsedAt: 'exact' },
      });
      const { stdout } = await sandbox.docker(['buildx', 'du', '--builder', name, '--format', 'json']);
      expect(u.records.map((r) => r.id).sort()).toEqual(
        stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { ID: string }).ID)
          .sort(),
      );
      const theirs = await buildxSummary(sandbox, name);
      expect(humanSize(u.totals.size)).toBe(theirs['Total']);
      expect(humanSize(u.totals.reclaimable)).toBe(theirs['Reclaimable']);
      expect(u.totals.size).toBe(u.records.reduce((s, r) => s + r.size, 0));
      expect(u.byType.map((t) => t.type)).toEqual(
        expect.arrayContaining(['regular', 'exec.cachemount', 'source.local']),
      );
      // Each build's two RUN steps; the cache mount (same target, so shared by both builds) is described by the first.
      expect(
        u.records
          .filter((r) => r.description.includes(marks[0] as string))
          .map((r) => r.type)
          .sort(),
      ).toEqual(['exec.cachemount', 'regular', 'regular']);
      expect(u.records.filter((r) => r.description.includes(marks[1] as string))).toHaveLength(2);
      for (const r of u.records) expect(r.mutable).not.toBeNull();
    });

    it('reads the same daemon through buildx du (0.29.1 JSON, 0.13.1 --verbose) for builders it cannot exec into', async () => {
      // A remote builder pointed at the same BuildKit container: buildx is then the only way in.
      const remote = sandbox.name('cacheremote');
      await sandbox.docker([
        'buildx',
        'create',
        '--name',
        remote,
        '--driver',
        'remote',
        `docker-container://buildx_buildkit_${name}0`,
      ]);
      const old = buildxSandbox({ oldBuildx: true });
      const oldCore = createCore({
        env: { ...old.env, BUILDX_CONFIG: sandbox.env['BUILDX_CONFIG'] },
        dataDir,
        healthTimeoutMs: 3000,
      });
      try {
        expect(await oldCore.router.invoke('buildx.info', {})).toMatchObject({
          ok: true,
          value: { version: '0.13.1' },
        });
        const exact = await usage(core, name);
        const [viaJson, viaVerbose] = [await usage(core, remote), await usage(oldCore, remote)];
        expect(viaJson).toMatchObject({
          driver: 'remote',
          source: 'buildx-json',
          precision: { size: 'rounded', lastUsedAt: 'rounded' },
        });
        expect(viaVerbose.source).toBe('buildx-verbose');
        const shape = (u: CacheUsage) =>
          u.records.map((r) => [r.id, r.type, humanSize(r.size), r.parents, r.description, r.inUse, r.shared]).sort();
        expect(shape(viaJson)).toEqual(shape(exact));
        expect(shape(viaVerbose)).toEqual(shape(exact));
        for (const r of viaJson.records) {
          const e = exact.records.find((x) => x.id === r.id)?.size ?? NaN;
          expect(Math.abs(r.size - e)).toBeLessThanOrEqual(e * 0.0005 + 0.5); // 4 significant digits
          // "N ago" is read as the latest time it allows: never older than the real last use.
          const real = exact.records.find((x) => x.id === r.id)?.lastUsedAt;
          if (real && r.lastUsedAt) expect(Date.parse(r.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(real) - 1000);
        }
        // Within buildx's rounding of the exact total.
        expect(Math.abs(viaJson.totals.size - exact.totals.size)).toBeLessThanOrEqual(exact.totals.size * 0.0005 + 1);
      } finally {
        await oldCore.dispose();
        await old.cleanup();
        await sandbox.docker(['buildx', 'rm', remote]);
      }
    });

    it('prunes exactly the previewed records and leaves every other one', async () => {
      const before = await usage(core, name);
      const [first, second] = marks as [string, string];
      const preview = await prune(core, {
        builder: name,
        filters: { description: first, type: ['regular', 'exec.cachemount'] },
        dryRun: true,
      });
      const mine = before.records
        .filter((r) => r.description.includes(first))
        .map((r) => r.id)
        .sort();
      expect(preview.planned.records.map((r) => r.id).sort()).toEqual(mine);

      const done = await prune(core, {
        builder: name,
        filters: { description: first, type: ['regular', 'exec.cachemount'] },
      });
      expect([...(done.freed?.ids ?? [])].sort()).toEqual(mine);
      expect(done.freed?.notRemoved).toEqual([]);
      // buildx prints the removed sizes rounded; the exact sizes read before give the exact figure.
      expect(done.freed).toMatchObject({ sizeExact: true, size: preview.planned.size });

      const after = await usage(core, name);
      expect(after.records.map((r) => r.id).sort()).toEqual(
        before.records
          .map((r) => r.id)
          .filter((id) => !mine.includes(id))
          .sort(),
      );
      expect(after.records.filter((r) => r.description.includes(second))).toHaveLength(
        before.records.filter((r) => r.description.includes(second)).length,
      );
      expect(changed).toContain(name);
    });

    it('the CLI prints `cache du --json` in bytes and previews a prune; bad input exits 2 naming the field', async () => {
      expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
      const env = { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir };
      const cli = (args: string[]) => exec(process.execPath, ['bin/builddeck.js', 'cache', ...args], { env });
      const du = JSON.parse((await cli(['du', '--builder', name, '--json'])).stdout) as CacheUsage;
      const direct = await usage(core, name);
      expect(Object.keys(du.totals)).toEqual(
        expect.arrayContaining(['records', 'size', 'private', 'shared', 'reclaimable', 'inUse']),
      );
      expect(du.builder).toBe(name);
      expect(du.totals.size).toBe(du.records.reduce((s, r) => s + r.size, 0));
      expect(du.records.map((r) => r.id).sort()).toEqual(direct.records.map((r) => r.id).sort());
      const second = marks[1] as string;
      const preview = JSON.parse(
        (await cli(['prune', '--builder', name, '--description', second, '--dry-run', '--json'])).stdout,
      ) as CachePruneResult;
      expect(preview.dryRun).toBe(true);
      expect(preview.planned.records.map((r) => r.id).sort()).toEqual(
        direct.records
          .filter((r) => r.description.includes(second))
          .map((r) => r.id)
          .sort(),
      );
      expect((await usage(core, name)).totals.records).toBe(direct.totals.records); // a dry run removes nothing
      const bad = await cli(['prune', '--builder', name, '--until', 'soon']).then(
        () => undefined,
        (err: unknown) => err as { code: number; stderr: string },
      );
      expect(bad?.code).toBe(2);
      expect(bad?.stderr).toContain('filters.until');
    });

    it('`du --format json|TEMPLATE --filter` prints what `docker buildx du` prints for the same builder', async () => {
      const env = { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir };
      const ours = async (args: string[]) =>
        (await exec(process.execPath, ['bin/builddeck.js', 'du', '--builder', name, ...args], { env })).stdout;
      const theirs = async (args: string[]) =>
        (await sandbox.docker(['buildx', 'du', '--builder', name, ...args])).stdout;
      type DuJson = Record<string, unknown> & { CreatedAt: string; LastUsedAt: string };
      const lines = (text: string) =>
        text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as DuJson);
      // BuildKit bumps a cache mount's usage count a moment after a build releases it: read once the
      // builder's own answer has settled (two reads agree), then ours.
      let buildx = lines(await theirs(['--format', 'json']));
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const again = lines(await theirs(['--format', 'json']));
        const settled =
          JSON.stringify(again.map((r) => r['UsageCount'])) === JSON.stringify(buildx.map((r) => r['UsageCount']));
        buildx = again;
        if (settled) break;
      }
      const mine = lines(await ours(['--format', 'json']));
      // Go's time.Time.String(): BuildDeck's times have milliseconds, BuildKit's nanoseconds.
      const goTime = (t: string) =>
        Date.parse(
          t
            .replace(' +0000 UTC', 'Z')
            .replace(' ', 'T')
            .replace(/(\.\d{3})\d*/, '$1'),
        );
      const exact = ({ CreatedAt, LastUsedAt: _lastUsed, ...rest }: DuJson) => ({
        ...rest,
        CreatedAt: goTime(CreatedAt),
      });
      // (The order of records is the builder's answer as each reads it: not compared.)
      const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
        String(a['ID']).localeCompare(String(b['ID']));
      expect(mine.map(exact).sort(byId)).toEqual(buildx.map(exact).sort(byId));
      expect(mine.length).toBeGreaterThan(3);
      expect(Object.keys(mine[0] as object)).toEqual(Object.keys(buildx[0] as object));
      for (const r of mine) expect(r.LastUsedAt).toMatch(/^$|ago$/);

      const template = ['--filter', 'type=regular', '--format', '{{.ID}} {{.Size}} {{.Type}} {{.Shared}}'];
      const sorted = (text: string) => text.trim().split('\n').sort();
      expect(sorted(await ours(template))).toEqual(sorted(await theirs(template)));
      expect(sorted(await ours(template)).length).toBeGreaterThanOrEqual(2);
    });

    it('housekeeping: a size rule prunes down to it, records the run, and the trend shows before and after', async () => {
      const ok = async <T>(command: string, input: unknown): Promise<T> => {
        const r = await core.router.invoke(command, input);
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
        return r.value as T;
      };
      const before = await usage(core, name);
      const limit = Math.floor(before.totals.private / 2);
      const state = await ok<HousekeepingState>('cache.housekeeping.set', {
        builder: name,
        enabled: true,
        maxSize: limit,
        interval: '6h',
      });
      expect(state.rule).toMatchObject({
        builder: name,
        enabled: true,
        maxSize: limit,
        olderThanMs: null,
        intervalMs: 6 * 3_600_000,
      });

      const run = await ok<HousekeepingRunValue>('cache.housekeeping.run', { builder: name });
      expect(run).toMatchObject({
        builder: name,
        trigger: 'manual',
        outcome: 'pruned',
        bytesExact: true,
        sizeBefore: before.totals.size,
      });
      expect(run.records).toBeGreaterThan(0);
      const after = await usage(core, name);
      expect(after.totals.private).toBeLessThan(limit);
      expect(after.totals.size).toBe(before.totals.size - run.bytes);
      expect(after.totals.records).toBe(before.totals.records - run.records);
      expect((await ok<HousekeepingState>('cache.housekeeping.get', { builder: name })).runs[0]).toEqual(run);

      // Under the limit now: a second run finds nothing to do, and is recorded too.
      expect(await ok<HousekeepingRunValue>('cache.housekeeping.run', { builder: name })).toMatchObject({
        outcome: 'nothing',
        records: 0,
        bytes: 0,
      });
      const trend = await ok<CacheTrend>('cache.trend', { builder: name, range: '24h' });
      expect(trend.available).toBe(true);
      const sizes = trend.samples.map((x) => x.size);
      expect(sizes).toContain(before.totals.size);
      expect(sizes.at(-1)).toBe(after.totals.size);

      for (const [input, field] of [
        [{ builder: name, enabled: true }, 'maxSize'],
        [{ builder: name, enabled: true, olderThan: '7 days' }, 'olderThan'],
        [{ builder: name, enabled: true, maxSize: '1GB', interval: '1m' }, 'interval'],
      ] as const) {
        const e = await failure(core, 'cache.housekeeping.set', input);
        expect([e.code, e.details?.['field']]).toEqual(['INVALID_INPUT', field]);
      }
      expect((await failure(core, 'cache.housekeeping.run', { builder: 'bdtest-no-rule' })).details?.['field']).toBe(
        'builder',
      );
      await ok('cache.housekeeping.set', { builder: name, enabled: false, remove: true });
    });

    it('a stopped builder is BUILDER_UNREACHABLE with a hint to start it', async () => {
      await docker.getContainer(`buildx_buildkit_${name}0`).stop({ t: 1 });
      const e = await failure(core, 'cache.usage', { builder: name });
      expect(e).toMatchObject({ code: 'BUILDER_UNREACHABLE', details: { builder: name, canBootstrap: true } });
      expect(e.hint).toContain(`docker buildx inspect --bootstrap ${name}`);
      const p = await failure(core, 'cache.prune', { builder: name, filters: { all: true }, dryRun: true });
      expect(p.code).toBe('BUILDER_UNREACHABLE');
    });
  });

  it('a remote builder that never answers fails within the health timeout (FAKE: a silent loopback socket)', async () => {
    const port = await freePort();
    const name = sandbox.name('silent');
    await sandbox.docker(['buildx', 'create', '--name', name, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
    const silent = await silentListener(port);
    try {
      const started = Date.now();
      const e = await failure(core, 'cache.usage', { builder: name });
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(e).toMatchObject({ code: 'BUILDER_UNREACHABLE', details: { canBootstrap: false } });
      expect(e.message).toMatch(/did not answer within 3 s/);
    } finally {
      silent.close();
    }
  });

  it('refuses bad input before buildx or the engine is asked, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ builder: 'default', filters: { olderThan: '1h' } }, 'filters.olderThan'],
      [{ builder: 'default', filters: { until: '3 days' } }, 'filters.until'],
      [{ builder: 'default', filters: { reservedSpace: 'lots' } }, 'filters.reservedSpace'],
      [{ builder: 'default', filters: { type: ['layer'] } }, 'filters.type.0'],
      [{ builder: 'default', filters: {} }, 'filters'],
      [{ builder: 'default' }, 'filters'],
      [{ builder: '../etc', filters: { all: true } }, 'builder'],
      // Engine 26.1 speaks API 1.45; max-used-space arrived with 1.48.
      [{ builder: 'default', filters: { maxUsedSpace: '1GB' } }, 'filters.maxUsedSpace'],
    ];
    for (const [input, field] of cases) {
      const e = await failure(core, 'cache.prune', input);
      expect(e.code, JSON.stringify(input)).toBe('INVALID_INPUT');
      expect(e.details?.['field'], JSON.stringify(input)).toBe(field);
    }
    expect((await failure(core, 'cache.usage', { builder: 'bdtest-no-such-builder' })).code).toBe('BUILDER_NOT_FOUND');
  });
});
