import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapBuilderFailure } from '../../electron/adapters/buildx/builder-errors';
import { parseDriverOptions, parseInspectDetails } from '../../electron/adapters/buildx/inspect-details';
import { computeStats, demuxDockerLogs } from '../../electron/adapters/docker/buildkit-containers';
import { kubeEndpointInfo } from '../../electron/core/builders/drivers/kubernetes';

const fixture = (name: string) => readFileSync(`test/fixtures/buildx/${name}`, 'utf8');

describe('buildx inspect details', () => {
  it('0.29.1: driver options, flags, labels, GC rules and the config file of a running node', () => {
    const { builder, nodes } = parseInspectDetails(fixture('inspect-0.29.1-running-config.txt'));
    expect(builder).toMatchObject({ name: 'fx', driver: 'docker-container' });
    expect(builder.nodes[0]).toMatchObject({
      name: 'fx0',
      status: 'running',
      buildkitVersion: 'v0.13.2',
      pinnedPlatforms: ['linux/amd64', 'linux/arm64'],
    });
    const node = nodes[0];
    expect(node?.driverOpts).toEqual({
      'env.FOO': 'a,b',
      image: 'local/buildkit:v0.13.2',
      memory: '512m',
      network: 'host',
    });
    expect(node?.flags).toEqual(['--allow-insecure-entitlement=network.host']);
    expect(node?.labels['org.mobyproject.buildkit.worker.executor']).toBe('oci');
    expect(node?.labels['org.mobyproject.buildkit.worker.snapshotter']).toBe('overlayfs');
    expect(node?.gcPolicy.length).toBeGreaterThan(0);
    expect(node?.gcPolicy[0]).toContainEqual({ key: 'Keep Duration', value: '48h0m0s' });
    expect(node?.files).toHaveLength(1);
    expect(node?.files[0]?.name).toBe('buildkitd.toml');
    expect(node?.files[0]?.content).toContain('max-parallelism = 2');
    expect(node?.files[0]?.content).not.toMatch(/^>/m);
  });

  it('0.13.1: the same node without a File# section', () => {
    const { nodes } = parseInspectDetails(fixture('inspect-0.13.1-running.txt'));
    expect(nodes[0]?.driverOpts['env.FOO']).toBe('a,b');
    expect(nodes[0]?.files).toEqual([]);
    expect(nodes[0]?.gcPolicy[0]).toContainEqual({ key: 'Keep Bytes', value: '488.3MiB' });
  });

  it('a stopped node has flags but no labels', () => {
    const { nodes } = parseInspectDetails(fixture('inspect-0.29.1-stopped.txt'));
    expect(nodes[0]).toMatchObject({
      name: 'rec10',
      labels: {},
      gcPolicy: [],
      flags: ['--allow-insecure-entitlement=network.host'],
    });
  });

  it('Go-quoted option values keep spaces and escaped quotes', () => {
    expect(parseDriverOptions('a="x y" b="say \\"hi\\"" c=""')).toEqual({ a: 'x y', b: 'say "hi"', c: '' });
  });

  it('kubernetes endpoints carry the deployment and the kubeconfig buildx recorded', () => {
    expect(kubeEndpointInfo('kubernetes:///k1?deployment=buildkit-abc&kubeconfig=%2Ftmp%2Fkc.yaml')).toEqual({
      deployment: 'buildkit-abc',
      kubeconfig: '/tmp/kc.yaml',
    });
    expect(kubeEndpointInfo('kubernetes:///k1?deployment=d&kubeconfig=')).toEqual({ deployment: 'd' });
  });
});

describe('buildx refusals mapped to the form field', () => {
  const create = [
    'buildx',
    'create',
    '--name',
    'x',
    '--driver',
    'docker-container',
    '--driver-opt',
    'memory=garbage',
    '--driver-opt',
    'cpu-quota=abc',
  ];
  it.each([
    [
      'ERROR: invalid name bad/name, name needs to start with a letter and may not contain symbols, except ._-',
      'INVALID_INPUT',
      'name',
    ],
    [
      'ERROR: existing instance for "ok1" but no append mode, specify the node name to make changes for existing instances',
      'INVALID_INPUT',
      'name',
    ],
    ['ERROR: existing instance for "m1" but has mismatched driver "remote"', 'INVALID_INPUT', 'driver'],
    ['ERROR: failed to find driver "bogus"', 'INVALID_INPUT', 'driver'],
    ['ERROR: additional instances of driver "docker" cannot be created', 'INVALID_INPUT', 'driver'],
    ['ERROR: no remote endpoint provided', 'INVALID_INPUT', 'endpoint'],
    ['ERROR: unrecognized url scheme foo', 'INVALID_INPUT', 'endpoint'],
    ["ERROR: failed to initialize builder ok6 (ok60): invalid size: 'garbage'", 'INVALID_INPUT', 'memory'],
    [
      'ERROR: failed to initialize builder c2 (c20): strconv.ParseInt: parsing "abc": invalid syntax',
      'INVALID_INPUT',
      'cpuQuota',
    ],
    [
      'ERROR: failed to initialize builder ok7 (ok70): invalid driver option bogus for docker-container driver',
      'INVALID_INPUT',
      'bogus',
    ],
    [
      'ERROR: failed to initialize builder k (k0): invalid driver option limits.ephemeral-storage for driver kubernetes',
      'INVALID_INPUT',
      'limits.ephemeralStorage',
    ],
    ['ERROR: failed to find instance "nosuch2" for append', 'BUILDER_NOT_FOUND', 'name'],
    ['ERROR: node "zz" not found for m1', 'INVALID_INPUT', 'node'],
    ['ERROR: can not leave last node, do you want to rm instance instead?', 'INVALID_INPUT', 'node'],
    [
      'failed to remove default: context builder cannot be removed, run `docker context rm default` to remove this context',
      'INVALID_INPUT',
      'name',
    ],
    [
      'ERROR: failed to initialize builder k2 (k20): cannot determine Kubernetes namespace, specify manually: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
      'INVALID_INPUT',
      'kubeconfig',
    ],
  ])('%s', (stderr, code, field) => {
    const e = mapBuilderFailure(stderr, create).appError;
    expect(e.code).toBe(code);
    expect(e.details?.['field']).toBe(field);
    expect(e.details?.['stderr']).toBe(stderr);
  });

  it('a cluster failure names the kube context and server', () => {
    const e = mapBuilderFailure(
      'ERROR: error for bootstrap "k10": Get "https://127.0.0.1:1/apis/apps/v1/namespaces/x/deployments/k10": dial tcp 127.0.0.1:1: connect: connection refused',
      ['buildx', 'inspect', '--bootstrap', 'k1'],
      { kube: { context: 'bd-fake-ctx', server: 'https://127.0.0.1:1', kubeconfig: '/tmp/kc.yaml' } },
    ).appError;
    expect(e).toMatchObject({
      code: 'BUILDER_UNREACHABLE',
      details: { field: 'kubeContext', kubeContext: 'bd-fake-ctx' },
    });
    expect(e.message).toBe(
      'The Kubernetes cluster of context "bd-fake-ctx" (https://127.0.0.1:1) is not usable: connection refused.',
    );
  });

  it('a TLS failure of a remote builder points at the CA', () => {
    const e = mapBuilderFailure(
      'ERROR: tls: failed to verify certificate: x509: certificate signed by unknown authority',
      ['buildx', 'create', '--driver', 'remote', 'tcp://h:1'],
    ).appError;
    expect(e).toMatchObject({ code: 'BUILDER_UNREACHABLE', details: { field: 'cacert' } });
  });
});

describe('buildkitd container facts', () => {
  it('demultiplexes docker log frames', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demuxDockerLogs(Buffer.concat([frame(2, 'level=info msg="a"\n'), frame(1, 'b\n')]))).toBe(
      'level=info msg="a"\nb\n',
    );
    expect(demuxDockerLogs(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
  });

  it('computes CPU and memory the way `docker stats` does', () => {
    const s = computeStats(
      {
        cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000 },
        memory_stats: { usage: 300, limit: 1000, stats: { inactive_file: 100 } },
      },
      new Date(0),
    );
    expect(s).toEqual({
      cpuPercent: 20,
      memoryBytes: 200,
      memoryLimitBytes: 1000,
      sampledAt: '1970-01-01T00:00:00.000Z',
    });
  });
});
