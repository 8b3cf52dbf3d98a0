import { create } from 'zustand';
import type { BuildStatus } from '../../../../electron/common/contracts/builds';
import { useBuildsUi } from '../builds/ui-store';

export interface HistoryFilters {
  contextDir: string;
  builder: string;
  status: BuildStatus | '';
}

interface HistoryUiState {
  /** The stored build on screen; undefined shows the list. */
  open?: string | undefined;
  filters: HistoryFilters;
}

/** Kept outside the view so the list's filters and the open build survive a trip elsewhere. */
export const useHistoryUi = create<HistoryUiState>(() => ({ filters: { contextDir: '', builder: '', status: '' } }));

export function openHistoryEntry(buildId: string | undefined): void {
  useHistoryUi.setState({ open: buildId });
  useBuildsUi.getState().navigateApp('history');
}

export function setHistoryFilters(change: Partial<HistoryFilters>): void {
  useHistoryUi.setState((s) => ({ filters: { ...s.filters, ...change } }));
}
