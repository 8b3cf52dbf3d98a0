import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/common/contract';
import type { BuilderDetails, CreateResult, FleetHealth } from '../../electron/common/contracts/builders';
import type { Builder } from '../../electron/common/domain';
import type { AppError } from '../../electron/common/errors';
import { createCore, type Core } from '../../electron/composition/create-core';
import { BUILDKIT_IMAGE, buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { freePort, silentListener, waitForPort } from '../helpers/net';

const exec = promisify(execFile);
const docker = new Docker();

async function ok<T>(core: Core, command: string, input: unknown): Promise<T> {
  const r = await core.router.invoke(command, input);
  if (!r.ok)
    throw new Error(
      `${command}: ${r.error.code}: ${r.error.message} ${JSON.stringify(r.error.details ?? {}).slice(0, 600)}`,
    );
  return r.value as T;
}

async function failure(core: Core, command: string, input: unknown): Promise<AppError> {
  const r = await core.router.invoke(command, input);
  if (r.ok) throw new Error(`${command} succeeded: ${JSON.stringify(r.value).slice(0, 300)}`);
  return r.error;
}

describe('builder operations against the real engine and buildx', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  const containers = new Set<string>();
  const volumes = new Set<string>();

  /** What a user sees in a terminal: `docker buildx ls` names, and buildx's own store. */
  const buildxState = async () => {
    const { stdout } = await sandbox.docker(['buildx', 'ls', '--format', '{{.Name}}']);
    const dir = join(sandbox.env['BUILDX_CONFIG'] as string, 'instances');
    return { ls: stdout.split('\n').filter(Boolean).sort(), store: existsSync(dir) ? readdirSync(dir).sort() : [] };
  };

  /** A buildkitd of our own, started like an operator would; removed in afterAll. */
  const startBuildkitd = async (
    label: string,
    args: string[],
    mounts: string[] = [],
    hostNetwork = true,
  ): Promise<string> => {
    const name = `${sandbox.name(label)}-bk`;
    containers.add(name);
    await sandbox.docker([
      'run',
      '-d',
      '--name',
      name,
      '--privileged',
      ...(hostNetwork ? ['--network', 'host'] : []),
      ...mounts.flatMap((m) => ['-v', m]),
      BUILDKIT_IMAGE,
      ...args,
    ]);
    return name;
  };

  beforeAll(() => {
    sandbox = buildxSandbox();
    core = createCore({
      env: sandbox.env,
      dataDir: join(sandbox.dir, 'data'),
      healthTimeoutMs: 3000,
      pollIntervalMs: 600_000,
    });
  });
  afterAll(async () => {
    await core.dispose();
    for (const c of containers) await sandbox.docker(['rm', '-f', c]).catch(() => undefined);
    for (const v of volumes) await sandbox.docker(['volume', 'rm', '-f', v]).catch(() => undefined);
    await sandbox.cleanup();
  });

  it('docker-container: create with resource limits, inspect, stop (shown stopped), bootstrap, use, rm', async () => {
    const name = sandbox.name('limits');
    const progress: EventPayload<'builders.progressed'>[] = [];
    const off = core.events.subscribe((event, payload) => {
      if (event === 'builders.progressed') progress.push(payload);
    });
    const created = await ok<CreateResult>(core, 'builders.create', {
      driver: 'docker-container',
      name,
      image: BUILDKIT_IMAGE,
      network: 'host',
      memory: '512m',
      memorySwap: '1g',
      cpuQuota: 50000,
      cpuPeriod: 100000,
      cpuShares: 512,
      cpusetCpus: '0',
      env: { BD_TEST: 'a,b', BUILDKIT_STEP_LOG_MAX_SIZE: '-1' },
      platforms: ['linux/amd64', 'linux/arm64'],
      buildkitdConfigToml: '[worker.oci]\n  max-parallelism = 2\n',
      bootstrap: true,
      operationId: 'op-limits',
    });
    off();
    expect(created.builder.nodes[0]).toMatchObject({
      status: 'running',
      buildkitVersion: 'v0.13.2',
      pinnedPlatforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(created.command).toContain(`--driver-opt memory=512m`);
    const phases = progress.filter((p) => p.operationId === 'op-limits').map((p) => p.phase);
    expect(phases[0]).toBe('started');
    expect(phases).toContain('progress');
    expect(phases.at(-1)).toBe('succeeded');
    expect(progress.some((p) => /creating container buildx_buildkit_/.test(p.message))).toBe(true);

    // The limits are on the container, as the engine applied them.
    const container = `buildx_buildkit_${name}0`;
    const info = await docker.getContainer(container).inspect();
    expect(info.HostConfig).toMatchObject({
      Memory: 512 * 1024 ** 2,
      MemorySwap: 1024 ** 3,
      CpuQuota: 50000,
      CpuPeriod: 100000,
      CpuShares: 512,
      CpusetCpus: '0',
    });
    expect(info.Config.Env).toContain('BD_TEST=a,b');

    const details = await ok<BuilderDetails>(core, 'builders.inspect', { name, logLines: 50 });
    expect(details.live).toBe(true);
    const node = details.nodes[0];
    expect(node?.container).toMatchObject({ name: container, running: true, state: 'running', restartCount: 0 });
    expect(node?.container?.limits).toMatchObject({ memoryBytes: 512 * 1024 ** 2, cpuQuota: 50000, cpuPeriod: 100000 });
    expect(node?.container?.volumes).toEqual([`${container}_state`]);
    expect(node?.container?.logs.join('\n')).toMatch(/running server on/);
    expect(node?.driverOpts).toMatchObject({ memory: '512m', 'cpu-quota': '50000', 'env.BD_TEST': 'a,b' });
    expect(node?.configFiles[0]?.content).toContain('max-parallelism = 2');
    expect(node?.labels['org.mobyproject.buildkit.worker.executor']).toBe('oci');
    expect(node?.gcPolicy.length).toBeGreaterThan(0);

    const stats = await ok<{
      nodes: { running: boolean; stats?: { memoryLimitBytes: number; memoryBytes: number } }[];
    }>(core, 'builders.stats', { name });
    expect(stats.nodes[0]?.running).toBe(true);
    expect(stats.nodes[0]?.stats?.memoryLimitBytes).toBe(512 * 1024 ** 2);
    expect(stats.nodes[0]?.stats?.memoryBytes).toBeGreaterThan(0);

    // Stopped is a state, not an error: in the builder, its details and its health.
    const stopped = await ok<Builder>(core, 'builders.stop', { name });
    expect(stopped.nodes[0]?.status).toBe('stopped');
    expect(stopped.nodes[0]?.error).toBeUndefined();
    const stoppedDetails = await ok<BuilderDetails>(core, 'builders.inspect', { name });
    expect(stoppedDetails.error).toBeUndefined();
    expect(stoppedDetails.nodes[0]?.container).toMatchObject({ running: false, state: 'exited' });
    const health = await ok<FleetHealth>(core, 'builders.health', { names: [name] });
    expect(health.builders[0]).toMatchObject({ state: 'stopped', nodes: [{ state: 'stopped' }] });
    expect(health.warnings).toEqual([]);

    const started = await ok<Builder>(core, 'builders.bootstrap', { name });
    expect(started.nodes[0]?.status).toBe('running');
    expect(await ok(core, 'builders.use', { name })).toEqual({ current: name });
    const listed = await ok<{ builders: Builder[] }>(core, 'builders.list', {});
    expect(listed.builders.find((b) => b.current)?.name).toBe(name);

    expect(await ok(core, 'builders.remove', { name })).toEqual({ removed: name, keptState: false, warnings: [] });
    expect((await buildxState()).ls).not.toContain(name);
    await expect(docker.getContainer(container).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(`${container}_state`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('rm with keep-state leaves the build cache volume behind', async () => {
    const name = sandbox.name('keep');
    volumes.add(`buildx_buildkit_${name}0_state`);
    await ok(core, 'builders.create', {
      driver: 'docker-container',
      name,
      image: BUILDKIT_IMAGE,
      network: 'host',
      bootstrap: true,
    });
    expect(await ok(core, 'builders.remove', { name, keepState: true })).toMatchObject({ keptState: true });
    expect((await buildxState()).ls).not.toContain(name);
    expect((await docker.getVolume(`buildx_buildkit_${name}0_state`).inspect()).Name).toBe(
      `buildx_buildkit_${name}0_state`,
    );
  });

  it('remote: a buildkitd on tcp://127.0.0.1 without TLS', async () => {
    const port = await freePort();
    await startBuildkitd('plain', ['--addr', `tcp://127.0.0.1:${port}`]);
    await waitForPort(port);
    const name = sandbox.name('remote');
    const created = await ok<CreateResult>(core, 'builders.create', {
      driver: 'remote',
      name,
      endpoint: `tcp://127.0.0.1:${port}`,
      bootstrap: true,
    });
    expect(created.builder.nodes[0]).toMatchObject({
      endpoint: `tcp://127.0.0.1:${port}`,
      status: 'running',
      buildkitVersion: 'v0.13.2',
    });
    const health = await ok<FleetHealth>(core, 'builders.health', { names: [name] });
    expect(health.builders[0]).toMatchObject({ state: 'ok', nodes: [{ state: 'ok', buildkitVersion: 'v0.13.2' }] });

    // A second node on another daemon, then it leaves again.
    const port2 = await freePort();
    await startBuildkitd('plain2', ['--addr', `tcp://127.0.0.1:${port2}`]);
    await waitForPort(port2);
    const appended = await ok<CreateResult>(core, 'builders.create', {
      driver: 'remote',
      name,
      append: true,
      node: `${name}-arm`,
      endpoint: `tcp://127.0.0.1:${port2}`,
      platforms: ['linux/arm64'],
      bootstrap: true,
    });
    expect(appended.builder.nodes.map((n) => n.name)).toEqual([`${name}0`, `${name}-arm`]);
    expect(appended.builder.nodes[1]?.pinnedPlatforms).toEqual(['linux/arm64']);
    const duplicateNode = await failure(core, 'builders.create', {
      driver: 'remote',
      name,
      append: true,
      node: `${name}-arm`,
      endpoint: `tcp://127.0.0.1:${port2}`,
    });
    expect(duplicateNode).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'node' } });
    const left = await ok<Builder>(core, 'builders.leave', { name, node: `${name}-arm` });
    expect(left.nodes.map((n) => n.name)).toEqual([`${name}0`]);
    const last = await failure(core, 'builders.leave', { name, node: `${name}0` });
    expect(last).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'node' } });
    await ok(core, 'builders.remove', { name });
  });

  it('remote: mutual TLS with certificates made by openssl; details show subject, issuer and expiry', async () => {
    const dir = join(sandbox.dir, 'certs');
    mkdirSync(dir);
    const ssl = (args: string[]) => exec('openssl', args, { cwd: dir });
    await ssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '20',
      '-subj',
      '/CN=BuildDeck Test CA',
    ]);
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [who, cn, days] of [
      ['server', '127.0.0.1', '20'],
      ['client', 'builddeck-client', '12'],
    ] as const) {
      await ssl([
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${who}.key`,
        '-out',
        `${who}.csr`,
        '-subj',
        `/CN=${cn}`,
      ]);
      await ssl([
        'x509',
        '-req',
        '-in',
        `${who}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${who}.pem`,
        '-days',
        days,
        '-extfile',
        `${who}.ext`,
      ]);
    }
    chmodSync(join(dir, 'client.key'), 0o600);
    const port = await freePort();
    await startBuildkitd(
      'tls',
      [
        '--addr',
        `tcp://127.0.0.1:${port}`,
        '--tlscacert',
        '/certs/ca.pem',
        '--tlscert',
        '/certs/server.pem',
        '--tlskey',
        '/certs/server.key',
      ],
      [`${dir}:/certs:ro`],
    );
    await waitForPort(port);

    // Without a client certificate the daemon refuses us: an error, and nothing left behind.
    const before = await buildxState();
    const refused = await failure(core, 'builders.create', {
      driver: 'remote',
      name: sandbox.name('notls'),
      endpoint: `tcp://127.0.0.1:${port}`,
      cacert: join(dir, 'ca.pem'),
      bootstrap: true,
      timeoutMs: 8000,
    });
    expect(['BUILDER_UNREACHABLE', 'TIMEOUT']).toContain(refused.code);
    expect(refused.details?.['rolledBack']).toMatch(/Removed the half-made builder/);
    expect(await buildxState()).toEqual(before);

    const name = sandbox.name('mtls');
    const created = await ok<CreateResult>(core, 'builders.create', {
      driver: 'remote',
      name,
      endpoint: `tcp://127.0.0.1:${port}`,
      cacert: join(dir, 'ca.pem'),
      cert: join(dir, 'client.pem'),
      key: join(dir, 'client.key'),
      servername: '127.0.0.1',
      bootstrap: true,
    });
    expect(created.builder.nodes[0]).toMatchObject({ status: 'running', buildkitVersion: 'v0.13.2' });
    expect(created.warnings.join('\n')).toMatch(/client certificate .* expires in 1[01] days/);

    const details = await ok<BuilderDetails>(core, 'builders.inspect', { name });
    const tls = details.nodes[0]?.tls;
    expect(tls?.cacert).toMatchObject({ subject: 'CN=BuildDeck Test CA', issuer: 'CN=BuildDeck Test CA' });
    expect(tls?.cert).toMatchObject({ subject: 'CN=builddeck-client', issuer: 'CN=BuildDeck Test CA' });
    expect(tls?.cert?.daysLeft).toBeGreaterThanOrEqual(10);
    expect(tls?.cert?.daysLeft).toBeLessThanOrEqual(12);
    expect(tls).toMatchObject({ keyMode: '600', keyTooOpen: false, servername: '127.0.0.1' });

    const health = await ok<FleetHealth>(core, 'builders.health', { names: [name] });
    expect(health.builders[0]?.state).toBe('ok');
    expect(health.warnings).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'certificate-expiring', builders: [name] })]),
    );
    expect(
      health.warnings.find((w) => w.kind === 'certificate-expiring' && /client certificate/.test(w.message))?.message,
    ).toMatch(/expires in 1[01] days/);
    await ok(core, 'builders.remove', { name });
  });

  it('remote: a docker-container:// endpoint reaches a buildkitd in a plain container', async () => {
    const bk = await startBuildkitd('dcx', [], [], false);
    // buildkitd needs a moment to create its socket; the bootstrap waits for it.
    const name = sandbox.name('dcx');
    const created = await ok<CreateResult>(core, 'builders.create', {
      driver: 'remote',
      name,
      endpoint: `docker-container://${bk}`,
      bootstrap: true,
      timeoutMs: 30_000,
    });
    expect(created.builder.nodes[0]).toMatchObject({
      endpoint: `docker-container://${bk}`,
      status: 'running',
      buildkitVersion: 'v0.13.2',
    });
    // A live builder on a loaded machine can need more than the suite's 3 s bound to answer.
    expect(
      (await ok<FleetHealth>(core, 'builders.health', { names: [name], timeoutMs: 15_000 })).builders[0]?.state,
    ).toBe('ok');
    await sandbox.docker(['stop', '-t', '1', bk]);
    const health = await ok<FleetHealth>(core, 'builders.health', { names: [name] });
    expect(health.builders[0]?.nodes[0]).toMatchObject({ state: 'unreachable', message: `container ${bk} is exited` });
    await ok(core, 'builders.remove', { name });
  });

  it('an endpoint where nothing listens, or nothing answers, is unreachable within the bound', async () => {
    const closed = await freePort();
    const name = sandbox.name('dead');
    // Without bootstrap buildx records it; with bootstrap BuildDeck refuses at once and creates nothing.
    const before = await buildxState();
    const started = Date.now();
    const refused = await failure(core, 'builders.create', {
      driver: 'remote',
      name: sandbox.name('deadboot'),
      endpoint: `tcp://127.0.0.1:${closed}`,
      bootstrap: true,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(refused).toMatchObject({ code: 'BUILDER_UNREACHABLE', details: { field: 'endpoint' } });
    expect(refused.message).toMatch(/nothing listens at 127\.0\.0\.1:\d+ \(connection refused\)/);
    expect(await buildxState()).toEqual(before);

    await ok(core, 'builders.create', { driver: 'remote', name, endpoint: `tcp://127.0.0.1:${closed}` });
    let t = Date.now();
    let health = await ok<FleetHealth>(core, 'builders.health', { names: [name], timeoutMs: 2000 });
    expect(Date.now() - t).toBeLessThan(2000);
    expect(health.builders[0]?.nodes[0]).toMatchObject({ state: 'unreachable' });
    expect(health.builders[0]?.nodes[0]?.message).toMatch(/connection refused/);
    expect(health.warnings).toEqual([
      expect.objectContaining({ kind: 'unreachable', severity: 'error', builders: [name] }),
    ]);

    t = Date.now();
    const dead = await failure(core, 'builders.bootstrap', { name });
    expect(Date.now() - t).toBeLessThan(3000);
    expect(dead).toMatchObject({ code: 'BUILDER_UNREACHABLE', details: { field: 'endpoint' } });
    expect(dead.message).toMatch(/connection refused/);

    // A socket that accepts and stays silent: only the bound ends the wait.
    const silent = await silentListener(closed);
    try {
      t = Date.now();
      health = await ok<FleetHealth>(core, 'builders.health', { timeoutMs: 2000 });
      const took = Date.now() - t;
      expect(took).toBeGreaterThanOrEqual(1500);
      expect(took).toBeLessThan(6000);
      const dead = health.builders.find((b) => b.name === name);
      expect(dead?.nodes[0]).toMatchObject({ state: 'unreachable', message: 'did not answer within 2 s' });
      // The others were not held up or marked.
      expect(health.builders.find((b) => b.name === 'default')?.state).toBe('ok');
      t = Date.now();
      const details = await ok<BuilderDetails>(core, 'builders.inspect', { name, timeoutMs: 1500 });
      expect(Date.now() - t).toBeLessThan(5000);
      expect(details.live).toBe(false);
      expect(details.nodes[0]).toMatchObject({ status: 'unreachable', endpoint: `tcp://127.0.0.1:${closed}` });
      const boot = await failure(core, 'builders.bootstrap', { name, timeoutMs: 1500 });
      expect(boot.code).toBe('TIMEOUT');
    } finally {
      silent.close();
    }
    await ok(core, 'builders.remove', { name });
  });

  it('kubernetes without a cluster: a clear error naming the kube context, bounded, nothing left', async () => {
    const kubeDir = join(sandbox.dir, 'kube');
    mkdirSync(kubeDir);
    const closed = await freePort();
    const kubeconfig = join(kubeDir, 'config');
    // FAKE (named): a kubeconfig whose clusters do not exist; no Kubernetes can run here.
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake-gone\n  cluster:\n    server: https://127.0.0.1:${closed}`,
        'contexts:',
        '- name: bd-fake-ctx\n  context:\n    cluster: fake-gone\n    user: fake\n    namespace: builds',
        '- name: bd-fake-other\n  context:\n    cluster: fake-gone\n    user: fake',
        'current-context: bd-fake-ctx',
        'users:',
        '- name: fake\n  user:\n    token: not-a-secret',
        '',
      ].join('\n'),
    );
    const before = await buildxState();
    const t = Date.now();
    const e = await failure(core, 'builders.create', {
      driver: 'kubernetes',
      name: sandbox.name('kube'),
      kubeconfig,
      namespace: 'builds',
      bootstrap: true,
      timeoutMs: 20_000,
    });
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(e).toMatchObject({
      code: 'BUILDER_UNREACHABLE',
      details: { field: 'kubeContext', kubeContext: 'bd-fake-ctx' },
    });
    expect(e.message).toContain('context "bd-fake-ctx"');
    expect(e.message).toContain(`https://127.0.0.1:${closed}`);
    expect(e.details?.['rolledBack']).toMatch(/Removed the half-made builder/);
    expect(await buildxState()).toEqual(before);

    // A cluster that accepts connections and never answers: the bound ends it, still naming the context.
    const silent = await silentListener(closed);
    try {
      const t2 = Date.now();
      const hung = await failure(core, 'builders.create', {
        driver: 'kubernetes',
        name: sandbox.name('kubehang'),
        kubeconfig,
        kubeContext: 'bd-fake-other',
        bootstrap: true,
        timeoutMs: 9000,
      });
      expect(Date.now() - t2).toBeLessThan(12_000);
      expect(hung.code).toBe('TIMEOUT');
      expect(hung.message).toContain('context "bd-fake-other"');
      expect(await buildxState()).toEqual(before);
    } finally {
      silent.close();
    }
    expect(
      readdirSync(join(sandbox.env['BUILDX_CONFIG'] as string, 'builddeck')).filter((f) => f.startsWith('kubeconfig-')),
    ).toEqual([]);

    // Pinning another context: BuildDeck hands buildx a private one-context kubeconfig.
    const name = sandbox.name('kpin');
    await ok(core, 'builders.create', { driver: 'kubernetes', name, kubeconfig, kubeContext: 'bd-fake-other' });
    const details = await ok<BuilderDetails>(core, 'builders.inspect', { name });
    const derived = details.nodes[0]?.kube?.kubeconfig ?? '';
    expect(derived).toContain(join(sandbox.env['BUILDX_CONFIG'] as string, 'builddeck', `kubeconfig-${name}-`));
    expect(statSync(derived).mode & 0o777).toBe(0o600);
    const { stdout } = await exec('kubectl', ['config', 'current-context', '--kubeconfig', derived]);
    expect(stdout.trim()).toBe('bd-fake-other');
    const removed = await ok<{ warnings: string[] }>(core, 'builders.remove', { name });
    expect(removed.warnings.join(' ')).toMatch(/could not be cleaned up/);
    expect(existsSync(derived)).toBe(false);

    expect(
      await failure(core, 'builders.create', {
        driver: 'kubernetes',
        name: sandbox.name('k2'),
        kubeconfig,
        kubeContext: 'nope',
      }),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'kubeContext', contexts: ['bd-fake-ctx', 'bd-fake-other'] },
    });
    expect(
      await failure(core, 'builders.create', {
        driver: 'kubernetes',
        name: sandbox.name('k3'),
        kubeconfig: join(kubeDir, 'missing'),
      }),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'kubeconfig' },
    });
    expect(await buildxState()).toEqual(before);
  });

  it('bad input: INVALID_INPUT naming the field, and buildx state unchanged', async () => {
    const existing = sandbox.name('exists');
    await ok(core, 'builders.create', { driver: 'remote', name: existing, endpoint: 'tcp://127.0.0.1:1' });
    const files = join(sandbox.dir, 'bad');
    mkdirSync(files);
    writeFileSync(join(files, 'bad.toml'), '[worker.oci]\nmax-parallelism = "two\n');
    writeFileSync(join(files, 'not-a-cert.pem'), 'hello\n');
    const before = await buildxState();
    const dc = (extra: Record<string, unknown>) => ({
      driver: 'docker-container',
      name: sandbox.name('bad'),
      image: BUILDKIT_IMAGE,
      ...extra,
    });
    const cases: [string, unknown, string][] = [
      ['slash in name', dc({ name: 'bad/name' }), 'name'],
      ['space in name', dc({ name: 'bad name' }), 'name'],
      ['$(x) in name', dc({ name: '$(touch /tmp/pwned)' }), 'name'],
      ['; in name', dc({ name: 'x;id' }), 'name'],
      ['backtick in name', dc({ name: 'x`id`' }), 'name'],
      ['duplicate name', dc({ name: existing }), 'name'],
      ['context name', dc({ name: 'default' }), 'name'],
      ['unknown driver', { driver: 'bogus', name: 'x1' }, 'driver'],
      ['docker driver', { driver: 'docker', name: 'x1' }, 'driver'],
      ['http endpoint', { driver: 'remote', name: 'x1', endpoint: 'http://127.0.0.1:1234' }, 'endpoint'],
      ['endpoint without port', { driver: 'remote', name: 'x1', endpoint: 'tcp://127.0.0.1' }, 'endpoint'],
      ['no endpoint', { driver: 'remote', name: 'x1' }, 'endpoint'],
      ['malformed pasted TOML', dc({ buildkitdConfigToml: 'debug = yes' }), 'buildkitdConfigToml'],
      ['malformed TOML file', dc({ buildkitdConfigPath: join(files, 'bad.toml') }), 'buildkitdConfigPath'],
      ['missing TOML file', dc({ buildkitdConfigPath: join(files, 'none.toml') }), 'buildkitdConfigPath'],
      [
        'missing CA file',
        { driver: 'remote', name: 'x1', endpoint: 'tcp://127.0.0.1:1', cacert: join(files, 'ca.pem') },
        'cacert',
      ],
      [
        'missing key file',
        {
          driver: 'remote',
          name: 'x1',
          endpoint: 'tcp://127.0.0.1:1',
          cert: join(files, 'not-a-cert.pem'),
          key: join(files, 'k.pem'),
        },
        'cert',
      ],
      [
        'not a certificate',
        { driver: 'remote', name: 'x1', endpoint: 'tcp://127.0.0.1:1', cacert: join(files, 'not-a-cert.pem') },
        'cacert',
      ],
      ['negative memory', dc({ memory: '-512m' }), 'memory'],
      ['garbage memory', dc({ memory: 'plenty' }), 'memory'],
      ['negative cpu quota', dc({ cpuQuota: -1 }), 'cpuQuota'],
      ['garbage cpu quota', dc({ cpuQuota: 'abc' }), 'cpuQuota'],
      ['garbage cpuset', dc({ cpusetCpus: 'all' }), 'cpusetCpus'],
      ['garbage restart policy', dc({ restartPolicy: 'bogus' }), 'restartPolicy'],
      ['negative replicas', { driver: 'kubernetes', name: 'x1', replicas: -2 }, 'replicas'],
      ['garbage kube memory', { driver: 'kubernetes', name: 'x1', limits: { memory: 'lots' } }, 'limits.memory'],
      [
        'append to nothing',
        { driver: 'remote', name: 'nosuchbuilder', append: true, endpoint: 'tcp://127.0.0.1:2' },
        'name',
      ],
      ['append with another driver', dc({ name: existing, append: true }), 'driver'],
    ];
    for (const [label, input, field] of cases) {
      const e = await failure(core, 'builders.create', input);
      expect([label, e.code === 'BUILDER_NOT_FOUND' ? 'INVALID_INPUT' : e.code, e.details?.['field']]).toEqual([
        label,
        'INVALID_INPUT',
        field,
      ]);
    }
    expect(await buildxState()).toEqual(before);
    expect(existsSync('/tmp/pwned')).toBe(false);
    expect(await failure(core, 'builders.remove', { name: 'default' })).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'name' },
    });
    expect(await failure(core, 'builders.remove', { name: 'nosuchbuilder' })).toMatchObject({
      code: 'BUILDER_NOT_FOUND',
    });
    expect(await failure(core, 'builders.bootstrap', { name: 'nosuchbuilder' })).toMatchObject({
      code: 'BUILDER_NOT_FOUND',
    });
    expect(await failure(core, 'builders.use', { name: 'nosuchbuilder' })).toMatchObject({ code: 'BUILDER_NOT_FOUND' });
    await ok(core, 'builders.remove', { name: existing });
  });
});
