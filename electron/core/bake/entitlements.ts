import { appError } from '../../common/errors';
import { pathFor } from '../builds/context';
import type { BuildFsPort } from '../builds/ports';
import type { PrintedTarget } from './ports';
import { isLocalContext } from './project';

/**
 * What a bake asks of this machine beyond building, and whether the user allowed it.
 *
 * Since buildx 0.20, `docker buildx bake` asks before it lets a definition run containers on the
 * host network or privileged, forward the SSH agent, or read or write files outside the folder it
 * runs in (a cloned project's docker-bake.hcl can name `../../.ssh` as a context, a secret's file or
 * a local output). buildx skips that question under `--progress=rawjson`, which is how BuildDeck
 * runs bake: the tool is expected to ask. So BuildDeck asks here, with buildx's rules (which paths
 * count, the project folder always allowed, symbolic links resolved) and buildx's `--allow` words,
 * for every target of the bake together (buildx 0.29 keeps only the last target's paths).
 */

/** The entitlements a request grants, read as buildx reads `--allow`. */
interface Granted {
  networkHost: boolean;
  securityInsecure: boolean;
  ssh: boolean;
  allDevices: boolean;
  devices: Set<string>;
  read: string[];
  write: string[];
}

/** The device a `device=NAME[,options]` value names. */
const deviceName = (value: string) => (value.split(',')[0] ?? '').trim();

function granted(allow: readonly string[]): Granted {
  const g: Granted = {
    networkHost: false,
    securityInsecure: false,
    ssh: false,
    allDevices: false,
    devices: new Set(),
    read: [],
    write: [],
  };
  for (const a of allow) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? '' : a.slice(eq + 1);
    if (a === 'network.host') g.networkHost = true;
    else if (a === 'security.insecure') g.securityInsecure = true;
    else if (a === 'ssh') g.ssh = true;
    else if (key === 'device') {
      if (value === '') g.allDevices = true;
      else g.devices.add(deviceName(value));
    } else if (key === 'fs.read') g.read.push(value);
    else if (key === 'fs.write') g.write.push(value);
    else if (key === 'fs') {
      g.read.push(value);
      g.write.push(value);
    }
  }
  return g;
}

/** Exporters that write to the machine BuildDeck runs on when they have a `dest`. */
const WRITES_LOCALLY = new Set(['local', 'tar', 'oci', 'docker', '']);

/**
 * `oci-layout://PATH[:TAG][@DIGEST]`: a local OCI layout folder a named context reads. The tag and
 * digest follow the last path segment.
 */
function ociLayoutPath(v: string): string | undefined {
  if (!v.startsWith('oci-layout://')) return undefined;
  const rest = v.slice('oci-layout://'.length).replace(/@sha256:[a-f0-9]+$/i, '');
  const slash = Math.max(rest.lastIndexOf('/'), rest.lastIndexOf('\\'));
  const colon = rest.indexOf(':', slash + 1);
  return colon > 0 ? rest.slice(0, colon) : rest;
}

/**
 * Local paths a target reads and writes, as buildx opens them: relative ones from the project
 * folder (bake's working directory), a relative Dockerfile from its context, `cwd://` from the
 * project. Paths are joined, never normalised: `link/../x` must be resolved the way the kernel
 * does (through the link), which resolveExisting does.
 */
export function targetPaths(projectDir: string, t: PrintedTarget): { read: string[]; write: string[] } {
  const p = pathFor(projectDir);
  const under = (base: string, f: string) => {
    const c = f.replace(/^cwd:\/\//, '');
    if (p.isAbsolute(c)) return c;
    return base.endsWith(p.sep) ? base + c : `${base}${p.sep}${c}`;
  };
  const read: string[] = [];
  const write: string[] = [];
  const contextLocal = isLocalContext(t.context);
  const context = contextLocal ? under(projectDir, t.context) : undefined;
  if (context !== undefined) read.push(context);
  if (!t.dockerfileInline) {
    const file = t.dockerfile ?? 'Dockerfile';
    // cwd:// and absolute Dockerfiles are read from disk even beside a remote context.
    if (file.startsWith('cwd://')) read.push(under(projectDir, file));
    else if (p.isAbsolute(file)) read.push(file);
    else if (context !== undefined) read.push(under(context, file));
  }
  for (const v of Object.values(t.namedContexts)) {
    const layout = ociLayoutPath(v);
    if (layout) read.push(under(projectDir, layout));
    else if (v && isLocalContext(v)) read.push(under(projectDir, v));
  }
  for (const f of [...t.secretFiles, ...t.sshKeyFiles]) read.push(under(projectDir, f));
  for (const c of t.cacheFromPaths) if (c.type === 'local' && c.path) read.push(under(projectDir, c.path));
  for (const c of t.cacheToPaths) if (c.type === 'local' && c.path) write.push(under(projectDir, c.path));
  for (const o of t.outputPaths) {
    // `-` is stdout; an image or registry export writes nothing here.
    if (o.path && o.path !== '-' && WRITES_LOCALLY.has(o.type)) write.push(under(projectDir, o.path));
  }
  return { read, write };
}

const inside = (path: string, parent: string, sep: string) =>
  path === parent || parent === sep || path.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/** Paths not under any allowed one, each once (a path under another listed one is left out). */
async function missingPaths(
  fs: Pick<BuildFsPort, 'resolveExisting'>,
  projectDir: string,
  allowed: readonly string[],
  wanted: readonly string[],
): Promise<string[]> {
  if (allowed.includes('*')) return [];
  const p = pathFor(projectDir);
  // Both sides as the kernel would open them: links resolved, a part that does not exist yet kept
  // as named (so `--allow fs.write=../out` grants exactly the folder bake will create there).
  const full = async (path: string) => {
    const r = await fs.resolveExisting(path);
    return r.rest ? p.join(r.existing, r.rest) : r.existing;
  };
  const roots = await Promise.all(
    [projectDir, ...allowed].map((a) => full(p.isAbsolute(a) ? a : `${projectDir}${p.sep}${a}`)),
  );
  const resolved = [...new Set(await Promise.all(wanted.map(full)))].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const w of resolved) {
    if (out.some((o) => inside(w, o, p.sep))) continue;
    if (!roots.some((r) => inside(w, r, p.sep))) out.push(w);
  }
  return out.sort();
}

/** A path as buildx words it: relative to the project when at most one `..` away, else absolute. */
function shown(projectDir: string, path: string): string {
  const p = pathFor(projectDir);
  const rel = p.relative(projectDir, path);
  if (rel === '') return '.';
  return rel.startsWith(`..${p.sep}..`) || p.isAbsolute(rel) ? path : rel;
}

export interface MissingEntitlement {
  /** The `--allow` value that grants it (`network.host`, `fs.read=../lib`, ...). */
  allow: string;
  /** buildx's words for it. */
  description: string;
}

/**
 * What the targets ask for that `allow` does not grant, in buildx's order (containers, devices,
 * the SSH agent, then paths: read and write, read, write). Empty: the bake may run.
 */
export async function missingEntitlements(
  fs: Pick<BuildFsPort, 'resolveExisting'>,
  projectDir: string,
  targets: readonly PrintedTarget[],
  allow: readonly string[],
): Promise<MissingEntitlement[]> {
  const g = granted(allow);
  const out: MissingEntitlement[] = [];
  const asked = new Set(targets.flatMap((t) => t.entitlements));
  if (asked.has('network.host') && !g.networkHost)
    out.push({ allow: 'network.host', description: 'Running build containers that can access host network' });
  if (asked.has('security.insecure') && !g.securityInsecure)
    out.push({
      allow: 'security.insecure',
      description: 'Running privileged containers that can make system changes',
    });
  if (asked.has('device') && !g.allDevices) out.push({ allow: 'device', description: 'Access to CDI devices' });
  for (const e of [...asked].filter((a) => a.startsWith('device=')).sort()) {
    const name = deviceName(e.slice('device='.length));
    if (name && !g.allDevices && !g.devices.has(name))
      out.push({ allow: `device=${name}`, description: `Access to device ${name}` });
  }
  if (targets.some((t) => t.sshAgent) && !g.ssh)
    out.push({ allow: 'ssh', description: 'Forwarding default SSH agent socket' });
  const paths = targets.map((t) => targetPaths(projectDir, t));
  const read = await missingPaths(
    fs,
    projectDir,
    g.read,
    paths.flatMap((x) => x.read),
  );
  const write = await missingPaths(
    fs,
    projectDir,
    g.write,
    paths.flatMap((x) => x.write),
  );
  const both = read.filter((r) => write.includes(r));
  const kinds: [key: string, words: string, paths: string[]][] = [
    ['fs', 'Read and write access', both],
    ['fs.read', 'Read access', read.filter((r) => !both.includes(r))],
    ['fs.write', 'Write access', write.filter((w) => !both.includes(w))],
  ];
  for (const [key, words, paths] of kinds)
    for (const path of paths) {
      const named = shown(projectDir, path);
      out.push({ allow: `${key}=${named}`, description: `${words} to path ${named}` });
    }
  return out;
}

/** The refusal: what the definition asks for, and the exact flags that grant it. */
export function entitlementsRequired(missing: readonly MissingEntitlement[]) {
  const flags = missing.map((m) => `--allow=${m.allow}`).join(' ');
  return appError(
    'INVALID_INPUT',
    `The bake asks for privileges it was not given: ${missing.map((m) => m.description.charAt(0).toLowerCase() + m.description.slice(1)).join('; ')}.`,
    {
      hint: `If you trust this definition, allow them (${flags}, or "Allow and start" in the app) and start again.`,
      details: {
        field: 'allow',
        entitlements: missing.map((m) => m.allow),
        descriptions: missing.map((m) => m.description),
      },
    },
  );
}
