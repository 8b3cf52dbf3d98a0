import { describe, expect, it } from 'vitest';
import { bakeAttestOverride, parseBuildArgs, type FlagContext } from '../../electron/cli/build-flags';
import { OVERRIDE_PATTERN } from '../../electron/common/contracts/bake';
import { splitPositionals } from '../../electron/cli/bake';
import { buildRequest } from '../../electron/common/contracts/builds';
import { buildxBuildArgv } from '../../electron/core/builds/command-line';

const ctx: FlagContext = {
  cwd: '/work/repo',
  env: { TOKEN_FROM_ENV: 'from-env', NPM_TOKEN: 'x' },
  exists: (p) => p === '/work/repo/docker/app.Dockerfile',
};

/** CLI words → builds.start input → the contract's validation → the exact buildx argv. */
function argvFor(words: string[]): string[] {
  const parsed = parseBuildArgs(words, ctx);
  if (parsed.kind !== 'run') throw new Error(`${parsed.kind}: ${'message' in parsed ? parsed.message : ''}`);
  return buildxBuildArgv(buildRequest.parse(parsed.input));
}

describe('builddeck build takes what buildx users type', () => {
  it('walks every supported flag into the exact docker buildx build argv', () => {
    const argv = argvFor([
      '.',
      '-f',
      'docker/app.Dockerfile',
      '--builder',
      'multi',
      '--platform',
      'linux/amd64,linux/arm64',
      '--platform',
      'linux/arm/v7',
      '-t',
      'registry:5000/app:dev',
      '--tag',
      'app:latest',
      '--build-arg',
      'VERSION=1.2',
      '--build-arg',
      'TOKEN_FROM_ENV',
      '--target',
      'final',
      '--no-cache',
      '--pull',
      '--push',
      '--load',
      '-o',
      'type=local,dest=out',
      '--output',
      'type=oci,dest=/tmp/app.tar',
      '--cache-from',
      'type=registry,ref=registry:5000/app:cache',
      '--cache-from',
      'registry:5000/app:old',
      '--cache-from',
      'type=local,src=cache-in',
      '--cache-to',
      'type=registry,ref=registry:5000/app:cache,mode=max',
      '--cache-to',
      'type=local,dest=/tmp/cache-out',
      '--cache-to',
      'type=inline',
      '--secret',
      'id=npm,src=secrets/npmrc',
      '--secret',
      'id=tok,env=NPM_TOKEN',
      '--secret',
      'id=NPM_TOKEN',
      '--ssh',
      'default',
      '--ssh',
      'deploy=/home/me/.ssh/id_ed25519',
      '--label',
      'org.opencontainers.image.title=app',
      '--network',
      'host',
      '--metadata-file',
      'meta.json',
    ]);
    expect(argv).toEqual([
      'docker',
      'buildx',
      'build',
      '--metadata-file',
      '/work/repo/meta.json',
      '--builder',
      'multi',
      // buildx reads -f from the working directory: that file exists, so it is passed absolute.
      '--file',
      '/work/repo/docker/app.Dockerfile',
      '--platform',
      'linux/amd64,linux/arm64,linux/arm/v7',
      '--tag',
      'registry:5000/app:dev',
      '--tag',
      'app:latest',
      '--build-arg',
      'VERSION=1.2',
      // From the environment: the name only, so the value never reaches a command line.
      '--build-arg',
      'TOKEN_FROM_ENV',
      '--target',
      'final',
      '--no-cache',
      '--pull',
      '--secret',
      'id=npm,src=/work/repo/secrets/npmrc',
      '--secret',
      'id=tok,env=NPM_TOKEN',
      '--secret',
      'id=NPM_TOKEN,env=NPM_TOKEN',
      '--push',
      '--load',
      '--output',
      'type=local,dest=/work/repo/out',
      '--output',
      'type=oci,dest=/tmp/app.tar',
      '--cache-from',
      'type=registry,ref=registry:5000/app:cache',
      '--cache-from',
      'type=registry,ref=registry:5000/app:old',
      '--cache-from',
      'type=local,src=/work/repo/cache-in',
      '--cache-to',
      'type=registry,ref=registry:5000/app:cache,mode=max',
      '--cache-to',
      'type=local,dest=/tmp/cache-out',
      '--cache-to',
      'type=inline',
      '--label',
      'org.opencontainers.image.title=app',
      '--ssh',
      'default',
      '--ssh',
      'deploy=/home/me/.ssh/id_ed25519',
      '--network',
      'host',
      '/work/repo',
    ]);
  });

  it('maps buildx output shorthands the way buildx does', () => {
    const out = (o: string) => argvFor(['.', '-o', o]).slice(3, -1);
    expect(out('dist')).toEqual(['--output', 'type=local,dest=/work/repo/dist']);
    expect(out('type=docker')).toEqual(['--load']);
    expect(out('type=docker,dest=img.tar')).toEqual(['--output', 'type=docker,dest=/work/repo/img.tar']);
    expect(out('type=registry')).toEqual(['--push']);
    expect(out('type=image,push=true')).toEqual(['--push']);
    expect(out('type=cacheonly')).toEqual(['--output', 'type=cacheonly']);
    // A relative -f that is not there from the working directory stays relative to the context.
    expect(argvFor(['ctx', '-f', 'Other.Dockerfile']).slice(3, 5)).toEqual(['--file', 'Other.Dockerfile']);
  });

  it('names an unsupported buildx flag and says what to do', () => {
    for (const flag of ['-D', '--debug', '--policy=x']) {
      const r = parseBuildArgs(['.', flag], ctx);
      expect(r.kind, flag).toBe('unsupported');
      if (r.kind === 'unsupported') {
        expect(r.message).toMatch(/^--[a-z-]+ is a `docker buildx build` option that BuildDeck does not support yet/);
        expect(r.message).toContain('Run `docker buildx build` directly');
      }
    }
    // A flag buildx does not have either is a plain usage error.
    expect(parseBuildArgs(['.', '--frobnicate'], ctx)).toMatchObject({ kind: 'usage' });
  });

  it('takes --call and --check as buildx does, and refuses what it cannot pass on', () => {
    const callOf = (words: string[]) => {
      const r = parseBuildArgs(words, ctx);
      return r.kind === 'run' ? r.call : r.kind === 'usage' ? `usage: ${r.message}` : r.kind;
    };
    expect(callOf(['.', '--check'])).toBe('check');
    expect(callOf(['.', '--call=outline'])).toBe('outline');
    expect(callOf(['.', '--call', 'check,format=json'])).toBe('check,format=json');
    expect(callOf(['.', '--check', '--call=check'])).toBe('check');
    expect(callOf(['.'])).toBeUndefined();
    expect(callOf(['.', '--check', '--call=outline'])).toMatch(/^usage: --check is --call=check/);
    // One argv element with a checked shape: no second flag, no shell word, no empty method.
    for (const bad of ['outline --push', 'x;rm -rf /', '', 'check,format', '--push'])
      expect(callOf(['.', `--call=${bad}`]), bad).toMatch(/^usage: --call .*: give a frontend method/);
    expect(callOf(['.', '--check', '--json'])).toMatch(
      /--json is for builds \(for JSON give --call=check,format=json\)/,
    );
    expect(callOf(['.', '--call=outline', '-q'])).toMatch(/--quiet is for builds/);
  });

  it('refuses values BuildDeck cannot map, naming them', () => {
    const usage = (words: string[]) => {
      const r = parseBuildArgs(words, ctx);
      return r.kind === 'usage' ? r.message : r.kind;
    };
    expect(usage(['.', '-o', '-'])).toMatch(/stdout/);
    expect(usage(['.', '-o', 'type=tar,dest=x.tar'])).toMatch(/type=tar is not supported/);
    expect(usage(['.', '-o', 'type=image'])).toMatch(/push=true/);
    expect(usage(['.', '-o', 'type=local,dest=x,compression=zstd'])).toMatch(/"compression" is not supported/);
    expect(usage(['.', '--cache-from', 'type=gha'])).toMatch(/type=gha is not supported/);
    expect(usage(['.', '--label', 'novalue'])).toMatch(/KEY=VALUE/);
    expect(usage(['.', '--build-arg', 'NOT_SET_ANYWHERE'])).toMatch(/not set in the environment/);
    expect(usage([])).toMatch(/exactly one context folder/);
  });

  it('notes that --progress is ignored, and leaves the contract to judge the rest', () => {
    const r = parseBuildArgs(['.', '--progress=plain', '--json'], ctx);
    expect(r).toMatchObject({
      kind: 'run',
      json: true,
      notes: [expect.stringMatching(/--progress=plain is ignored.*NDJSON/)],
    });
    const bad = parseBuildArgs(['.', '--network', 'bridge', '--tag', 'UPPER:case'], ctx);
    if (bad.kind !== 'run') throw new Error(bad.kind);
    const checked = buildRequest.safeParse(bad.input);
    expect(checked.success).toBe(false);
    expect(checked.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['network', 'tags.0']);
  });
});

describe('builddeck build: RUN-step and attestation flags', () => {
  it('maps --iidfile, --add-host, --shm-size, --ulimit, --no-cache-filter, --build-context, --provenance, --sbom', () => {
    const argv = argvFor([
      'ctx',
      '--iidfile',
      'out/iid',
      '--add-host',
      'db.local:10.0.0.7',
      '--add-host=gw=host-gateway',
      '--add-host',
      'v6:[::1]',
      '--shm-size',
      '512m',
      '--ulimit',
      'nofile=1024:2048',
      '--ulimit',
      'nproc=-1',
      '--no-cache-filter',
      'build,test',
      '--no-cache-filter',
      'lint',
      '--build-context',
      'base=docker-image://alpine:3.20',
      '--build-context',
      'assets=../assets',
      '--build-context',
      'src=https://github.com/moby/buildkit.git#v0.13.2',
      '--provenance=mode=max',
      '--sbom=false',
    ]);
    expect(argv.slice(3, -1)).toEqual([
      '--iidfile',
      '/work/repo/out/iid',
      '--add-host',
      'db.local:10.0.0.7',
      '--add-host',
      'gw:host-gateway',
      '--add-host',
      'v6:::1',
      '--shm-size',
      '512m',
      '--ulimit',
      'nofile=1024:2048',
      '--ulimit',
      'nproc=-1',
      '--no-cache-filter',
      'build,test,lint',
      '--build-context',
      'base=docker-image://alpine:3.20',
      '--build-context',
      'assets=/work/assets',
      '--build-context',
      'src=https://github.com/moby/buildkit.git#v0.13.2',
      '--provenance=mode=max',
      '--sbom=false',
    ]);
    expect(argvFor(['ctx', '--provenance=false']).slice(3, -1)).toEqual(['--provenance=false']);
    expect(argvFor(['ctx', '--provenance', '1', '--sbom=true']).slice(3, -1)).toEqual([
      '--provenance=true',
      '--sbom=true',
    ]);
  });

  it("--attest is --provenance/--sbom in buildx's general form; --annotation reaches buildx as typed", () => {
    const flags = (words: string[]) => argvFor(['ctx', ...words]).slice(3, -1);
    expect(flags(['--attest', 'type=sbom'])).toEqual(['--sbom=true']);
    expect(flags(['--attest', 'type=sbom,disabled=true'])).toEqual(['--sbom=false']);
    expect(flags(['--attest=type=provenance,mode=max', '--attest', 'type=sbom'])).toEqual([
      '--provenance=mode=max',
      '--sbom=true',
    ]);
    expect(flags(['--attest', 'type=provenance,disabled=true'])).toEqual(['--provenance=false']);
    expect(flags(['--attest', 'type=provenance'])).toEqual(['--provenance=true']);
    expect(
      flags(['--annotation', 'org.opencontainers.image.title=app', '--annotation', 'manifest[linux/amd64]:k=a=b']),
    ).toEqual(['--annotation', 'org.opencontainers.image.title=app', '--annotation', 'manifest[linux/amd64]:k=a=b']);
    const usage = (words: string[]) => {
      const r = parseBuildArgs(['.', ...words], ctx);
      return r.kind === 'usage' ? r.message : r.kind;
    };
    expect(usage(['--attest', 'type=vuln'])).toMatch(/takes type=provenance or type=sbom/);
    expect(usage(['--attest', 'type=sbom,generator=img'])).toMatch(/"generator" is not supported here/);
    expect(usage(['--attest', 'type=sbom,mode=max'])).toMatch(/"mode" is not supported here/);
    expect(usage(['--attest', 'type=provenance,mode=full'])).toMatch(/mode=min/);
    expect(usage(['--attest', 'type=sbom,disabled=maybe'])).toMatch(/disabled takes true or false/);
    expect(usage(['--sbom=true', '--attest', 'type=sbom'])).toMatch(/sbom is already set/);
    const invalid = (words: string[]) => {
      const r = parseBuildArgs(['.', ...words], ctx);
      if (r.kind !== 'run') throw new Error(r.kind);
      const checked = buildRequest.safeParse(r.input);
      return checked.success ? [] : checked.error.issues.map((i) => i.path.join('.'));
    };
    expect(invalid(['--annotation', 'index,manifest-descriptor:org.k=v'])).toEqual([]);
    for (const bad of ['bad key=v', 'novalue', 'weird:org.k=v', '=v', 'k=line\nbreak'])
      expect(invalid(['--annotation', bad])).toEqual(['annotations.0']);
  });

  it('--allow and --cgroup-parent reach buildx; an entitlement or cgroup it must not get is refused by the contract', () => {
    const flags = (words: string[]) => argvFor(['ctx', ...words]).slice(3, -1);
    expect(flags(['--allow', 'network.host,security.insecure', '--cgroup-parent', '/docker/buildx'])).toEqual([
      '--allow',
      'network.host',
      '--allow',
      'security.insecure',
      '--cgroup-parent',
      '/docker/buildx',
    ]);
    const invalid = (words: string[]) => {
      const r = parseBuildArgs(['.', ...words], ctx);
      if (r.kind !== 'run') throw new Error(r.kind);
      const checked = buildRequest.safeParse(r.input);
      return checked.success ? [] : checked.error.issues.map((i) => i.path.join('.'));
    };
    expect(invalid(['--allow', 'device'])).toEqual(['allow.0']);
    expect(invalid(['--allow', 'network.host', '--allow', 'network.host'])).toEqual(['allow']);
    expect(invalid(['--cgroup-parent=--privileged'])).toEqual(['cgroupParent']);
    expect(invalid(['--cgroup-parent', 'a b'])).toEqual(['cgroupParent']);
  });

  it('-q asks for the digest alone; with --json it is a usage error', () => {
    expect(parseBuildArgs(['.', '-q'], ctx)).toMatchObject({ kind: 'run', quiet: true, json: false });
    expect(parseBuildArgs(['.', '--quiet', '--json'], ctx)).toMatchObject({ kind: 'usage' });
  });

  it('refuses what buildx would take wrongly or what BuildDeck must not store, naming the field', () => {
    const usage = (words: string[]) => {
      const r = parseBuildArgs(words, ctx);
      return r.kind === 'usage' ? r.message : r.kind;
    };
    expect(usage(['.', '--add-host', 'nohost'])).toMatch(/NAME:IP/);
    expect(usage(['.', '--ulimit', 'nofile'])).toMatch(/NAME=SOFT\[:HARD\]/);
    expect(usage(['.', '--build-context', 'base'])).toMatch(/NAME=VALUE/);
    expect(usage(['.', '--provenance=yes'])).toMatch(/true or false, or mode=min/);
    expect(usage(['.', '--sbom=mode=max'])).toMatch(/true or false \(/);
    const invalid = (words: string[]) => {
      const r = parseBuildArgs(words, ctx);
      if (r.kind !== 'run') throw new Error(r.kind);
      const checked = buildRequest.safeParse(r.input);
      return checked.success ? [] : checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(invalid(['.', '--add-host', 'bad_host!:1.2.3.4'])).toEqual([expect.stringMatching(/^addHosts\.0\.host: /)]);
    expect(invalid(['.', '--add-host', 'db:999.1.1.1'])).toEqual([
      expect.stringMatching(/^addHosts\.0\.ip: .*IPv4 or IPv6/),
    ]);
    expect(invalid(['.', '--add-host', 'db:$(reboot)'])).toEqual([expect.stringMatching(/^addHosts\.0\.ip: /)]);
    expect(invalid(['.', '--shm-size', '2 g'])).toEqual([expect.stringMatching(/^shmSize: .*512m/)]);
    expect(invalid(['.', '--ulimit', 'nofiles=1'])).toEqual([expect.stringMatching(/^ulimits\.0\.name: /)]);
    expect(invalid(['.', '--ulimit', 'nofile=4096:1024'])).toEqual([
      expect.stringMatching(/^ulimits\.0\.soft: .*hard/),
    ]);
    expect(invalid(['.', '--no-cache-filter', 'a b'])).toEqual([expect.stringMatching(/^noCacheFilter\.0: /)]);
    expect(invalid(['.', '--build-context', 'x=docker-image://UPPER'])).toEqual([
      expect.stringMatching(/^buildContexts\.x: docker-image/),
    ]);
    // A token in a URL would be kept in History and shown in the command.
    expect(invalid(['.', '--build-context', 'src=https://user:ghp_secret@github.com/o/r.git'])).toEqual([
      expect.stringMatching(/^buildContexts\.src: .*credentials/),
    ]);
    expect(invalid(['.', '--build-context', 'src=ftp://host/x'])).toEqual([
      expect.stringMatching(/^buildContexts\.src: /),
    ]);
    expect(invalid(['.', '--build-context', 'x y=/abs'])).toEqual([expect.stringMatching(/^buildContexts\.x y: /)]);
  });
});

describe('builddeck bake --provenance / --sbom', () => {
  it('become the *.attest overrides buildx makes of them, after the user’s own', () => {
    expect(bakeAttestOverride('provenance', 'false')).toBe('*.attest=type=provenance,disabled=true');
    expect(bakeAttestOverride('provenance', 'mode=max')).toBe('*.attest=type=provenance,mode=max');
    expect(bakeAttestOverride('sbom', 'true')).toBe('*.attest=type=sbom');
    expect(() => bakeAttestOverride('sbom', 'mode=max')).toThrow(/true or false/);
    // The contract's override check takes them as they are.
    for (const o of ['*.attest=type=provenance,disabled=true', '*.attest=type=sbom'])
      expect(OVERRIDE_PATTERN.test(o)).toBe(true);
  });
});

describe('builddeck bake [DIR] [TARGET...]', () => {
  it('reads a path-like first word as the folder, a bare word as a target', () => {
    expect(splitPositionals(['app', 'web'], '/nonexistent-cwd')).toEqual({
      dir: '/nonexistent-cwd',
      targets: ['app', 'web'],
    });
    expect(splitPositionals(['.', 'web'], '/tmp')).toEqual({ dir: '/tmp', targets: ['web'] });
    expect(splitPositionals(['/tmp', 'web'], '/')).toEqual({ dir: '/tmp', targets: ['web'] });
    expect(splitPositionals([], '/tmp')).toEqual({ dir: '/tmp', targets: [] });
  });
});
