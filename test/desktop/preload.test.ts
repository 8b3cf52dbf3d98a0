/**
 * The BUILT preload (out/preload/index.cjs) in a FAKE sandboxed renderer (test/fakes/electron/page.ts):
 * CommonJS with Electron's limited sandbox `require`, contextBridge copying into the page's world,
 * structured-cloned IPC. What the FAKE cannot know: Chromium's real isolated worlds (a page script
 * cannot reach the preload's scope at all there; here the test only reads what was exposed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type BuildDeckBridge } from '../../electron/common/bridge';
import { droppedFile, FakePage, type FrameInfo, type PageHost } from '../fakes/electron/page';
import { assertBuilt, PRELOAD } from './harness';

const PAGE = 'app://builddeck/index.html';

class RecordingHost implements PageHost {
  readonly invokes: { frame: FrameInfo; channel: string; args: unknown[] }[] = [];
  invokeFromPage(frame: FrameInfo, channel: string, args: unknown[]): Promise<unknown> {
    this.invokes.push({ frame, channel, args });
    return Promise.resolve({ ok: true, value: { echoed: args[1] } });
  }
  sendFromPage(): void {
    throw new Error('the bridge never uses ipcRenderer.send');
  }
}

/** Every key reachable from a value: a Node or Electron object would show its members here. */
function reachableKeys(value: unknown, seen = new Set<unknown>()): string[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return [];
  seen.add(value);
  return Object.getOwnPropertyNames(value).flatMap((k) => [
    k,
    ...reachableKeys((value as Record<string, unknown>)[k], seen),
  ]);
}

describe('preload (built) in a FAKE sandboxed renderer', () => {
  let host: RecordingHost;
  let page: FakePage;
  let bridge: BuildDeckBridge;

  beforeAll(() => {
    assertBuilt();
    host = new RecordingHost();
    page = new FakePage(host, PAGE, { sandbox: true, contextIsolation: true, nodeIntegration: false });
    page.runPreload(PRELOAD);
    bridge = page.world['builddeck'] as BuildDeckBridge;
  });

  it('exposes exactly window.builddeck = {invoke, on, pathForFile} and needs nothing but electron', () => {
    expect(Object.keys(page.world)).toEqual(['builddeck']);
    const raw = page.exposed.get('builddeck') as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(['invoke', 'on', 'pathForFile']);
    for (const [key, value] of Object.entries(raw)) expect(typeof value, key).toBe('function');
    expect(page.required).toEqual(['electron']);
    // Nothing from Node or Electron (ipcRenderer, require, process...) hangs off the bridge: all that
    // is reachable from it is the three functions and their own length/name.
    const keys = new Set(reachableKeys(raw));
    expect([...keys].filter((k) => k !== 'length' && k !== 'name').sort()).toEqual(['invoke', 'on', 'pathForFile']);
  });

  it('invoke sends (command, input) on the one invoke channel from the app page and resolves with the answer', async () => {
    const answer = await bridge.invoke('builders.list', { refresh: true });
    expect(answer).toEqual({ ok: true, value: { echoed: { refresh: true } } });
    expect(host.invokes.at(-1)).toEqual({
      frame: { url: PAGE, origin: 'app://builddeck', top: true },
      channel: IPC_INVOKE_CHANNEL,
      args: ['builders.list', { refresh: true }],
    });
    // What structured clone cannot carry fails in the page, as in Electron; nothing reaches main.
    const before = host.invokes.length;
    await expect(bridge.invoke('builders.list', { f: () => 1 } as never)).rejects.toThrow(/could not be cloned/);
    expect(host.invokes).toHaveLength(before);
  });

  it('on delivers only the named event, and its disposer removes the listener', async () => {
    const started: unknown[] = [];
    const changed: unknown[] = [];
    const offStarted = bridge.on('build.started', (p) => started.push(p));
    const offChanged = bridge.on('settings.changed', (p) => changed.push(p));
    // One channel listener for the page's life, dispatching by name (so it can hold an open request).
    expect(page.listenerCount(IPC_EVENT_CHANNEL)).toBe(1);
    page.deliver(IPC_EVENT_CHANNEL, ['build.started', { buildId: 'b1' }]);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([{ buildId: 'b1' }]);
    expect(changed).toEqual([]);
    offStarted();
    offChanged();
    page.deliver(IPC_EVENT_CHANNEL, ['build.started', { buildId: 'b2' }]);
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(1);
    // An event nobody listened to is gone: a later listener does not get it.
    const late: unknown[] = [];
    const offLate = bridge.on('build.started', (p) => late.push(p));
    await new Promise((r) => setTimeout(r, 5));
    expect(late).toEqual([]);
    offLate();
  });

  it('holds an open request that came before the page listened, for its first listener only', async () => {
    // The tray opened a build while the window was being created: main sent the request before
    // the page's scripts subscribed.
    page.deliver(IPC_EVENT_CHANNEL, ['app.openRequested', { view: 'builds', buildId: 'old' }]);
    page.deliver(IPC_EVENT_CHANNEL, ['app.openRequested', { view: 'builds', buildId: 'b7' }]);
    await new Promise((r) => setImmediate(r));
    const first: unknown[] = [];
    const second: unknown[] = [];
    const offFirst = bridge.on('app.openRequested', (p) => first.push(p));
    await new Promise((r) => setTimeout(r, 5));
    expect(first).toEqual([{ view: 'builds', buildId: 'b7' }]);
    const offSecond = bridge.on('app.openRequested', (p) => second.push(p));
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toEqual([]);
    // While somebody listens, requests go straight to the listeners, nothing held.
    page.deliver(IPC_EVENT_CHANNEL, ['app.openRequested', { view: 'history' }]);
    await new Promise((r) => setTimeout(r, 5));
    expect(first).toHaveLength(2);
    expect(second).toEqual([{ view: 'history' }]);
    offFirst();
    offSecond();
  });

  it('pathForFile gives a dropped file its path, and undefined for anything else', () => {
    expect(bridge.pathForFile(droppedFile('/home/me/project'))).toBe('/home/me/project');
    expect(bridge.pathForFile(new File(['x'], 'made-in-page.txt'))).toBeUndefined();
    expect(bridge.pathForFile({ path: '/etc/passwd' })).toBeUndefined();
  });
});

describe('the FAKE sandbox is strict (so the checks above can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-preload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const preload = (name: string, code: string) => {
    const file = join(dir, name);
    writeFileSync(file, code);
    return file;
  };

  it('a preload that requires a Node module fails to load, as in a sandboxed renderer', () => {
    const page = new FakePage(new RecordingHost(), PAGE, { sandbox: true, contextIsolation: true });
    expect(() => page.runPreload(preload('fs.cjs', "require('node:fs');"))).toThrow(/module not found: node:fs/);
  });

  it('contextBridge refuses to work without contextIsolation', () => {
    const page = new FakePage(new RecordingHost(), PAGE, { sandbox: true, contextIsolation: false });
    const file = preload('bridge.cjs', "require('electron').contextBridge.exposeInMainWorld('x', {});");
    expect(() => page.runPreload(file)).toThrow(/contextIsolation/);
  });
});
