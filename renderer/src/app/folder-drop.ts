import { create } from 'zustand';

/**
 * Who takes a folder dropped on the window. By default the builds feature (a new build of it);
 * a view that has a better use for a folder (Bake opens it as a project) claims drops while it is
 * shown, and the overlay says what will happen.
 */
export interface FolderDropHandler {
  title: string;
  sub: string;
  open(path: string): void;
}

export const useFolderDrop = create<{ handler?: FolderDropHandler | undefined }>(() => ({}));

/** Claims drops until the returned function is called (an effect's cleanup). */
export function setFolderDrop(handler: FolderDropHandler): () => void {
  useFolderDrop.setState({ handler });
  return () => {
    if (useFolderDrop.getState().handler === handler) useFolderDrop.setState({ handler: undefined });
  };
}
