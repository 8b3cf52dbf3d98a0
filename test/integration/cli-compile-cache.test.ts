import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);

/**
 * bin/builddeck.js runs the CLI bundle from a V8 code cache per verb (docs/architecture.md,
 * "Start-up"). What a user would notice if it went wrong: a wrong or broken answer after an upgrade
 * or a damaged cache, or files written when they turned it off. No Docker needed: `--version` and
 * `--help` run the same loader.
 */
describe('the CLI code cache', () => {
  let cacheHome: string;
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    exec(process.execPath, ['bin/builddeck.js', ...args], {
      env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...extra },
      timeout: 30_000,
    });
  const files = () => (existsSync(join(cacheHome, 'builddeck')) ? readdirSync(join(cacheHome, 'builddeck')) : []);

  beforeAll(() => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    cacheHome = mkdtempSync(join(tmpdir(), 'bd-compile-cache-'));
  });
  afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));

  it('is written once per verb and read on the next run, with the same output', async () => {
    const first = await run(['--version']);
    expect(first.stdout.trim()).toBe(version);
    expect(files()).toHaveLength(1);
    expect(files()[0]).toMatch(/^cli-other-[0-9a-f]+-\d+-\d+-v\d+.*\.v8$/);
    const written = readFileSync(join(cacheHome, 'builddeck', files()[0] as string));
    const again = await run(['--version']);
    expect(again.stdout.trim()).toBe(version);
    // Accepted, so not rewritten.
    expect(readFileSync(join(cacheHome, 'builddeck', files()[0] as string)).equals(written)).toBe(true);
    const help = await run(['cache', '--help']);
    expect(help.stdout).toContain('builddeck cache du');
    expect(files().some((f) => f.startsWith('cli-cache-'))).toBe(true);
  });

  it('a damaged cache costs nothing but the compile: the output is right and the cache is replaced', async () => {
    const name = files().find((f) => f.startsWith('cli-other-')) as string;
    writeFileSync(join(cacheHome, 'builddeck', name), Buffer.alloc(4096, 7));
    const r = await run(['--version']);
    expect(r.stdout.trim()).toBe(version);
    expect(r.stderr).toBe('');
    expect(readFileSync(join(cacheHome, 'builddeck', name)).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('a rebuilt bundle gets a new cache and the old one is deleted', async () => {
    const before = files().filter((f) => f.startsWith('cli-other-'));
    expect(before).toHaveLength(1);
    // A rebuild changes the bundle's mtime (and usually its size): the name no longer matches.
    const later = new Date(Date.now() + 5_000);
    utimesSync('out/node/cli.cjs', later, later);
    try {
      expect((await run(['-v'])).stdout.trim()).toBe(version);
      const after = files().filter((f) => f.startsWith('cli-other-'));
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);
    } finally {
      const now = new Date();
      utimesSync('out/node/cli.cjs', now, now);
    }
  });

  it('a cache folder that cannot be made costs nothing but the compile', async () => {
    // XDG_CACHE_HOME names a file: the folder below it can never be created.
    const blocked = join(cacheHome, 'not-a-folder');
    writeFileSync(blocked, 'x');
    const r = await exec(process.execPath, ['bin/builddeck.js', 'cache', '--help'], {
      env: { ...process.env, XDG_CACHE_HOME: blocked },
      timeout: 30_000,
    });
    expect(r.stdout).toContain('builddeck cache du');
    expect(r.stderr).toBe('');
  });

  it('BUILDDECK_NO_COMPILE_CACHE=1 writes nothing', async () => {
    rmSync(join(cacheHome, 'builddeck'), { recursive: true, force: true });
    const r = await run(['--version'], { BUILDDECK_NO_COMPILE_CACHE: '1' });
    expect(r.stdout.trim()).toBe(version);
    expect(files()).toEqual([]);
  });
});
