/**
 * What buildx's own files say of the builders, read from disk without running buildx: the list
 * (stored builders, then the docker contexts a stored builder of the same name does not hide),
 * which one is current (buildx's GetCurrentInstance: `current`, `defaults/`) and each builder's
 * last activity (`activity/`). NativeBuilderStatus (builder-status.ts) reads through these.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredBuilderDetails } from '../../core/builders/ports';
import type { KnownBuilder } from '../../core/ports';
import type { DockerContext } from '../docker/contexts';

/** The builders and their nodes from buildx's store and the contexts (not yet which is current, nor activity). */
export function knownBuilders(
  stored: StoredBuilderDetails[],
  contexts: DockerContext[],
): { builders: KnownBuilder[]; names: Set<string> } {
  const names = new Set(stored.map((b) => b.name));
  const builders: KnownBuilder[] = [
    ...stored.map((b) => ({
      name: b.name,
      driver: b.driver,
      current: false,
      contextBuilder: false,
      nodes: b.nodes.map((n) => ({
        name: n.name,
        endpoint: n.endpoint,
        pinnedPlatforms: n.pinnedPlatforms,
        driverOpts: n.driverOpts,
        flags: n.flags,
      })),
    })),
    // A context named like a stored builder is hidden by it, as in buildx.
    ...contexts
      .filter((c) => !names.has(c.name))
      .map((c) => ({
        name: c.name,
        driver: 'docker',
        current: false,
        contextBuilder: true,
        nodes: [{ name: c.name, endpoint: c.name, pinnedPlatforms: [], driverOpts: {}, flags: [] }],
      })),
  ];
  return { builders, names };
}

interface CurrentFile {
  Key?: string;
  Name?: string;
  Global?: boolean;
}

export async function readCurrent(root: string): Promise<CurrentFile> {
  try {
    return JSON.parse(await readFile(join(root, 'current'), 'utf8')) as CurrentFile;
  } catch {
    return {};
  }
}

/**
 * buildx's GetCurrentInstance, read-only: `current` names the builder chosen for an endpoint key (the
 * context name, or the default context's docker host), or for every endpoint (Global); else the
 * per-endpoint default in `defaults/<sha256(key)[:20]>`; else the current context's own builder.
 */
export async function currentBuilderName(
  root: string,
  current: CurrentFile,
  contextName: string,
  contexts: DockerContext[],
  stored: Set<string>,
): Promise<string> {
  const key =
    contextName !== 'default' ? contextName : (contexts.find((c) => c.name === 'default')?.host ?? contextName);
  if (current.Name) {
    if (current.Global && stored.has(current.Name)) return current.Name;
    if (current.Key === key) return stored.has(current.Name) ? current.Name : contextName;
  }
  try {
    // Listed first: `defaults/` is empty unless `buildx use --default` was run, and hashing the key
    // needs node:crypto, whose load (~8 ms) would come before a build's buildx is spawned.
    const defaults = await readdir(join(root, 'defaults'));
    if (defaults.length > 0) {
      const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 20);
      if (defaults.includes(hash)) {
        const name = (await readFile(join(root, 'defaults', hash), 'utf8')).trim();
        if (stored.has(name)) return name;
      }
    }
  } catch {
    // no per-endpoint default
  }
  return contextName;
}

/** `activity/<name>` holds the RFC 3339 time of the builder's last build; absent means never. */
export async function lastActivity(root: string, name: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(root, 'activity', name), 'utf8')).trim();
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  } catch {
    return undefined;
  }
}
