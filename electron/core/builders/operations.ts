import { isAbsolute, join, relative, sep } from 'node:path';
import { buildCreateCommand, formatCreateCommand, type CreateResolution } from '../../common/builders/create-args';
import type { BuilderCreateInput } from '../../common/builders/create-input';
import { MAX_TOML_BYTES } from '../../common/builders/create-input';
import { formatTomlError, parseToml } from '../../common/builders/toml';
import type {
  BuilderAction,
  BuilderDetails,
  BuilderHealth,
  BuilderNodeDetails,
  CertificateInfo,
  ContainerStats,
  CreatePlan,
  CreateResult,
  FleetHealth,
  FleetWarning,
  HealthState,
  NodeHealth,
  NodeTls,
} from '../../common/contracts/builders';
import type { Builder, BuilderNode } from '../../common/domain';
import { AppException, appError, type AppError } from '../../common/errors';
import type { EventBus } from '../events';
import type { BuildxPort, Clock } from '../ports';
import type {
  BuilderOpsPort,
  BuildkitContainersPort,
  HostFilesPort,
  InspectReport,
  KubePort,
  KubeTarget,
  NetworkProbePort,
  StoredBuilderDetails,
  StoredNodeDetails,
} from './ports';
import type { BuildersService } from './service';

export interface BuilderOperationsOptions {
  /** Default bound for one builder's answer (health, inspect). A getter: settings may change it. */
  healthTimeoutMs: () => number;
  /** Default bound for create and bootstrap (pulling an image can take a while). */
  actionTimeoutMs: number;
  certificateWarningDays: number;
}

export interface BuilderOperationsDeps {
  buildx: BuildxPort;
  ops: BuilderOpsPort;
  containers: BuildkitContainersPort;
  files: HostFilesPort;
  kube: KubePort;
  probe: NetworkProbePort;
  events: EventBus;
  clock: Clock;
  list: BuildersService;
}

interface Operation {
  operationId?: string | undefined;
  builder: string;
  action: BuilderAction;
}

const DAY_MS = 86_400_000;
const SEVERITY: Record<HealthState, number> = { ok: 0, inactive: 1, stopped: 2, unreachable: 3, error: 4 };
/** The docker driver's embedded BuildKit reports no real version. */
const PLACEHOLDER_VERSION = /^v?0\.0\.0/;

/** buildx names a docker-container node's container (and its state volume) after the node. */
export const containerOfNode = (node: string) => `buildx_buildkit_${node}`;

function codeOf(err: unknown): AppError['code'] | undefined {
  return err instanceof AppException ? err.appError.code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Adds details to an AppException without losing its code, hint or field. */
function withDetails(err: unknown, extra: Record<string, unknown>): unknown {
  if (!(err instanceof AppException)) return err;
  return new AppException({ ...err.appError, details: { ...(err.appError.details ?? {}), ...extra } });
}

/** `kubernetes:///name?deployment=x&kubeconfig=%2Fpath` → its query values. */
export function kubeEndpointInfo(endpoint: string): { deployment?: string; kubeconfig?: string } {
  const query = endpoint.split('?', 2)[1] ?? '';
  const params = new URLSearchParams(query);
  const deployment = params.get('deployment') ?? undefined;
  const kubeconfig = params.get('kubeconfig') ?? undefined;
  return { ...(deployment ? { deployment } : {}), ...(kubeconfig ? { kubeconfig } : {}) };
}

/**
 * Create, inspect, operate and health-check builders. Every call is bounded; long actions report
 * progress as `builders.progressed` and changes as `builders.changed`.
 */
export class BuilderOperations {
  constructor(
    private readonly deps: BuilderOperationsDeps,
    private readonly options: BuilderOperationsOptions,
  ) {}

  private now(): number {
    return this.deps.clock.now();
  }

  private progress(op: Operation, phase: 'started' | 'progress' | 'succeeded' | 'failed', message: string): void {
    this.deps.events.emit('builders.progressed', {
      ...(op.operationId !== undefined ? { operationId: op.operationId } : {}),
      builder: op.builder,
      action: op.action,
      phase,
      message,
      at: new Date(this.now()).toISOString(),
    });
  }

  private changed(reason: string): void {
    this.deps.list.invalidate();
    this.deps.events.emit('builders.changed', { reason });
  }

  /** Wraps an action: started/succeeded/failed events around it, and a change notice either way. */
  private async act<T>(
    op: Operation,
    startMessage: string,
    body: () => Promise<T>,
    doneMessage: (value: T) => string,
  ): Promise<T> {
    this.progress(op, 'started', startMessage);
    try {
      const value = await body();
      this.progress(op, 'succeeded', doneMessage(value));
      return value;
    } catch (err) {
      this.progress(op, 'failed', messageOf(err));
      throw err;
    } finally {
      this.changed(`${op.action} ${op.builder}`);
    }
  }

  // -----------------------------------------------------------------------------------------------
  // create

  async create(input: BuilderCreateInput): Promise<CreateResult> {
    const op: Operation = { operationId: input.operationId, builder: input.name, action: 'create' };
    const started = this.now();
    const budget = input.timeoutMs ?? this.options.actionTimeoutMs;
    const remaining = () => Math.max(1000, budget - (this.now() - started));
    const quick = { timeoutMs: Math.min(this.options.healthTimeoutMs() * 2, budget) };
    const { before, warnings } = await this.checkCreate(input, quick);
    if (input.driver === 'remote' && input.bootstrap) {
      // buildx would wait 20 s for an endpoint where nothing listens; say so at once instead.
      const problem = await this.probeEndpoint(input.endpoint, this.options.healthTimeoutMs());
      if (problem && !problem.startsWith('no answer')) {
        throw appError('BUILDER_UNREACHABLE', `Cannot start the builder: ${problem}.`, {
          hint: 'Start buildkitd there (or correct the endpoint), or create the builder without starting it.',
          details: { field: 'endpoint' },
        });
      }
    }

    const resolution: CreateResolution = {};
    const temporary: string[] = [];
    let kube: KubeTarget | undefined;
    let derivedKubeconfig: string | undefined;
    try {
      if (input.driver === 'kubernetes') {
        kube = await this.deps.kube.resolve(input.kubeconfig, input.kubeContext, quick);
        if (input.kubeContext !== undefined) {
          // buildx always takes the kubeconfig's current context: hand it a one-context copy.
          const node = input.node ?? (input.append ? `node${String(before?.nodes.length ?? 0)}` : `${input.name}0`);
          derivedKubeconfig = join(this.deps.ops.dataDir(), `kubeconfig-${input.name}-${node}.yaml`);
          await this.deps.kube.derive(kube, derivedKubeconfig, quick);
          resolution.kubeconfigPath = derivedKubeconfig;
        } else {
          resolution.kubeconfigPath = kube.kubeconfig;
        }
      }
      if (input.driver !== 'remote' && input.buildkitdConfigToml !== undefined) {
        // buildx copies the file's content into its store at create time; the copy can go afterwards.
        const path = await this.deps.files.tempPath('buildkitd.toml');
        await this.deps.files.writePrivate(path, input.buildkitdConfigToml);
        temporary.push(path);
        resolution.buildkitdConfigPath = path;
      }
      const command = buildCreateCommand(input, resolution);
      const display = formatCreateCommand(input, resolution);
      return await this.act(
        op,
        display,
        async () => {
          try {
            await this.deps.ops.create(command, {
              timeoutMs: remaining(),
              onLine: (line) => this.progress(op, 'progress', line),
              ...(kube ? { kube } : {}),
            });
          } catch (err) {
            const rollback = await this.rollback(input, before, err);
            if (derivedKubeconfig && !rollback.left)
              await this.deps.files.remove(derivedKubeconfig).catch(() => undefined);
            if (rollback.message) this.progress(op, 'progress', rollback.message);
            throw withDetails(timeoutExplained(err, input, budget, kube), {
              rolledBack: rollback.message ?? 'nothing was registered',
            });
          }
          const builder = await this.readBuilder(input.name, remaining());
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
      for (const path of temporary) await this.deps.files.remove(path).catch(() => undefined);
    }
  }

  /** Name clashes and append targets, checked against buildx's own store before buildx runs. */
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
      this.deps.ops.storedAll(),
      this.deps.buildx.contexts(quick).catch(() => [] as string[]),
    ]);
    const before = stored.find((b) => b.name === input.name);
    this.checkTarget(input, before, contexts);
    await this.checkFiles(input, warnings);
    return { before, warnings };
  }

  /** The create's checks and its `docker buildx create` command, without running it. */
  async plan(input: BuilderCreateInput): Promise<CreatePlan> {
    const { warnings } = await this.checkCreate(input, { timeoutMs: this.options.healthTimeoutMs() * 2 });
    const command = buildCreateCommand(input);
    return { args: command.args, command: formatCreateCommand(input), warnings };
  }

  private checkTarget(input: BuilderCreateInput, before: StoredBuilderDetails | undefined, contexts: string[]): void {
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

  /** Files the user named must exist and be usable before buildx records their paths. */
  private async checkFiles(input: BuilderCreateInput, warnings: string[]): Promise<void> {
    const files = this.deps.files;
    const mustRead = async (field: string, path: string) => {
      const check = await files.check(path);
      if (!check.ok) {
        throw appError(
          'INVALID_INPUT',
          check.reason === 'missing' ? `File not found: ${path}` : `Cannot use ${path}: ${check.message}.`,
          {
            hint: check.reason === 'unreadable' ? 'Give this user read access to the file.' : 'Pick an existing file.',
            details: { field, path },
          },
        );
      }
      return check;
    };
    if (input.driver === 'remote') {
      for (const field of ['cacert', 'cert'] as const) {
        const path = input[field];
        if (path === undefined) continue;
        await mustRead(field, path);
        const cert = this.withDaysLeft(await files.readCertificate(path));
        if (cert.error) {
          throw appError('INVALID_INPUT', `${path} is not a usable certificate: ${cert.error}.`, {
            hint: 'Pick a PEM-encoded certificate file.',
            details: { field, path },
          });
        }
        if (cert.daysLeft !== undefined && cert.daysLeft < 0)
          warnings.push(
            `${field === 'cacert' ? 'The CA' : 'The client'} certificate ${path} expired on ${cert.validTo ?? '?'}.`,
          );
        else if (cert.daysLeft !== undefined && cert.daysLeft <= this.options.certificateWarningDays) {
          warnings.push(
            `${field === 'cacert' ? 'The CA' : 'The client'} certificate ${path} expires in ${cert.daysLeft} days.`,
          );
        }
      }
      if (input.key !== undefined) {
        const check = await mustRead('key', input.key);
        if (check.ok && (check.mode & 0o077) !== 0) {
          warnings.push(
            `The key ${input.key} can be read by other users (mode ${check.mode.toString(8)}); \`chmod 600\` it.`,
          );
        }
      }
      return;
    }
    if (input.buildkitdConfigPath !== undefined) {
      const check = await mustRead('buildkitdConfigPath', input.buildkitdConfigPath);
      if (check.ok && check.size > MAX_TOML_BYTES) {
        throw appError(
          'INVALID_INPUT',
          `${input.buildkitdConfigPath} is larger than 64 KiB; that is not a buildkitd.toml.`,
          {
            details: { field: 'buildkitdConfigPath' },
          },
        );
      }
      const parsed = parseToml(await files.readText(input.buildkitdConfigPath, MAX_TOML_BYTES));
      if (!parsed.ok) {
        throw appError(
          'INVALID_INPUT',
          `${input.buildkitdConfigPath} is not valid TOML: ${formatTomlError(parsed.error)}.`,
          {
            hint: 'Fix the file; buildkitd would refuse to start with it.',
            details: { field: 'buildkitdConfigPath', line: parsed.error.line, column: parsed.error.column },
          },
        );
      }
    }
  }

  /** Undoes what a failed create registered: the whole builder, or the node it appended. */
  private async rollback(
    input: BuilderCreateInput,
    before: StoredBuilderDetails | undefined,
    cause: unknown,
  ): Promise<{ message?: string; left: boolean }> {
    const bound = { timeoutMs: 30_000 };
    const after = await this.deps.ops.stored(input.name).catch(() => undefined);
    if (!after) return { left: false };
    // A cluster that did not answer the create will not answer a delete either: only drop the record.
    const clusterGone =
      input.driver === 'kubernetes' && (codeOf(cause) === 'TIMEOUT' || codeOf(cause) === 'BUILDER_UNREACHABLE');
    if (!before) {
      if (!clusterGone)
        await this.deps.ops.remove(input.name, { keepState: false, keepDaemon: false }, bound).catch(() => undefined);
      // A kubernetes builder whose cluster is gone cannot delete its deployment; drop the record anyway.
      if (await this.deps.ops.stored(input.name).catch(() => undefined)) {
        await this.deps.ops.remove(input.name, { keepState: false, keepDaemon: true }, bound).catch(() => undefined);
      }
      const left = (await this.deps.ops.stored(input.name).catch(() => undefined)) !== undefined;
      return {
        left,
        message: left
          ? `Could not remove the half-made builder "${input.name}"; remove it by hand.`
          : `Removed the half-made builder "${input.name}".`,
      };
    }
    const added = after.nodes.filter((n) => !before.nodes.some((b) => b.name === n.name));
    for (const node of added) await this.deps.ops.leave(input.name, node.name, bound).catch(() => undefined);
    const still =
      (await this.deps.ops.stored(input.name).catch(() => undefined))?.nodes.filter((n) =>
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

  // -----------------------------------------------------------------------------------------------
  // operate

  async bootstrap(name: string, timeoutMs: number | undefined, operationId: string | undefined): Promise<Builder> {
    const op: Operation = { operationId, builder: name, action: 'bootstrap' };
    const kube = await this.kubeTargetOf(name);
    const stored = await this.deps.ops.stored(name).catch(() => undefined);
    return this.act(
      op,
      `Starting ${name}…`,
      async () => {
        if (stored?.driver === 'remote') {
          // buildx retries a dead endpoint for 20 s; when no node can answer, say why at once.
          const problems = await Promise.all(
            stored.nodes.map((n) => this.probeEndpoint(n.endpoint, this.options.healthTimeoutMs())),
          );
          if (problems.every((p) => p !== undefined && !p.startsWith('no answer'))) {
            throw appError('BUILDER_UNREACHABLE', `Cannot start ${name}: ${problems.join('; ')}.`, {
              hint: 'Start buildkitd at the endpoint (or fix the endpoint), then try again.',
              details: { field: 'endpoint' },
            });
          }
        }
        const report = await this.deps.ops.inspect(name, {
          bootstrap: true,
          timeoutMs: timeoutMs ?? this.options.actionTimeoutMs,
          onLine: (line) => this.progress(op, 'progress', line),
          ...(kube ? { kube } : {}),
        });
        return this.withCurrent(report.builder);
      },
      (b) =>
        `${name} is ${b.nodes.every((n) => n.status === 'running') ? 'running' : (b.nodes[0]?.status ?? 'ready')}.`,
    );
  }

  async stop(name: string, operationId: string | undefined): Promise<Builder> {
    const op: Operation = { operationId, builder: name, action: 'stop' };
    await this.refuseContextBuilder(name, 'stopped', 'stop');
    return this.act(
      op,
      `Stopping ${name}…`,
      async () => {
        await this.deps.ops.stop(name, { timeoutMs: this.options.actionTimeoutMs });
        return this.readBuilder(name, this.options.healthTimeoutMs());
      },
      () => `${name} is stopped; its state is kept.`,
    );
  }

  async use(name: string, operationId: string | undefined): Promise<{ current: string }> {
    const op: Operation = { operationId, builder: name, action: 'use' };
    return this.act(
      op,
      `Making ${name} the current builder…`,
      async () => {
        await this.deps.ops.use(name, { timeoutMs: this.options.healthTimeoutMs() * 2 });
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
    const stored = await this.deps.ops.stored(name);
    if (!stored) {
      throw appError('BUILDER_NOT_FOUND', `No builder named "${name}".`, {
        hint: 'Refresh the builder list; it may have been removed outside BuildDeck.',
        details: { field: 'name' },
      });
    }
    return this.act(
      op,
      `Removing ${name}${keepState ? ' (keeping its state)' : ''}…`,
      async () => {
        const warnings: string[] = [];
        try {
          await this.deps.ops.remove(name, { keepState, keepDaemon }, { timeoutMs: this.options.actionTimeoutMs });
        } catch (err) {
          // buildx drops its record even when the daemon could not be deleted (a cluster that is gone).
          if (await this.deps.ops.stored(name)) throw err;
          warnings.push(`${name} was removed from buildx, but its daemon could not be cleaned up: ${messageOf(err)}`);
        }
        await this.removeDerivedKubeconfigs(stored.nodes);
        if (stored.driver === 'docker-container' && !keepDaemon) {
          // buildx drops its record even when it could not reach a node's driver; finish the job.
          for (const node of stored.nodes) {
            const container = containerOfNode(node.name);
            const cleaned = await this.deps.containers
              .removeLeftover(container, keepState ? undefined : `${container}_state`, { timeoutMs: 30_000 })
              .catch((err: unknown) => {
                warnings.push(`${container} was left behind and could not be removed: ${messageOf(err)}`);
                return false;
              });
            if (cleaned) warnings.push(`buildx left ${container} behind; BuildDeck removed it.`);
          }
        }
        return { removed: name, keptState: keepState, warnings };
      },
      () => `Removed ${name}.`,
    );
  }

  async leave(name: string, node: string, operationId: string | undefined): Promise<Builder> {
    const op: Operation = { operationId, builder: name, action: 'leave' };
    const stored = await this.deps.ops.stored(name);
    return this.act(
      op,
      `Removing node ${node} from ${name}…`,
      async () => {
        await this.deps.ops.leave(name, node, { timeoutMs: this.options.actionTimeoutMs });
        await this.removeDerivedKubeconfigs(stored?.nodes.filter((n) => n.name === node) ?? []);
        return this.readBuilder(name, this.options.healthTimeoutMs());
      },
      () => `Node ${node} left ${name}.`,
    );
  }

  private async refuseContextBuilder(name: string, past: string, verb: string): Promise<void> {
    if (await this.deps.ops.stored(name)) return;
    const contexts = await this.deps.buildx
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

  private async removeDerivedKubeconfigs(nodes: StoredNodeDetails[]): Promise<void> {
    const ours = this.deps.ops.dataDir();
    for (const node of nodes) {
      const path = kubeEndpointInfo(node.endpoint).kubeconfig;
      if (path !== undefined && isInside(ours, path)) await this.deps.files.remove(path).catch(() => undefined);
    }
  }

  /** The builder as buildx reports it now, with `current` from buildx's store. */
  private async readBuilder(name: string, timeoutMs: number): Promise<Builder> {
    try {
      return await this.withCurrent((await this.deps.ops.inspect(name, { timeoutMs })).builder);
    } catch (err) {
      const stored = await this.deps.ops.stored(name);
      if (!stored) throw err;
      return this.withCurrent(fromStored(stored, 'unknown', `not read: ${messageOf(err)}`));
    }
  }

  private async withCurrent(builder: Builder): Promise<Builder> {
    const store = await this.deps.buildx.stored().catch(() => undefined);
    return { ...builder, current: store?.current === builder.name };
  }

  private async kubeTargetOf(name: string): Promise<KubeTarget | undefined> {
    const stored = await this.deps.ops.stored(name).catch(() => undefined);
    if (stored?.driver !== 'kubernetes') return undefined;
    const kubeconfig = kubeEndpointInfo(stored.nodes[0]?.endpoint ?? '').kubeconfig;
    return this.deps.kube
      .resolve(kubeconfig, undefined, { timeoutMs: this.options.healthTimeoutMs() })
      .catch(() => undefined);
  }

  // -----------------------------------------------------------------------------------------------
  // inspect

  async inspect(name: string, logLines: number, timeoutMs: number | undefined): Promise<BuilderDetails> {
    const bound = timeoutMs ?? this.options.healthTimeoutMs();
    const [stored, snapshot] = await Promise.all([
      this.deps.ops.stored(name),
      // Only for current/context flags: never worth waiting past our own bound.
      within(
        this.deps.list.list().catch(() => undefined),
        bound,
      ),
    ]);
    let report: InspectReport | undefined;
    let unreachable: string | undefined;
    try {
      report = await this.deps.ops.inspect(name, { timeoutMs: bound });
    } catch (err) {
      const code = codeOf(err);
      if (!stored || (code !== 'TIMEOUT' && code !== 'BUILDER_UNREACHABLE')) throw err;
      unreachable = code === 'TIMEOUT' ? `did not answer within ${formatSeconds(bound)}` : messageOf(err);
    }
    const listed = snapshot?.builders.find((b) => b.name === name);
    const base: Builder =
      report?.builder ?? fromStored(stored as StoredBuilderDetails, 'unreachable', unreachable ?? 'not read');
    const nodes = await Promise.all(
      base.nodes.map(async (node): Promise<BuilderNodeDetails> => {
        const s = stored?.nodes.find((x) => x.name === node.name);
        const r = report?.nodes.find((x) => x.name === node.name);
        const driverOpts = s && Object.keys(s.driverOpts).length > 0 ? s.driverOpts : (r?.driverOpts ?? {});
        const details: BuilderNodeDetails = {
          ...node,
          pinnedPlatforms: node.pinnedPlatforms.length > 0 ? node.pinnedPlatforms : (s?.pinnedPlatforms ?? []),
          driverOpts,
          buildkitdFlags: s && s.flags.length > 0 ? s.flags : (r?.flags ?? []),
          labels: r?.labels ?? {},
          gcPolicy: r?.gcPolicy ?? [],
          configFiles: userConfigFiles(s && s.files.length > 0 ? s.files : (r?.files ?? [])),
        };
        if (base.driver === 'docker-container') {
          try {
            const container = await this.deps.containers.inspect(containerOfNode(node.name), {
              timeoutMs: bound,
              logLines,
            });
            if (container) details.container = container;
          } catch (err) {
            details.containerError = messageOf(err);
          }
        }
        if (base.driver === 'remote') {
          const tls = await this.tlsOf(driverOpts);
          if (tls) details.tls = tls;
        }
        if (base.driver === 'kubernetes') {
          const info = kubeEndpointInfo(node.endpoint);
          details.kube = { ...info };
        }
        return details;
      }),
    );
    return {
      ...base,
      current: listed?.current ?? base.current,
      contextBuilder: listed?.contextBuilder ?? (!stored && base.driver === 'docker'),
      dynamic: listed?.dynamic ?? base.dynamic,
      ...(base.lastActivity === undefined && listed?.lastActivity !== undefined
        ? { lastActivity: listed.lastActivity }
        : {}),
      nodes,
      live: report !== undefined,
      readAt: new Date(this.now()).toISOString(),
    };
  }

  async stats(name: string): Promise<{
    nodes: { node: string; container: string; running: boolean; restartCount: number; stats?: ContainerStats }[];
  }> {
    const stored = await this.deps.ops.stored(name);
    if (!stored) {
      throw appError('BUILDER_NOT_FOUND', `No builder named "${name}".`, { details: { field: 'name' } });
    }
    if (stored.driver !== 'docker-container') {
      throw appError(
        'INVALID_INPUT',
        `"${name}" uses the ${stored.driver} driver; only docker-container builders run a container BuildDeck can measure.`,
        {
          details: { field: 'name' },
        },
      );
    }
    const timeoutMs = Math.max(this.options.healthTimeoutMs(), 3000);
    const nodes = await Promise.all(
      stored.nodes.map(async (node) => {
        const container = containerOfNode(node.name);
        const [info, stats] = await Promise.all([
          this.deps.containers.inspect(container, { timeoutMs, logLines: 0 }),
          this.deps.containers.stats(container, { timeoutMs }),
        ]);
        return {
          node: node.name,
          container,
          running: info?.running ?? false,
          restartCount: info?.restartCount ?? 0,
          ...(stats ? { stats } : {}),
        };
      }),
    );
    return { nodes };
  }

  private withDaysLeft(cert: CertificateInfo): CertificateInfo {
    if (!cert.validTo) return cert;
    return { ...cert, daysLeft: Math.floor((Date.parse(cert.validTo) - this.now()) / DAY_MS) };
  }

  private async tlsOf(driverOpts: Record<string, string>): Promise<NodeTls | undefined> {
    const { cacert, cert, key, servername } = driverOpts;
    if (!cacert && !cert && !key) return undefined;
    const tls: NodeTls = {};
    if (cacert) tls.cacert = this.withDaysLeft(await this.deps.files.readCertificate(cacert));
    if (cert) tls.cert = this.withDaysLeft(await this.deps.files.readCertificate(cert));
    if (key) {
      tls.keyPath = key;
      const check = await this.deps.files.check(key);
      if (check.ok) {
        tls.keyMode = check.mode.toString(8).padStart(3, '0');
        tls.keyTooOpen = (check.mode & 0o077) !== 0;
      }
    }
    if (servername) tls.servername = servername;
    return tls;
  }

  // -----------------------------------------------------------------------------------------------
  // health

  async health(
    names: string[] | undefined,
    timeoutMs: number | undefined,
    certificateWarningDays: number | undefined,
  ): Promise<FleetHealth> {
    const started = this.now();
    const bound = timeoutMs ?? this.options.healthTimeoutMs();
    const [stored, contexts] = await Promise.all([
      this.deps.ops.storedAll(),
      this.deps.buildx.contexts({ timeoutMs: bound }).catch(() => ['default']),
    ]);
    const all = [...new Set([...contexts, ...stored.map((b) => b.name)])];
    const targets = names ?? all;
    for (const name of targets) {
      if (!all.includes(name)) {
        throw appError('BUILDER_NOT_FOUND', `No builder named "${name}".`, { details: { field: 'names' } });
      }
    }
    const builders = await Promise.all(
      targets.map((name) =>
        this.checkBuilder(
          name,
          stored.find((b) => b.name === name),
          bound,
        ),
      ),
    );
    const warnings = await this.fleetWarnings(
      builders,
      stored.filter((b) => targets.includes(b.name)),
      certificateWarningDays ?? this.options.certificateWarningDays,
    );
    return {
      builders,
      warnings,
      checkedAt: new Date(this.now()).toISOString(),
      timeoutMs: bound,
      tookMs: this.now() - started,
    };
  }

  /** One builder, within `bound`, without starting anything that is stopped. */
  private async checkBuilder(
    name: string,
    stored: StoredBuilderDetails | undefined,
    bound: number,
  ): Promise<BuilderHealth> {
    const driver = stored?.driver ?? 'docker';
    const started = this.now();
    const took = () => this.now() - started;
    const nodesOf = (state: HealthState, message: string | undefined): NodeHealth[] =>
      (stored?.nodes ?? [{ name, endpoint: name }]).map((n) => ({
        name: n.name,
        endpoint: n.endpoint,
        state,
        tookMs: took(),
        ...(message !== undefined ? { message } : {}),
      }));
    const finish = (nodes: NodeHealth[]): BuilderHealth => ({
      name,
      driver,
      state: nodes.reduce<HealthState>((worst, n) => (SEVERITY[n.state] > SEVERITY[worst] ? n.state : worst), 'ok'),
      nodes,
    });

    // Remote nodes: a TCP probe tells "nothing listens" at once; only reachable ones are dialled.
    const decided = new Map<string, NodeHealth>();
    if (driver === 'remote' && stored) {
      await Promise.all(
        stored.nodes.map(async (n) => {
          const verdict = await this.probeEndpoint(n.endpoint, bound);
          if (verdict)
            decided.set(n.name, {
              name: n.name,
              endpoint: n.endpoint,
              state: 'unreachable',
              tookMs: took(),
              message: verdict,
            });
        }),
      );
      if (decided.size === stored.nodes.length) return finish([...decided.values()]);
    }
    let report: InspectReport;
    try {
      report = await this.deps.ops.inspect(name, {
        // Remote daemons are only dialled on bootstrap, which starts nothing for them.
        bootstrap: driver === 'remote',
        timeoutMs: Math.max(500, bound - took()),
      });
    } catch (err) {
      const code = codeOf(err);
      const state: HealthState = code === 'TIMEOUT' || code === 'BUILDER_UNREACHABLE' ? 'unreachable' : 'error';
      const message = code === 'TIMEOUT' ? `did not answer within ${formatSeconds(bound)}` : messageOf(err);
      return finish(nodesOf(state, message).map((n) => decided.get(n.name) ?? n));
    }
    const nodes = report.builder.nodes.map((n) => decided.get(n.name) ?? nodeHealthOf(n, took()));
    if (report.builder.error && nodes.every((n) => n.state === 'ok')) {
      return finish(nodes.map((n) => ({ ...n, state: 'error' as const, message: report.builder.error })));
    }
    return finish(nodes);
  }

  /** undefined when the endpoint may answer; otherwise why it cannot. */
  private async probeEndpoint(endpoint: string, bound: number): Promise<string | undefined> {
    const tcp = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)\/?$/.exec(endpoint);
    if (tcp) {
      const { result, detail } = await this.deps.probe.tcp(tcp[1] ?? '', Number(tcp[2]), bound);
      if (result === 'open') return undefined;
      if (result === 'refused') return `nothing listens at ${endpoint.slice('tcp://'.length)} (connection refused)`;
      if (result === 'timeout')
        return `no answer from ${endpoint.slice('tcp://'.length)} within ${formatSeconds(bound)}`;
      return detail ?? result;
    }
    if (endpoint.startsWith('unix://')) {
      const check = await this.deps.files.check(endpoint.slice('unix://'.length));
      return !check.ok && check.reason === 'missing'
        ? `socket ${endpoint.slice('unix://'.length)} does not exist`
        : undefined;
    }
    if (endpoint.startsWith('docker-container://')) {
      const container = endpoint.slice('docker-container://'.length);
      const info = await this.deps.containers
        .inspect(container, { timeoutMs: bound, logLines: 0 })
        .catch(() => undefined);
      if (!info) return `container ${container} does not exist`;
      if (!info.running) return `container ${container} is ${info.state}`;
    }
    return undefined;
  }

  private async fleetWarnings(
    builders: BuilderHealth[],
    stored: StoredBuilderDetails[],
    days: number,
  ): Promise<FleetWarning[]> {
    const warnings: FleetWarning[] = [];
    const byVersion = new Map<string, Set<string>>();
    for (const b of builders) {
      for (const n of b.nodes) {
        if (n.state !== 'ok' || !n.buildkitVersion || PLACEHOLDER_VERSION.test(n.buildkitVersion)) continue;
        const set = byVersion.get(n.buildkitVersion) ?? new Set<string>();
        set.add(b.name);
        byVersion.set(n.buildkitVersion, set);
      }
    }
    if (byVersion.size > 1) {
      const parts = [...byVersion.entries()].map(([v, set]) => `${v} on ${[...set].join(', ')}`);
      warnings.push({
        kind: 'version-drift',
        severity: 'warning',
        message: `BuildKit versions differ between builders: ${parts.join('; ')}. Builds may behave differently depending on where they run.`,
        builders: [...new Set([...byVersion.values()].flatMap((s) => [...s]))],
      });
    }
    for (const b of stored.filter((x) => x.driver === 'remote')) {
      for (const n of b.nodes) {
        const tls = await this.tlsOf(n.driverOpts);
        if (!tls) continue;
        for (const [label, cert] of [
          ['CA certificate', tls.cacert],
          ['client certificate', tls.cert],
        ] as const) {
          if (!cert) continue;
          if (cert.error) {
            warnings.push({
              kind: 'certificate-unreadable',
              severity: 'error',
              message: `${b.name}/${n.name}: the ${label} ${cert.path} cannot be used: ${cert.error}.`,
              builders: [b.name],
            });
          } else if (cert.daysLeft !== undefined && cert.daysLeft < 0) {
            warnings.push({
              kind: 'certificate-expired',
              severity: 'error',
              message: `${b.name}/${n.name}: the ${label} expired on ${cert.validTo?.slice(0, 10) ?? '?'}.`,
              builders: [b.name],
            });
          } else if (cert.daysLeft !== undefined && cert.daysLeft <= days) {
            warnings.push({
              kind: 'certificate-expiring',
              severity: 'warning',
              message: `${b.name}/${n.name}: the ${label} expires in ${cert.daysLeft} day${cert.daysLeft === 1 ? '' : 's'} (${cert.validTo?.slice(0, 10) ?? '?'}).`,
              builders: [b.name],
            });
          }
        }
        if (tls.keyTooOpen) {
          warnings.push({
            kind: 'key-permissions',
            severity: 'warning',
            message: `${b.name}/${n.name}: the key ${tls.keyPath ?? ''} can be read by other users (mode ${tls.keyMode ?? '?'}); \`chmod 600\` it.`,
            builders: [b.name],
          });
        }
      }
    }
    const dead = builders.flatMap((b) =>
      b.nodes.filter((n) => n.state === 'unreachable').map((n) => ({ b: b.name, n })),
    );
    if (dead.length > 0) {
      warnings.push({
        kind: 'unreachable',
        severity: 'error',
        message: `${dead.length} node${dead.length === 1 ? ' is' : 's are'} unreachable: ${dead.map(({ b, n }) => `${b}/${n.name}: ${n.message ?? 'no answer'}`).join('; ')}.`,
        builders: [...new Set(dead.map((d) => d.b))],
      });
    }
    return warnings;
  }
}

/** A killed create says which part did not finish, and which field to look at. */
function timeoutExplained(
  err: unknown,
  input: BuilderCreateInput,
  budget: number,
  kube: KubeTarget | undefined,
): unknown {
  if (codeOf(err) !== 'TIMEOUT' || !(err instanceof AppException)) return err;
  const field = input.driver === 'remote' ? 'endpoint' : input.driver === 'kubernetes' ? 'kubeContext' : 'image';
  const waitingFor =
    input.driver === 'remote'
      ? `the endpoint ${input.endpoint} did not answer`
      : input.driver === 'kubernetes'
        ? `the Kubernetes cluster of context "${kube?.context ?? '?'}"${kube?.server ? ` (${kube.server})` : ''} did not answer or its pods did not become ready`
        : 'the BuildKit container did not start';
  return new AppException({
    code: 'TIMEOUT',
    message: `Creating "${input.name}" did not finish within ${formatSeconds(budget)}: ${input.bootstrap ? waitingFor : 'buildx did not answer'}.`,
    hint: input.bootstrap
      ? 'Check the target, or create the builder without starting it and bootstrap it later.'
      : 'Try again; check that Docker answers (`docker info`).',
    details: { ...(err.appError.details ?? {}), field, ...(kube ? { kubeContext: kube.context } : {}) },
  });
}

function nodeHealthOf(node: BuilderNode, tookMs: number): NodeHealth {
  const state: HealthState =
    node.status === 'running'
      ? 'ok'
      : node.status === 'stopped'
        ? 'stopped'
        : node.status === 'inactive'
          ? 'inactive'
          : node.status === 'unreachable'
            ? 'unreachable'
            : 'error';
  return {
    name: node.name,
    endpoint: node.endpoint,
    state,
    ...(node.buildkitVersion ? { buildkitVersion: node.buildkitVersion } : {}),
    tookMs,
    ...(node.error ? { message: node.error } : state === 'error' ? { message: `status ${node.status}` } : {}),
  };
}

function fromStored(stored: StoredBuilderDetails, status: BuilderNode['status'], reason: string): Builder {
  return {
    name: stored.name,
    driver: stored.driver,
    current: false,
    contextBuilder: false,
    dynamic: false,
    nodes: stored.nodes.map((n) => ({
      name: n.name,
      endpoint: n.endpoint,
      status,
      platforms: n.pinnedPlatforms,
      pinnedPlatforms: n.pinnedPlatforms,
      error: reason,
    })),
    error: `Builder ${reason}.`,
  };
}

/** The promise's value, or undefined once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The config file a person wrote; buildx also stores every file it references (CA, cert, KEY). */
const USER_CONFIG_FILE = 'buildkitd.toml';
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(?:-----END \1-----|$)/g;

/**
 * What `builders.inspect` shows of buildx's stored files: buildkitd.toml only (registry client keys
 * it references are copied into buildx's store beside it and must not travel to a window, a terminal
 * or a bug report), with any PEM private key inside it redacted too.
 */
export function userConfigFiles(
  files: readonly { name: string; content: string }[],
): { name: string; content: string }[] {
  return files
    .filter((f) => f.name === USER_CONFIG_FILE)
    .map((f) => ({
      name: f.name,
      content: f.content.replace(PRIVATE_KEY_BLOCK, (_block, kind: string) => `[${kind} redacted by BuildDeck]`),
    }));
}

/**
 * Whether `path` lies inside `dir`. A prefix test would also accept `<dir>-evil/x` and `<dir>/../x`;
 * `relative` resolves both first.
 */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
