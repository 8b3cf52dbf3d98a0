import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);

/**
 * The data folder holds history (commands, logs) and settings: only its owner may read it, whichever
 * of the desktop app, the CLI or serve creates it, and whatever the umask (umask 0 here: the loosest).
 */
describe('data folder and database files are private from the first start', () => {
  let sandbox: BuildxSandbox;
  let root: string;
  /** Runs a TypeScript entry with umask 0 (what a careless shell profile or service manager may set). */
  let wrapper: string;
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  beforeAll(() => {
    sandbox = buildxSandbox();
    root = mkdtempSync(join(tmpdir(), 'bd-modes-'));
    wrapper = join(root, 'umask0.mjs');
    writeFileSync(wrapper, `process.umask(0);\nconst entry = process.argv.splice(2, 1)[0];\nawait import(entry);\n`);
  });
  afterAll(async () => {
    await sandbox.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('the CLI creates the folder 0700 and builddeck.db 0600', async () => {
    const dataDir = join(root, 'cli', 'BuildDeck');
    await exec(
      process.execPath,
      // A verb that touches the database (it opens on first use, so `engine info` never creates it).
      ['--import', 'tsx', wrapper, resolve('electron/cli/index.ts'), 'history', 'ls', '--json'],
      { env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir } },
    ).catch((err: unknown) => err);
    expect(mode(dataDir)).toBe('700');
    expect(mode(join(dataDir, 'builddeck.db'))).toBe('600');
    for (const extra of ['builddeck.db-wal', 'builddeck.db-shm'])
      if (existsSync(join(dataDir, extra))) expect(mode(join(dataDir, extra)), extra).toBe('600');
  });

  it('serve creates them the same way, -wal and -shm included while it runs', async () => {
    const dataDir = join(root, 'serve', 'BuildDeck');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', wrapper, resolve('electron/serve/index.ts'), '--port', '0'],
      { env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const openUrl = await new Promise<string>((ready, fail) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /serving on (\S+)/.exec(out);
          if (m?.[1]) ready(m[1]);
        });
        child.on('exit', (code) => fail(new Error(`serve exited ${String(code)}`)));
      });
      // The database opens on the first command that needs it: ask for the build history as a page would.
      const url = new URL(openUrl);
      const res = await fetch(new URL('/api/invoke', url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-BuildDeck-Token': url.searchParams.get('token') ?? '' },
        body: JSON.stringify({ command: 'history.list', input: {} }),
      });
      expect(res.status).toBe(200);
      expect(mode(dataDir)).toBe('700');
      for (const file of ['builddeck.db', 'builddeck.db-wal', 'builddeck.db-shm'])
        expect(mode(join(dataDir, file)), file).toBe('600');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
