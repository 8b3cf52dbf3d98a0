import type { BuilderDriver, DriverPorts } from './driver';
import { dockerDriver } from './docker';
import { dockerContainerDriver } from './docker-container';
import { kubernetesDriver } from './kubernetes';
import { remoteDriver } from './remote';

/**
 * The one place a builder's driver name becomes its behaviour. A driver this version does not know
 * gets an object without hooks: buildx alone handles it, as it did before BuildDeck knew any.
 */
export class BuilderDrivers {
  private readonly byName: ReadonlyMap<string, BuilderDriver>;

  constructor(ports: DriverPorts) {
    const drivers = [dockerDriver, dockerContainerDriver(ports), kubernetesDriver(ports), remoteDriver(ports)];
    this.byName = new Map(drivers.map((d) => [d.name, d]));
  }

  of(name: string): BuilderDriver {
    return this.byName.get(name) ?? { name };
  }
}
