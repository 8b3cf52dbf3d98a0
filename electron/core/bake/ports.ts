import type { CallOptions } from '../ports';

/** Where and how to read a definition: the project folder, its files, overrides and variables. */
export interface BakeDefinitionArgs {
  projectDir: string;
  files: readonly string[];
  overrides: readonly string[];
  /** Set in buildx's environment, as `NAME=value docker buildx bake` does. */
  variables: Readonly<Record<string, string>>;
}

/** One target as `bake --print` resolved it, with both buildx shapes (0.13 strings, 0.29 objects) made one. */
export interface PrintedTarget {
  description?: string;
  context: string;
  dockerfile?: string;
  dockerfileInline: boolean;
  target?: string;
  platforms: string[];
  tags: string[];
  args: Record<string, string>;
  labels: Record<string, string>;
  cacheFrom: string[];
  cacheTo: string[];
  outputs: string[];
  secrets: string[];
  ssh: string[];
  network?: string;
  noCache: boolean;
  pull: boolean;
}

export interface BakePrint {
  /** Groups as printed (declared members; see BakeDefinitionPort.print about `default`). */
  groups: Record<string, string[]>;
  targets: Record<string, PrintedTarget>;
  /** The definition files buildx said it read, as it named them (relative to the project). */
  files: string[];
}

export interface BakeListEntry {
  name: string;
  group: boolean;
  description?: string;
}

/**
 * `docker buildx bake` as a source of truth for definitions. Failures of the definition (syntax,
 * unknown target, bad override) reject with INVALID_INPUT naming the file, line and field.
 */
export interface BakeDefinitionPort {
  /**
   * `bake --print NAMES...`: the targets those names resolve to (variables, inheritance, matrices
   * expanded). buildx adds the requested names to the printed `default` group, so its members are
   * exact only when NAMES is empty.
   */
  print(args: BakeDefinitionArgs, names: readonly string[], call: CallOptions): Promise<BakePrint>;
  /** `bake --list=type=targets,format=json`; undefined when this buildx cannot list (< 0.20). */
  listTargets(args: BakeDefinitionArgs, call: CallOptions): Promise<BakeListEntry[] | undefined>;
  /** `bake --list=type=variables,format=json`; undefined when this buildx cannot list. */
  listVariables(args: BakeDefinitionArgs, call: CallOptions): Promise<{ name: string; value?: string }[] | undefined>;
}
