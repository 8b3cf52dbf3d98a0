import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Docker Engine this test owns and may kill (see ../shared/docs/buildkit-facts.md, "A throwaway
 * Docker Engine"): its own bridge (never the "none" bridge setting, which deletes the host's docker0), data-root,
 * exec-root, pidfile, socket and config file, no iptables rules. Killed only through its pidfile;
 * `destroy()` unmounts what it left, deletes its bridge and folders, whatever happened before.
 */
export class ThrowawayEngine {
  readonly dir: string;
  readonly socket: string;
  readonly host: string;
  readonly bridge: string;
  private readonly pidfile: string;
  private bridgeMade = false;

  private constructor(label: string) {
    if (process.getuid?.() !== 0) {
      throw new Error('The throwaway Docker Engine needs root (dockerd, a bridge, mounts); CI runs as root.');
    }
    this.dir = mkdtempSync(join(tmpdir(), `bdt-engine-${label}-`));
    this.socket = join(this.dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.pidfile = join(this.dir, 'docker.pid');
    // Interface names are at most 15 characters.
    this.bridge = `br-bdt${Math.random().toString(36).slice(2, 8)}`;
  }

  static async create(label: string): Promise<ThrowawayEngine> {
    const engine = new ThrowawayEngine(label);
    try {
      await engine.makeBridge();
      mkdirSync(join(engine.dir, 'data'));
      mkdirSync(join(engine.dir, 'exec'));
      writeFileSync(join(engine.dir, 'daemon.json'), '{}\n');
      await engine.start();
      // The base image, from the main engine: no registry, no internet.
      await pipe(['save', 'local/busybox:latest'], ['load'], { ...process.env, DOCKER_HOST: engine.host });
      return engine;
    } catch (err) {
      await engine.destroy();
      throw err;
    }
  }

  /** The environment for docker/buildx pointed at this engine. */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return { ...base, DOCKER_HOST: this.host };
  }

  private async makeBridge(): Promise<void> {
    const { stdout } = await exec('ip', ['-4', '-o', 'addr']);
    let third = 0;
    for (let tries = 0; tries < 50; tries++) {
      const candidate = 200 + Math.floor(Math.random() * 50);
      if (!stdout.includes(`172.31.${candidate}.`)) {
        third = candidate;
        break;
      }
    }
    if (!third) throw new Error('no free 172.31.x.0/24 subnet for the throwaway bridge');
    await exec('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    this.bridgeMade = true;
    await exec('ip', ['addr', 'add', `172.31.${third}.1/24`, 'dev', this.bridge]);
    await exec('ip', ['link', 'set', this.bridge, 'up']);
  }

  /** Starts dockerd (again, on the same state) and resolves when it answers /_ping; returns ms taken. */
  async start(): Promise<number> {
    const t0 = Date.now();
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const child = spawn(
      'dockerd',
      [
        '--config-file',
        join(this.dir, 'daemon.json'),
        '--data-root',
        join(this.dir, 'data'),
        '--exec-root',
        join(this.dir, 'exec'),
        '--pidfile',
        this.pidfile,
        '-H',
        this.host,
        `--bridge=${this.bridge}`,
        '--iptables=false',
        '--ip6tables=false',
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    child.unref();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`dockerd exited at start:\n${this.logTail()}`);
      if (await this.ping()) return Date.now() - t0;
      await sleep(100);
    }
    throw new Error(`dockerd did not answer within 60 s:\n${this.logTail()}`);
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.end();
    });
  }

  private pid(): number | undefined {
    if (!existsSync(this.pidfile)) return undefined;
    const pid = Number(readFileSync(this.pidfile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }

  /** kill -9 by the pidfile; resolves when the process is gone. */
  async kill9(): Promise<void> {
    const pid = this.pid();
    if (!pid) throw new Error('the throwaway dockerd has no pidfile');
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 10_000);
  }

  logTail(): string {
    try {
      return readFileSync(join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stops dockerd (TERM, then KILL), unmounts what is left under its folder, deletes bridge and folder. */
  async destroy(): Promise<void> {
    const pid = this.pid();
    if (pid && alive(pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      if (!(await waitGone(pid, 20_000))) {
        process.kill(pid, 'SIGKILL');
        await waitGone(pid, 10_000);
      }
    }
    // A build killed with its engine leaves its rootfs mounted; dockerd bind-mounts its data-root.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m === this.dir || m.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      await exec('umount', [m]).catch(() => exec('umount', ['-l', m]).catch(() => undefined));
    }
    if (this.bridgeMade) await exec('ip', ['link', 'del', this.bridge]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    // Loud, because every later test would fail for a reason that is not theirs.
    const docker0 = await exec('ip', ['link', 'show', 'docker0']).then(
      () => true,
      () => false,
    );
    if (!docker0) throw new Error('docker0 is GONE after the throwaway engine: restart the main dockerd');
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return !alive(pid);
}

/** `docker A... | docker B...` without a shell. */
function pipe(a: string[], b: string[], envB: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const left = spawn('docker', a, { stdio: ['ignore', 'pipe', 'pipe'] });
    const right = spawn('docker', b, { stdio: ['pipe', 'ignore', 'pipe'], env: envB });
    let err = '';
    left.stderr.on('data', (c: Buffer) => (err += c.toString()));
    right.stderr.on('data', (c: Buffer) => (err += c.toString()));
    left.stdout.pipe(right.stdin);
    right.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${b.join(' ')}: ${err}`))));
    right.on('error', reject);
    left.on('error', reject);
  });
}
