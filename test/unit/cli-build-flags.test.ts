import { describe, expect, it } from 'vitest';
import { parseBuildArgs, type FlagContext } from '../../electron/cli/build-flags';
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
    for (const flag of [
      '--sbom=true',
      '--attest',
      '--build-context',
      '-q',
      '-D',
      '--iidfile=x',
      '--provenance=false',
    ]) {
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
