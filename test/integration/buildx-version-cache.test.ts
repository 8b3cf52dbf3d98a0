import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/composition/create-core';
import { OLD_BUILDX } from '../helpers/buildx-sandbox';

/**
 * `docker buildx version` is remembered in the data folder, keyed by the files that decide it. These
 * run the real docker CLI; the plugin is a FAKE (named) shell script where a test must count how often
 * docker ran it or give it a version no real buildx here has, and the real buildx 0.13.1 elsewhere.
 */
describe('buildx version detection is cached across processes, never stale', () => {
  let dir: string;
  let plugins: string;
  let counter: string;
  let env: NodeJS.ProcessEnv;

  /** FAKE plugin: answers docker's handshake, prints `version`, and counts the `version` calls. */
  function fakePlugin(version: string): void {
    const file = join(plugins, 'docker-buildx');
    if (existsSync(file)) unlinkSync(file);
    writeFileSync(
      file,
      [
        '#!/bin/sh',
        `if [ "$1" = docker-cli-plugin-metadata ]; then echo '{"SchemaVersion":"0.1.0","Vendor":"fake","Version":"${version}"}'; exit 0; fi`,
        `echo run >> '${counter}'`,
        `echo "github.com/docker/buildx ${version} fake"`,
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  const runs = () => (existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0);

  async function detect(): Promise<unknown> {
    const core = createCore({ dataDir: join(dir, 'data'), env });
    try {
      const r = await core.router.invoke('buildx.info', {});
      return r.ok ? (r.value as { version: string }).version : r.error.code;
    } finally {
      await core.dispose();
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bd-bxver-'));
    plugins = join(dir, 'plugins');
    counter = join(dir, 'runs');
    mkdirSync(plugins);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: [plugins] }));
    env = { ...process.env, DOCKER_CONFIG: dir, BUILDX_CONFIG: join(dir, 'buildx') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a second process with the same data folder does not run `docker buildx version` again', async () => {
    fakePlugin('v0.21.0');
    expect(await detect()).toBe('0.21.0');
    expect(runs()).toBe(1);
    expect(await detect()).toBe('0.21.0');
    expect(await detect()).toBe('0.21.0');
    expect(runs()).toBe(1);
  });

  it('a replaced plugin (new file, new mtime) is asked again and its new version shown', async () => {
    fakePlugin('v0.21.0');
    expect(await detect()).toBe('0.21.0');
    fakePlugin('v0.25.3');
    expect(await detect()).toBe('0.25.3');
    expect(runs()).toBe(2);
    // A version too old is detected the same way, and not hidden by the earlier good answer.
    fakePlugin('v0.12.1');
    expect(await detect()).toBe('BUILDX_MISSING');
  });

  it('a plugin path that now points at another buildx (symlink) is re-detected: the real 0.13.1', async () => {
    fakePlugin('v0.21.0');
    expect(await detect()).toBe('0.21.0');
    unlinkSync(join(plugins, 'docker-buildx'));
    symlinkSync(OLD_BUILDX, join(plugins, 'docker-buildx'));
    expect(await detect()).toBe('0.13.1');
  });
});
