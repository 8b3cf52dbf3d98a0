import type { BakeInspect, BakeProject, BakeTarget, BrowseResult } from '../../common/contracts/bake';
import { AppException, appError } from '../../common/errors';
import { checkFolder, pathFor, type FolderRole } from '../builds/context';
import type { BuildFsPort } from '../builds/ports';
import type { Clock } from '../ports';
import { missingEntitlements } from './entitlements';
import type { BakeDefinitionArgs, BakeDefinitionPort, BakePrint } from './ports';
import {
  contextPath,
  dockerfilePath,
  fileKind,
  groupsOf,
  isDefinitionFileName,
  locateTarget,
  orderedTargets,
  projectKind,
  toBakeTarget,
} from './project';

const PROJECT_FOLDER: FolderRole = {
  field: 'projectDir',
  noun: 'project folder',
  notAFolderHint: 'Open the folder that holds docker-bake.hcl or compose.yaml; name other files with --file.',
};
const MAX_BROWSE = 500;

/**
 * Reading bake projects: the folder picker and a project's groups and targets, resolved by
 * `docker buildx bake --print` and `--list` (buildx is the source of truth for HCL, JSON and
 * compose), with the targets whose Dockerfile or context is missing pointed at their line.
 */
export class BakeProjects {
  constructor(
    private readonly deps: {
      definitions: BakeDefinitionPort;
      fs: BuildFsPort;
      clock: Clock;
      /** The folder the picker opens first. */
      home: () => string;
    },
    /** Bound for reading a definition. */
    private readonly timeoutMs: number,
  ) {}

  async browse(dir: string | undefined): Promise<BrowseResult> {
    const { fs } = this.deps;
    const folder = await checkFolder(fs, dir ?? this.deps.home(), {
      field: 'dir',
      noun: 'folder',
      notAFolderHint: 'Choose a folder.',
    });
    const p = pathFor(folder);
    const listing = await fs.list(folder);
    const dirs = listing
      .filter((e) => e.kind === 'directory' && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
    const shown = dirs.slice(0, MAX_BROWSE);
    const entries: BrowseResult['entries'] = [];
    // Which sub-folders are projects: one directory read each, a few at a time.
    for (let i = 0; i < shown.length; i += 32) {
      const batch = await Promise.all(
        shown.slice(i, i + 32).map(async (name) => {
          const path = p.join(folder, name);
          const inner = await fs.list(path).catch(() => []);
          return { name, path, project: inner.some((e) => e.kind === 'file' && isDefinitionFileName(e.name)) };
        }),
      );
      entries.push(...batch);
    }
    const parent = p.dirname(folder);
    return {
      dir: folder,
      ...(parent !== folder ? { parent } : {}),
      entries,
      truncated: dirs.length > shown.length,
      definitionFiles: listing
        .filter((e) => e.kind === 'file' && isDefinitionFileName(e.name))
        .map((e) => e.name)
        .sort(),
    };
  }

  /** Every group and target of a project, as buildx resolves them. */
  async inspect(input: BakeInspect): Promise<BakeProject> {
    const started = this.deps.clock.now();
    const args = await this.definitionArgs(input);
    const call = { timeoutMs: this.timeoutMs };
    const { definitions } = this.deps;
    const [list, variables, defaults] = await Promise.all([
      definitions.listTargets(args, call),
      definitions.listVariables(args, call).catch(() => undefined),
      // A project may have no `default` group: then `bake` alone fails, and nothing runs by default.
      // Read before anyone chose to run it: never with outputs a buildx would create (BakeDefinitionPort.print).
      definitions.print(args, [], call, { withoutOutputs: true }).catch((err: unknown) => {
        if (err instanceof AppException && err.appError.details?.['field'] === 'targets') return undefined;
        throw err;
      }),
    ]);
    const names = (list ?? []).filter((e) => e.name !== 'default').map((e) => e.name);
    const all: BakePrint =
      names.length > 0
        ? await definitions.print(args, names, call, { withoutOutputs: true })
        : (defaults ?? { groups: {}, targets: {}, files: [], outputsRead: true });
    const declared: Record<string, string[]> = {};
    const descriptions: Record<string, string> = {};
    for (const e of list ?? []) {
      if (!e.group) continue;
      const members = e.name === 'default' ? defaults?.groups['default'] : all.groups[e.name];
      if (members) declared[e.name] = members;
      // buildx lists a group's members as its description when it has none of its own.
      if (e.description && e.description !== [...(members ?? [])].sort().join(', '))
        descriptions[e.name] = e.description.replace(/ \([^)]*\)$/, '');
    }
    if (!list && defaults?.groups['default']) declared['default'] = defaults.groups['default'];
    const groups = groupsOf(declared, descriptions);
    const files = this.absoluteFiles(args.projectDir, all.files.length > 0 ? all.files : (defaults?.files ?? []));
    const texts = await this.readDefinitions(files);
    // Targets read in the order of the groups that run them (default first), then the rest by name.
    const targetNames = [...new Set([...groups.flatMap((g) => g.targets), ...Object.keys(all.targets).sort()])];
    const targets: BakeTarget[] = [];
    for (const name of targetNames) {
      const printed = all.targets[name];
      if (!printed) continue;
      const problem = await this.dockerfileProblem(args.projectDir, name, printed, texts);
      // Shown before a start, so the question bake.start would ask comes with the project.
      const privileges = await missingEntitlements(this.deps.fs, args.projectDir, [printed], []);
      const target = toBakeTarget(args.projectDir, name, printed, groups, problem, privileges);
      targets.push(all.outputsRead ? target : { ...target, outputsUnread: true });
    }
    const described = new Map((list ?? []).map((e) => [e.name, e.description]));
    for (const t of targets) {
      const d = described.get(t.name);
      if (d && !t.description) t.description = d;
    }
    const defaultGroup = groups.find((g) => g.name === 'default');
    return {
      projectDir: args.projectDir,
      files,
      kind: projectKind(files),
      groups,
      targets,
      defaultTargets: defaultGroup?.targets ?? (defaults ? orderedTargets(defaults, []) : []),
      variables: variables ?? [],
      complete: list !== undefined,
      durationMs: this.deps.clock.now() - started,
    };
  }

  /** The definition's files checked and the project folder resolved: what every buildx bake call takes. */
  async definitionArgs(input: BakeInspect): Promise<BakeDefinitionArgs> {
    const projectDir = await checkFolder(this.deps.fs, input.projectDir, PROJECT_FOLDER);
    const p = pathFor(projectDir);
    for (const [i, f] of input.files.entries()) {
      const info = await this.deps.fs.stat(p.isAbsolute(f) ? f : p.join(projectDir, f));
      if (info.kind !== 'file' || !info.readable) {
        throw appError(
          'INVALID_INPUT',
          info.kind === 'missing' ? `The definition file ${f} does not exist.` : `${f} is not a readable file.`,
          {
            hint: 'Name files relative to the project folder, or give absolute paths.',
            details: { field: `files.${i}` },
          },
        );
      }
    }
    return { projectDir, files: input.files, overrides: input.overrides, variables: input.variables };
  }

  absoluteFiles(projectDir: string, files: readonly string[]): string[] {
    const p = pathFor(projectDir);
    return files.map((f) => (p.isAbsolute(f) ? f : p.join(projectDir, f)));
  }

  /** The definition files' text (each at most 1 MiB), to point a problem at its line. */
  async readDefinitions(files: readonly string[]): Promise<{ file: string; text: string }[]> {
    const out: { file: string; text: string }[] = [];
    for (const file of files) {
      const text = await this.deps.fs.readText(file, 1024 * 1024);
      if (text !== undefined) out.push({ file, text });
    }
    return out;
  }

  /** A target whose Dockerfile is not on disk, with the file and line that declare it. */
  async dockerfileProblem(
    projectDir: string,
    name: string,
    printed: BakePrint['targets'][string],
    texts: readonly { file: string; text: string }[],
  ): Promise<BakeTarget['problem']> {
    const path = dockerfilePath(projectDir, printed);
    if (path === undefined) return undefined;
    const ctx = contextPath(projectDir, printed.context);
    const ctxInfo = ctx ? await this.deps.fs.stat(ctx) : undefined;
    const info = await this.deps.fs.stat(path);
    if (info.kind === 'file' && ctxInfo?.kind !== 'missing') return undefined;
    // The last file that declares the target wins, as in buildx (later files override earlier ones).
    let where: { file: string; line?: number } | undefined;
    for (const { file, text } of texts) {
      const found = locateTarget(text, name, fileKind(file));
      if (found) where = { file, line: found.dockerfileLine ?? found.line };
    }
    where ??= texts[0] ? { file: texts[0].file } : undefined;
    const rel = pathFor(projectDir).relative(projectDir, path) || path;
    const message =
      ctxInfo?.kind === 'missing'
        ? `Target "${name}": its context ${printed.context} does not exist.`
        : `Target "${name}": its Dockerfile ${rel} does not exist.`;
    return { message, ...(where ? { file: where.file } : {}), ...(where?.line ? { line: where.line } : {}) };
  }
}
