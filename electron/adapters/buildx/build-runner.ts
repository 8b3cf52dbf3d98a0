import type { DockerfileOutline } from '../../common/contracts/builds';
import { appError } from '../../common/errors';
import type { BuildRunExit, BuildRunnerPort, BuildRunOptions, BuildTarget } from '../../core/builds/ports';
import type { CallOptions } from '../../core/ports';
import type { BuildxCli } from './cli';
import { FailureWords } from './failures';
import { FrameParser } from './progress';

export interface BuildRunnerOptions {
  /** Interrupt → SIGTERM → SIGKILL escalation steps. */
  graceMs?: number;
}

const TAIL = 16 * 1024;

/** `docker buildx build` and `docker buildx bake` with rawjson progress, parsed as it streams. */
export class BuildxBuildRunner implements BuildRunnerPort {
  constructor(
    private readonly cli: BuildxCli,
    private readonly options: BuildRunnerOptions,
  ) {}

  async run(args: readonly string[], opts: BuildRunOptions): Promise<BuildRunExit> {
    if (opts.signal.aborted) throw appError('CANCELLED', 'Cancelled before buildx started.');
    const grace = this.options.graceMs ?? 10_000;
    const words = new FailureWords();
    const parser = new FrameParser((events) => {
      words.read(events);
      opts.onEvents(events);
    });
    const result = await this.cli.docker
      .exec(args, {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        ...(opts.kill ? { kill: opts.kill } : {}),
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.onSpawned ? { onSpawned: opts.onSpawned } : {}),
        // Own process group: the stop reaches the buildx plugin too, not only the docker CLI. SIGINT is
        // Ctrl+C, and like a terminal's it goes to the whole group: buildx cancels the BuildKit solve.
        // Sent to the docker CLI alone it can be lost right after start (measured: 0.7 s in, the build
        // ran on until the SIGTERM).
        group: true,
        stopWith: [
          { signal: 'SIGINT', afterMs: 0 },
          { signal: 'SIGTERM', afterMs: grace },
          { signal: 'SIGKILL', afterMs: grace * 2 },
        ],
        onStop: 'resolve',
        expected: 'any',
        maxBufferBytes: TAIL,
        keepTail: true,
        onStderr: (chunk) => parser.push(chunk),
      })
      // What came before a failure to run still reaches the build (and no timer outlives the run).
      .finally(() => parser.end());
    return {
      exitCode: result.code,
      signal: result.signal,
      stderrTail: result.stderr,
      timedOut: result.stoppedFor === 'timeout',
      ...words.summary(),
    };
  }

  async targets(
    contextDir: string,
    dockerfile: string | undefined,
    call: CallOptions & { builder?: string | undefined },
  ): Promise<BuildTarget[]> {
    const parsed = (await this.frontendJson('targets', contextDir, dockerfile, call)) as {
      targets?: { name?: unknown; description?: unknown; base?: unknown; default?: unknown }[];
    };
    return (parsed.targets ?? [])
      .filter((t) => typeof t.name === 'string' && t.name)
      .map((t) => ({
        name: t.name as string,
        ...(typeof t.description === 'string' && t.description ? { description: t.description } : {}),
        ...(typeof t.base === 'string' && t.base ? { base: t.base } : {}),
      }));
  }

  async outline(
    contextDir: string,
    dockerfile: string | undefined,
    call: CallOptions & { builder?: string | undefined; target?: string | undefined },
  ): Promise<DockerfileOutline> {
    const parsed = (await this.frontendJson('outline', contextDir, dockerfile, call)) as {
      args?: { name?: unknown; value?: unknown; description?: unknown }[];
      secrets?: { name?: unknown; required?: unknown }[];
    };
    const named = <T extends { name?: unknown }>(list: T[] | undefined) =>
      (list ?? []).filter((x): x is T & { name: string } => typeof x.name === 'string' && x.name !== '');
    return {
      args: named(parsed.args).map((a) => ({
        name: a.name,
        ...(typeof a.value === 'string' ? { value: a.value } : {}),
        ...(typeof a.description === 'string' && a.description ? { description: a.description } : {}),
      })),
      secrets: named(parsed.secrets).map((s) => ({ name: s.name, ...(s.required === true ? { required: true } : {}) })),
    };
  }

  /** `buildx build --call=METHOD,format=json` on a context: the frontend's JSON answer. */
  private async frontendJson(
    method: 'targets' | 'outline',
    contextDir: string,
    dockerfile: string | undefined,
    call: CallOptions & { builder?: string | undefined; target?: string | undefined },
  ): Promise<unknown> {
    const result = await this.cli.exec(
      [
        'build',
        `--call=${method},format=json`,
        ...(call.builder ? ['--builder', call.builder] : []),
        ...(dockerfile ? ['--file', dockerfile] : []),
        // Checked by the contract (a stage name); one argv element, never a shell word.
        ...(call.target ? ['--target', call.target] : []),
        contextDir,
      ],
      { timeoutMs: call.timeoutMs, ...(call.signal ? { signal: call.signal } : {}) },
    );
    return JSON.parse(result.stdout) as unknown;
  }

  async call(
    args: readonly string[],
    call: CallOptions,
  ): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const r = await this.cli.exec(args, {
      timeoutMs: call.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
      expected: 'any',
    });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.code ?? 1 };
  }

  hostPlatform(): string {
    const arch: Record<string, string> = {
      x64: 'amd64',
      arm64: 'arm64',
      arm: 'arm/v7',
      ppc64: 'ppc64le',
      s390x: 's390x',
      riscv64: 'riscv64',
    };
    return `linux/${arch[process.arch] ?? process.arch}`;
  }
}
