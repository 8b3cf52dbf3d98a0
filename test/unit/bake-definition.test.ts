import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionError, filesRead, parsePrint } from '../../electron/adapters/buildx/bake';
import type { RunResult } from '../../electron/adapters/process/run';
import { bakeOverride, bakeRequest, bakeVariableName } from '../../electron/common/contracts/bake';
import { bakeArgv, bakeCommandText } from '../../electron/core/bake/command-line';
import {
  contextPath,
  expandGroup,
  explicitAttestation,
  isLocalContext,
  locateTarget,
  orderedTargets,
} from '../../electron/core/bake/project';

const dir = join(import.meta.dirname, '../fixtures/bake');
const VERSIONS = ['0.13.1', '0.29.1'] as const;
const errors = (v: string) =>
  JSON.parse(readFileSync(join(dir, `errors-${v}.json`), 'utf8')) as Record<string, RunResult>;
const args = { projectDir: '/p', files: [] as string[], overrides: [] as string[], variables: {} };

describe('bake --print, both buildx shapes', () => {
  for (const v of VERSIONS) {
    it(`buildx ${v}: targets, groups and the files buildx read`, () => {
      const printed = parsePrint(readFileSync(join(dir, `three-${v}.print.json`), 'utf8'));
      expect(printed.groups['default']?.sort()).toEqual(['app', 'derived', 'multi']);
      expect(printed.targets['multi']).toMatchObject({ platforms: ['linux/amd64', 'linux/arm64'], context: '.' });
      expect(printed.targets['derived']).toMatchObject({ target: 'base', args: { WHO: 'override' } });
      expect(printed.targets['app']?.dockerfile).toBe('app.Dockerfile');
    });
  }

  it('shows cache, outputs and secrets the same way for 0.13 strings and 0.29 objects', () => {
    const old = parsePrint(
      JSON.stringify({
        target: {
          x: {
            context: '.',
            'cache-from': ['type=registry,ref=foo/bar:cache'],
            output: ['type=cacheonly'],
            secret: ['id=s1,src=/etc/hostname'],
            ssh: ['default'],
            attest: ['type=sbom', 'type=provenance,disabled=true'],
          },
        },
      }),
    );
    const now = parsePrint(
      JSON.stringify({
        target: {
          x: {
            context: '.',
            'cache-from': [{ ref: 'foo/bar:cache', type: 'registry' }],
            output: [{ type: 'cacheonly' }],
            secret: [{ id: 's1', src: '/etc/hostname' }],
            ssh: [{ id: 'default' }],
            attest: [{ type: 'sbom' }, { disabled: true, type: 'provenance' }],
          },
        },
      }),
    );
    expect(now.targets['x']).toEqual(old.targets['x']);
    expect(now.targets['x']).toMatchObject({
      cacheFrom: ['type=registry,ref=foo/bar:cache'],
      outputs: ['type=cacheonly'],
      // Where a secret comes from is not shown, only its id.
      secrets: ['s1'],
      ssh: ['default'],
      attest: ['type=sbom', 'type=provenance,disabled=true'],
    });
    // What the docker driver would be asked to attach: an attestation not turned off.
    const target = now.targets['x'];
    expect(target && explicitAttestation(target)).toBe('sbom');
    expect(target && explicitAttestation({ ...target, attest: ['type=provenance,disabled=true'] })).toBeUndefined();
    expect(target && explicitAttestation({ ...target, attest: ['type=provenance,mode=max'] })).toBe('provenance');
  });

  it('reads the file names from the definition-loading progress', () => {
    expect(
      filesRead(
        '#1 [internal] load local bake definitions\n#1 reading docker-bake.hcl 272B / 272B done\n#1 reading compose.yaml 1.2kB / 1.2kB done\n#1 DONE 0.0s\n',
      ),
    ).toEqual(['docker-bake.hcl', 'compose.yaml']);
  });
});

describe('definition errors name the file, line and field (recorded buildx output)', () => {
  for (const v of VERSIONS) {
    const e = (name: string) => definitionError(errors(v)[name] as RunResult, args).appError;
    it(`buildx ${v}`, () => {
      expect(e('hcl-syntax')).toMatchObject({
        code: 'INVALID_INPUT',
        message:
          'docker-bake.hcl line 4: Invalid expression; Expected the start of an expression, but found an invalid expression token.',
        hint: 'Fix line 4 of docker-bake.hcl, then open the project again.',
        details: { field: 'definition', file: 'docker-bake.hcl', line: 4, column: 1 },
      });
      const syntax = e('hcl-syntax').details?.['snippet'] as { line: number; marked: boolean }[];
      expect(syntax.find((l) => l.marked)?.line).toBe(4);
      expect(e('unknown-variable')).toMatchObject({
        message: 'docker-bake.hcl line 2: Unknown variable; There is no variable named "nope" (and 1 more problems).',
        details: { file: 'docker-bake.hcl', line: 2 },
      });
      expect(e('unknown-target')).toMatchObject({
        message: 'The definition has no target or group named "nope".',
        details: { field: 'targets' },
      });
      expect(e('group-cycle').details).toMatchObject({ field: 'targets' });
      expect(e('group-cycle').hint).toMatch(/include each other/);
      expect(e('no-definition')).toMatchObject({ details: { field: 'projectDir' } });
      expect(e('no-definition').hint).toContain('docker-bake.hcl');
      expect(e('bad-override-key')).toMatchObject({
        message: 'An override was refused: unknown key: bogus.',
        details: { field: 'overrides' },
      });
      expect(e('override-no-target').details).toMatchObject({ field: 'overrides' });
      expect(
        definitionError(errors(v)['missing-file'] as RunResult, { ...args, files: ['nothere.hcl'] }).appError,
      ).toMatchObject({
        details: { field: 'files' },
      });
      expect(e('compose-syntax')).toMatchObject({
        details: { field: 'definition', file: 'compose.yaml', line: 1 },
      });
      // Never the raw dump as the message.
      for (const name of Object.keys(errors(v))) expect(e(name).message).not.toContain('#1 [internal]');
    });
  }
});

describe('project helpers', () => {
  it('expands nested groups once each, in order, and survives cycles', () => {
    const groups = { default: ['app', 'more'], more: ['db', 'app', 'default'], all: ['all', 'x'] };
    expect(expandGroup('default', groups)).toEqual(['app', 'db']);
    expect(expandGroup('all', groups)).toEqual(['all', 'x']);
    expect(expandGroup('solo', groups)).toEqual(['solo']);
    expect(
      orderedTargets(
        { groups: { default: ['b', 'a'] }, targets: { a: {} as never, b: {} as never, c: {} as never } },
        [],
      ),
    ).toEqual(['b', 'a', 'c']);
  });

  it('knows local contexts from remote ones', () => {
    expect(['.', 'web', '../x', '/abs', 'cwd://sub', 'C:\\work'].map(isLocalContext)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(
      ['https://github.com/a/b.git', 'git@github.com:a/b.git', 'docker-image://alpine', 'target:base', '-'].map(
        isLocalContext,
      ),
    ).toEqual([false, false, false, false, false]);
    expect(contextPath('/p', 'web')).toBe('/p/web');
    expect(contextPath('/p', '/abs/ctx')).toBe('/abs/ctx');
  });

  it('finds the line that declares a target and its dockerfile in HCL, JSON and compose', () => {
    const hcl =
      'variable "X" {}\n\ntarget "app" {\n  context = "."\n  dockerfile = "app.Dockerfile"\n}\ntarget "other" {\n  dockerfile = "o"\n}\n';
    expect(locateTarget(hcl, 'app', 'hcl')).toEqual({ line: 3, dockerfileLine: 5 });
    expect(
      locateTarget('target "b" {\n  inherits = ["app"]\n}\ntarget "c" {\n dockerfile = "x"\n}\n', 'b', 'hcl'),
    ).toEqual({ line: 1 });
    const json = '{\n  "target": {\n    "app": {\n      "dockerfile": "x"\n    }\n  }\n}\n';
    expect(locateTarget(json, 'app', 'json')).toEqual({ line: 3, dockerfileLine: 4 });
    const compose =
      'services:\n  web:\n    build: ./web\n  api:\n    build:\n      context: ./api\n      dockerfile: Dockerfile.api\n';
    expect(locateTarget(compose, 'web', 'compose')).toEqual({ line: 2 });
    expect(locateTarget(compose, 'api', 'compose')).toEqual({ line: 4, dockerfileLine: 7 });
    expect(locateTarget(hcl, 'missing', 'hcl')).toBeUndefined();
  });
});

describe('bake requests and their command line', () => {
  it('puts every option into its own argv element, variables into the environment', () => {
    const req = bakeRequest.parse({
      projectDir: '/p',
      files: ['docker-bake.hcl', 'ci.hcl'],
      targets: ['default', 'app'],
      builder: 'multi',
      overrides: ['app.tags=x:dev', '*.args.A=b c'],
      variables: { TAG: 'v1' },
      platforms: ['linux/amd64', 'linux/arm64'],
      noCache: true,
      pull: true,
      push: true,
      load: true,
      metadataFile: '/tmp/meta.json',
    });
    expect(bakeArgv(req)).toEqual([
      'docker',
      'buildx',
      'bake',
      '--metadata-file=/tmp/meta.json',
      '--builder=multi',
      '--file=docker-bake.hcl',
      '--file=ci.hcl',
      '--set=app.tags=x:dev',
      '--set=*.args.A=b c',
      '--set=*.platform=linux/amd64,linux/arm64',
      '--no-cache',
      '--pull',
      '--push',
      '--load',
      'default',
      'app',
    ]);
    expect(bakeCommandText(req)).toBe(
      "cd /p && TAG=v1 docker buildx bake --metadata-file=/tmp/meta.json --builder=multi --file=docker-bake.hcl --file=ci.hcl --set=app.tags=x:dev '--set=*.args.A=b c' '--set=*.platform=linux/amd64,linux/arm64' --no-cache --pull --push --load default app",
    );
  });

  it('refuses overrides, names and variables that could steer something else', () => {
    expect(bakeOverride.safeParse('app.tags=x').success).toBe(true);
    expect(bakeOverride.safeParse('*.platform=linux/arm64').success).toBe(true);
    expect(bakeOverride.safeParse('app.args.X+=y').success).toBe(true);
    for (const bad of ['tags=x', '--push', 'app.tags', 'app.tags=x\ny', '.x=y'])
      expect(bakeOverride.safeParse(bad).success, bad).toBe(false);
    expect(bakeRequest.safeParse({ projectDir: '/p', targets: ['--print'] }).success).toBe(false);
    expect(bakeRequest.safeParse({ projectDir: 'rel' }).success).toBe(false);
    for (const reserved of ['PATH', 'DOCKER_HOST', 'BUILDX_BAKE_FILE', 'LD_PRELOAD', 'SSH_AUTH_SOCK'])
      expect(bakeVariableName.safeParse(reserved).success, reserved).toBe(false);
    expect(bakeVariableName.safeParse('TAG').success).toBe(true);
  });
});
