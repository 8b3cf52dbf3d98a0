import { create } from 'zustand';
import type { BuildStatus } from '../../../../electron/common/contracts/builds';
import { useBuildsUi } from '../builds/ui-store';

export interface HistoryFilters {
  builder: string;
  status: BuildStatus | '';
  /** A context folder (exact path). */
  folder: string;
  /** Free text: name, context, tags, ref, target, error. */
  text: string;
  origin: 'all' | 'builddeck' | 'external';
}

export const NO_FILTERS: HistoryFilters = { builder: '', status: '', folder: '', text: '', origin: 'all' };

interface HistoryUiState {
  /** The record on screen (a history record id); undefined shows the list. */
  open?: string | undefined;
  filters: HistoryFilters;
  /** Last folder a record was exported to: the next export suggests it. */
  exportDir?: string | undefined;
}

/** Kept outside the view so the list's filters and the open record survive a trip elsewhere. */
export const useHistoryUi = create<HistoryUiState>(() => ({ filters: NO_FILTERS }));

/** Shows a record (any id history.details accepts: a ref, a BuildDeck build id, `file:...`), or the list. */
export function openHistoryEntry(id: string | undefined): void {
  useHistoryUi.setState({ open: id });
  useBuildsUi.getState().navigateApp('history');
}

export function setHistoryFilters(change: Partial<HistoryFilters>): void {
  useHistoryUi.setState((s) => ({ filters: { ...s.filters, ...change } }));
}

export function hasFilters(f: HistoryFilters): boolean {
  return Boolean(f.builder || f.status || f.folder || f.text.trim() || f.origin !== 'all');
}

/** The `history.records` input for these filters (empty ones left out). */
export function recordsInput(f: HistoryFilters) {
  const text = f.text.trim();
  return {
    ...(f.builder ? { builder: f.builder } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.folder ? { folder: f.folder } : {}),
    ...(text ? { text } : {}),
    ...(f.origin !== 'all' ? { origin: f.origin } : {}),
  };
}

export function setExportDir(dir: string): void {
  useHistoryUi.setState({ exportDir: dir });
}
