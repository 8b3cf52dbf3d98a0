import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { CallOptions } from '../../core/ports';
import type { EngineApi } from '../docker/engine-api';

/**
 * What decides a node's platform list, as one opaque string: two equal keys mean ListWorkers would
 * answer the same platforms. BuildKit lists its native platform plus every emulated one whose test
 * binary the kernel runs (archutil), and it asks again on every ListWorkers call (210-250 ms in
 * dockerd on a 2-core machine). What that answer depends on:
 *  - the kernel's binfmt_misc registrations (names, interpreters, flags, enabled), read here directly,
 *    and the boot they belong to;
 *  - the daemon that runs the probe: for the docker driver, the dockerd process (its pid file next to
 *    its socket, and that process's start time: a restart or upgrade changes it) and its version; for
 *    a docker-container node, the container's ID and the time it last started (buildkitd's config and
 *    image are fixed for that run);
 *  - the pinned platforms (listed first).
 * Only an engine on this machine's kernel qualifies (a unix socket, the same kernel release): we
 * cannot see the emulators of another host or a VM (Docker Desktop), nor of remote or kubernetes
 * nodes. Undefined means "cannot tell": the caller always reads such a node in full.
 */
export async function platformsKey(
  driver: string,
  node: { name: string; endpoint: string; pinnedPlatforms: string[] },
  engineOf: () => EngineApi | undefined,
  call: CallOptions,
): Promise<string | undefined> {
  if (driver !== 'docker' && driver !== 'docker-container') return undefined;
  const engine = engineOf();
  const socket = engine?.endpoint.socketPath;
  if (!engine || !socket || !socket.startsWith('/')) return undefined;
  const host = hostEmulation();
  const [version, daemon] = await Promise.all([
    engine
      .json<{ Version?: string; GitCommit?: string; KernelVersion?: string }>('GET', '/version', undefined, call)
      .catch(() => undefined),
    driver === 'docker' ? dockerdProcess(socket) : containerRun(engine, node.name, call),
  ]);
  if (!version || !host || !daemon || version.KernelVersion !== release()) return undefined;
  return JSON.stringify([
    driver,
    node.endpoint,
    node.pinnedPlatforms,
    version.Version,
    version.GitCommit,
    daemon,
    host,
  ]);
}

const BINFMT = '/proc/sys/fs/binfmt_misc';

/**
 * The boot and every binfmt_misc registration as the kernel shows it. An interpreter loaded at
 * registration (flag F) is fixed; any other is opened at each exec, so its file is part of the key.
 * No binfmt_misc mounted is a state too (no emulation); a registration we cannot read is not.
 * Read synchronously: some 30 procfs files cost well under a millisecond that way, against tens of
 * milliseconds of CPU as promises (open, stat, read, close each through the thread pool). Nodes
 * keyed in the same moment share one read.
 */
export function hostEmulation(root = BINFMT, bootId = '/proc/sys/kernel/random/boot_id'): string | undefined {
  const now = Date.now();
  if (root === BINFMT && recent && now - recent.at < 1000) return recent.key;
  const key = readEmulation(root, bootId);
  if (root === BINFMT) recent = { at: now, key };
  return key;
}

let recent: { at: number; key: string | undefined } | undefined;

function readEmulation(root: string, bootId: string): string | undefined {
  try {
    const boot = readFileSync(bootId, 'utf8').trim();
    let names: string[];
    try {
      names = readdirSync(root)
        .filter((n) => n !== 'register')
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
      return JSON.stringify([boot, 'no binfmt_misc']);
    }
    const entries = names.map((name) => {
      const text = readFileSync(join(root, name), 'utf8');
      const interpreter = /^interpreter (.+)$/m.exec(text)?.[1];
      const fixed = /^flags: .*F/m.test(text);
      if (!interpreter || fixed) return [name, text];
      const s = statSync(interpreter, { throwIfNoEntry: false });
      return [name, text, s ? [s.ino, s.size, s.mtimeMs] : 'missing'];
    });
    return JSON.stringify([boot, entries]);
  } catch {
    return undefined;
  }
}

/** The dockerd serving `socket`: pid (from the pid file next to it) and start time; undefined when unsure. */
export async function dockerdProcess(socket: string, proc = '/proc'): Promise<string | undefined> {
  try {
    const pid = (await readFile(socket.replace(/\.sock$/, '.pid'), 'utf8')).trim();
    if (!/^\d+$/.test(pid) || !socket.endsWith('.sock')) return undefined;
    const [comm, statLine] = await Promise.all([
      readFile(join(proc, pid, 'comm'), 'utf8'),
      readFile(join(proc, pid, 'stat'), 'utf8'),
    ]);
    if (comm.trim() !== 'dockerd') return undefined;
    // Field 22 (starttime), counted after the command name's closing parenthesis (it may hold spaces).
    const started = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[19];
    return started ? `dockerd ${pid} ${started}` : undefined;
  } catch {
    return undefined;
  }
}

/** A running buildkitd container's ID and last start; undefined when it is not running. */
async function containerRun(engine: EngineApi, node: string, call: CallOptions): Promise<string | undefined> {
  try {
    const c = await engine.json<{ Id?: string; State?: { Running?: boolean; StartedAt?: string } }>(
      'GET',
      `/containers/${encodeURIComponent(`buildx_buildkit_${node}`)}/json`,
      undefined,
      call,
    );
    return c.Id && c.State?.Running && c.State.StartedAt ? `container ${c.Id} ${c.State.StartedAt}` : undefined;
  } catch {
    return undefined;
  }
}
