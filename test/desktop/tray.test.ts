/**
 * The tray of the BUILT main process under the FAKE electron (see main-process.test.ts for what the
 * FAKE cannot know): its menu is drawn from the real core (buildx builders, the history database),
 * and a quick build clicked in it runs a real build on the real engine and ends in a notification.
 * Drop on the tray icon exists only on macOS; the FAKE emits the same 'drop-files' event here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import type { ChildView } from './child';
import type { MenuView } from '../fakes/electron/desktop';
import { assertBuilt, buildxBuilderNames, launchToWindow, removeTestImagesAndCache, type MainProcess } from './harness';

const exec = promisify(execFile);
type Finished = {
  buildId: string;
  summary: { ok: boolean; digest?: string; platforms: { steps: number; cachedSteps: number }[] };
};
type Result = { ok: true; value: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

const trayOf = (v: ChildView) => {
  const t = v.trays.find((x) => !x.destroyed);
  if (!t?.menu) throw new Error('no tray menu');
  return { ...t, menu: t.menu };
};
const labels = (menu: MenuView[]) => menu.filter((m) => m.type !== 'separator').map((m) => m.label);

describe('desktop tray (built main process) under the FAKE electron', () => {
  const token = `bdtray${Math.random().toString(36).slice(2, 8)}`;
  const tag = `bdtest/${token}:1`;
  let dir: string;
  let good: string;
  let bad: string;
  let sandbox: BuildxSandbox;
  let remote: string;
  let main: MainProcess;
  let startFailure: Error | undefined;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'bd-tray-'));
    good = mkdtempSync(join(dir, 'good-'));
    bad = mkdtempSync(join(dir, 'bad-'));
    writeFileSync(
      join(good, 'Dockerfile'),
      `FROM local/busybox:latest\nLABEL builddeck.test=${token}\nRUN echo ${token} > /tray.txt\n`,
    );
    writeFileSync(join(bad, 'Dockerfile'), `FROM local/busybox:latest\nRUN echo ${token} && exit 3\n`);
    sandbox = buildxSandbox();
    // A second builder the tray must list (remote, nothing listens: no container needed).
    remote = sandbox.name('tray');
    await sandbox.docker(['buildx', 'create', '--name', remote, '--driver', 'remote', 'tcp://127.0.0.1:1']);
    const env: NodeJS.ProcessEnv = {
      ...sandbox.env,
      BUILDDECK_DATA_DIR: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    };
    delete env['ELECTRON_RENDERER_URL'];
    ({ main, failure: startFailure } = await launchToWindow(env));
    if (!startFailure) for (const event of ['build.finished', 'app.openRequested']) await main.call('listen', event);
  });

  afterAll(async () => {
    main?.kill();
    await removeTestImagesAndCache(token);
    await sandbox.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const finished = (buildId: string) =>
    main.until(`build ${buildId} to finish`, (v) =>
      (v.received['build.finished'] as Finished[] | undefined)?.find((e) => e.buildId === buildId),
    );

  it('draws its menu from the real builders: every buildx builder, the current one checked', async () => {
    expect(startFailure?.message).toBeUndefined();
    const v = await main.state();
    const tray = trayOf(v);
    expect(tray.image.endsWith('/assets/tray/idle.png')).toBe(true);
    expect(tray.imageEmpty).toBe(false);
    expect(labels(tray.menu)).toEqual([
      'Open BuildDeck',
      'Build again',
      'No builds yet: drop a folder on the window',
      'Default builder: default',
      'Quit BuildDeck',
    ]);
    const switcher = tray.menu.find((m) => m.label === 'Default builder: default');
    expect(switcher?.submenu).toEqual(
      expect.arrayContaining([
        { label: 'default (docker)', type: 'radio', enabled: true, checked: true },
        { label: `${remote} (remote)`, type: 'radio', enabled: true, checked: false },
      ]),
    );
    const names = await buildxBuilderNames(sandbox);
    expect(switcher?.submenu?.map((m) => m.label.replace(/ \(.*\)$/, '')).sort()).toEqual(names);
  });

  it('a build from the window shows up under "Build again"; clicking it rebuilds for real and notifies the outcome', async () => {
    const r = await main.call<Result>('invoke', 'builds.start', { contextDir: good, tags: [tag] });
    expect(r.ok).toBe(true);
    const firstId = (r.ok ? r.value['buildId'] : '') as string;
    expect(await finished(firstId)).toMatchObject({ summary: { ok: true } });

    const label = `${basename(good)} ${tag} on default (linux/amd64)`;
    const v = await main.until('the tray to list the build', (s) =>
      labels(trayOf(s).menu).includes(label) ? s : undefined,
    );
    expect(v.notifications.at(-1)).toMatchObject({ title: `${basename(good)}: build succeeded`, silent: true });

    await main.call('trayClick', [label]);
    const again = await main.until('a notification for the rebuild', (s) =>
      s.notifications.length >= 2 ? s : undefined,
    );
    // The notification tells the rebuild's real outcome: its cache use and the image it made.
    const note = again.notifications.at(-1);
    expect(note?.title).toBe(`${basename(good)}: build succeeded`);
    const done = (again.received['build.finished'] as Finished[]).at(-1);
    expect(done?.buildId).not.toBe(firstId);
    const steps = done?.summary.platforms.reduce((n, p) => n + p.steps, 0) ?? 0;
    const cached = done?.summary.platforms.reduce((n, p) => n + p.cachedSteps, 0) ?? 0;
    expect(steps).toBeGreaterThan(0);
    expect(cached).toBeGreaterThan(0);
    expect(note?.body).toContain(`${cached}/${steps} steps cached`);
    expect(note?.body).toContain(tag);
    expect(note?.body).toContain(done?.summary.digest?.slice(0, 19));

    // A real second build in the history, and the image exists in the engine.
    const history = await main.call<Result>('invoke', 'history.list', { contextDir: good });
    const items = (history.ok ? history.value['items'] : []) as { buildId: string; status: string }[];
    expect(items).toHaveLength(2);
    expect(items[0]?.buildId).not.toBe(firstId);
    expect(items.map((i) => i.status)).toEqual(['succeeded', 'succeeded']);
    const { stdout } = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
    expect(stdout.trim()).toMatch(/^sha256:/);
    await main.until('the tray to settle on the finished rebuild', (s) => {
      const tray = trayOf(s);
      return tray.image.endsWith('/idle.png') && tray.tooltip === `BuildDeck: last build succeeded (${basename(good)})`
        ? true
        : undefined;
    });
  });

  it('a folder dropped on the tray builds at once, opens its progress, and a failure notifies with the error', async () => {
    await main.call('closeWindow');
    const requests = () => main.state().then((s) => s.received['app.openRequested'] ?? []);
    const seen = (await requests()).length;
    await main.call('trayDrop', [bad]);
    const opened = await main.until(
      'the window to open the build',
      (s) => (s.received['app.openRequested'] as { view: string; buildId?: string }[] | undefined)?.[seen],
    );
    expect(opened.view).toBe('builds');
    expect((await main.state()).windows[0]?.visible).toBe(true);
    const summary = await finished(opened.buildId ?? '');
    expect(summary).toMatchObject({ summary: { ok: false } });

    const v = await main.until('the failure notification', (s) =>
      s.notifications.find((n) => n.title === `${basename(bad)}: build failed`) ? s : undefined,
    );
    const note = v.notifications.find((n) => n.title === `${basename(bad)}: build failed`);
    expect(note?.silent).toBe(false);
    expect(note?.body).toMatch(/exit code: 3|exit code 3|did not complete successfully/);
    await main.until('the tray icon to show the failure', (s) => trayOf(s).image.endsWith('/failed.png'));

    // Clicking the notification brings that build up in the window.
    const index = v.notifications.indexOf(note as (typeof v.notifications)[number]);
    const before = (v.received['app.openRequested'] ?? []).length;
    await main.call('notificationClick', index);
    const clicked = await main.until('the notification click to open the build', (s) =>
      (s.received['app.openRequested'] ?? []).length > before ? s.received['app.openRequested']?.at(-1) : undefined,
    );
    expect(clicked).toEqual({ view: 'builds', buildId: opened.buildId });
  });

  it('the default-builder switcher changes buildx’s current builder, and the menu follows', async () => {
    await main.call('trayClick', ['Default builder: default', `${remote} (remote)`]);
    await main.until('the tray to show the new default', (s) =>
      labels(trayOf(s).menu).includes(`Default builder: ${remote}`) ? true : undefined,
    );
    const { stdout } = await sandbox.docker(['buildx', 'inspect']);
    expect(stdout).toContain(`Name:          ${remote}`);
    await main.call('trayClick', [`Default builder: ${remote}`, 'default (docker)']);
    await main.until('the tray to show default again', (s) =>
      labels(trayOf(s).menu).includes('Default builder: default') ? true : undefined,
    );
  });

  it('Quit in the tray ends the app cleanly', async () => {
    await main.call('trayClick', ['Quit BuildDeck']);
    const report = await main.exitPoint;
    expect(report.openDataFiles).toEqual([]);
    expect(report.view.errors).toEqual([]);
    expect(report.view.violations).toEqual([]);
    const ended = await main.ended;
    expect(ended.byItself, ended.stderr).toBe(true);
  });
});
