import { describe, expect, it } from 'vitest';
import { parseWindowState, restoreWindow } from '../../electron/main/window-state';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };
const second = { x: 1920, y: 0, width: 1440, height: 900 };

describe('window position and size are remembered', () => {
  it('restores saved bounds that are still on a display', () => {
    const saved = parseWindowState(
      JSON.stringify({ bounds: { x: 2000, y: 40, width: 1000, height: 700 }, maximized: false }),
    );
    expect(restoreWindow(saved, [screen, second])).toEqual({
      bounds: { x: 2000, y: 40, width: 1000, height: 700 },
      maximized: false,
    });
  });

  it('centres the default size when the saved display is gone', () => {
    const saved = parseWindowState(
      JSON.stringify({ bounds: { x: 2000, y: 40, width: 1000, height: 700 }, maximized: true }),
    );
    expect(restoreWindow(saved, [screen])).toEqual({
      bounds: { x: 320, y: 130, width: 1280, height: 820 },
      maximized: true,
    });
  });

  it('never restores a window smaller than usable, and fits a small screen', () => {
    const saved = parseWindowState(
      JSON.stringify({ bounds: { x: 10, y: 10, width: 200, height: 100 }, maximized: false }),
    );
    expect(restoreWindow(saved, [screen]).bounds).toMatchObject({ width: 900, height: 560 });
    expect(restoreWindow(undefined, [{ x: 0, y: 0, width: 1024, height: 600 }]).bounds).toEqual({
      x: 0,
      y: 0,
      width: 1024,
      height: 600,
    });
  });

  it('ignores a damaged state file', () => {
    for (const text of [
      undefined,
      '',
      'nope',
      '{"bounds":{"x":"a"}}',
      '{"bounds":{"x":1,"y":2,"width":null,"height":3}}',
    ]) {
      expect(parseWindowState(text)).toBeUndefined();
    }
  });
});
