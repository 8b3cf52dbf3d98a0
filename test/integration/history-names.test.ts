import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHistory } from '../../electron/adapters/buildkit/control';
import { NativeBuilderStatus } from '../../electron/adapters/buildx/builder-status';
import { BuildxCli } from '../../electron/adapters/buildx/cli';
import { BuildxHistory } from '../../electron/adapters/buildx/history';
import { parseHistoryLs } from '../../electron/adapters/buildx/history-parse';
import { buildName } from '../../electron/core/history/build-name';
import { pruneCacheByToken } from '../helpers/build-cache';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

/**
 * A build BuildKit pushes as started is named without `buildx history ls` (record-events.ts): the
 * name comes from the record's frontend attributes (read over gRPC) and buildx's local state. Here
 * every record of the default builder is named that way and compared with what the real
 * `docker buildx history ls` prints, after plain buildx builds of the shapes people run.
 */
describe('record names without history ls', () => {
  let sandbox: BuildxSandbox;
  let root: string;
  const token = `bdnames-${Math.random().toString(36).slice(2, 8)}`;
  const ids: string[] = [];

  beforeAll(() => {
    sandbox = buildxSandbox();
    root = mkdtempSync(join(tmpdir(), 'bd-names-'));
    const ctx = join(root, 'project');
    mkdirSync(join(ctx, 'deploy'), { recursive: true });
    mkdirSync(join(root, 'elsewhere'));
    const df = (n: string) =>
      `FROM local/busybox:latest AS one\nRUN echo "${token} ${n}"\nFROM one AS two\nRUN echo two\n`;
    writeFileSync(join(ctx, 'Dockerfile'), df('default'));
    writeFileSync(join(ctx, 'deploy', 'Dockerfile.release'), df('release'));
    writeFileSync(join(root, 'elsewhere', 'build.Dockerfile'), df('outside'));
  });
  afterAll(async () => {
    for (const id of ids)
      await sandbox.docker(['buildx', 'history', 'rm', '--builder', 'default', id]).catch(() => undefined);
    await sandbox.cleanup();
    await pruneCacheByToken(token);
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('names every record of the default builder as buildx history ls does', async () => {
    const ctx = join(root, 'project');
    const builds: string[][] = [
      [ctx],
      ['-f', join(ctx, 'deploy', 'Dockerfile.release'), ctx],
      ['--target', 'one', '-f', join(ctx, 'deploy', 'Dockerfile.release'), ctx],
      ['-f', join(root, 'elsewhere', 'build.Dockerfile'), ctx],
      ['--build-arg', 'BUILDKIT_BUILD_NAME=release candidate', ctx],
    ];
    for (const [i, args] of builds.entries()) {
      const meta = join(root, `meta-${i}.json`);
      await sandbox.docker([
        'buildx',
        'build',
        '--builder',
        'default',
        '--output',
        'type=cacheonly',
        '--metadata-file',
        meta,
        ...args,
      ]);
      const ref = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['buildx.build.ref'] ?? '';
      ids.push(ref.split('/').at(-1) ?? '');
    }

    const cli = new BuildxCli({ dockerPath: 'docker', env: sandbox.env });
    const { stdout } = await sandbox.docker([
      'buildx',
      'history',
      'ls',
      '--builder',
      'default',
      '--format',
      'json',
      '--no-trunc',
    ]);
    const listed = new Map(parseHistoryLs(stdout).map((r) => [r.id, r]));

    const conn = await new NativeBuilderStatus(cli, () => sandbox.env).connect('default', 'default', {
      timeoutMs: 10_000,
    });
    if (!conn) throw new Error('the default builder should be dialled natively');
    const records = await listHistory(conn, { timeoutMs: 10_000 }).finally(() => conn.close());
    const history = new BuildxHistory(cli);
    const named = new Map<string, string>();
    for (const rec of records) {
      const row = listed.get(rec.id);
      if (!row) continue; // removed between the two reads (another test's cleanup)
      const name = buildName(rec.nameAttrs, await history.localState('default', 'default', rec.id));
      if (name === undefined) continue; // a git source: left to history ls
      expect(name, `record ${rec.id}`).toBe(row.name);
      named.set(rec.id, name);
    }
    // This test's builds were among them, named as a person reading `history ls` expects.
    expect(ids.map((id) => named.get(id))).toEqual([
      'project',
      'project/deploy/Dockerfile.release',
      'project/deploy/Dockerfile.release (one)',
      'elsewhere/build.Dockerfile',
      'release candidate',
    ]);
  });
});
