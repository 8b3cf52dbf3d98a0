import { create } from 'zustand';
import type { AppError } from '../../../../electron/common/errors';
import { getBridge } from '../../api/bridge';
import { invoke } from '../../api/client';
import { openHistoryEntry } from './history-ui';

/**
 * Opening `.dockerbuild` files (a picker, a drop on the window, a typed path): the core reads the
 * OCI layout itself, so a CI run's record opens without Docker Desktop or importing it anywhere.
 */

interface OpenFileState {
  /** The open-file dialog is showing (also for a drop whose path the browser would not reveal). */
  dialog: boolean;
  /** The file the dialog was opened for, when its name is known but its path is not. */
  droppedName?: string | undefined;
  busy: boolean;
  /** The last failure: which file and the core's error (bad or truncated file, not found...). */
  failure?: { path: string; error: AppError } | undefined;
  /** Other records in the file just opened, beyond the one on screen. */
  more?: { path: string; count: number } | undefined;
}

export const useOpenFile = create<OpenFileState>(() => ({ dialog: false, busy: false }));

export function showOpenDialog(droppedName?: string): void {
  useOpenFile.setState({ dialog: true, droppedName, failure: undefined });
  openHistoryEntry(undefined);
}

export function closeOpenDialog(): void {
  useOpenFile.setState({ dialog: false, droppedName: undefined });
}

/** Opens a `.dockerbuild` file by path and shows its (first) record. */
export async function openRecordFile(path: string): Promise<boolean> {
  useOpenFile.setState({ busy: true, failure: undefined, more: undefined });
  const result = await invoke('history.open', { path });
  if (!result.ok) {
    useOpenFile.setState({ busy: false, failure: { path, error: result.error } });
    openHistoryEntry(undefined);
    return false;
  }
  const [first, ...rest] = result.value.items;
  useOpenFile.setState({
    busy: false,
    dialog: false,
    droppedName: undefined,
    more: rest.length > 0 ? { path, count: rest.length } : undefined,
  });
  if (first) openHistoryEntry(first.id);
  else {
    useOpenFile.setState({
      failure: { path, error: { code: 'INVALID_INPUT', message: 'The file holds no build record.' } },
    });
    openHistoryEntry(undefined);
  }
  return first !== undefined;
}

/**
 * A file the user dropped or picked: open it when the host tells its path (Electron always does),
 * else ask for the path (a browser never reveals where a file lives).
 */
export function openPickedFile(file: File): void {
  const path = getBridge().pathForFile(file);
  if (path) void openRecordFile(path);
  else showOpenDialog(file.name);
}
