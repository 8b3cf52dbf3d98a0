import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { FolderInput } from 'lucide-react';
import type { BuildRequestInput } from '../../../../electron/common/contracts/builds';
import type { HistoryEntry } from '../../../../electron/common/contracts/history';
import { getBridge } from '../../api/bridge';
import { useFolderDrop } from '../../app/folder-drop';
import { commandKey, invoke } from '../../api/client';
import { useLiveBuildEvents, useLiveBuilds } from './live-store';
import { requestToDraft } from './new/form-model';
import { isMod } from './shortcuts';
import { openPickedFile } from '../history/open-file';
import { isDockerBuildFile } from '../history/records';
import { useRerunEntry, useStartBuild } from './start';
import { openNewBuild, useBuildsUi, type AppViewRequest } from './ui-store';
import styles from './BuildsView.module.css';

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

/**
 * A folder dropped anywhere on the window opens a prefilled new build (a `.dockerbuild` file opens
 * its record in History instead). The path comes from the
 * host (Electron's webUtils via the preload); the core then checks it is a readable folder and the
 * form shows its verdict, so a dropped file gets the core's "is not a folder" message.
 */
function useWindowDrop(): boolean {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  useEffect(() => {
    const enter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth.current += 1;
      setOver(true);
    };
    const overHandler = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      // Without this the browser opens the dropped file instead of handing it to us.
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const leave = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const drop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setOver(false);
      const files = Array.from(event.dataTransfer?.files ?? []);
      const file = files[0];
      if (!file) return;
      // A build record opens in History; it is never a context to build.
      if (isDockerBuildFile(file.name)) {
        openPickedFile(file);
        return;
      }
      const path = getBridge().pathForFile(file);
      const claimed = useFolderDrop.getState().handler;
      if (path && claimed) {
        claimed.open(path);
        return;
      }
      if (!path) {
        openNewBuild(undefined, {
          focus: true,
          notice: {
            tone: 'warn',
            text: `This browser does not reveal where “${file.name}” is on disk. Type the folder's absolute path instead.`,
          },
        });
        return;
      }
      openNewBuild(
        { contextDir: path, dockerfile: '', target: '' },
        files.length > 1
          ? { notice: { tone: 'info', text: `${files.length} items were dropped; building the first, ${file.name}.` } }
          : {},
      );
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return over;
}

/** What Ctrl/Cmd+Shift+R repeats: this window's last request, else the newest build in history. */
async function lastBuild(): Promise<{ request: BuildRequestInput } | { entry: HistoryEntry } | undefined> {
  const mine = useLiveBuilds.getState().lastRequest;
  if (mine) return { request: mine };
  const list = await invoke('history.list', { limit: 1 });
  const newest = list.ok ? list.value.items[0] : undefined;
  if (!newest) return undefined;
  const entry = await invoke('history.get', { buildId: newest.buildId });
  return entry.ok ? { entry: entry.value } : undefined;
}

/**
 * App-wide parts of the builds feature, mounted once by App: build events, the window drop zone,
 * and the shortcuts that work from any view (Ctrl/Cmd+B new build, Ctrl/Cmd+Shift+R re-run last).
 */
export function BuildsShell({ onNavigate }: { onNavigate: (view: AppViewRequest) => void }) {
  const queryClient = useQueryClient();
  const start = useStartBuild();
  const rerunEntry = useRerunEntry();
  const over = useWindowDrop();
  useLiveBuildEvents();

  useEffect(() => {
    useBuildsUi.setState({ navigateApp: onNavigate });
  }, [onNavigate]);

  useEffect(() => {
    const bridge = getBridge();
    const refresh = () => {
      void queryClient.invalidateQueries({ queryKey: commandKey('builds.list') });
      void queryClient.invalidateQueries({
        predicate: (q) => typeof q.queryKey[1] === 'string' && q.queryKey[1].startsWith('history.'),
      });
    };
    const offStarted = bridge.on('build.started', refresh);
    const offFinished = bridge.on('build.finished', refresh);
    const offHistory = bridge.on('history.changed', refresh);
    // Builds from other clients (a terminal, CI) appearing or finishing, opened .dockerbuild files.
    const offRecords = bridge.on('history.recordsChanged', ({ reason }) => {
      // A row described in the background (platforms, digest, error) changes the list only.
      if (reason === 'described') void queryClient.invalidateQueries({ queryKey: commandKey('history.records') });
      else refresh();
    });
    return () => {
      offStarted();
      offFinished();
      offHistory();
      offRecords();
    };
  }, [queryClient]);

  const startRef = useRef(start);
  const rerunRef = useRef(rerunEntry);
  useEffect(() => {
    startRef.current = start;
    rerunRef.current = rerunEntry;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isMod(event) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'b' && !event.shiftKey) {
        event.preventDefault();
        openNewBuild(undefined, { focus: true });
      } else if (key === 'r' && event.shiftKey) {
        event.preventDefault();
        void (async () => {
          const last = await lastBuild();
          if (!last) {
            openNewBuild(undefined, {
              focus: true,
              notice: { tone: 'info', text: 'Nothing to re-run yet: start a build first.' },
            });
            return;
          }
          const request = 'request' in last ? last.request : last.entry.request;
          const result = 'request' in last ? await startRef.current(last.request) : await rerunRef.current(last.entry);
          if (!result.ok) {
            openNewBuild(requestToDraft(request), {
              notice: { tone: 'warn', text: `Re-run failed: ${result.error.message}` },
            });
          }
        })();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const claimed = useFolderDrop((s) => s.handler);
  return over ? (
    <div className={styles.dropOverlay} data-testid="drop-overlay" aria-hidden>
      <div className={styles.dropCard}>
        <FolderInput size={34} aria-hidden />
        <p className={styles.dropTitle}>{claimed?.title ?? 'Drop a folder to build it'}</p>
        <p className={styles.dropSub}>
          {claimed?.sub ??
            'BuildDeck opens a new build with the folder as its context. A .dockerbuild file opens its build record.'}
        </p>
      </div>
    </div>
  ) : null;
}
