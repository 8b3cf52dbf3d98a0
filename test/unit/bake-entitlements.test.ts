import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrint } from '../../electron/adapters/buildx/bake';
import { NodeBuildFs } from '../../electron/adapters/fs/build-fs';
import { bakeRequest } from '../../electron/common/contracts/bake';
import { bakeArgv } from '../../electron/core/bake/command-line';
import { entitlementsRequired, missingEntitlements } from '../../electron/core/bake/entitlements';
import type { PrintedTarget } from '../../electron/core/bake/ports';

// `bake --print` of test/fixtures/bake/privileges.hcl as each buildx printed it, read against a real
// folder tree laid out as that definition expects (project `all`, its siblings, a link leading out).
const fixtures = join(import.meta.dirname, '../fixtures/bake');
const printed = (v: string) => parsePrint(readFileSync(join(fixtures, `privileges-${v}.print.json`), 'utf8'));
const fs = new NodeBuildFs(() => ({}));

let root: string;
let project: string;
const target = (t: Partial<PrintedTarget>): PrintedTarget => ({
  context: '.',
  dockerfileInline: false,
  platforms: [],
  tags: [],
  args: {},
  labels: {},
  cacheFrom: [],
  cacheTo: [],
  outputs: [],
  secrets: [],
  ssh: [],
  noCache: false,
  pull: false,
  attest: [],
  namedContexts: {},
  outputPaths: [],
  cacheFromPaths: [],
  cacheToPaths: [],
  secretFiles: [],
  sshKeyFiles: [],
  sshAgent: false,
  entitlements: [],
  ...t,
});
const missing = async (targets: PrintedTarget[], allow: string[] = []) =>
  (await missingEntitlements(fs, project, targets, allow)).map((m) => m.allow);

beforeAll(() => {
  // realpath: the temp folder may itself sit behind a link (macOS /var), as the resolved paths do.
  root = realpathSync(mkdtempSync(join(tmpdir(), 'bd-entitlements-')));
  project = join(root, 'all');
  for (const d of ['all', 'other', 'x', 'cache']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'secret.txt'), 's');
  writeFileSync(join(project, 'Dockerfile'), 'FROM scratch\n');
  symlinkSync('../other', join(project, 'link'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('what a bake asks of the machine (buildx bake --allow, checked by BuildDeck)', () => {
  for (const v of ['0.13.1', '0.29.1']) {
    it(`buildx ${v}: every path outside the project, by what it does with it, relative as buildx words it`, async () => {
      const t = printed(v).targets;
      const all = Object.values(t);
      const paths = (await missing(all)).filter((a) => a.startsWith('fs'));
      // Sorted by absolute path, as buildx sorts them before it words them.
      expect(paths).toEqual([
        'fs.read=/etc/hostname',
        'fs.read=../cache',
        'fs.read=../other',
        'fs.read=../secret.txt',
        'fs.read=../x',
        // ../cache2, ../o.tar and ../out do not exist yet: exactly those (buildx asks for `..`, all of it).
        'fs.write=../cache2',
        'fs.write=../o.tar',
        'fs.write=../out',
      ]);
      // The target built through `target:b` only reads the project: alone it asks for nothing.
      expect(await missing([t['b'] as PrintedTarget])).toEqual([]);
    });
  }

  it('names host network, insecure mode and the SSH agent first, as buildx orders them (0.29 prints entitlements)', async () => {
    const needs = await missing(Object.values(printed('0.29.1').targets));
    expect(needs.slice(0, 3)).toEqual(['network.host', 'security.insecure', 'ssh']);
    // 0.13 prints neither `network` nor `entitlements` (it has no such check): only the agent is seen.
    expect((await missing(Object.values(printed('0.13.1').targets))).filter((a) => !a.startsWith('fs'))).toEqual([
      'ssh',
    ]);
  });

  it('grants what --allow names: a parent folder covers what is below it, fs covers both ways, * any path', async () => {
    const t = Object.values(printed('0.29.1').targets);
    const granted = [
      'network.host',
      'security.insecure',
      'ssh',
      'fs.read=..',
      'fs.write=../out',
      'fs.write=../o.tar',
      'fs=../cache2',
    ];
    expect(await missing(t, granted)).toEqual(['fs.read=/etc/hostname']);
    expect(await missing(t, [...granted, 'fs.read=/etc'])).toEqual([]);
    expect(await missing(t, ['network.host', 'security.insecure', 'ssh', 'fs=*'])).toEqual([]);
    // Writing is not reading: fs.read=.. does not let it write ../out.
    expect(await missing(t, ['network.host', 'security.insecure', 'ssh', 'fs.read=*'])).toEqual([
      'fs.write=../cache2',
      'fs.write=../o.tar',
      'fs.write=../out',
    ]);
    // The parent covers what will be created in it.
    expect(await missing(t, ['network.host', 'security.insecure', 'ssh', 'fs.read=*', 'fs.write=..'])).toEqual([]);
  });

  it('follows a link out of the project; one path read and written is one fs= entry', async () => {
    expect(await missing([target({ context: 'link' })])).toEqual(['fs.read=../other']);
    expect(
      await missing([
        target({
          cacheFromPaths: [{ type: 'local', path: '../cache' }],
          cacheToPaths: [{ type: 'local', path: '../cache' }],
        }),
      ]),
    ).toEqual(['fs=../cache']);
    // Inside the project, a not-yet-existing output, a remote context and an image context ask nothing.
    expect(
      await missing([
        target({
          outputPaths: [{ type: 'local', path: 'out/new' }, { type: 'registry' }],
          namedContexts: { img: 'docker-image://x', git: 'https://github.com/a/b.git', sib: 'target:b' },
        }),
      ]),
    ).toEqual([]);
  });

  it('refuses with the flags that grant it, and the request takes them as bake --allow', () => {
    const e = entitlementsRequired([
      { allow: 'network.host', description: 'Running build containers that can access host network' },
      { allow: 'fs.read=../lib', description: 'Read access to path ../lib' },
    ]);
    expect(e.appError).toMatchObject({
      code: 'INVALID_INPUT',
      message:
        'The bake asks for privileges it was not given: running build containers that can access host network; read access to path ../lib.',
      details: { field: 'allow', entitlements: ['network.host', 'fs.read=../lib'] },
    });
    expect(e.appError.hint).toContain('--allow=network.host --allow=fs.read=../lib');
    const req = bakeRequest.parse({ projectDir: '/p', allow: ['fs.read=../lib', 'network.host'] });
    expect(bakeArgv(req)).toEqual(['docker', 'buildx', 'bake', '--allow=fs.read=../lib', '--allow=network.host']);
    expect(bakeArgv(req, { allowFlag: false })).toEqual(['docker', 'buildx', 'bake']);
    for (const bad of ['--privileged', 'fs.read', 'network.any', 'fs=a\nb'])
      expect(bakeRequest.safeParse({ projectDir: '/p', allow: [bad] }).success, bad).toBe(false);
  });

  it('is not fooled: a link then .., a cwd:// Dockerfile, commas in a value, a dangling link, an OCI layout', async () => {
    // `evil` -> ../other/sub: `evil/../x` is ../other/x for the kernel, not ./x as text would say.
    mkdirSync(join(root, 'other', 'sub'), { recursive: true });
    symlinkSync('../other/sub', join(project, 'evil'));
    expect(await missing([target({ outputPaths: [{ type: 'tar', path: 'evil/../pwn.tar' }] })])).toEqual([
      'fs.write=../other/pwn.tar',
    ]);
    expect(await missing([target({ secretFiles: ['evil/../key'] })])).toEqual(['fs.read=../other/key']);
    // cwd:// is read from the project folder, also beside a remote context.
    mkdirSync(join(project, 'a', 'b'), { recursive: true });
    expect(await missing([target({ context: 'a/b', dockerfile: 'cwd://../x/Dockerfile' })])).toEqual([
      'fs.read=../x/Dockerfile',
    ]);
    expect(
      await missing([target({ context: 'https://github.com/a/b.git', dockerfile: 'cwd://../x/Dockerfile' })]),
    ).toEqual(['fs.read=../x/Dockerfile']);
    // A dangling link: writing through it creates its target.
    symlinkSync('../x/made-by-bake', join(project, 'dangling'));
    expect(await missing([target({ outputPaths: [{ type: 'local', path: 'dangling' }] })])).toEqual([
      'fs.write=../x/made-by-bake',
    ]);
    expect(await missing([target({ namedContexts: { l: 'oci-layout://../x/layout:v1' } })])).toEqual([
      'fs.read=../x/layout',
    ]);
  });

  it('reads each printed shape field by field: commas inside a 0.29 value, quoted 0.13 fields, a bare output', () => {
    const t = parsePrint(
      JSON.stringify({
        target: {
          new: {
            context: '.',
            output: [
              { type: 'local', dest: 'sub,../../../etc/o' },
              { z: '1,dest=sub', type: 'tar', dest: '../t.tar' },
            ],
            secret: [{ id: 'k', src: 'x,../../key' }],
          },
          old: {
            context: '.',
            output: ['/home/u/out', 'type=tar,"dest=../a,b.tar"'],
            'cache-from': ['type=local,"src=../c,d"'],
          },
        },
      }),
    ).targets;
    expect(t['new']?.outputPaths).toEqual([
      { type: 'local', path: 'sub,../../../etc/o' },
      { type: 'tar', path: '../t.tar' },
    ]);
    expect(t['new']?.secretFiles).toEqual(['x,../../key']);
    expect(t['old']?.outputPaths).toEqual([
      { type: 'local', path: '/home/u/out' },
      { type: 'tar', path: '../a,b.tar' },
    ]);
    expect(t['old']?.cacheFromPaths).toEqual([{ type: 'local', path: '../c,d' }]);
  });
});
