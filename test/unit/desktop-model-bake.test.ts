import { describe, expect, it } from 'vitest';
import type { BakeHistoryItem, BakeSummary } from '../../electron/common/contracts/bake';
import {
  bakeFinishedNotification,
  recentBakes,
  trayIcon,
  trayMenu,
  trayTooltip,
  type TrayMenuItem,
} from '../../electron/main/desktop-model';

const bake = (over: Partial<BakeHistoryItem>): BakeHistoryItem => ({
  bakeId: 'k1',
  status: 'succeeded',
  projectDir: '/src/shop',
  builder: 'multi',
  driver: 'docker-container',
  targets: ['api', 'worker'],
  requested: [],
  results: [],
  startedAt: 1,
  ...over,
});
const labels = (items: TrayMenuItem[]) => items.map((i) => (i.type === 'separator' ? '---' : i.label));

describe('tray model with bakes', () => {
  it('lists running bakes to show or cancel, and recent bakes to run again', () => {
    const running = { ...bake({ bakeId: 'run', status: 'running' }), startedAt: 5 };
    const menu = trayMenu({
      builds: [],
      history: [],
      builders: [],
      bakes: [running],
      bakeHistory: [
        bake({ bakeId: 'k3', requested: ['api'] }),
        bake({ bakeId: 'k2', requested: ['api'] }),
        bake({ bakeId: 'k1' }),
      ],
    });
    expect(labels(menu)).toEqual([
      'Open BuildDeck',
      '---',
      'Running',
      'Bake shop on multi',
      '---',
      'Build again',
      'Bake shop (api) on multi',
      'Bake shop (2 targets) on multi',
      '---',
      'Default builder',
      '---',
      'Quit BuildDeck',
    ]);
    expect(menu.find((m) => m.label === 'Bake shop on multi')?.submenu?.map((s) => s.action)).toEqual([
      { kind: 'openBake', bakeId: 'run' },
      { kind: 'cancelBake', bakeId: 'run' },
    ]);
    expect(menu.find((m) => m.label === 'Bake shop (api) on multi')?.action).toEqual({
      kind: 'rerunBake',
      bakeId: 'k3',
    });
    expect(trayIcon({ builds: [], history: [], builders: [], bakes: [running] })).toBe('building');
    expect(trayTooltip({ builds: [], history: [], builders: [], bakes: [running] })).toBe('BuildDeck: baking shop');
  });

  it('keeps one entry per project, targets asked for and builder', () => {
    const many = [
      bake({ bakeId: 'a' }),
      bake({ bakeId: 'b' }),
      bake({ bakeId: 'c', builder: 'default' }),
      bake({ bakeId: 'd', requested: ['worker'] }),
      bake({ bakeId: 'e', projectDir: '/src/other' }),
    ];
    expect(recentBakes(many).map((b) => b.bakeId)).toEqual(['a', 'c', 'd']);
  });

  it('says which targets failed when a bake ends', () => {
    const summary: BakeSummary = {
      type: 'summary',
      bakeId: 'k',
      status: 'failed',
      ok: false,
      cancelled: false,
      durationMs: 61_000,
      error: 'failed to solve: exit code: 7\nmore',
      targets: [
        {
          target: 'api',
          ok: true,
          status: 'succeeded',
          cancelled: false,
          digest: null,
          imageName: null,
          ref: null,
          durationMs: 1,
          platforms: [],
        },
        {
          target: 'worker',
          ok: false,
          status: 'failed',
          cancelled: false,
          digest: null,
          imageName: null,
          ref: null,
          durationMs: 1,
          platforms: [],
        },
      ],
    };
    expect(bakeFinishedNotification(summary, '/src/shop')).toEqual({
      title: 'shop: bake failed',
      body: '1 min 1 s · 1/2 targets built\nFailed: worker\nfailed to solve: exit code: 7',
    });
  });
});
