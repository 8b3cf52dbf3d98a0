import type { AppError } from '../../../../electron/common/errors';
import { invoke } from '../../api/client';
import { useBuildsUi } from '../builds/ui-store';
import { bakeRequestToDraft, openBakeRun, openProject } from './bake-ui';
import { rememberBakeRequest, trackBake } from './live-bakes';

/**
 * What a recorded bake's row does, wherever it is listed (History's merged list, the Bake view's
 * runs): open its project with the request it ran, or run it again. A running bake opens live.
 */
export async function openRecordedBake(bakeId: string, projectDir: string, running = false): Promise<void> {
  const entry = await invoke('bake.historyGet', { bakeId });
  openProject(
    entry.ok ? entry.value.item.projectDir : projectDir,
    entry.ok ? bakeRequestToDraft(entry.value.request) : undefined,
  );
  if (running) {
    trackBake(bakeId);
    openBakeRun(bakeId);
  }
  useBuildsUi.getState().navigateApp('bake');
}

/** Starts the same bake again and shows it live; the error when it could not start. */
export async function rerunRecordedBake(bakeId: string, projectDir: string): Promise<AppError | undefined> {
  const [entry, started] = await Promise.all([invoke('bake.historyGet', { bakeId }), invoke('bake.rerun', { bakeId })]);
  if (!started.ok) return started.error;
  if (entry.ok) rememberBakeRequest(started.value.bakeId, entry.value.request);
  trackBake(started.value.bakeId);
  openProject(projectDir, entry.ok ? bakeRequestToDraft(entry.value.request) : undefined);
  openBakeRun(started.value.bakeId);
  useBuildsUi.getState().navigateApp('bake');
  return undefined;
}
