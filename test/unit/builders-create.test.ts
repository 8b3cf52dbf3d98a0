import { describe, expect, it } from 'vitest';
import {
  buildCreateCommand,
  driverOptArg,
  formatCreateCommand,
  shellQuote,
} from '../../electron/common/builders/create-args';
import { builderCreateInput, type BuilderCreateInput } from '../../electron/common/builders/create-input';
import { endpointProblem, parseDockerSize, splitShellWords } from '../../electron/common/builders/fields';
import { createRouter, type Handlers } from '../../electron/core/router';

const parse = (input: unknown): BuilderCreateInput => builderCreateInput.parse(input);

/** The field the router would name for this input, or undefined when it is accepted. */
function fieldOf(input: unknown): string | undefined {
  const r = builderCreateInput.safeParse(input);
  if (r.success) return undefined;
  return r.error.issues[0]?.path.map(String).join('.') || '(input)';
}

const dc = (extra: Record<string, unknown> = {}) => ({ driver: 'docker-container', name: 'b1', ...extra });
const remote = (extra: Record<string, unknown> = {}) => ({
  driver: 'remote',
  name: 'r1',
  endpoint: 'tcp://127.0.0.1:1234',
  ...extra,
});
const kube = (extra: Record<string, unknown> = {}) => ({ driver: 'kubernetes', name: 'k1', ...extra });

describe('builders.create input: each bad field is named', () => {
  it.each([
    ['name with a slash', dc({ name: 'bad/name' }), 'name'],
    ['name with a space', dc({ name: 'bad name' }), 'name'],
    ['name with $(x)', dc({ name: '$(touch x)' }), 'name'],
    ['name with ;', dc({ name: 'a;rm -rf' }), 'name'],
    ['name with a backtick', dc({ name: 'a`id`' }), 'name'],
    ['name starting with a digit', dc({ name: '1abc' }), 'name'],
    ['unknown driver', { driver: 'bogus', name: 'x' }, 'driver'],
    ['docker driver', { driver: 'docker', name: 'x' }, 'driver'],
    ['memory garbage', dc({ memory: 'lots' }), 'memory'],
    ['memory negative', dc({ memory: '-1g' }), 'memory'],
    ['memory too small', dc({ memory: '1m' }), 'memory'],
    ['swap below memory', dc({ memory: '1g', memorySwap: '512m' }), 'memorySwap'],
    ['swap without memory', dc({ memorySwap: '1g' }), 'memorySwap'],
    ['cpu quota negative', dc({ cpuQuota: -5 }), 'cpuQuota'],
    ['cpu quota text', dc({ cpuQuota: 'abc' }), 'cpuQuota'],
    ['cpu period too big', dc({ cpuPeriod: 2_000_000 }), 'cpuPeriod'],
    ['cpu shares fraction', dc({ cpuShares: '1.5' }), 'cpuShares'],
    ['cpuset backwards', dc({ cpusetCpus: '3-1' }), 'cpusetCpus'],
    ['cpuset garbage', dc({ cpusetMems: 'zz' }), 'cpusetMems'],
    ['restart policy', dc({ restartPolicy: 'sometimes' }), 'restartPolicy'],
    ['image reference', dc({ image: 'Not An Image' }), 'image'],
    ['network', dc({ network: 'host;id' }), 'network'],
    ['env key with space', dc({ env: { 'MY VAR': 'x' } }), 'env.MY VAR'],
    ['env value with newline', dc({ env: { OK: 'a\nb' } }), 'env.OK'],
    ['platform', dc({ platforms: ['linux'] }), 'platforms.0'],
    ['platform upper case', dc({ platforms: ['Linux/AMD64'] }), 'platforms.0'],
    ['platform twice', dc({ platforms: ['linux/amd64', 'linux/amd64'] }), 'platforms'],
    ['malformed TOML', dc({ buildkitdConfigToml: 'debug = yes' }), 'buildkitdConfigToml'],
    [
      'config path and text',
      dc({ buildkitdConfigPath: '/etc/b.toml', buildkitdConfigToml: 'debug = true' }),
      'buildkitdConfigToml',
    ],
    ['relative config path', dc({ buildkitdConfigPath: 'b.toml' }), 'buildkitdConfigPath'],
    ['home-relative config path', dc({ buildkitdConfigPath: '~/b.toml' }), 'buildkitdConfigPath'],
    ['unbalanced flags', dc({ buildkitdFlags: '--debug "oops' }), 'buildkitdFlags'],
    ['flags not flags', dc({ buildkitdFlags: 'rm -rf /' }), 'buildkitdFlags'],
    ['unknown option', dc({ cpus: 2 }), '(input)'],
    ['endpoint missing', { driver: 'remote', name: 'r' }, 'endpoint'],
    ['endpoint http', remote({ endpoint: 'http://127.0.0.1:1234' }), 'endpoint'],
    ['endpoint without port', remote({ endpoint: 'tcp://127.0.0.1' }), 'endpoint'],
    ['endpoint bad port', remote({ endpoint: 'tcp://127.0.0.1:99999' }), 'endpoint'],
    ['endpoint relative socket', remote({ endpoint: 'unix://run/bk.sock' }), 'endpoint'],
    ['endpoint with spaces', remote({ endpoint: 'tcp://a b:1' }), 'endpoint'],
    ['cert without key', remote({ cert: '/c.pem' }), 'key'],
    ['TLS on unix socket', remote({ endpoint: 'unix:///run/bk.sock', cacert: '/ca.pem' }), 'cacert'],
    ['remote with daemon flags', remote({ buildkitdFlags: '--debug' }), '(input)'],
    ['kube replicas 0', kube({ replicas: 0 }), 'replicas'],
    ['kube cpu garbage', kube({ requests: { cpu: 'two' } }), 'requests.cpu'],
    ['kube memory negative', kube({ limits: { memory: '-1Gi' } }), 'limits.memory'],
    ['kube namespace', kube({ namespace: 'Has_Caps' }), 'namespace'],
    ['kube label with comma', kube({ labels: { team: 'a,b' } }), 'labels.team'],
    [
      'kube toleration seconds without NoExecute',
      kube({ tolerations: [{ key: 'k', tolerationSeconds: 5 }] }),
      'tolerations.0.tolerationSeconds',
    ],
    ['kube loadbalance', kube({ loadbalance: 'roundrobin' }), 'loadbalance'],
    ['kube timeout', kube({ timeout: '2 minutes' }), 'timeout'],
    ['kube qemu image without install', kube({ qemuImage: 'tonistiigi/binfmt' }), 'qemuImage'],
    ['append node named like the builder', dc({ append: true, node: 'b1' }), 'node'],
  ])('%s → %s', (_label, input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  it('says why a docker builder cannot be created, and which drivers can', () => {
    const r = builderCreateInput.safeParse({ driver: 'docker', name: 'x' });
    expect(r.success ? '' : r.error.issues[0]?.message).toMatch(
      /every Docker context already has its one docker-driver builder/,
    );
    const u = builderCreateInput.safeParse({ driver: 'bogus', name: 'x' });
    expect(u.success ? '' : u.error.issues[0]?.message).toMatch(/docker-container, kubernetes or remote/);
  });

  it('the router refuses bad input as INVALID_INPUT naming the field, without calling the handler', async () => {
    let called = 0;
    const handlers = {
      'builders.create': () => {
        called++;
        return Promise.reject(new Error('must not run'));
      },
    } as unknown as Handlers;
    const router = createRouter(handlers);
    const r = await router.invoke('builders.create', dc({ memory: '-5' }));
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'memory' } } });
    expect(called).toBe(0);
  });

  it.each([
    dc(),
    dc({
      memory: '2g',
      memorySwap: '-1',
      cpuQuota: '50000',
      cpuPeriod: 100000,
      cpuShares: 512,
      cpusetCpus: '0-1,3',
      env: { A_B: 'x y,z' },
    }),
    dc({
      image: '127.0.0.1:5000/moby/buildkit:v0.13.2',
      network: 'host',
      restartPolicy: 'on-failure:3',
      cgroupParent: '/docker/buildx',
    }),
    dc({
      platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
      buildkitdFlags: "--debug --allow-insecure-entitlement 'security.insecure'",
    }),
    remote({ endpoint: 'unix:///run/buildkit/buildkitd.sock' }),
    remote({ endpoint: 'docker-container://my_buildkitd' }),
    remote({ endpoint: 'kube-pod://buildkitd-0?namespace=ci&context=prod' }),
    remote({
      endpoint: 'tcp://[::1]:1234',
      cacert: '/ca.pem',
      cert: '/c.pem',
      key: '/k.pem',
      servername: 'buildkitd.internal',
    }),
    kube({ tolerations: [{ operator: 'Exists' }], requests: { cpu: '500m', memory: '512Mi' } }),
  ])('accepts %j', (input) => {
    expect(fieldOf(input)).toBeUndefined();
  });

  it('sizes follow Docker (binary units) and endpoints name their problem', () => {
    expect(parseDockerSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseDockerSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseDockerSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseDockerSize('-1')).toBeUndefined();
    expect(endpointProblem('ssh://host')).toMatch(/does not dial/);
    expect(endpointProblem('tcp://h:1')).toBeUndefined();
    expect(splitShellWords(`--a "b c" 'd e' f\\ g`)).toEqual(['--a', 'b c', 'd e', 'f g']);
    expect(splitShellWords('--a "open')).toBeUndefined();
  });
});

describe('docker buildx create arguments', () => {
  it('docker-container: every option as its own --driver-opt, in form order', () => {
    const input = parse(
      dc({
        name: 'limits',
        node: 'limits-a',
        platforms: ['linux/amd64', 'linux/arm64'],
        image: 'local/buildkit:v0.13.2',
        network: 'host',
        memory: '1g',
        memorySwap: '2g',
        cpuQuota: 50000,
        cpuPeriod: 100000,
        cpuShares: 512,
        cpusetCpus: '0-1',
        cpusetMems: '0',
        cgroupParent: '/docker/buildx',
        restartPolicy: 'unless-stopped',
        defaultLoad: true,
        env: { HTTP_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,127.0.0.1', QUOTED: 'say "hi"' },
        buildkitdFlags: '--debug',
        buildkitdConfigPath: '/etc/buildkitd.toml',
        use: true,
        bootstrap: true,
      }),
    );
    expect(buildCreateCommand(input)).toEqual({
      args: [
        'buildx',
        'create',
        '--name',
        'limits',
        '--driver',
        'docker-container',
        '--node',
        'limits-a',
        '--platform',
        'linux/amd64,linux/arm64',
        '--driver-opt',
        'image=local/buildkit:v0.13.2',
        '--driver-opt',
        'network=host',
        '--driver-opt',
        'memory=1g',
        '--driver-opt',
        'memory-swap=2g',
        '--driver-opt',
        'cpu-quota=50000',
        '--driver-opt',
        'cpu-period=100000',
        '--driver-opt',
        'cpu-shares=512',
        '--driver-opt',
        'cpuset-cpus=0-1',
        '--driver-opt',
        'cpuset-mems=0',
        '--driver-opt',
        'cgroup-parent=/docker/buildx',
        '--driver-opt',
        'restart-policy=unless-stopped',
        '--driver-opt',
        'default-load=true',
        '--driver-opt',
        'env.HTTP_PROXY=http://proxy:3128',
        '--driver-opt',
        '"env.NO_PROXY=localhost,127.0.0.1"',
        '--driver-opt',
        '"env.QUOTED=say ""hi"""',
        '--buildkitd-flags',
        '--debug',
        '--buildkitd-config',
        '/etc/buildkitd.toml',
        '--use',
        '--bootstrap',
      ],
      env: {},
    });
  });

  it('pasted TOML goes through the resolved private file; the preview shows a placeholder', () => {
    const input = parse(dc({ buildkitdConfigToml: 'debug = true' }));
    expect(buildCreateCommand(input).args.slice(-2)).toEqual(['--buildkitd-config', 'buildkitd.toml']);
    expect(buildCreateCommand(input, { buildkitdConfigPath: '/tmp/x/buildkitd.toml' }).args.slice(-2)).toEqual([
      '--buildkitd-config',
      '/tmp/x/buildkitd.toml',
    ]);
  });

  it('remote: TLS options and the endpoint last; append keeps the driver', () => {
    const input = parse(
      remote({
        name: 'tls',
        endpoint: 'tcp://10.0.0.5:1234',
        cacert: '/certs/ca.pem',
        cert: '/certs/c.pem',
        key: '/certs/k.pem',
        servername: 'bk.internal',
        append: true,
        node: 'tls-b',
        platforms: ['linux/arm64'],
      }),
    );
    expect(buildCreateCommand(input).args).toEqual([
      'buildx',
      'create',
      '--name',
      'tls',
      '--driver',
      'remote',
      '--append',
      '--node',
      'tls-b',
      '--platform',
      'linux/arm64',
      '--driver-opt',
      'cacert=/certs/ca.pem',
      '--driver-opt',
      'cert=/certs/c.pem',
      '--driver-opt',
      'key=/certs/k.pem',
      '--driver-opt',
      'servername=bk.internal',
      'tcp://10.0.0.5:1234',
    ]);
  });

  it('kubernetes: every option, maps joined as buildx splits them, KUBECONFIG in the environment', () => {
    const input = parse(
      kube({
        name: 'kb',
        kubeconfig: '/home/u/.kube/config',
        namespace: 'buildkit',
        image: 'moby/buildkit:v0.13.2-rootless',
        replicas: 3,
        requests: { cpu: '500m', memory: '512Mi', ephemeralStorage: '2Gi' },
        limits: { cpu: '2', memory: '4Gi', ephemeralStorage: '10Gi' },
        nodeSelector: { 'kubernetes.io/arch': 'arm64', pool: 'builders' },
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'builds', effect: 'NoSchedule' },
          { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
        ],
        annotations: { 'example.com/team': 'platform' },
        labels: { app: 'buildkit' },
        serviceAccount: 'buildkit',
        schedulerName: 'my-scheduler',
        timeout: '2m',
        rootless: true,
        loadbalance: 'random',
        qemuInstall: true,
        qemuImage: 'tonistiigi/binfmt:latest',
        defaultLoad: false,
        env: { BUILDKIT_STEP_LOG_MAX_SIZE: '-1' },
      }),
    );
    expect(buildCreateCommand(input)).toEqual({
      args: [
        'buildx',
        'create',
        '--name',
        'kb',
        '--driver',
        'kubernetes',
        '--driver-opt',
        'namespace=buildkit',
        '--driver-opt',
        'image=moby/buildkit:v0.13.2-rootless',
        '--driver-opt',
        'replicas=3',
        '--driver-opt',
        'requests.cpu=500m',
        '--driver-opt',
        'requests.memory=512Mi',
        '--driver-opt',
        'requests.ephemeral-storage=2Gi',
        '--driver-opt',
        'limits.cpu=2',
        '--driver-opt',
        'limits.memory=4Gi',
        '--driver-opt',
        'limits.ephemeral-storage=10Gi',
        '--driver-opt',
        '"nodeselector=kubernetes.io/arch=arm64,pool=builders"',
        '--driver-opt',
        '"tolerations=key=dedicated,operator=Equal,value=builds,effect=NoSchedule;operator=Exists,effect=NoExecute,tolerationSeconds=60"',
        '--driver-opt',
        'annotations=example.com/team=platform',
        '--driver-opt',
        'labels=app=buildkit',
        '--driver-opt',
        'serviceaccount=buildkit',
        '--driver-opt',
        'schedulername=my-scheduler',
        '--driver-opt',
        'timeout=2m',
        '--driver-opt',
        'rootless=true',
        '--driver-opt',
        'loadbalance=random',
        '--driver-opt',
        'qemu.install=true',
        '--driver-opt',
        'qemu.image=tonistiigi/binfmt:latest',
        '--driver-opt',
        'default-load=false',
        '--driver-opt',
        'env.BUILDKIT_STEP_LOG_MAX_SIZE=-1',
      ],
      env: { KUBECONFIG: '/home/u/.kube/config' },
    });
  });

  it('the shown command is the argument array quoted for a POSIX shell', () => {
    expect(shellQuote('plain-word_1.2:3/x=y')).toBe('plain-word_1.2:3/x=y');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's $(x) `y`; z")).toBe(`'it'\\''s $(x) \`y\`; z'`);
    expect(driverOptArg('env.A', 'a,b')).toBe('"env.A=a,b"');
    const input = parse(
      dc({ name: 'q', env: { GREETING: 'hello world' }, buildkitdFlags: '--debug --oci-worker-gc=false' }),
    );
    expect(formatCreateCommand(input)).toBe(
      "docker buildx create --name q --driver docker-container --driver-opt 'env.GREETING=hello world' --buildkitd-flags '--debug --oci-worker-gc=false'",
    );
  });

  it('the form shows one option per line, continued with backslashes', () => {
    const input = parse(remote({ name: 'r', endpoint: 'tcp://h:1', cacert: '/ca.pem', bootstrap: true }));
    expect(formatCreateCommand(input, {}, { multiline: true })).toBe(
      [
        'docker buildx create',
        '  --name r',
        '  --driver remote',
        '  --driver-opt cacert=/ca.pem',
        '  --bootstrap',
        '  tcp://h:1',
      ].join(' \\\n'),
    );
  });

  it('a pinned kube context shows the kubectl step that derives its kubeconfig', () => {
    const input = parse(kube({ name: 'kc', kubeconfig: '/cfg/kube.yaml', kubeContext: 'prod-eu' }));
    expect(formatCreateCommand(input).split('\n')).toEqual([
      '(umask 077; KUBECONFIG=/cfg/kube.yaml kubectl config view --minify --flatten --context prod-eu > kubeconfig-kc.yaml)',
      'KUBECONFIG=kubeconfig-kc.yaml docker buildx create --name kc --driver kubernetes',
    ]);
    expect(formatCreateCommand(input, { kubeconfigPath: '/data/kubeconfig-kc-kc0.yaml' })).toBe(
      'KUBECONFIG=/data/kubeconfig-kc-kc0.yaml docker buildx create --name kc --driver kubernetes',
    );
  });
});

describe('the Create builder form model', () => {
  it('turns the draft into the contract input and names form fields for every contract field', async () => {
    const { checkDraft, draftFieldOf, emptyDraft } = await import('../../renderer/src/features/builders/create-form');
    expect(draftFieldOf('env.MY VAR')).toBe('env');
    expect(draftFieldOf('requests.ephemeralStorage')).toBe('requestsEphemeralStorage');
    expect(draftFieldOf('limits.cpu')).toBe('limitsCpu');
    expect(draftFieldOf('tolerations.0.tolerationSeconds')).toBe('tolerations');
    expect(draftFieldOf('timeout')).toBe('kubeTimeout');
    expect(draftFieldOf('platforms.1')).toBe('platforms');

    const ok = checkDraft({
      ...emptyDraft('docker-container'),
      name: 'b1',
      memory: '1g',
      env: 'A=1\n# comment\nB=x=y',
      cpuQuota: '50000',
    });
    expect(ok.errors).toEqual({});
    expect(ok.valid).toMatchObject({
      driver: 'docker-container',
      name: 'b1',
      memory: '1g',
      env: { A: '1', B: 'x=y' },
      cpuQuota: '50000',
      bootstrap: true,
    });

    const bad = checkDraft({
      ...emptyDraft('kubernetes'),
      name: 'k',
      env: 'NOEQUALS',
      limitsMemory: 'lots',
      tolerations: 'key=a,colour=red',
    });
    expect(bad.valid).toBeUndefined();
    expect(bad.errors.env).toMatch(/Line 1: write KEY=VALUE/);
    expect(bad.errors.limitsMemory).toMatch(/quantity/);
    expect(bad.errors.tolerations).toMatch(/Line 1/);
    // The command is shown even while invalid, as typed.
    expect(bad.command).toContain('--driver-opt limits.memory=lots');
  });
});
