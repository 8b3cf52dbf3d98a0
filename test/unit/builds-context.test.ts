import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeBuildFs } from '../../electron/adapters/fs/build-fs';
import { buildRequest } from '../../electron/common/contracts/builds';
import { buildxBuildArgv, shellQuote } from '../../electron/core/builds/command-line';
import { inspectContext, stagesFromDockerfile } from '../../electron/core/builds/context';
import { parseDockerignore } from '../../electron/core/builds/dockerignore';

describe('.dockerignore matching (moby/patternmatcher semantics)', () => {
  const m = parseDockerignore(
    ['# comment', 'node_modules', '*.log', '!keep.log', '/dist/', 'docs/**/*.md', '**/.cache', 'tmp?'].join('\n'),
  );
  it.each([
    ['node_modules', true],
    ['node_modules/a/b.js', true], // a parent match excludes everything below
    ['src/node_modules/x', false], // not anchored anywhere but the root
    ['error.log', true],
    ['keep.log', false],
    ['sub/error.log', false], // `*` stays within one segment
    ['dist/app.js', true],
    ['docs/a.md', true],
    ['docs/x/y/z.md', true],
    ['docs/x/readme.txt', false],
    ['a/b/.cache/file', true],
    ['tmp1', true],
    ['tmp12', false],
    ['src/index.ts', false],
  ])('%s ignored: %s', (path, ignored) => {
    expect(m.ignored(path)).toBe(ignored);
  });

  // The examples of Docker's own reference (docs.docker.com, "Dockerignore file"), with the results it states.
  describe("Docker's documented examples", () => {
    it.each([
      // "*/temp*": names starting with temp in any immediate subdirectory of the root.
      ['*/temp*', 'somedir/temporary.txt', true],
      ['*/temp*', 'somedir/temp', true],
      ['*/temp*', 'somedir/temp/inside.txt', true],
      ['*/temp*', 'temporary.txt', false],
      ['*/temp*', 'a/b/temporary.txt', false],
      // "*/*/temp*": two levels below the root.
      ['*/*/temp*', 'somedir/subdir/temporary.txt', true],
      ['*/*/temp*', 'somedir/temporary.txt', false],
      // "temp?": one character after temp, in the root.
      ['temp?', 'tempa', true],
      ['temp?', 'tempb', true],
      ['temp?', 'temp', false],
      ['temp?', 'sub/tempa', false],
      // "**/*.go": every .go file, the root included.
      ['**/*.go', 'main.go', true],
      ['**/*.go', 'cmd/app/main.go', true],
      ['**/*.go', 'cmd/app/main.gone', false],
      // "/foo/bar" and "foo/bar" both exclude bar in foo, nothing else.
      ['/foo/bar', 'foo/bar', true],
      ['foo/bar', 'foo/bar', true],
      ['foo/bar', 'bar', false],
      ['foo/bar', 'foo', false],
      // Paths are cleaned with Go's filepath.Clean before matching.
      ['./foo/../bar', 'bar', true],
      // "*.md" then "!README.md": every markdown file but README.md.
      ['*.md\n!README.md', 'CHANGES.md', true],
      ['*.md\n!README.md', 'README.md', false],
      // The last matching line wins.
      ['*.md\n!README*.md\nREADME-secret.md', 'README-secret.md', true],
      ['*.md\n!README*.md\nREADME-secret.md', 'README-public.md', false],
      ['*.md\nREADME-secret.md\n!README*.md', 'README-secret.md', false],
      // "*" then exceptions: say what to include rather than what to exclude.
      ['*\n!src', 'src/index.ts', false],
      ['*\n!src', 'package.json', true],
      // Matching is case-sensitive on Linux, as Go's filepath.Match is.
      ['*.md', 'NOTES.MD', false],
    ])('%j: %s ignored: %s', (file, path, ignored) => {
      expect(parseDockerignore(file).ignored(path)).toBe(ignored);
    });
  });

  it('descends into an ignored folder only when an exception could re-include something in it', () => {
    const n = parseDockerignore('node_modules\n!node_modules/keep\n.git\n!README.md');
    expect(n.mayReincludeUnder('node_modules')).toBe(true);
    expect(n.mayReincludeUnder('.git')).toBe(false);
  });
});

describe('docker buildx build argv', () => {
  it('puts every value in its own argument, secrets as ids and sources only', () => {
    const req = buildRequest.parse({
      contextDir: '/ctx dir',
      dockerfile: '/ctx dir/Dockerfile.dev',
      builder: 'ctr',
      platforms: ['linux/amd64', 'linux/arm64'],
      tags: ['reg:5000/app:1'],
      buildArgs: { GREETING: "it's; rm -rf / $(x)" },
      target: 'final',
      noCache: true,
      pull: true,
      secrets: [
        { id: 'npm', env: 'NPM_TOKEN' },
        { id: 'key', src: '/home/me/key' },
      ],
      outputs: [{ type: 'oci', dest: '/tmp/out.tar' }, { type: 'load' }],
      cacheFrom: [{ type: 'registry', ref: 'reg:5000/app:cache' }],
      cacheTo: [{ type: 'local', dest: '/tmp/cache', mode: 'max' }, { type: 'inline' }],
      labels: { 'org.opencontainers.image.title': 'App' },
    });
    expect(buildxBuildArgv(req, { progress: 'rawjson', metadataFile: '/tmp/m.json' })).toEqual([
      'docker',
      'buildx',
      'build',
      '--progress=rawjson',
      '--metadata-file',
      '/tmp/m.json',
      '--builder',
      'ctr',
      '--file',
      '/ctx dir/Dockerfile.dev',
      '--platform',
      'linux/amd64,linux/arm64',
      '--tag',
      'reg:5000/app:1',
      '--build-arg',
      "GREETING=it's; rm -rf / $(x)",
      '--target',
      'final',
      '--no-cache',
      '--pull',
      '--secret',
      'id=npm,env=NPM_TOKEN',
      '--secret',
      'id=key,src=/home/me/key',
      '--output',
      'type=oci,dest=/tmp/out.tar',
      '--load',
      '--cache-from',
      'type=registry,ref=reg:5000/app:cache',
      '--cache-to',
      'type=local,dest=/tmp/cache,mode=max',
      '--cache-to',
      'type=inline',
      '--label',
      'org.opencontainers.image.title=App',
      '/ctx dir',
    ]);
    expect(shellQuote(['docker', 'build', 'a b', "it's", '$(x)'])).toBe(`docker build 'a b' 'it'\\''s' '$(x)'`);
  });

  it.each([
    [{ contextDir: 'relative' }, 'contextDir'],
    [{ contextDir: '/x', platforms: ['linux/amd64', 'linux/amd64'] }, 'platforms'],
    [{ contextDir: '/x', platforms: ['4/4'] }, 'platforms.0'],
    [{ contextDir: '/x', tags: ['UPPER:case'] }, 'tags.0'],
    [{ contextDir: '/x', tags: ['-t'] }, 'tags.0'],
    [{ contextDir: '/x', buildArgs: { 'A=B': 'x' } }, 'buildArgs.A=B'],
    [{ contextDir: '/x', target: '--push' }, 'target'],
    [{ contextDir: '/x', secrets: [{ id: 'a,src=/etc/shadow', env: 'X' }] }, 'secrets.0.id'],
    [{ contextDir: '/x', secrets: [{ id: 'a' }] }, 'secrets.0.src'],
    [{ contextDir: '/x', outputs: [{ type: 'local', dest: '/a,type=registry' }] }, 'outputs.0.dest'],
    [{ contextDir: '/x', dockerfile: '-' }, 'dockerfile'],
  ])('rejects %j at %s', (input, field) => {
    const r = buildRequest.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.map(String).join('.')).toBe(field);
  });
});

describe('context inspection on a real folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bd-ctx-'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      '# base the runtime\nFROM alpine AS base\nFROM base AS build\nRUN make\nFROM base\n',
    );
    writeFileSync(join(dir, 'api.Dockerfile'), 'FROM x\n');
    writeFileSync(join(dir, 'Containerfile'), 'FROM x\n');
    mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/pkg/big.js'), Buffer.alloc(300_000));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/main.ts'), 'x'.repeat(1000));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git/HEAD'), 'ref: x');
    writeFileSync(join(dir, 'debug.log'), 'x'.repeat(5000));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const deps = { fs: new NodeBuildFs(), targets: undefined, now: () => Date.now() };

  it('counts what is sent, names the largest entries and warns about node_modules/.git', async () => {
    const r = await inspectContext(deps, { contextDir: dir });
    expect(r.files).toBe(7);
    expect(r.largestEntries[0]).toEqual({ path: 'node_modules', bytes: 300_000, files: 1 });
    expect(r.largestFiles[0]?.path).toBe('node_modules/pkg/big.js');
    expect(r.warnings.join('\n')).toMatch(/node_modules \(293 KB, 1 file\) is sent to the builder/);
    expect(r.warnings.join('\n')).toMatch(/^\.git /m);
    expect(r.warnings.join('\n')).toMatch(/no \.dockerignore/);
    expect(r.dockerfiles).toEqual(['Dockerfile', 'Containerfile', 'api.Dockerfile']);
    expect(r.dockerfile).toBe('Dockerfile');
    expect(r.targetsSource).toBe('dockerfile');
    expect(r.targets).toEqual([
      { name: 'base', base: 'alpine', description: 'the runtime' },
      { name: 'build', base: 'base' },
    ]);
  });

  it('applies .dockerignore (and a Dockerfile-specific one first)', async () => {
    writeFileSync(join(dir, '.dockerignore'), 'node_modules\n.git\n*.log\n');
    const r = await inspectContext(deps, { contextDir: dir });
    expect(r.dockerignore).toBe(true);
    expect(r.largestEntries.map((e) => e.path)).not.toContain('node_modules');
    expect(r.warnings).toEqual([]);
    expect(r.bytes).toBeLessThan(2000);
    writeFileSync(join(dir, 'api.Dockerfile.dockerignore'), 'src\n');
    const api = await inspectContext(deps, { contextDir: dir, dockerfile: 'api.Dockerfile' });
    expect(api.largestEntries.map((e) => e.path)).toContain('node_modules');
    expect(api.largestEntries.map((e) => e.path)).not.toContain('src');
    rmSync(join(dir, '.dockerignore'));
    rmSync(join(dir, 'api.Dockerfile.dockerignore'));
  });

  it('tells the counts so far while it walks, adding up to the final answer', async () => {
    const big = mkdtempSync(join(tmpdir(), 'bd-ctx-partial-'));
    try {
      for (let d = 0; d < 20; d++) {
        mkdirSync(join(big, `dir${d}`));
        for (let f = 0; f < 50; f++) writeFileSync(join(big, `dir${d}`, `f${f}`), Buffer.alloc(d * 10 + 1));
      }
      // The real walk, asked to report after every folder instead of after 100 ms, so a small tree shows it.
      const real = new NodeBuildFs();
      const fs = Object.assign(Object.create(real) as NodeBuildFs, {
        walk: (root: string, o: Parameters<NodeBuildFs['walk']>[1]) =>
          real.walk(root, { ...o, ...(o.progress ? { progress: { ...o.progress, firstMs: 0, everyMs: 0 } } : {}) }),
      });
      const partials: { files: number; bytes: number; largestEntries: { path: string }[] }[] = [];
      const r = await inspectContext(
        { fs, targets: undefined, now: () => Date.now(), progress: (p) => partials.push(p) },
        { contextDir: big },
      );
      expect(r.files).toBe(1000);
      expect(partials.length).toBeGreaterThan(5);
      for (let i = 1; i < partials.length; i++) {
        expect(partials[i]?.files).toBeGreaterThanOrEqual(partials[i - 1]?.files ?? 0);
        expect(partials[i]?.bytes).toBeGreaterThanOrEqual(partials[i - 1]?.bytes ?? 0);
      }
      const last = partials.at(-1);
      expect(last?.files).toBeLessThanOrEqual(r.files);
      expect(last?.largestEntries.length).toBeLessThanOrEqual(5);
      // The final answer's largest folder is the one with the largest files.
      expect(r.largestEntries[0]).toEqual({ path: 'dir19', bytes: 50 * 191, files: 50 });
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });

  it('refuses a missing folder or Dockerfile with the field at fault', async () => {
    await expect(inspectContext(deps, { contextDir: join(dir, 'nope') })).rejects.toMatchObject({
      appError: { code: 'INVALID_INPUT', details: { field: 'contextDir' } },
    });
    await expect(inspectContext(deps, { contextDir: dir, dockerfile: 'Missing' })).rejects.toMatchObject({
      appError: { details: { field: 'dockerfile' } },
    });
  });

  it('reads FROM ... AS stages with flags and line continuations', () => {
    expect(
      stagesFromDockerfile(
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS \\\n  builder\nfrom scratch as final\nFROM x\n',
      ),
    ).toEqual([
      { name: 'builder', base: 'golang:1.22' },
      { name: 'final', base: 'scratch' },
    ]);
  });
});
