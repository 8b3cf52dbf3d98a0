import type { BakeGroup, BakeProject, BakeTarget } from '../../common/contracts/bake';
import { buildxCsv, isRemoteSource, isWindowsPath } from '../../common/validation';
import { pathFor } from '../builds/context';
import type { BakePrint, PrintedTarget } from './ports';

/**
 * Pure pieces of reading a bake project: expanding groups, deciding which contexts are local
 * folders, where a Dockerfile is, and which line of a definition declares a target (for errors
 * buildx itself does not locate, such as a missing Dockerfile).
 */

/** File names `docker buildx bake` reads from the project folder when none is given. */
export const DEFAULT_DEFINITION_FILES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
  'docker-bake.json',
  'docker-bake.hcl',
  'docker-bake.override.json',
  'docker-bake.override.hcl',
] as const;

export function isDefinitionFileName(name: string): boolean {
  return (DEFAULT_DEFINITION_FILES as readonly string[]).includes(name);
}

/** A context bake sends from disk (not a URL, an image, another target or stdin). */
export function isLocalContext(context: string): boolean {
  if (context.startsWith('cwd://')) return true;
  if (context === '-' || context.startsWith('target:')) return false;
  if (isWindowsPath(context)) return true;
  // URLs and the other named sources: https://, git://, docker-image://, oci-layout://.
  if (isRemoteSource(context)) return false;
  return true;
}

/** Absolute path of a local context (bake resolves relative ones from the project folder). */
export function contextPath(projectDir: string, context: string): string | undefined {
  if (!isLocalContext(context)) return undefined;
  const c = context.replace(/^cwd:\/\//, '');
  const p = pathFor(projectDir);
  return p.isAbsolute(c) ? p.normalize(c) : p.join(projectDir, c);
}

/** The Dockerfile a target reads, when it is a file on disk. */
export function dockerfilePath(projectDir: string, t: PrintedTarget): string | undefined {
  if (t.dockerfileInline) return undefined;
  const ctx = contextPath(projectDir, t.context);
  const file = t.dockerfile ?? 'Dockerfile';
  const p = pathFor(projectDir);
  if (p.isAbsolute(file)) return file;
  return ctx === undefined ? undefined : p.join(ctx, file);
}

/**
 * The attestation a target asks for explicitly (`type=sbom` or `type=provenance`, not
 * `disabled=true`), which the docker driver cannot attach; buildx's own default provenance is not
 * printed, so it is never counted here.
 */
export function explicitAttestation(t: PrintedTarget): 'provenance' | 'sbom' | undefined {
  for (const entry of t.attest) {
    const fields = buildxCsv(entry);
    const type = fields.get('type')?.trim();
    if ((type === 'sbom' || type === 'provenance') && fields.get('disabled')?.trim() !== 'true') return type;
  }
  return undefined;
}

/** Every target a group runs, nested groups expanded, each once, in declaration order. */
export function expandGroup(name: string, groups: Readonly<Record<string, readonly string[]>>): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const add = (t: string) => {
    if (!out.includes(t)) out.push(t);
  };
  const walk = (n: string) => {
    const members = groups[n];
    if (!members) return add(n);
    // Groups that include each other: buildx refuses them; here each is walked once.
    if (visiting.has(n)) return;
    visiting.add(n);
    // A group may list a target of its own name.
    for (const m of members)
      if (m === n) add(m);
      else walk(m);
  };
  walk(name);
  return out;
}

/**
 * The line of a definition file that declares `name` (HCL `target "name" {`, JSON `"name": {`,
 * compose `  name:` under services), and the line of its own `dockerfile` attribute when it has
 * one. Best effort, for the errors buildx does not locate; undefined when nothing matches (a
 * matrix-generated name).
 */
export function locateTarget(
  text: string,
  name: string,
  kind: 'hcl' | 'json' | 'compose',
): { line: number; dockerfileLine?: number } | undefined {
  const lines = text.split('\n');
  const esc = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const decl =
    kind === 'hcl'
      ? new RegExp(`^\\s*target\\s+"${esc}"\\s*\\{`)
      : kind === 'json'
        ? new RegExp(`^\\s*"${esc}"\\s*:\\s*\\{`)
        : new RegExp(`^(\\s+)${esc}:\\s*(#.*)?$`);
  const at = lines.findIndex((l) => decl.test(l));
  if (at < 0) return undefined;
  const indent = /^\s*/.exec(lines[at] ?? '')?.[0].length ?? 0;
  const attr = kind === 'hcl' ? /^\s*dockerfile\s*=/ : kind === 'json' ? /^\s*"dockerfile"\s*:/ : /^\s*dockerfile\s*:/;
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const end =
      kind === 'hcl'
        ? /^\s*(target|group|variable|function)\s/.test(l)
        : kind === 'compose'
          ? l.trim() !== '' && (/^\s*/.exec(l)?.[0].length ?? 0) <= indent
          : /^\s*"[^"]+"\s*:\s*\{/.test(l) && (/^\s*/.exec(l)?.[0].length ?? 0) <= indent;
    if (end) break;
    if (attr.test(l)) return { line: at + 1, dockerfileLine: i + 1 };
  }
  return { line: at + 1 };
}

export function fileKind(file: string): 'hcl' | 'json' | 'compose' {
  if (/\.hcl$/i.test(file)) return 'hcl';
  if (/\.json$/i.test(file)) return 'json';
  return 'compose';
}

/** Groups as the UI shows them: declared members and the targets they run. */
export function groupsOf(
  declared: Readonly<Record<string, readonly string[]>>,
  descriptions: Readonly<Record<string, string>> = {},
): BakeGroup[] {
  return Object.keys(declared)
    .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)))
    .map((name) => ({
      name,
      ...(descriptions[name] ? { description: descriptions[name] } : {}),
      members: [...(declared[name] ?? [])],
      targets: expandGroup(name, declared),
    }));
}

/** A printed target as the contract shows it. */
export function toBakeTarget(
  projectDir: string,
  name: string,
  t: PrintedTarget,
  groups: readonly BakeGroup[],
  problem?: BakeTarget['problem'],
  privileges: BakeTarget['privileges'] = [],
): BakeTarget {
  const ctx = contextPath(projectDir, t.context);
  return {
    name,
    ...(t.description ? { description: t.description } : {}),
    context: t.context,
    ...(ctx ? { contextPath: ctx } : {}),
    ...(t.dockerfile ? { dockerfile: t.dockerfile } : {}),
    dockerfileInline: t.dockerfileInline,
    ...(t.target ? { target: t.target } : {}),
    platforms: t.platforms,
    tags: t.tags,
    args: t.args,
    labels: t.labels,
    cacheFrom: t.cacheFrom,
    cacheTo: t.cacheTo,
    outputs: t.outputs,
    secrets: t.secrets,
    ssh: t.ssh,
    ...(t.network ? { network: t.network } : {}),
    noCache: t.noCache,
    pull: t.pull,
    groups: groups.filter((g) => g.targets.includes(name)).map((g) => g.name),
    ...(problem ? { problem } : {}),
    privileges,
  };
}

export function projectKind(files: readonly string[]): BakeProject['kind'] {
  const kinds = new Set(files.map(fileKind));
  if (kinds.size === 1) return [...kinds][0] as BakeProject['kind'];
  return kinds.size === 0 ? 'hcl' : 'mixed';
}

/** The printed targets of `print` for the group/target names asked, in the order a person expects. */
export function orderedTargets(print: Pick<BakePrint, 'groups' | 'targets'>, requested: readonly string[]): string[] {
  const groups = print.groups;
  const out: string[] = [];
  for (const n of requested.length > 0 ? requested : ['default']) {
    for (const t of expandGroup(n, groups)) if (print.targets[t] && !out.includes(t)) out.push(t);
  }
  for (const t of Object.keys(print.targets).sort()) if (!out.includes(t)) out.push(t);
  return out;
}
