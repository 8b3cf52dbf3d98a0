import { buildCreateCommand, formatCreateCommand } from '../../common/builders/create-args';
import type { BuilderCreateInput } from '../../common/builders/create-input';
import { MAX_TOML_BYTES } from '../../common/builders/create-input';
import { formatTomlError, parseToml } from '../../common/builders/toml';
import type { CreatePlan, CreateResult } from '../../common/contracts/builders';
import { AppException, appError } from '../../common/errors';
import type { CreatePreparation } from './drivers/driver';
import type { BuilderDrivers } from './drivers/registry';
import type { HostFilesPort, KubeTarget, StoredBuilderDetails } from './ports';
import {
  BuilderActivity,
  codeOf,
  type ActivityPorts,
  type ReadPorts,
  formatSeconds,
  mustRead,
  readBuilder,
  withDetails,
  type Operation,
} from './support';

export interface BuilderCreationPorts extends ActivityPorts, ReadPorts {
  files: HostFilesPort;
  drivers: BuilderDrivers;
}

export interface BuilderCreationOptions {
  /** Default bound for one builder's answer. A getter: settings may change it. */
  healthTimeoutMs: () => number;
  /** Default bound for the create with its bootstrap (pulling an image can take a while). */
  actionTimeoutMs: number;
  certificateWarningDays: number;
}

/**
 * `builders.create` and its dry run `builders.plan`: checks before buildx runs, the create with
 * progress, and a rollback of whatever a failed create registered.
 */
export class BuilderCreation {
  private readonly activity: BuilderActivity;

  constructor(
    private readonly ports: BuilderCreationPorts,
    private readonly options: BuilderCreationOptions,
  ) {
    this.activity = new BuilderActivity(ports);
  }

  async create(input: BuilderCreateInput): Promise<CreateResult> {
    const op: Operation = { operationId: input.operationId, builder: input.name, action: 'create' };
    const driver = this.ports.drivers.of(input.driver);
    const started = this.activity.now();
    const budget = input.timeoutMs ?? this.options.actionTimeoutMs;
    const remaining = () => Math.max(1000, budget - (this.activity.now() - started));
    const quick = { timeoutMs: Math.min(this.options.healthTimeoutMs() * 2, budget) };
    const { before, warnings } = await this.checkCreate(input, quick);
    await driver.beforeCreate?.(input, this.options.healthTimeoutMs());

    const temporary: string[] = [];
    let prepared: CreatePreparation = { resolution: {} };
    try {
      if (driver.prepareCreate) prepared = await driver.prepareCreate(input, before, quick);
      const { resolution, kube, ownFile } = prepared;
      if ('buildkitdConfigToml' in input && input.buildkitdConfigToml !== undefined) {
        // buildx copies the file's content into its store at create time; the copy can go afterwards.
        const path = await this.ports.files.tempPath('buildkitd.toml');
        await this.ports.files.writePrivate(path, input.buildkitdConfigToml);
        temporary.push(path);
        resolution.buildkitdConfigPath = path;
      }
      const command = buildCreateCommand(input, resolution);
      const display = formatCreateCommand(input, resolution);
      return await this.activity.act(
        op,
        display,
        async () => {
          try {
            await this.ports.ops.create(command, {
              timeoutMs: remaining(),
              onLine: (line) => this.activity.progress(op, 'progress', line),
              ...(kube ? { kube } : {}),
            });
          } catch (err) {
            const rollback = await this.rollback(input, before, err);
            if (ownFile && !rollback.left) await this.ports.files.remove(ownFile).catch(() => undefined);
            if (rollback.message) this.activity.progress(op, 'progress', rollback.message);
            throw withDetails(this.timeoutExplained(err, input, budget, kube), {
              rolledBack: rollback.message ?? 'nothing was registered',
            });
          }
          const builder = await readBuilder(this.ports, input.name, remaining());
          return {
            builder,
            args: command.args,
            command: display,
            bootstrapped: input.bootstrap ?? false,
            warnings,
          } satisfies CreateResult;
        },
        (result) =>
          `${input.append ? `Added a node to ${input.name}` : `Created ${input.name}`}${result.bootstrapped ? ' and started it' : ''}.`,
      );
    } finally {
      for (const path of temporary) await this.ports.files.remove(path).catch(() => undefined);
    }
  }

  /** The create's checks and its `docker buildx create` command, without running it. */
  async plan(input: BuilderCreateInput): Promise<CreatePlan> {
    const { warnings } = await this.checkCreate(input, { timeoutMs: this.options.healthTimeoutMs() * 2 });
    const command = buildCreateCommand(input);
    return { args: command.args, command: formatCreateCommand(input), warnings };
  }

  /**
   * What `builders.create` refuses before buildx runs (name taken, append target, files), and nothing
   * else: the dry run (`builders.plan`) and the real create share it, so a plan that passes is one the
   * create would accept.
   */
  private async checkCreate(
    input: BuilderCreateInput,
    quick: { timeoutMs: number },
  ): Promise<{ before: StoredBuilderDetails | undefined; warnings: string[] }> {
    const warnings: string[] = [];
    const [stored, contexts] = await Promise.all([
      this.ports.ops.storedAll(),
      this.ports.buildx.contexts(quick).catch(() => [] as string[]),
    ]);
    const before = stored.find((b) => b.name === input.name);
    checkTarget(input, before, contexts);
    await this.ports.drivers.of(input.driver).checkCreateFiles?.(input, warnings, this.options.certificateWarningDays);
    await this.checkBuildkitdConfig(input);
    return { before, warnings };
  }

  /** A buildkitd.toml the user named must be one buildkitd would start with. */
  private async checkBuildkitdConfig(input: BuilderCreateInput): Promise<void> {
    if (!('buildkitdConfigPath' in input) || input.buildkitdConfigPath === undefined) return;
    const path = input.buildkitdConfigPath;
    const check = await mustRead(this.ports.files, 'buildkitdConfigPath', path);
    if (check.size > MAX_TOML_BYTES) {
      throw appError('INVALID_INPUT', `${path} is larger than 64 KiB; that is not a buildkitd.toml.`, {
        details: { field: 'buildkitdConfigPath' },
      });
    }
    const parsed = parseToml(await this.ports.files.readText(path, MAX_TOML_BYTES));
    if (!parsed.ok) {
      throw appError('INVALID_INPUT', `${path} is not valid TOML: ${formatTomlError(parsed.error)}.`, {
        hint: 'Fix the file; buildkitd would refuse to start with it.',
        details: { field: 'buildkitdConfigPath', line: parsed.error.line, column: parsed.error.column },
      });
    }
  }

  /** Undoes what a failed create registered: the whole builder, or the node it appended. */
  private async rollback(
    input: BuilderCreateInput,
    before: StoredBuilderDetails | undefined,
    cause: unknown,
  ): Promise<{ message?: string; left: boolean }> {
    const ops = this.ports.ops;
    const bound = { timeoutMs: 30_000 };
    const after = await ops.stored(input.name).catch(() => undefined);
    if (!after) return { left: false };
    const daemonGone = this.ports.drivers.of(input.driver).daemonGoneAfter?.(cause) ?? false;
    if (!before) {
      if (!daemonGone)
        await ops.remove(input.name, { keepState: false, keepDaemon: false }, bound).catch(() => undefined);
      // A daemon that cannot be deleted (a cluster that is gone) must not keep the record alive.
      if (await ops.stored(input.name).catch(() => undefined)) {
        await ops.remove(input.name, { keepState: false, keepDaemon: true }, bound).catch(() => undefined);
      }
      const left = (await ops.stored(input.name).catch(() => undefined)) !== undefined;
      return {
        left,
        message: left
          ? `Could not remove the half-made builder "${input.name}"; remove it by hand.`
          : `Removed the half-made builder "${input.name}".`,
      };
    }
    const added = after.nodes.filter((n) => !before.nodes.some((b) => b.name === n.name));
    for (const node of added) await ops.leave(input.name, node.name, bound).catch(() => undefined);
    const still =
      (await ops.stored(input.name).catch(() => undefined))?.nodes.filter((n) =>
        added.some((a) => a.name === n.name),
      ) ?? [];
    if (added.length === 0) return { left: false };
    return {
      left: still.length > 0,
      message:
        still.length > 0
          ? `Could not remove the half-added node ${still.map((n) => n.name).join(', ')}.`
          : `Removed the half-added node ${added.map((n) => n.name).join(', ')}.`,
    };
  }

  /** A killed create says which part did not finish, and which field to look at. */
  private timeoutExplained(
    err: unknown,
    input: BuilderCreateInput,
    budget: number,
    kube: KubeTarget | undefined,
  ): unknown {
    if (codeOf(err) !== 'TIMEOUT' || !(err instanceof AppException)) return err;
    const { field, waitingFor } = this.ports.drivers.of(input.driver).createStall?.(input, kube) ?? {
      field: 'name',
      waitingFor: 'the builder did not start',
    };
    return new AppException({
      code: 'TIMEOUT',
      message: `Creating "${input.name}" did not finish within ${formatSeconds(budget)}: ${input.bootstrap ? waitingFor : 'buildx did not answer'}.`,
      hint: input.bootstrap
        ? 'Check the target, or create the builder without starting it and bootstrap it later.'
        : 'Try again; check that Docker answers (`docker info`).',
      details: { ...(err.appError.details ?? {}), field, ...(kube ? { kubeContext: kube.context } : {}) },
    });
  }
}

/** Name clashes and append targets, checked against buildx's own store before buildx runs. */
function checkTarget(input: BuilderCreateInput, before: StoredBuilderDetails | undefined, contexts: string[]): void {
  if (!input.append) {
    if (before) {
      throw appError('INVALID_INPUT', `A builder named "${input.name}" already exists.`, {
        hint: 'Choose another name, or turn on "append node" to add a node to it.',
        details: { field: 'name' },
      });
    }
    if (contexts.includes(input.name)) {
      throw appError(
        'INVALID_INPUT',
        `"${input.name}" is the name of a Docker context, whose builder already exists.`,
        {
          hint: 'Choose another name.',
          details: { field: 'name' },
        },
      );
    }
    return;
  }
  if (!before) {
    throw appError('BUILDER_NOT_FOUND', `No builder named "${input.name}" to append a node to.`, {
      hint: 'Create the builder first, or turn off "append node".',
      details: { field: 'name' },
    });
  }
  if (before.driver !== input.driver) {
    throw appError(
      'INVALID_INPUT',
      `"${input.name}" uses the ${before.driver} driver; every node of a builder uses the same driver.`,
      {
        hint: `Pick the ${before.driver} driver for the new node.`,
        details: { field: 'driver' },
      },
    );
  }
  if (input.node !== undefined && before.nodes.some((n) => n.name === input.node)) {
    throw appError('INVALID_INPUT', `"${input.name}" already has a node named "${input.node}".`, {
      hint: 'Choose another node name.',
      details: { field: 'node' },
    });
  }
}
