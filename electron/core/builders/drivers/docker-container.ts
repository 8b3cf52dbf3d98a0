import { buildkitContainerOf } from '../../../common/builders/buildx-store';
import type { BuilderDriver, DriverPorts } from './driver';
import { messageOf } from '../support';

/** buildx names a docker-container node's container (and its state volume) after the node. */
export const containerOfNode = buildkitContainerOf;

/**
 * docker-container: buildkitd runs in a container of the local Engine, which BuildDeck can inspect,
 * measure and, when `buildx rm` leaves it behind, remove.
 */
export function dockerContainerDriver(ports: Pick<DriverPorts, 'containers'>): BuilderDriver {
  return {
    name: 'docker-container',

    createStall: () => ({ field: 'image', waitingFor: 'the BuildKit container did not start' }),

    async afterRemove(stored, { keepState, keepDaemon }, warnings) {
      if (keepDaemon) return;
      // buildx drops its record even when it could not reach a node's driver; finish the job.
      for (const node of stored.nodes) {
        const container = containerOfNode(node.name);
        const cleaned = await ports.containers
          .removeLeftover(container, keepState ? undefined : `${container}_state`, { timeoutMs: 30_000 })
          .catch((err: unknown) => {
            warnings.push(`${container} was left behind and could not be removed: ${messageOf(err)}`);
            return false;
          });
        if (cleaned) warnings.push(`buildx left ${container} behind; BuildDeck removed it.`);
      }
    },

    containerOf: containerOfNode,

    async nodeDetails(node, _driverOpts, { timeoutMs, logLines }) {
      try {
        const container = await ports.containers.inspect(containerOfNode(node.name), { timeoutMs, logLines });
        return container ? { container } : {};
      } catch (err) {
        return { containerError: messageOf(err) };
      }
    },
  };
}
