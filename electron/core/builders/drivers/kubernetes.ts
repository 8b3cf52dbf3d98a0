import { isAbsolute, join, relative, sep } from 'node:path';
import { codeOf } from '../support';
import type { StoredNodeDetails } from '../ports';
import type { BuilderDriver, DriverPorts } from './driver';

/** `kubernetes:///name?deployment=x&kubeconfig=%2Fpath` → its query values. */
export function kubeEndpointInfo(endpoint: string): { deployment?: string; kubeconfig?: string } {
  const query = endpoint.split('?', 2)[1] ?? '';
  const params = new URLSearchParams(query);
  const deployment = params.get('deployment') ?? undefined;
  const kubeconfig = params.get('kubeconfig') ?? undefined;
  return { ...(deployment ? { deployment } : {}), ...(kubeconfig ? { kubeconfig } : {}) };
}

/**
 * Whether `path` lies inside `dir`. A prefix test would also accept `<dir>-evil/x` and `<dir>/../x`;
 * `relative` resolves both first.
 */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * kubernetes: buildkitd runs as a deployment in a cluster buildx reaches through a kubeconfig.
 * buildx always takes the kubeconfig's current context, so a chosen context gets a one-context copy
 * in BuildDeck's data folder, which goes again with its node.
 */
export function kubernetesDriver(ports: Pick<DriverPorts, 'ops' | 'files' | 'kube'>): BuilderDriver {
  const removeDerivedKubeconfigs = async (nodes: StoredNodeDetails[]): Promise<void> => {
    const ours = ports.ops.dataDir();
    for (const node of nodes) {
      const path = kubeEndpointInfo(node.endpoint).kubeconfig;
      if (path !== undefined && isInside(ours, path)) await ports.files.remove(path).catch(() => undefined);
    }
  };

  return {
    name: 'kubernetes',

    async prepareCreate(input, before, call) {
      if (input.driver !== 'kubernetes') return { resolution: {} };
      const kube = await ports.kube.resolve(input.kubeconfig, input.kubeContext, call);
      if (input.kubeContext === undefined) return { resolution: { kubeconfigPath: kube.kubeconfig }, kube };
      const node = input.node ?? (input.append ? `node${String(before?.nodes.length ?? 0)}` : `${input.name}0`);
      const derived = join(ports.ops.dataDir(), `kubeconfig-${input.name}-${node}.yaml`);
      await ports.kube.derive(kube, derived, call);
      return { resolution: { kubeconfigPath: derived }, kube, ownFile: derived };
    },

    // A cluster that did not answer the create will not answer a delete either: only drop the record.
    daemonGoneAfter: (cause) => codeOf(cause) === 'TIMEOUT' || codeOf(cause) === 'BUILDER_UNREACHABLE',

    createStall: (_input, kube) => ({
      field: 'kubeContext',
      waitingFor: `the Kubernetes cluster of context "${kube?.context ?? '?'}"${kube?.server ? ` (${kube.server})` : ''} did not answer or its pods did not become ready`,
    }),

    kubeTarget(stored, call) {
      const kubeconfig = kubeEndpointInfo(stored.nodes[0]?.endpoint ?? '').kubeconfig;
      return ports.kube.resolve(kubeconfig, undefined, call).catch(() => undefined);
    },

    afterRemove: (stored) => removeDerivedKubeconfigs(stored.nodes),
    afterLeave: removeDerivedKubeconfigs,

    nodeDetails: (node) => Promise.resolve({ kube: { ...kubeEndpointInfo(node.endpoint) } }),
  };
}
