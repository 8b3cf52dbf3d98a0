import { describe, expect, it } from 'vitest';
import { BuilderDrivers } from '../../electron/core/builders/drivers/registry';
import { userConfigFiles } from '../../electron/core/builders/inspect';
import { BuilderLifecycle } from '../../electron/core/builders/lifecycle';
import type { BuilderOpsPort, StoredBuilderDetails } from '../../electron/core/builders/ports';
import { EventBus } from '../../electron/core/events';

describe('builder files shown to people', () => {
  it('keeps buildkitd.toml only and redacts a PEM private key wherever it appears', () => {
    const key = [
      '-----BEGIN EC PRIVATE KEY-----',
      'MHcCAQEEIBdGVzdGtleW1hdGVyaWFs',
      '-----END EC PRIVATE KEY-----',
    ].join('\n');
    const shown = userConfigFiles([
      { name: 'buildkitd.toml', content: `debug = true\n# pasted by mistake:\n# ${key}\n` },
      { name: 'certs/reg.example/key.pem', content: key },
      { name: 'certs/reg.example/cert.pem', content: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
    ]);
    expect(shown.map((f) => f.name)).toEqual(['buildkitd.toml']);
    expect(shown[0]?.content).toContain('debug = true');
    expect(shown[0]?.content).toContain('[EC PRIVATE KEY redacted by BuildDeck]');
    expect(JSON.stringify(shown)).not.toContain('MHcCAQEEIBdGVzdGtleW1hdGVyaWFs');
    // A key cut off before its END line is redacted to the end, not shown.
    expect(userConfigFiles([{ name: 'buildkitd.toml', content: '-----BEGIN PRIVATE KEY-----\nsecretbits' }])).toEqual([
      { name: 'buildkitd.toml', content: '[PRIVATE KEY redacted by BuildDeck]' },
    ]);
  });
});

/**
 * FAKE (named): a kubernetes builder needs a cluster, which this machine has not; the fake store
 * lists one whose nodes point at kubeconfigs, and the removal logic under test is real.
 */
describe('removing a builder deletes only the kubeconfigs BuildDeck derived in its own data folder', () => {
  it('compares paths, not prefixes: a sibling folder that starts with the same name is not ours', async () => {
    const dataDir = '/home/u/.config/BuildDeck';
    const node = (name: string, kubeconfig: string) => ({
      name,
      endpoint: `kubernetes:///k?deployment=d&kubeconfig=${encodeURIComponent(kubeconfig)}`,
      pinnedPlatforms: [],
      driverOpts: {},
      flags: [],
      files: [],
    });
    let stored: StoredBuilderDetails | undefined = {
      name: 'k',
      driver: 'kubernetes',
      nodes: [
        node('k0', `${dataDir}/kubeconfig-k-k0.yaml`),
        node('k1', `${dataDir}-evil/kubeconfig-k-k1.yaml`),
        node('k2', `${dataDir}/../BuildDeck2/kubeconfig.yaml`),
        node('k3', '/home/u/.kube/config'),
      ],
    };
    const removed: string[] = [];
    const ops = {
      stored: () => Promise.resolve(stored),
      remove: () => {
        stored = undefined;
        return Promise.resolve();
      },
      dataDir: () => dataDir,
    } as unknown as BuilderOpsPort;
    const files = {
      remove: (path: string) => {
        removed.push(path);
        return Promise.resolve();
      },
    } as never;
    const operations = new BuilderLifecycle(
      {
        buildx: { contexts: () => Promise.resolve([]) } as never,
        ops,
        drivers: new BuilderDrivers({
          ops,
          containers: {} as never,
          files,
          kube: {} as never,
          probe: {} as never,
          clock: { now: () => 0 },
        }),
        events: new EventBus(),
        clock: { now: () => 0 },
        list: { invalidate: () => undefined },
      },
      { healthTimeoutMs: () => 1000, actionTimeoutMs: 10_000 },
    );
    await operations.remove('k', false, false, undefined);
    expect(removed).toEqual([`${dataDir}/kubeconfig-k-k0.yaml`]);
  });
});
