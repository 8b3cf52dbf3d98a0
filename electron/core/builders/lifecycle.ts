import type { Builder } from '../../common/domain';
import { appError } from '../../common/errors';
import type { BuilderDrivers } from './drivers/registry';
import {
  BuilderActivity,
  messageOf,
  type ActivityPorts,
  type ReadPorts,
  readBuilder,
  withCurrent,
  type Operation,
} from './support';

export interface BuilderLifecyclePorts extends ActivityPorts, ReadPorts {
  drivers: BuilderDrivers;
}

export interface BuilderLifecycleOptions {
  /** Bound for one builder's answer. A getter: settings may change it. */
  healthTimeoutMs: () => number;
  /** Bound for bootstrap, stop, remove and leave (starting may pull an image). */
  actionTimeoutMs: number;
}

/** Start, stop, use, remove and leave: one action each, with progress and a change notice. */
export class BuilderLifecycle {
  private readonly activity: BuilderActivity;

  constructor(
    private readonly ports: BuilderLifecyclePorts,
    private readonly options: BuilderLifecycleOptions,
  ) {
    this.activity = new BuilderActivity(ports);
  }

  async bootstrap(name: string, timeoutMs: number | undefined, operationId: string | undefined): Promise<Builder> {
    const op: Operation = { operationId, builder: name, action: 'bootstrap' };
    const stored = await this.ports.ops.stored(name).catch(() => undefined);
    const driver = stored ? this.ports.drivers.of(stored.driver) : undefined;
    const kube =
      stored && driver?.kubeTarget
        ? await driver.kubeTarget(stored, { timeoutMs: this.options.healthTimeoutMs() })
        : undefined;
    return this.activity.act(
      op,
      `Starting ${name}…`,
      async () => {
        if (stored) await driver?.beforeBootstrap?.(stored, this.options.healthTimeoutMs());
        const report = await this.ports.ops.inspect(name, {
          bootstrap: true,
          timeoutMs: timeoutMs ?? this.options.actionTimeoutMs,
          onLine: (line) => this.activity.progress(op, 'progress', line),
          ...(kube ? { kube } : {}),
        });
        return withCurrent(this.ports.buildx, report.builder);
      },
      (b) =>
        `${name} is ${b.nodes.every((n) => n.status === 'running') ? 'running' : (b.nodes[0]?.status ?? 'ready')}.`,
    );
  }

  async stop(name: string, operationId: string | undefined): Promise<Builder> {
    const op: Operation = { operationId, builder: name, action: 'stop' };
    await this.refuseContextBuilder(name, 'stopped', 'stop');
    return this.activity.act(
      op,
      `Stopping ${name}…`,
      async () => {
        await this.ports.ops.stop(name, { timeoutMs: this.options.actionTimeoutMs });
        return readBuilder(this.ports, name, this.options.healthTimeoutMs());
      },
      () => `${name} is stopped; its state is kept.`,
    );
  }

  async use(name: string, operationId: string | undefined): Promise<{ current: string }> {
    const op: Operation = { operationId, builder: name, action: 'use' };
    return this.activity.act(
      op,
      `Making ${name} the current builder…`,
      async () => {
        await this.ports.ops.use(name, { timeoutMs: this.options.healthTimeoutMs() * 2 });
        return { current: name };
      },
      () => `${name} is now the current builder.`,
    );
  }

  async remove(
    name: string,
    keepState: boolean,
    keepDaemon: boolean,
    operationId: string | undefined,
  ): Promise<{ removed: string; keptState: boolean; warnings: string[] }> {
    const op: Operation = { operationId, builder: name, action: 'remove' };
    await this.refuseContextBuilder(name, 'removed', 'remove');
    const stored = await this.ports.ops.stored(name);
    if (!stored) {
      throw appError('BUILDER_NOT_FOUND', `No builder named "${name}".`, {
        hint: 'Refresh the builder list; it may have been removed outside BuildDeck.',
        details: { field: 'name' },
      });
    }
    return this.activity.act(
      op,
      `Removing ${name}${keepState ? ' (keeping its state)' : ''}…`,
      async () => {
        const warnings: string[] = [];
        try {
          await this.ports.ops.remove(name, { keepState, keepDaemon }, { timeoutMs: this.options.actionTimeoutMs });
        } catch (err) {
          // buildx drops its record even when the daemon could not be deleted (a cluster that is gone).
          if (await this.ports.ops.stored(name)) throw err;
          warnings.push(`${name} was removed from buildx, but its daemon could not be cleaned up: ${messageOf(err)}`);
        }
        await this.ports.drivers.of(stored.driver).afterRemove?.(stored, { keepState, keepDaemon }, warnings);
        return { removed: name, keptState: keepState, warnings };
      },
      () => `Removed ${name}.`,
    );
  }

  async leave(name: string, node: string, operationId: string | undefined): Promise<Builder> {
    const op: Operation = { operationId, builder: name, action: 'leave' };
    const stored = await this.ports.ops.stored(name);
    return this.activity.act(
      op,
      `Removing node ${node} from ${name}…`,
      async () => {
        await this.ports.ops.leave(name, node, { timeoutMs: this.options.actionTimeoutMs });
        if (stored)
          await this.ports.drivers.of(stored.driver).afterLeave?.(stored.nodes.filter((n) => n.name === node));
        return readBuilder(this.ports, name, this.options.healthTimeoutMs());
      },
      () => `Node ${node} left ${name}.`,
    );
  }

  /** A Docker context's builder lives and dies with the Engine: say so instead of letting buildx fail. */
  private async refuseContextBuilder(name: string, past: string, verb: string): Promise<void> {
    if (await this.ports.ops.stored(name)) return;
    const contexts = await this.ports.buildx
      .contexts({ timeoutMs: this.options.healthTimeoutMs() })
      .catch(() => [] as string[]);
    if (contexts.includes(name)) {
      throw appError('INVALID_INPUT', `"${name}" is the builder of a Docker context and cannot be ${past}.`, {
        hint:
          verb === 'remove'
            ? 'Remove the Docker context itself (`docker context rm`) if you mean to.'
            : 'It runs inside the Docker Engine; stop Docker to stop it.',
        details: { field: 'name' },
      });
    }
  }
}
