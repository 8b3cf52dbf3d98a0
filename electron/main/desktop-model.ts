import type { Builder } from '../common/domain';
import type { BakeHistoryItem, BakeListItem, BakeSummary } from '../common/contracts/bake';
import type { BuildListItem, BuildSummary } from '../common/contracts/builds';
import type { HistoryItem } from '../common/contracts/history';
import type { InvokeResult } from '../common/contract';
import type { Result } from '../common/errors';
import type { Router } from '../core/router';

/**
 * The tray and notifications as data, with no `electron` import: main/tray.ts renders this model
 * with Electron's Tray/Menu/Notification, and the tests exercise it over the real core. Every action
 * goes through the same router commands the window uses (no second code path for quick builds).
 */

export type TrayIcon = 'idle' | 'building' | 'failed';

export type TrayAction =
  | { kind: 'rerun'; buildId: string }
  | { kind: 'cancel'; buildId: string }
  | { kind: 'rerunBake'; bakeId: string }
  | { kind: 'cancelBake'; bakeId: string }
  | { kind: 'openBake'; bakeId: string }
  | { kind: 'useBuilder'; name: string }
  | { kind: 'openBuild'; buildId: string }
  | { kind: 'open' }
  | { kind: 'quit' };

export interface TrayMenuItem {
  label: string;
  type?: 'normal' | 'separator' | 'radio' | 'submenu';
  enabled?: boolean;
  checked?: boolean;
  submenu?: TrayMenuItem[];
  action?: TrayAction;
}

export interface TrayInputs {
  /** builds.list: running and recent builds of this process. */
  builds: BuildListItem[];
  /** history.list: newest first, all processes (desktop, CLI, serve). */
  history: HistoryItem[];
  builders: Builder[];
  /** bake.list: running and recent bakes of this process. */
  bakes?: BakeListItem[];
  /** bake.history: recorded bakes, newest first (all processes). */
  bakeHistory?: BakeHistoryItem[];
}

const isRunning = (b: { status: string }) => b.status === 'running';

function folderName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 100) / 10;
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The same configuration twice is one entry: folder, Dockerfile, builder, platforms, tags. */
export function recentConfigurations(history: HistoryItem[], max = 5): HistoryItem[] {
  const seen = new Set<string>();
  const out: HistoryItem[] = [];
  for (const item of history) {
    const key = JSON.stringify([
      item.contextDir,
      item.dockerfile ?? '',
      item.builder,
      [...item.platforms].sort(),
      [...item.tags].sort(),
    ]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
    if (out.length === max) break;
  }
  return out;
}

/** The same bake twice (project, targets asked for, builder) is one entry. */
export function recentBakes(history: BakeHistoryItem[], max = 3): BakeHistoryItem[] {
  const seen = new Set<string>();
  const out: BakeHistoryItem[] = [];
  for (const item of history) {
    const key = JSON.stringify([item.projectDir, [...item.requested].sort(), item.builder]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
    if (out.length === max) break;
  }
  return out;
}

export function bakeLabel(item: Pick<BakeHistoryItem, 'projectDir' | 'builder' | 'targets' | 'requested'>): string {
  const what = item.requested.length > 0 ? item.requested.join(', ') : `${item.targets.length} targets`;
  return `Bake ${folderName(item.projectDir)} (${what}) on ${item.builder}`;
}

export function configurationLabel(item: HistoryItem): string {
  const bits = [folderName(item.contextDir)];
  if (item.tags[0]) bits.push(item.tags[0]);
  bits.push(`on ${item.builder}`);
  if (item.platforms.length > 1) bits.push(`(${item.platforms.length} platforms)`);
  else if (item.platforms[0]) bits.push(`(${item.platforms[0]})`);
  return bits.join(' ');
}

export function trayIcon(inputs: TrayInputs): TrayIcon {
  if (inputs.builds.some((b) => isRunning(b)) || (inputs.bakes ?? []).some((b) => isRunning(b))) return 'building';
  const last = inputs.history.find((h) => !isRunning(h));
  return last && (last.status === 'failed' || last.status === 'interrupted') ? 'failed' : 'idle';
}

export function trayTooltip(inputs: TrayInputs): string {
  const running = inputs.builds.filter((b) => isRunning(b));
  const baking = (inputs.bakes ?? []).filter((b) => isRunning(b));
  if (baking.length > 0 && running.length === 0)
    return baking.length === 1 && baking[0]
      ? `BuildDeck: baking ${folderName(baking[0].projectDir)}`
      : `BuildDeck: ${baking.length} bakes running`;
  if (running.length === 1 && running[0]) return `BuildDeck: building ${folderName(running[0].contextDir)}`;
  if (running.length > 1) return `BuildDeck: ${running.length} builds running`;
  const last = inputs.history.find((h) => !isRunning(h));
  if (!last) return 'BuildDeck';
  return `BuildDeck: last build ${last.status} (${folderName(last.contextDir)})`;
}

export function trayMenu(inputs: TrayInputs): TrayMenuItem[] {
  const running = inputs.builds.filter((b) => isRunning(b));
  const recent = recentConfigurations(inputs.history);
  const current = inputs.builders.find((b) => b.current);
  const items: TrayMenuItem[] = [
    { label: 'Open BuildDeck', action: { kind: 'open' } },
    { label: '', type: 'separator' },
  ];

  const baking = (inputs.bakes ?? []).filter((b) => isRunning(b));
  if (running.length > 0 || baking.length > 0) {
    items.push({ label: 'Running', enabled: false });
    for (const b of running) {
      items.push({
        label: `${folderName(b.contextDir)} on ${b.builder}`,
        type: 'submenu',
        submenu: [
          { label: 'Show progress', action: { kind: 'openBuild', buildId: b.buildId } },
          { label: 'Cancel build', action: { kind: 'cancel', buildId: b.buildId } },
        ],
      });
    }
    for (const b of baking) {
      items.push({
        label: `Bake ${folderName(b.projectDir)} on ${b.builder}`,
        type: 'submenu',
        submenu: [
          { label: 'Show progress', action: { kind: 'openBake', bakeId: b.bakeId } },
          { label: 'Cancel bake', action: { kind: 'cancelBake', bakeId: b.bakeId } },
        ],
      });
    }
    items.push({ label: '', type: 'separator' });
  }

  const bakes = recentBakes(inputs.bakeHistory ?? []);
  items.push({ label: 'Build again', enabled: false });
  if (recent.length === 0 && bakes.length === 0)
    items.push({ label: 'No builds yet: drop a folder on the window', enabled: false });
  for (const r of recent) items.push({ label: configurationLabel(r), action: { kind: 'rerun', buildId: r.buildId } });
  for (const b of bakes) items.push({ label: bakeLabel(b), action: { kind: 'rerunBake', bakeId: b.bakeId } });
  items.push({ label: '', type: 'separator' });

  items.push({
    label: current ? `Default builder: ${current.name}` : 'Default builder',
    type: 'submenu',
    enabled: inputs.builders.length > 0,
    submenu: inputs.builders.map((b) => ({
      label: `${b.name} (${b.driver || 'unknown'})`,
      type: 'radio' as const,
      checked: b.current,
      action: { kind: 'useBuilder' as const, name: b.name },
    })),
  });
  items.push({ label: '', type: 'separator' }, { label: 'Quit BuildDeck', action: { kind: 'quit' } });
  return items;
}

/** Reads what the tray shows; a failing source shows as empty rather than hiding the tray. */
export async function loadTrayInputs(router: Router): Promise<TrayInputs> {
  const [builds, history, builders, bakes, bakeHistory] = await Promise.all([
    router.call('builds.list', {}),
    router.call('history.list', { limit: 50 }),
    router.call('builders.list', {}),
    router.call('bake.list', {}),
    router.call('bake.history', { limit: 20 }),
  ]);
  return {
    builds: builds.ok ? builds.value : [],
    history: history.ok ? history.value.items : [],
    builders: builders.ok ? builders.value.builders : [],
    bakes: bakes.ok ? bakes.value : [],
    bakeHistory: bakeHistory.ok ? bakeHistory.value.items : [],
  };
}

/** Tray clicks that reach the core; window and quit actions stay with the caller. */
export async function runTrayAction(
  router: Router,
  action: TrayAction,
): Promise<
  InvokeResult<'history.rerun' | 'builds.cancel' | 'builders.use' | 'bake.rerun' | 'bake.cancel'> | undefined
> {
  switch (action.kind) {
    case 'rerun':
      return router.call('history.rerun', { buildId: action.buildId });
    case 'cancel':
      return router.call('builds.cancel', { buildId: action.buildId });
    case 'rerunBake':
      return router.call('bake.rerun', { bakeId: action.bakeId });
    case 'cancelBake':
      return router.call('bake.cancel', { bakeId: action.bakeId });
    case 'useBuilder':
      return router.call('builders.use', { name: action.name });
    case 'openBuild':
    case 'openBake':
    case 'open':
    case 'quit':
      return undefined;
  }
}

/**
 * A folder dropped on the tray (macOS) or chosen for a quick build: the last options used for that
 * folder when there are any (history.rerun), else a default build of it (builds.start). The core
 * validates the path either way (absolute, a readable directory).
 */
export async function quickBuildFolder(router: Router, contextDir: string): Promise<Result<{ buildId: string }>> {
  const last = await router.call('history.list', { contextDir, limit: 1 });
  const item = last.ok ? last.value.items[0] : undefined;
  if (item) return router.call('history.rerun', { buildId: item.buildId });
  return router.call('builds.start', { contextDir });
}

export function finishedNotification(
  summary: BuildSummary,
  item?: Pick<HistoryItem, 'contextDir' | 'tags'>,
): { title: string; body: string } {
  const what = item ? folderName(item.contextDir) : 'Build';
  const title = summary.cancelled
    ? `${what}: build cancelled`
    : summary.ok
      ? `${what}: build succeeded`
      : `${what}: build failed`;
  const steps = summary.platforms.reduce((n, p) => n + p.steps, 0);
  const cached = summary.platforms.reduce((n, p) => n + p.cachedSteps, 0);
  const lines = [
    `${duration(summary.durationMs)}${steps > 0 ? ` · ${cached}/${steps} steps cached (${Math.round((cached / steps) * 100)}%)` : ''}`,
  ];
  if (summary.ok && summary.digest)
    lines.push(`${summary.imageName ?? item?.tags[0] ?? 'image'} ${summary.digest.slice(0, 19)}`);
  if (!summary.ok && !summary.cancelled && summary.error) lines.push(summary.error.split('\n')[0] ?? '');
  return { title, body: lines.join('\n') };
}

export function bakeFinishedNotification(summary: BakeSummary, projectDir?: string): { title: string; body: string } {
  const what = projectDir ? folderName(projectDir) : 'Bake';
  const title = summary.cancelled
    ? `${what}: bake cancelled`
    : summary.ok
      ? `${what}: bake succeeded`
      : `${what}: bake failed`;
  const failed = summary.targets.filter((t) => !t.ok && !t.cancelled).map((t) => t.target);
  const built = summary.targets.filter((t) => t.ok).length;
  const lines = [`${duration(summary.durationMs)} · ${built}/${summary.targets.length} targets built`];
  if (failed.length > 0) lines.push(`Failed: ${failed.join(', ')}`);
  if (!summary.ok && !summary.cancelled && summary.error) lines.push(summary.error.split('\n')[0] ?? '');
  return { title, body: lines.join('\n') };
}
