import { create } from 'zustand';
import { emptyDraft, type BuildDraft } from './new/form-model';

/**
 * Where the Builds view is and what the new-build form holds. Kept outside the view so a drop on
 * any view, a shortcut, the History view or the tray can open a prefilled form or a build, and so
 * the form survives a trip to another view.
 */
export type BuildsPage = { kind: 'new' } | { kind: 'build'; buildId: string };

/** The app's top-level views this feature may switch to (App owns the actual state). */
export type AppViewRequest = 'builds' | 'history' | 'bake';

interface BuildsUiState {
  page: BuildsPage;
  draft: BuildDraft;
  /** Bumped to ask the form to focus its context field (Ctrl/Cmd+B, a drop without a path). */
  focusContextSeq: number;
  /** A one-off message for the form (e.g. the browser could not tell a dropped folder's path). */
  notice?: { tone: 'info' | 'warn'; text: string } | undefined;
  /** Set by BuildsShell: switches App's view. */
  navigateApp: (view: AppViewRequest) => void;
}

export const useBuildsUi = create<BuildsUiState>(() => ({
  page: { kind: 'new' },
  draft: emptyDraft(),
  focusContextSeq: 0,
  navigateApp: () => undefined,
}));

export function setDraft(update: (draft: BuildDraft) => BuildDraft): void {
  useBuildsUi.setState((s) => ({ draft: update(s.draft) }));
}

/** Opens the new-build form, optionally replacing fields (a dropped folder, "edit and re-run"). */
export function openNewBuild(
  prefill?: Partial<BuildDraft>,
  options: { focus?: boolean; notice?: BuildsUiState['notice'] } = {},
): void {
  useBuildsUi.setState((s) => ({
    page: { kind: 'new' },
    draft: prefill ? { ...s.draft, ...prefill } : s.draft,
    focusContextSeq: options.focus ? s.focusContextSeq + 1 : s.focusContextSeq,
    notice: options.notice,
  }));
  useBuildsUi.getState().navigateApp('builds');
}

export function openBuild(buildId: string): void {
  useBuildsUi.setState({ page: { kind: 'build', buildId }, notice: undefined });
  useBuildsUi.getState().navigateApp('builds');
}

export function dismissNotice(): void {
  useBuildsUi.setState({ notice: undefined });
}
