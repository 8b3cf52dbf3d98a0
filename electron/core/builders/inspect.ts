import type { BuilderDetails, BuilderNodeDetails, ContainerStats } from '../../common/contracts/builders';
import type { Builder } from '../../common/domain';
import { appError } from '../../common/errors';
import type { Clock } from '../ports';
import type { BuilderDrivers } from './drivers/registry';
import type { BuilderOpsPort, BuildkitContainersPort, InspectReport, StoredBuilderDetails } from './ports';
import type { BuildersService } from './service';
import { codeOf, formatSeconds, fromStored, messageOf, within } from './support';

export interface BuilderInspectionPorts {
  ops: BuilderOpsPort;
  containers: BuildkitContainersPort;
  drivers: BuilderDrivers;
  clock: Clock;
  /** The list's current/context flags, which `buildx inspect` does not report. */
  list: Pick<BuildersService, 'list'>;
}

export interface BuilderInspectionOptions {
  /** Default bound for one builder's answer. A getter: settings may change it. */
  healthTimeoutMs: () => number;
}

/** `builders.inspect` (everything about one builder, also when it does not answer) and `builders.stats`. */
export class BuilderInspection {
  constructor(
    private readonly ports: BuilderInspectionPorts,
    private readonly options: BuilderInspectionOptions,
  ) {}

  async inspect(name: string, logLines: number, timeoutMs: number | undefined): Promise<BuilderDetails> {
    const bound = timeoutMs ?? this.options.healthTimeoutMs();
    const [stored, snapshot] = await Promise.all([
      this.ports.ops.stored(name),
      // Only for current/context flags: never worth waiting past our own bound.
      within(
        this.ports.list.list().catch(() => undefined),
        bound,
      ),
    ]);
    let report: InspectReport | undefined;
    let unreachable: string | undefined;
    try {
      report = await this.ports.ops.inspect(name, { timeoutMs: bound });
    } catch (err) {
      const code = codeOf(err);
      if (!stored || (code !== 'TIMEOUT' && code !== 'BUILDER_UNREACHABLE')) throw err;
      unreachable = code === 'TIMEOUT' ? `did not answer within ${formatSeconds(bound)}` : messageOf(err);
    }
    const listed = snapshot?.builders.find((b) => b.name === name);
    const base: Builder =
      report?.builder ?? fromStored(stored as StoredBuilderDetails, 'unreachable', unreachable ?? 'not read');
    const driver = this.ports.drivers.of(base.driver);
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
        return { ...details, ...(await driver.nodeDetails?.(node, driverOpts, { timeoutMs: bound, logLines })) };
      }),
    );
    return {
      ...base,
      current: listed?.current ?? base.current,
      // A builder buildx has no record of is a Docker context's own (docker driver) builder.
      contextBuilder: listed?.contextBuilder ?? (!stored && base.driver === 'docker'),
      dynamic: listed?.dynamic ?? base.dynamic,
      ...(base.lastActivity === undefined && listed?.lastActivity !== undefined
        ? { lastActivity: listed.lastActivity }
        : {}),
      nodes,
      live: report !== undefined,
      readAt: new Date(this.ports.clock.now()).toISOString(),
    };
  }

  async stats(name: string): Promise<{
    nodes: { node: string; container: string; running: boolean; restartCount: number; stats?: ContainerStats }[];
  }> {
    const stored = await this.ports.ops.stored(name);
    if (!stored) {
      throw appError('BUILDER_NOT_FOUND', `No builder named "${name}".`, { details: { field: 'name' } });
    }
    const containerOf = this.ports.drivers.of(stored.driver).containerOf;
    if (!containerOf) {
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
        const container = containerOf(node.name);
        const [info, stats] = await Promise.all([
          this.ports.containers.inspect(container, { timeoutMs, logLines: 0 }),
          this.ports.containers.stats(container, { timeoutMs }),
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
