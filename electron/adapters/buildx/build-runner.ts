import { spawn } from 'node:child_process';
import type { Builder } from '../../common/domain';
import { appError } from '../../common/errors';
import type { BuildRunExit, BuildRunnerPort, BuildRunOptions, BuildTarget } from '../../core/builds/ports';
import type { CallOptions } from '../../core/ports';
import type { BuildxCli } from './cli';
import { parseInspectText } from './parse';
import { RawJsonParser } from './progress';

export interface BuildRunnerOptions {
  /** Read at each call: settings may change the docker path or endpoint while the app runs. */
  config(): { dockerPath: string; env: NodeJS.ProcessEnv };
  /** Interrupt → SIGTERM → SIGKILL escalation steps. */
  graceMs?: number;
}

const TAIL = 16 * 1024;
/** buildx waiting on a builder that stopped answering ignores SIGINT and SIGTERM (measured). */
const KILL_GRACE_MS = 1500;

/** `docker buildx build` and `docker buildx bake` with rawjson progress, parsed as it streams. */
export class BuildxBuildRunner implements BuildRunnerPort {
  constructor(
    private readonly cli: BuildxCli,
    private readonly options: BuildRunnerOptions,
  ) {}

  run(args: readonly string[], opts: BuildRunOptions): Promise<BuildRunExit> {
    const { dockerPath, env } = this.options.config();
    const grace = this.options.graceMs ?? 10_000;
    return new Promise((resolve, reject) => {
      if (opts.signal.aborted) {
        reject(appError('CANCELLED', 'Cancelled before buildx started.'));
        return;
      }
      // Own process group: escalation reaches the buildx plugin too, not only the docker CLI.
      const child = spawn(dockerPath, [...args], {
        shell: false,
        windowsHide: true,
        detached: process.platform !== 'win32',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: opts.env ? { ...env, ...opts.env } : env,
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      });
      const parser = new RawJsonParser();
      let tail = '';
      let timedOut = false;
      let settled = false;
      const timers: ReturnType<typeof setTimeout>[] = [];
      const signalGroup = (sig: NodeJS.Signals) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        try {
          if (process.platform !== 'win32') process.kill(-child.pid, sig);
          else child.kill(sig);
        } catch {
          child.kill(sig);
        }
      };
      const interrupt = () => {
        // SIGINT is Ctrl+C, and like a terminal's it goes to the whole group: buildx cancels the
        // BuildKit solve. Sent to the docker CLI alone it can be lost right after start (measured:
        // 0.7 s in, the build ran on until the SIGTERM below).
        signalGroup('SIGINT');
        timers.push(setTimeout(() => signalGroup('SIGTERM'), grace));
        timers.push(setTimeout(() => signalGroup('SIGKILL'), grace * 2));
      };
      const onAbort = () => interrupt();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const onKill = () => {
        signalGroup('SIGTERM');
        timers.push(setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS));
      };
      opts.kill?.addEventListener('abort', onKill, { once: true });
      const deadline = setTimeout(() => {
        timedOut = true;
        interrupt();
      }, opts.timeoutMs);
      child.stdout.resume();
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-TAIL);
        const events = parser.push(chunk);
        if (events.length > 0) opts.onEvents(events);
      });
      const done = () => {
        settled = true;
        clearTimeout(deadline);
        for (const t of timers) clearTimeout(t);
        opts.signal.removeEventListener('abort', onAbort);
        opts.kill?.removeEventListener('abort', onKill);
      };
      child.on('error', (err) => {
        if (settled) return;
        done();
        reject(err);
      });
      child.on('close', (code, signal) => {
        if (settled) return;
        done();
        const rest = parser.end();
        if (rest.length > 0) opts.onEvents(rest);
        resolve({ exitCode: code, signal, stderrTail: tail, timedOut });
      });
    });
  }

  async describeBuilder(name: string | undefined, call: CallOptions): Promise<Builder> {
    const result = await this.cli.exec(['inspect', ...(name ? [name] : [])], call);
    return parseInspectText(result.stdout);
  }

  async targets(
    contextDir: string,
    dockerfile: string | undefined,
    call: CallOptions & { builder?: string | undefined },
  ): Promise<BuildTarget[]> {
    const result = await this.cli.exec(
      [
        'build',
        '--call=targets,format=json',
        ...(call.builder ? ['--builder', call.builder] : []),
        ...(dockerfile ? ['--file', dockerfile] : []),
        contextDir,
      ],
      { timeoutMs: call.timeoutMs, ...(call.signal ? { signal: call.signal } : {}) },
    );
    const parsed = JSON.parse(result.stdout) as {
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
