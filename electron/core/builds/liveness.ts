import type { BuildEvent } from '../../common/contracts/builds';
import type { Clock, EnginePort } from '../ports';
import type { BuilderDescribePort } from './ports';

/**
 * What keeps a build from hanging, or failing with a transport's words, when the thing it runs on
 * goes away. Measured (test/faults): a killed dockerd or buildkitd container ends buildx at once with
 * `Unavailable: error reading from server: EOF`; a buildkitd that stops answering without closing
 * (frozen, a half-dead link) leaves buildx waiting forever, and SIGINT/SIGTERM do not end it.
 */

/** Why a build ended when its engine or builder went away: the user's words, not gRPC's. */
export interface LostCause {
  errorCode: 'DOCKER_UNREACHABLE' | 'BUILDER_UNREACHABLE';
  errorMessage: string;
  hint: string;
}

export interface LivenessDeps {
  builders: BuilderDescribePort;
  engine: Pick<EnginePort, 'info'>;
  clock: Clock;
}

/**
 * After a build died of a closed connection: ask the engine and the builder what is left, so the
 * message says which one went away. Each probe is bounded; none may keep the build from finishing.
 */
export async function lostCause(
  deps: LivenessDeps,
  builder: { name: string; driver: string },
  timeoutMs: number,
): Promise<LostCause> {
  const onEngine = builder.driver === 'docker' || builder.driver === 'docker-container';
  if (onEngine) {
    const engineUp = await deps.engine.info({ timeoutMs }).then(
      () => true,
      () => false,
    );
    if (!engineUp || builder.driver === 'docker') {
      return {
        errorCode: 'DOCKER_UNREACHABLE',
        errorMessage: engineUp
          ? 'Docker Engine went away during the build (it restarted; it is answering again now).'
          : 'Docker Engine went away during the build and is not running now.',
        hint: engineUp
          ? 'Build again: nothing of this build was kept.'
          : 'Start Docker (e.g. `sudo systemctl start docker`, or open Docker Desktop), then build again.',
      };
    }
    const node = await deps.builders
      .describe(builder.name, { timeoutMs })
      .then((b) => b.nodes[0])
      .catch(() => undefined);
    if (node?.status !== 'running') {
      return {
        errorCode: 'BUILDER_UNREACHABLE',
        errorMessage: `Builder "${builder.name}" stopped during the build (its BuildKit container exited).`,
        hint: 'Start the builder (Builders → Start), then build again.',
      };
    }
  }
  return {
    errorCode: 'BUILDER_UNREACHABLE',
    errorMessage: `Builder "${builder.name}" went away during the build (the connection to BuildKit closed).`,
    hint: 'Check that buildkitd is running there (Builders → Health), then build again.',
  };
}

export interface WatchdogOptions {
  builder: { name: string; driver: string };
  /** A build silent this long gets its builder asked whether it is still there. */
  quietMs: number;
  /** After an answer, the next question waits this long (a 10-minute silent step costs 1 probe per interval). */
  probeEveryMs: number;
  /** Bound for each question (the health timeout setting). */
  timeoutMs(): number;
  /** Called once when the builder failed to answer twice running while the build stayed silent. */
  onDead(cause: LostCause): void;
}

/**
 * Asks a silent build's builder whether it still answers. A long quiet step is normal (a RUN that
 * sleeps, compiles without output): the builder answers and nothing happens. A builder that does not
 * answer a bounded `buildx inspect` twice in a row, while the build also said nothing, is gone: the
 * build is ended instead of waiting forever. Two probes, not one: one slow answer on a loaded machine
 * must not kill a healthy build. Starts at the first vertex (before it, buildx itself bounds the dial).
 *
 * Worst case from the moment a builder freezes to `onDead`: max(quietMs, probeEveryMs) + 2 × timeout
 * (plus a tick); buildx is then ended within 1.5 s (SIGTERM, SIGKILL).
 */
export class BuildWatchdog {
  private lastActivity: number;
  private armed = false;
  private misses = 0;
  private probing = false;
  private lastAnswer = 0;
  private dead = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: LivenessDeps,
    private readonly options: WatchdogOptions,
  ) {
    this.lastActivity = deps.clock.now();
    const every = Math.max(100, Math.min(options.quietMs, 500));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref?.();
  }

  activity(events: readonly BuildEvent[]): void {
    if (events.length === 0) return;
    this.lastActivity = this.deps.clock.now();
    this.misses = 0;
    if (!this.armed && events.some((e) => e.type === 'vertex')) this.armed = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (!this.armed || this.dead || this.probing) return;
    const now = this.deps.clock.now();
    if (now - this.lastActivity < this.options.quietMs) return;
    // A miss is asked again at once; an answer buys probeEveryMs of quiet.
    if (this.misses === 0 && now - this.lastAnswer < this.options.probeEveryMs) return;
    this.probing = true;
    const askedAt = this.deps.clock.now();
    let answered: boolean;
    try {
      const b = await this.deps.builders.describe(this.options.builder.name, { timeoutMs: this.options.timeoutMs() });
      // A remote buildkitd that stopped answering shows as `inactive`; a stopped container as `stopped`.
      answered = b.nodes.some((n) => n.status === 'running');
    } catch {
      answered = false;
    } finally {
      this.probing = false;
    }
    if (answered || this.lastActivity > askedAt) {
      this.misses = 0;
      this.lastAnswer = this.deps.clock.now();
      return;
    }
    if (++this.misses < 2 || this.dead) return;
    this.dead = true;
    this.stop();
    const secs = Math.round(this.options.timeoutMs() / 1000);
    const onEngine = this.options.builder.driver === 'docker';
    this.options.onDead({
      errorCode: onEngine ? 'DOCKER_UNREACHABLE' : 'BUILDER_UNREACHABLE',
      errorMessage: onEngine
        ? `Docker Engine stopped answering during the build (no answer within ${secs} s, twice); the build was stopped.`
        : `Builder "${this.options.builder.name}" stopped answering during the build (no answer within ${secs} s, twice); the build was stopped.`,
      hint: onEngine
        ? 'Check that Docker is running and responsive (`docker info`), then build again.'
        : 'Check that buildkitd is running and reachable there (Builders → Health), then build again.',
    });
  }
}
