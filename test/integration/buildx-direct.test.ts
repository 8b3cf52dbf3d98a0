import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VIA_DOCKER_ENV } from '../../electron/adapters/buildx/exec';
import { createCore } from '../../electron/composition/create-core';

/**
 * buildx runs as the plugin the docker CLI would pick, without the docker CLI in between (one
 * process and the plugin-metadata handshake less per call), and through the docker CLI when asked.
 * The docker CLI is the real one; the plugin is a FAKE (named) that logs how it was started, since
 * the real buildx cannot tell us. That the real buildx works this way is what every other
 * integration test exercises.
 */
describe('buildx runs as the docker CLI would run it, without the docker CLI in between', () => {
  let dir: string;
  let log: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bd-bxdirect-'));
    const plugins = join(dir, 'plugins');
    log = join(dir, 'calls');
    mkdirSync(plugins);
    const plugin = join(plugins, 'docker-buildx');
    writeFileSync(
      plugin,
      [
        '#!/bin/sh',
        `echo "$* | started-by-docker=\${DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND:-no}" >> '${log}'`,
        `if [ "$1" = docker-cli-plugin-metadata ]; then echo '{"SchemaVersion":"0.1.0","Vendor":"fake","Version":"v0.29.1"}'; exit 0; fi`,
        'echo "github.com/docker/buildx v0.29.1 fake"',
      ].join('\n'),
    );
    chmodSync(plugin, 0o755);
    // The docker CLI's first plugin folder: cliPluginsExtraDirs in $DOCKER_CONFIG/config.json.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: [plugins] }));
    env = { ...process.env, DOCKER_CONFIG: dir, BUILDX_CONFIG: join(dir, 'buildx') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  async function version(extra: Record<string, string> = {}): Promise<unknown> {
    // No data folder: the version is not remembered, so each core asks buildx.
    const core = createCore({ env: { ...env, ...extra } });
    try {
      const r = await core.router.invoke('buildx.info', {});
      return r.ok ? (r.value as { version: string }).version : r.error.code;
    } finally {
      await core.dispose();
    }
  }

  it('runs the plugin from the docker CLI folders directly, in standalone mode', async () => {
    expect(await version()).toBe('0.29.1');
    // One process, `docker-buildx version`: no handshake, not marked as started by docker.
    expect(calls()).toEqual(['version | started-by-docker=no']);
  });

  it(`${VIA_DOCKER_ENV}=1 goes through the docker CLI, as \`docker buildx\` would`, async () => {
    expect(await version({ [VIA_DOCKER_ENV]: '1' })).toBe('0.29.1');
    const seen = calls();
    expect(seen[0]).toMatch(/^docker-cli-plugin-metadata \| /);
    expect(seen.at(-1)).toMatch(/^buildx version \| started-by-docker=(?!no)/);
  });
});
