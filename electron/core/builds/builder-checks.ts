import type { Builder } from '../../common/domain';
import { appError, UNREACHABLE_HINT } from '../../common/errors';
import { parseTcpEndpoint } from '../../common/validation';
import type { NetworkProbePort } from '../builders/ports';
import type { BuildxPort, Clock, EnginePort } from '../ports';
import type { BuilderDescribePort } from './ports';

const BUILDER_MEMORY_MS = 10_000;

/** The ports the builder check reads; the builds and bake services take them and pass them on. */
export interface BuilderCheckDeps {
  builders: BuilderDescribePort;
  buildx: BuildxPort;
  engine: EnginePort;
  clock: Clock;
  /** Dials remote tcp:// endpoints before a build: buildx alone waits 20 s on a dead one. */
  probe?: NetworkProbePort | undefined;
}

/**
 * What builds and bakes check about a builder before buildx runs, so the failures a person can fix
 * come back at once as values: an unknown builder, several platforms on the docker driver, a remote
 * builder in error or whose endpoints all refuse.
 */
export class BuilderChecks {
  private readonly described = new Map<string, { at: number; builder: Builder }>();
  private readonly describing = new Map<string, Promise<Builder>>();

  constructor(
    private readonly deps: BuilderCheckDeps,
    private readonly checkTimeoutMs: number,
  ) {}

  /**
   * The builder (named, or the current one), checked for a run that builds up to `platforms`
   * platforms per image. `subject` names what asked (a bake target) in the refusal; `attestation`
   * is one the run asks for explicitly.
   */
  async prepare(
    name: string | undefined,
    platforms: number,
    run: { subject?: string | undefined; attestation?: 'provenance' | 'sbom' | undefined } = {},
  ): Promise<Builder> {
    const { subject, attestation } = run;
    const builder = await this.describe(name);
    if (platforms > 1 && builder.driver === 'docker') await this.refuseMultiPlatformOnDocker(builder.name, subject);
    if (attestation && builder.driver === 'docker') await this.refuseAttestationOnDocker(builder.name, attestation);
    const node = builder.nodes[0];
    if (builder.driver === 'remote' && node?.status === 'error') {
      throw appError('BUILDER_UNREACHABLE', `Builder "${builder.name}" cannot be reached: ${node.error ?? 'error'}.`, {
        hint: UNREACHABLE_HINT.build,
        details: { builder: builder.name, endpoint: node.endpoint },
      });
    }
    if (builder.driver === 'remote') await this.checkRemoteReachable(builder);
    return builder;
  }

  /**
   * Describing dials the builder; a rebuild loop asks the same question every few seconds.
   * A short memory keeps the answer fresh enough (a removed builder still fails clearly in buildx).
   */
  private async describe(name: string | undefined): Promise<Builder> {
    const key = name ?? '';
    const now = this.deps.clock.now();
    const hit = this.described.get(key);
    if (hit && now - hit.at < BUILDER_MEMORY_MS) return hit.builder;
    // Starts at the same moment ask once: ten concurrent `buildx inspect`s of one builder on a loaded
    // machine each took longer than the check bound (measured by test/faults/concurrent-builds.test.ts).
    const asking = this.describing.get(key);
    if (asking) return asking;
    const promise = this.deps.builders
      .describe(name, { timeoutMs: this.checkTimeoutMs })
      .then((builder) => {
        this.described.set(key, { at: now, builder });
        return builder;
      })
      .finally(() => this.describing.delete(key));
    this.describing.set(key, promise);
    return promise;
  }

  /**
   * A remote builder whose every tcp:// endpoint refuses, cannot be resolved or drops the connection
   * attempt is unreachable now, not after buildx's 20 s: say so before starting. An endpoint that
   * accepts but stays silent passes (only BuildKit itself can tell), as do unix:// and other schemes.
   */
  private async checkRemoteReachable(builder: { name: string; nodes: { endpoint: string }[] }): Promise<void> {
    const probe = this.deps.probe;
    if (!probe) return;
    const tcp = builder.nodes.flatMap((n) => {
      const url = parseTcpEndpoint(n.endpoint);
      return url?.ok ? [{ endpoint: n.endpoint, host: url.host, port: url.port }] : [];
    });
    if (tcp.length === 0 || tcp.length !== builder.nodes.length) return;
    const timeoutMs = Math.min(this.checkTimeoutMs, 5000);
    const results = await Promise.all(tcp.map((n) => probe.tcp(n.host, n.port, timeoutMs)));
    if (results.some((r) => r.result === 'open')) return;
    const first = results[0];
    throw appError(
      'BUILDER_UNREACHABLE',
      `Builder "${builder.name}" cannot be reached at ${tcp[0]?.endpoint ?? ''} (${first?.detail ?? first?.result ?? 'no answer'}).`,
      {
        hint: UNREACHABLE_HINT.build,
        details: { builder: builder.name, endpoints: tcp.map((n) => n.endpoint), probe: results.map((r) => r.result) },
      },
    );
  }

  /** Builders of another driver, to offer in a refusal; undefined when the engine's image store lifts the limit. */
  private async otherDriversUnlessContainerd(): Promise<string[] | undefined> {
    // The containerd image store lifts the docker driver's limits; ask the engine before refusing.
    const engine = await this.deps.engine.info({ timeoutMs: this.checkTimeoutMs }).catch(() => undefined);
    if (engine?.containerdSnapshotter) return undefined;
    const stored = await this.deps.buildx
      .stored()
      .catch(() => ({ builders: [] as { name: string; driver: string }[] }));
    return stored.builders.filter((b) => b.driver !== 'docker').map((b) => b.name);
  }

  /** buildx itself fails such a build after it started, with no way out in its message's first line. */
  private async refuseAttestationOnDocker(builderName: string, attestation: 'provenance' | 'sbom'): Promise<void> {
    const candidates = await this.otherDriversUnlessContainerd();
    if (!candidates) return;
    throw appError(
      'INVALID_INPUT',
      `Builder "${builderName}" uses the docker driver, which cannot attach ${attestation === 'sbom' ? 'an SBOM' : 'a provenance'} attestation to an image.`,
      {
        hint: `${candidates.length > 0 ? `Pick a docker-container builder (${candidates.slice(0, 3).join(', ')})` : 'Create a docker-container builder and pick it'}, turn on Docker's containerd image store, or build without it (--${attestation}=false).`,
        details: { field: attestation, builder: builderName, driver: 'docker', candidates },
      },
    );
  }

  private async refuseMultiPlatformOnDocker(builderName: string, subject: string | undefined): Promise<void> {
    const candidates = await this.otherDriversUnlessContainerd();
    if (!candidates) return;
    throw appError(
      'INVALID_INPUT',
      `${subject ? `${subject} builds several platforms, but builder` : 'Builder'} "${builderName}" uses the docker driver, which builds one platform at a time.`,
      {
        hint:
          candidates.length > 0
            ? `Pick a docker-container builder (${candidates.slice(0, 3).join(', ')}) or build one platform.`
            : 'Create a docker-container builder (Builders → New builder, or `docker buildx create --driver docker-container --bootstrap`) and pick it, or build one platform.',
        details: {
          field: 'platforms',
          builder: builderName,
          driver: 'docker',
          candidates,
          suggestedDriver: 'docker-container',
        },
      },
    );
  }
}
