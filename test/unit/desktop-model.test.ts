import { describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../electron/common/contracts/builds';
import type { HistoryItem } from '../../electron/common/contracts/history';
import type { Builder } from '../../electron/common/domain';
import {
  finishedNotification,
  recentConfigurations,
  trayIcon,
  trayMenu,
  trayTooltip,
  type TrayMenuItem,
} from '../../electron/main/desktop-model';

const item = (over: Partial<HistoryItem>): HistoryItem => ({
  buildId: 'b1',
  status: 'succeeded',
  contextDir: '/home/me/app',
  builder: 'default',
  driver: 'docker',
  platforms: [],
  tags: [],
  startedAt: 1,
  steps: 3,
  cachedSteps: 1,
  ...over,
});
const builder = (name: string, current: boolean): Builder => ({
  name,
  driver: 'docker-container',
  current,
  contextBuilder: false,
  dynamic: false,
  nodes: [],
});
const labels = (items: TrayMenuItem[]) => items.map((i) => (i.type === 'separator' ? '---' : i.label));

describe('tray model', () => {
  it('icon: building while a build runs, failed after a failed or interrupted last build, else idle', () => {
    const running = {
      buildId: 'r',
      status: 'running' as const,
      contextDir: '/x',
      builder: 'default',
      platforms: [],
      tags: [],
      startedAt: 1,
    };
    expect(trayIcon({ builds: [running], history: [], builders: [] })).toBe('building');
    expect(trayIcon({ builds: [], history: [item({ status: 'failed' })], builders: [] })).toBe('failed');
    expect(trayIcon({ builds: [], history: [item({ status: 'interrupted' })], builders: [] })).toBe('failed');
    expect(
      trayIcon({ builds: [], history: [item({ status: 'succeeded' }), item({ status: 'failed' })], builders: [] }),
    ).toBe('idle');
    expect(trayTooltip({ builds: [running], history: [], builders: [] })).toBe('BuildDeck: building x');
  });

  it('menu: running builds with cancel, recent configurations once each, builder switcher, quit', () => {
    const running = {
      buildId: 'r1',
      status: 'running' as const,
      contextDir: '/src/api',
      builder: 'ci',
      platforms: [],
      tags: [],
      startedAt: 1,
    };
    const history = [
      item({ buildId: 'h3', contextDir: '/src/web', tags: ['web:dev'] }),
      item({ buildId: 'h2', contextDir: '/src/web', tags: ['web:dev'] }),
      item({ buildId: 'h1', contextDir: '/src/api', builder: 'ci', platforms: ['linux/amd64', 'linux/arm64'] }),
    ];
    const menu = trayMenu({ builds: [running], history, builders: [builder('default', false), builder('ci', true)] });
    expect(labels(menu)).toEqual([
      'Open BuildDeck',
      '---',
      'Running',
      'api on ci',
      '---',
      'Build again',
      'web web:dev on default',
      'api on ci (2 platforms)',
      '---',
      'Default builder: ci',
      '---',
      'Quit BuildDeck',
    ]);
    const runningItem = menu.find((m) => m.label === 'api on ci' && m.type === 'submenu');
    expect(runningItem?.submenu?.map((s) => s.action)).toEqual([
      { kind: 'openBuild', buildId: 'r1' },
      { kind: 'cancel', buildId: 'r1' },
    ]);
    expect(menu.find((m) => m.label === 'web web:dev on default')?.action).toEqual({ kind: 'rerun', buildId: 'h3' });
    const switcher = menu.find((m) => m.label.startsWith('Default builder'))?.submenu ?? [];
    expect(switcher.map((s) => [s.label, s.checked, s.action])).toEqual([
      ['default (docker-container)', false, { kind: 'useBuilder', name: 'default' }],
      ['ci (docker-container)', true, { kind: 'useBuilder', name: 'ci' }],
    ]);
  });

  it('keeps at most five recent configurations, newest first', () => {
    const many = Array.from({ length: 9 }, (_, i) => item({ buildId: `h${i}`, contextDir: `/p/${i}` }));
    expect(recentConfigurations(many).map((i) => i.buildId)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
  });
});

describe('build finished notification', () => {
  const summary = (over: Partial<BuildSummary>): BuildSummary => ({
    type: 'summary',
    buildId: 'b',
    status: 'succeeded',
    ok: true,
    cancelled: false,
    digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    imageName: 'app:dev',
    durationMs: 12_400,
    platforms: [
      { platform: 'linux/amd64', ok: true, steps: 4, cachedSteps: 3, cacheHitRatio: 0.75, durationMs: 12_000 },
    ],
    ...over,
  });
  it('says result, duration, cache-hit ratio and digest', () => {
    expect(finishedNotification(summary({}), { contextDir: '/src/app', tags: ['app:dev'] })).toEqual({
      title: 'app: build succeeded',
      body: '12.4 s · 3/4 steps cached (75%)\napp:dev sha256:0123456789ab',
    });
  });
  it('failed and cancelled builds say so, failures with their first error line', () => {
    expect(
      finishedNotification(
        summary({ ok: false, status: 'failed', error: 'process "/bin/sh -c false" did not complete\nmore' }),
      ).title,
    ).toBe('Build: build failed');
    expect(finishedNotification(summary({ ok: false, status: 'failed', error: 'boom\nmore' })).body).toContain('boom');
    expect(finishedNotification(summary({ ok: false, cancelled: true, status: 'cancelled' })).title).toBe(
      'Build: build cancelled',
    );
  });
});
