import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../electron/common/contracts/builders';
import { createCore, type Core } from '../../electron/composition/create-core';

/**
 * FAKE (named): no Kubernetes cluster can exist here, so this drives the real core and adapters
 * against a FAKE `docker` executable that records the argument array and KUBECONFIG it was run
 * with. It checks what reaches the process boundary for every kubernetes option.
 */
describe('kubernetes create at the runner boundary (FAKE docker binary)', () => {
  let dir: string;
  let core: Core;
  let record: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bd-fake-docker-'));
    record = join(dir, 'calls.jsonl');
    const fake = join(dir, 'FAKE-docker');
    writeFileSync(
      fake,
      [
        '#!/usr/bin/env node',
        "const fs = require('node:fs');",
        'const args = process.argv.slice(2);',
        `fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify({ args, KUBECONFIG: process.env.KUBECONFIG ?? null }) + '\\n');`,
        "if (args[0] === 'context') { console.log('default'); process.exit(0); }",
        "if (args[1] === 'version') { console.log('github.com/docker/buildx v0.29.1 fake'); process.exit(0); }",
        "if (args[1] === 'inspect') {",
        '  const name = args[args.length - 1];',
        "  console.log(['Name: ' + name, 'Driver: kubernetes', '', 'Nodes:', 'Name: ' + name + '0', 'Endpoint: kubernetes:///' + name, 'Status: inactive'].join('\\n'));",
        '  process.exit(0);',
        '}',
        'process.exit(0);',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c1\n  cluster:\n    server: https://127.0.0.1:1',
        '- name: c2\n  cluster:\n    server: https://127.0.0.1:2',
        'contexts:',
        '- name: current-one\n  context:\n    cluster: c1\n    user: u1',
        '- name: pinned-one\n  context:\n    cluster: c2\n    user: u2\n    namespace: builds',
        'current-context: current-one',
        'users:',
        '- name: u1\n  user:\n    token: one',
        '- name: u2\n  user:\n    token: two',
        '',
      ].join('\n'),
    );
    core = createCore({
      dockerPath: fake,
      env: { ...process.env, BUILDX_CONFIG: join(dir, 'buildx') },
      dataDir: join(dir, 'data'),
      healthTimeoutMs: 10_000,
    });
  });
  afterAll(async () => {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const createCalls = () =>
    readFileSync(record, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { args: string[]; KUBECONFIG: string | null })
      .filter((c) => c.args[1] === 'create');

  it('every option reaches `docker buildx create` as buildx expects it; the pinned context as a private kubeconfig', async () => {
    const r = await core.router.invoke('builders.create', {
      driver: 'kubernetes',
      name: 'kall',
      node: 'kall-arm',
      platforms: ['linux/arm64'],
      kubeconfig: join(dir, 'kubeconfig'),
      kubeContext: 'pinned-one',
      namespace: 'builds',
      image: 'moby/buildkit:v0.13.2-rootless',
      replicas: 2,
      requests: { cpu: '250m', memory: '256Mi', ephemeralStorage: '1Gi' },
      limits: { cpu: '1.5', memory: '2Gi', ephemeralStorage: '8Gi' },
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      tolerations: [{ key: 'arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }],
      annotations: { 'example.com/owner': 'ci' },
      labels: { app: 'buildkit', tier: 'build' },
      serviceAccount: 'buildkit-sa',
      schedulerName: 'default-scheduler',
      timeout: '90s',
      rootless: true,
      loadbalance: 'sticky',
      qemuInstall: true,
      qemuImage: 'tonistiigi/binfmt:qemu-v8',
      defaultLoad: true,
      env: { BUILDKIT_STEP_LOG_MAX_SIZE: '10485760' },
      buildkitdFlags: '--debug',
      buildkitdConfigToml: 'debug = true\n',
      use: true,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const calls = createCalls();
    expect(calls).toHaveLength(1);
    const call = calls[0];
    const derived = join(dir, 'buildx', 'builddeck', 'kubeconfig-kall-kall-arm.yaml');
    expect(call?.KUBECONFIG).toBe(derived);
    const config = call?.args[call.args.indexOf('--buildkitd-config') + 1] ?? '';
    expect(call?.args).toEqual([
      'buildx',
      'create',
      '--name',
      'kall',
      '--driver',
      'kubernetes',
      '--node',
      'kall-arm',
      '--platform',
      'linux/arm64',
      '--driver-opt',
      'namespace=builds',
      '--driver-opt',
      'image=moby/buildkit:v0.13.2-rootless',
      '--driver-opt',
      'replicas=2',
      '--driver-opt',
      'requests.cpu=250m',
      '--driver-opt',
      'requests.memory=256Mi',
      '--driver-opt',
      'requests.ephemeral-storage=1Gi',
      '--driver-opt',
      'limits.cpu=1.5',
      '--driver-opt',
      'limits.memory=2Gi',
      '--driver-opt',
      'limits.ephemeral-storage=8Gi',
      '--driver-opt',
      'nodeselector=kubernetes.io/arch=arm64',
      '--driver-opt',
      '"tolerations=key=arch,operator=Equal,value=arm64,effect=NoSchedule"',
      '--driver-opt',
      'annotations=example.com/owner=ci',
      '--driver-opt',
      '"labels=app=buildkit,tier=build"',
      '--driver-opt',
      'serviceaccount=buildkit-sa',
      '--driver-opt',
      'schedulername=default-scheduler',
      '--driver-opt',
      'timeout=90s',
      '--driver-opt',
      'rootless=true',
      '--driver-opt',
      'loadbalance=sticky',
      '--driver-opt',
      'qemu.install=true',
      '--driver-opt',
      'qemu.image=tonistiigi/binfmt:qemu-v8',
      '--driver-opt',
      'default-load=true',
      '--driver-opt',
      'env.BUILDKIT_STEP_LOG_MAX_SIZE=10485760',
      '--buildkitd-flags',
      '--debug',
      '--buildkitd-config',
      config,
      '--use',
    ]);
    // The pasted TOML was a private temporary file, gone once buildx had read it.
    expect(config).toMatch(/builddeck-.*\/buildkitd\.toml$/);
    expect(() => statSync(config)).toThrow();
    // The derived kubeconfig holds only the pinned context, readable by its owner alone.
    expect(statSync(derived).mode & 0o777).toBe(0o600);
    const minified = JSON.parse(readFileSync(derived, 'utf8')) as {
      'current-context': string;
      contexts: { name: string }[];
      users: { name: string; user: { token: string } }[];
      clusters: { cluster: { server: string } }[];
    };
    expect(minified['current-context']).toBe('pinned-one');
    expect(minified.contexts.map((c) => c.name)).toEqual(['pinned-one']);
    expect(minified.users).toEqual([{ name: 'u2', user: { token: 'two' } }]);
    expect(minified.clusters[0]?.cluster.server).toBe('https://127.0.0.1:2');
    expect(
      (r.ok ? (r.value as CreateResult).command : '').startsWith(
        `KUBECONFIG=${derived} docker buildx create --name kall`,
      ),
    ).toBe(true);
  });

  it('without a pinned context, buildx gets the chosen kubeconfig as it is', async () => {
    const r = await core.router.invoke('builders.create', {
      driver: 'kubernetes',
      name: 'kplain',
      kubeconfig: join(dir, 'kubeconfig'),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const call = createCalls().at(-1);
    expect(call).toEqual({
      args: ['buildx', 'create', '--name', 'kplain', '--driver', 'kubernetes'],
      KUBECONFIG: join(dir, 'kubeconfig'),
    });
  });
});
