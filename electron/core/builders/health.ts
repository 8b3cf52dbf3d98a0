import type {
  BuilderHealth,
  FleetHealth,
  FleetWarning,
  HealthState,
  NodeHealth,
} from '../../common/contracts/builders';
import type { BuilderNode } from '../../common/domain';
import { appError } from '../../common/errors';
import type { BuildxPort, Clock } from '../ports';
import type { BuilderDrivers } from './drivers/registry';
import type { BuilderOpsPort, InspectReport, StoredBuilderDetails } from './ports';
import { codeOf, formatSeconds, messageOf } from './support';

export interface BuilderHealthPorts {
  buildx: BuildxPort;
  ops: BuilderOpsPort;
  drivers: BuilderDrivers;
  clock: Clock;
}

export interface BuilderHealthOptions {
  /** Default bound for one builder's answer. A getter: settings may change it. */
  healthTimeoutMs: () => number;
  certificateWarningDays: number;
}

const SEVERITY: Record<HealthState, number> = { ok: 0, inactive: 1, stopped: 2, unreachable: 3, error: 4 };
/** The docker driver's embedded BuildKit reports no real version. */
const PLACEHOLDER_VERSION = /^v?0\.0\.0/;

/**
 * `builders.health`: every builder checked in parallel within one bound, without starting anything
 * that is stopped, plus fleet warnings (version drift, certificates, unreachable nodes).
 */
export class BuilderHealthCheck {
  constructor(
    private readonly ports: BuilderHealthPorts,
    private readonly options: BuilderHealthOptions,
  ) {}

  private now(): number {
    return this.ports.clock.now();
  }

  async health(
    names: string[] | undefined,
    timeoutMs: number | undefined,
    certificateWarningDays: number | undefined,
  ): Promise<FleetHealth> {
    const started = this.now();
    const bound = timeoutMs ?? this.options.healthTimeoutMs();
    const [stored, contexts] = await Promise.all([
      this.ports.ops.storedAll(),
      this.ports.buildx.contexts({ timeoutMs: bound }).catch(() => ['default']),
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
    // A builder buildx has no record of is a Docker context's (docker driver) builder.
    const driver = this.ports.drivers.of(stored?.driver ?? 'docker');
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
      driver: driver.name,
      state: nodes.reduce<HealthState>((worst, n) => (SEVERITY[n.state] > SEVERITY[worst] ? n.state : worst), 'ok'),
      nodes,
    });

    // Nodes a driver can probe (remote: TCP) tell "nothing listens" at once; only the others are dialled.
    const decided = new Map<string, NodeHealth>();
    const probeNode = driver.probeNode;
    if (probeNode && stored) {
      await Promise.all(
        stored.nodes.map(async (n) => {
          const verdict = await probeNode(n.endpoint, bound);
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
      report = await this.ports.ops.inspect(name, {
        bootstrap: driver.dialsOnlyOnBootstrap ?? false,
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
    for (const b of stored) {
      const nodeTls = this.ports.drivers.of(b.driver).nodeTls;
      if (!nodeTls) continue;
      for (const n of b.nodes) {
        const tls = await nodeTls(n.driverOpts);
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
