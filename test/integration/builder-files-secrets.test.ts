import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuilderDetails } from '../../electron/common/contracts/builders';
import { createCore, type Core } from '../../electron/composition/create-core';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);

/**
 * buildx copies every file a buildkitd.toml references (registry CA, client certificate AND client
 * key) into its store for the builder. Inspecting the builder shows the config a person wrote; key
 * material stays where buildx keeps it.
 */
describe('builders inspect shows buildkitd.toml, never the registry client keys buildx stored beside it', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let dir: string;
  let name: string;
  let keyBody: string;

  beforeAll(async () => {
    sandbox = buildxSandbox();
    dir = mkdtempSync(join(tmpdir(), 'bd-keys-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    keyBody = keyPem.split('\n')[1] ?? '';
    writeFileSync(join(dir, 'client.key'), keyPem, { mode: 0o600 });
    // buildx copies the certificate without parsing it; a public key in PEM stands in for one.
    writeFileSync(join(dir, 'client.crt'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
    writeFileSync(
      join(dir, 'buildkitd.toml'),
      [
        'debug = true',
        '[registry."reg.bdtest.invalid"]',
        `  ca = ["${join(dir, 'client.crt')}"]`,
        '  [[registry."reg.bdtest.invalid".keypair]]',
        `    key = "${join(dir, 'client.key')}"`,
        `    cert = "${join(dir, 'client.crt')}"`,
        '',
      ].join('\n'),
    );
    name = sandbox.name('keys');
    await sandbox.docker([...containerBuilderArgs(name), '--buildkitd-config', join(dir, 'buildkitd.toml')]);
    core = createCore({ env: sandbox.env, dataDir: join(dir, 'data'), healthTimeoutMs: 5000, pollIntervalMs: 600_000 });
  });
  afterAll(async () => {
    await core?.dispose();
    await sandbox?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builders.inspect returns buildkitd.toml only, with no key material', async () => {
    const r = await core.router.call('builders.inspect', { name, logLines: 0 });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const details: BuilderDetails = r.value;
    const files = details.nodes.flatMap((n) => n.configFiles);
    expect(files.map((f) => f.name)).toEqual(['buildkitd.toml']);
    expect(files[0]?.content).toContain('reg.bdtest.invalid');
    const all = JSON.stringify(details);
    expect(all).not.toMatch(/PRIVATE KEY/);
    expect(all).not.toContain(keyBody);
  });

  it('the CLI prints the same (text and --json)', async () => {
    const env = { ...sandbox.env, BUILDDECK_DATA_DIR: join(dir, 'data') };
    for (const extra of [[], ['--json']]) {
      const { stdout } = await exec(
        process.execPath,
        ['--import', 'tsx', 'electron/cli/index.ts', 'builders', 'inspect', name, '--logs', '0', ...extra],
        { env, maxBuffer: 16 * 1024 * 1024 },
      );
      expect(stdout).toContain('buildkitd.toml');
      expect(stdout).not.toMatch(/PRIVATE KEY/);
      expect(stdout).not.toContain(keyBody);
    }
  });
});
