import { execFile, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pruneCacheByToken } from '../helpers/build-cache';
import type { BuildxSandbox } from '../helpers/buildx-sandbox';
import type { ChildView } from './child';

/**
 * Starts the BUILT desktop main process under the FAKE electron in a child Node process (see child.ts)
 * and talks to it. A child, not this test process: every launch needs a fresh main module (it has
 * start-up side effects), a second instance needs a second process, and "the process exits by itself
 * after quit" can only be observed from outside.
 */

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MAIN = join(ROOT, 'out/main/index.js');
export const PRELOAD = join(ROOT, 'out/preload/index.cjs');

/** The built files must be newer than every source they are built from, or the test would check old code. */
export function assertBuilt(): void {
  for (const file of [MAIN, PRELOAD]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does).`);
  }
  const built = Math.min(statSync(MAIN).mtimeMs, statSync(PRELOAD).mtimeMs);
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  if (newest(join(ROOT, 'electron')) > built)
    throw new Error('out/ is older than electron/: run `npm run build` first (npm test does).');
}

export interface ExitReport {
  code: number;
  /** Files under the data folder still open when Electron would have ended the process. */
  openDataFiles: string[];
  /** Child processes (buildx, docker) still running at that instant. */
  children: string[];
  activeResources: string[];
  view: ChildView;
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False when the test had to kill it: something kept Node's loop alive after quit. */
  byItself: boolean;
  stderr: string;
}

type Reply = { kind: 'reply'; id: number; ok: boolean; value?: unknown; error?: string };
type Message = Reply | { kind: 'hello' } | { kind: 'exit-point'; report: ExitReport };

export class MainProcess {
  readonly exitPoint: Promise<ExitReport>;
  readonly ended: Promise<Ended>;
  stderr = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly child: ChildProcess;
  private readonly hello: Promise<void>;

  constructor(env: NodeJS.ProcessEnv, drainMs = 15_000) {
    this.child = fork(join(ROOT, 'test/desktop/child.ts'), [], {
      cwd: ROOT,
      env: { ...env, FAKE_ELECTRON_APP_PATH: ROOT, FAKE_ELECTRON_MAIN: MAIN },
      execArgv: ['--import', 'tsx', '--import', join(ROOT, 'test/fakes/electron/register.mjs')],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdout?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    let onHello: () => void = () => undefined;
    this.hello = new Promise((r) => (onHello = r));
    let onExitPoint: (r: ExitReport) => void = () => undefined;
    this.exitPoint = new Promise((r) => (onExitPoint = r));
    let exitPointAt = 0;
    let killed = false;
    this.child.on('message', (m: Message) => {
      if (m.kind === 'hello') onHello();
      else if (m.kind === 'exit-point') {
        exitPointAt = Date.now();
        onExitPoint(m.report);
        // Electron would be gone now; give Node a bounded time to drain, then call it a leak.
        setTimeout(() => {
          if (this.child.exitCode === null && this.child.signalCode === null) {
            killed = true;
            this.child.kill('SIGKILL');
          }
        }, drainMs).unref();
      } else {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(m.error));
      }
    });
    this.ended = new Promise((resolveEnded) =>
      this.child.on('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`main process ended:\n${this.stderr}`));
        resolveEnded({ code, signal, byItself: !killed && exitPointAt > 0, stderr: this.stderr });
      }),
    );
  }

  async call<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
    await this.hello;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.child.send({ id, op, args });
    });
  }

  state(): Promise<ChildView> {
    return this.call<ChildView>('state');
  }

  /**
   * Polls the FAKE's state until `check` returns something truthy; fails with what it saw last, at
   * once when the main process has thrown (an error there is a bug, not something to wait out).
   */
  async until<T>(what: string, check: (v: ChildView) => T | undefined | false, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: ChildView | undefined;
    while (Date.now() < deadline) {
      last = await this.state();
      const hit = check(last);
      if (hit) return hit;
      if (last.errors.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `timed out waiting for ${what}; errors: ${JSON.stringify(last?.errors)}; violations: ${JSON.stringify(last?.violations)}`,
    );
  }

  /** Last resort for a test that failed half-way: never leave a process behind. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Removes the images a test labelled `builddeck.test=<token>` and the cache records its RUN lines made. */
export async function removeTestImagesAndCache(token: string): Promise<void> {
  const exec = promisify(execFile);
  const { stdout } = await exec('docker', ['image', 'ls', '-q', '--filter', `label=builddeck.test=${token}`]);
  const ids = [...new Set(stdout.split('\n').filter(Boolean))];
  if (ids.length) await exec('docker', ['rmi', '-f', ...ids]).catch(() => undefined);
  await pruneCacheByToken(token);
}

/** The builders buildx itself lists for a BUILDX_CONFIG (`ls --format json`: one object a line). */
export async function buildxBuilderNames(sandbox: Pick<BuildxSandbox, 'docker'>): Promise<string[]> {
  const { stdout } = await sandbox.docker(['buildx', 'ls', '--format', 'json']);
  const names = stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => (JSON.parse(l) as { Name: string }).Name);
  return [...new Set(names)].sort();
}

/** Starts the main process and waits until its window shows the app and the tray has a menu. */
export async function launch(env: NodeJS.ProcessEnv): Promise<MainProcess> {
  const main = new MainProcess(env);
  await main.call('start');
  return main;
}

/**
 * Starts the main process and waits until its window shows the app and the tray has a menu. Never
 * throws: a start-up failure is returned for the suite's first test to report (a throwing beforeAll
 * would only mark the file's tests skipped), and the process is there for the others to fail on.
 */
export async function launchToWindow(env: NodeJS.ProcessEnv): Promise<{ main: MainProcess; failure?: Error }> {
  const main = await launch(env);
  try {
    await main.until('the window to load the app and the tray to get its menu', (v) =>
      v.windows.some((w) => w.page?.world.includes('builddeck')) && v.trays.some((t) => t.menu) ? true : undefined,
    );
    return { main };
  } catch (err) {
    return { main, failure: err instanceof Error ? err : new Error(String(err)) };
  }
}
