import { create } from 'zustand';
import type { BakeRequestInput } from '../../../../electron/common/contracts/bake';
import type { KeyValueRow } from '../builds/new/form-model';
import { rowId } from '../builds/new/form-model';

/**
 * Where the Bake view is and what its run form holds: kept outside the view so a tray item, a
 * History entry or a drop can open a project or a run, and the form survives a trip elsewhere.
 */
export type BakePage = { kind: 'project' } | { kind: 'run'; bakeId: string };

export interface BakeDraft {
  /** Targets and groups to run; empty: the default group. */
  targets: string[];
  /** '' = the current builder. */
  builder: string;
  /** Every target builds these (`--set *.platform=`); empty: each target's own. */
  platforms: string[];
  variables: KeyValueRow[];
  /** `--set` rows: key `target.key`, value. */
  overrides: KeyValueRow[];
  noCache: boolean;
  pull: boolean;
  push: boolean;
  load: boolean;
  /** Privileges granted to the definition (`--allow`), after the user saw what it asks for. */
  allow: string[];
}

export const emptyBakeDraft = (): BakeDraft => ({
  targets: [],
  builder: '',
  platforms: [],
  variables: [],
  overrides: [],
  noCache: false,
  pull: false,
  push: false,
  load: false,
  allow: [],
});

interface BakeUiState {
  /** The open project folder. */
  projectDir?: string | undefined;
  page: BakePage;
  draft: BakeDraft;
  /** The folder picker dialog. */
  picking: boolean;
}

export const useBakeUi = create<BakeUiState>(() => ({
  page: { kind: 'project' },
  draft: emptyBakeDraft(),
  picking: false,
}));

export function setBakeDraft(update: (draft: BakeDraft) => BakeDraft): void {
  useBakeUi.setState((s) => ({ draft: update(s.draft) }));
}

/** Opens a project; a different folder starts from a clean form (its targets are not this one's). */
export function openProject(projectDir: string, draft?: BakeDraft): void {
  useBakeUi.setState((s) => ({
    projectDir,
    page: { kind: 'project' },
    picking: false,
    draft: draft ?? (s.projectDir === projectDir ? s.draft : emptyBakeDraft()),
  }));
}

export function openBakeRun(bakeId: string): void {
  useBakeUi.setState({ page: { kind: 'run', bakeId } });
}

export function setPicking(picking: boolean): void {
  useBakeUi.setState({ picking });
}

/** The form as a request; empty rows are left out (the core names what is wrong with the rest). */
export function draftToBakeRequest(projectDir: string, d: BakeDraft): BakeRequestInput {
  const pairs = (rows: KeyValueRow[]) => rows.filter((r) => r.key.trim() !== '');
  return {
    projectDir,
    targets: d.targets,
    ...(d.builder ? { builder: d.builder } : {}),
    platforms: d.platforms,
    variables: Object.fromEntries(pairs(d.variables).map((r) => [r.key.trim(), r.value])),
    overrides: pairs(d.overrides).map((r) => `${r.key.trim()}=${r.value}`),
    noCache: d.noCache,
    pull: d.pull,
    push: d.push,
    load: d.load,
    ...(d.allow.length > 0 ? { allow: d.allow } : {}),
  };
}

/** A request (from history, a re-run) back into the form. */
export function bakeRequestToDraft(r: BakeRequestInput): BakeDraft {
  return {
    targets: r.targets ?? [],
    builder: r.builder ?? '',
    platforms: r.platforms ?? [],
    variables: Object.entries(r.variables ?? {}).map(([key, value]) => ({ id: rowId(), key, value })),
    overrides: (r.overrides ?? []).map((o) => {
      const eq = o.indexOf('=');
      return { id: rowId(), key: o.slice(0, eq), value: o.slice(eq + 1) };
    }),
    noCache: r.noCache ?? false,
    pull: r.pull ?? false,
    push: r.push ?? false,
    load: r.load ?? false,
    allow: r.allow ?? [],
  };
}
