/**
 * Where the window opens: the saved bounds when they are still on a connected display, otherwise a
 * default centred size. Pure (no electron import) so it is unit tested; main/index.ts feeds it
 * screen.getAllDisplays() and persists bounds on move/resize/close.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 } as const;
export const MIN_SIZE = { width: 900, height: 560 } as const;

function isRect(v: unknown): v is Rect {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => typeof r[k] === 'number' && Number.isFinite(r[k]));
}

/** Parses what was saved; anything malformed yields undefined (the default window). */
export function parseWindowState(text: string | undefined): WindowState | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as { bounds?: unknown; maximized?: unknown };
    if (!isRect(v.bounds)) return undefined;
    return { bounds: v.bounds, maximized: v.maximized === true };
  } catch {
    return undefined;
  }
}

/** At least this much of the title bar must be on a display for the window to be reachable. */
const VISIBLE_MARGIN = 64;

export function restoreWindow(
  saved: WindowState | undefined,
  workAreas: Rect[],
): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  const primary = workAreas[0];
  const fallback = () => {
    const width = Math.min(DEFAULT_SIZE.width, primary?.width ?? DEFAULT_SIZE.width);
    const height = Math.min(DEFAULT_SIZE.height, primary?.height ?? DEFAULT_SIZE.height);
    return primary
      ? {
          x: primary.x + Math.round((primary.width - width) / 2),
          y: primary.y + Math.round((primary.height - height) / 2),
          width,
          height,
        }
      : { width, height };
  };
  if (!saved) return { bounds: fallback(), maximized: false };
  const b = saved.bounds;
  const width = Math.max(MIN_SIZE.width, Math.round(b.width));
  const height = Math.max(MIN_SIZE.height, Math.round(b.height));
  const titleBarVisible = workAreas.some(
    (a) =>
      b.x + width - VISIBLE_MARGIN >= a.x &&
      b.x + VISIBLE_MARGIN <= a.x + a.width &&
      b.y >= a.y &&
      b.y + VISIBLE_MARGIN <= a.y + a.height,
  );
  if (!titleBarVisible) return { bounds: { ...fallback() }, maximized: saved.maximized };
  return { bounds: { x: Math.round(b.x), y: Math.round(b.y), width, height }, maximized: saved.maximized };
}
