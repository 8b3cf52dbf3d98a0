import { useCallback, useLayoutEffect, useRef, useState, type HTMLAttributes, type ReactNode } from 'react';
import styles from './VirtualList.module.css';

/** How far from the bottom still counts as "at the bottom" (a fraction of a row absorbs rounding). */
const BOTTOM_SLACK_ROWS = 1.5;
/** Rows kept above the view while following (see `above` below). */
const FOLLOW_OVERSCAN = 4;

export interface ScrollRequest {
  index: number;
  /** Bump to repeat a request for the same index. */
  seq: number;
}

interface VirtualListProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children' | 'onScroll'> {
  count: number;
  rowHeight: number;
  overscan?: number;
  renderRow: (index: number) => ReactNode;
  /** Keep the last row in view as rows arrive. */
  follow: boolean;
  /** The user scrolled away from the bottom (false) or back to it (true). */
  onFollowChange: (follow: boolean) => void;
  /** Bring a row into view (centred), e.g. a search match. */
  scrollTo?: ScrollRequest | undefined;
}

/**
 * A fixed-row-height virtual list: only the rows in view (plus overscan) exist in the DOM, each
 * absolutely positioned inside a sizer as tall as all rows, so 100k lines cost what 60 do.
 *
 * Every row is `rowHeight` tall (log lines do not wrap), so the window is arithmetic on the scroll
 * offset and the viewport's height: nothing is measured per row and nothing is O(rows). This
 * replaced @tanstack/react-virtual, whose measurement cache is rebuilt for every item whenever the
 * count changes (a 100k-element array and Float64Array per appended batch, the largest JS cost of
 * a streaming build in test/bench/renderer-frames.bench.ts).
 *
 * Layout is read as little as possible: the viewport's height comes from a ResizeObserver, the
 * scroll offset from scroll events (scrollTop is read there, when layout is clean), and "at the
 * bottom" from the list's own geometry, never from scrollHeight. The one forced layout per batch is
 * the follow-tail scroll write, made in the commit of the animation frame that applied the batch,
 * so the frame's own layout finds nothing left to do.
 *
 * Follow-tail: while `follow` is on, new rows scroll into view; scrolling up (wheel, keys,
 * scrollbar) turns it off, and reaching the bottom again (wheel, End key, the jump button) turns it
 * back on.
 */
export function VirtualList({
  count,
  rowHeight,
  overscan = 12,
  renderRow,
  follow,
  onFollowChange,
  scrollTo,
  className,
  ...rest
}: VirtualListProps) {
  const ref = useRef<HTMLDivElement>(null);
  // The scroll offset rows are placed from, and the viewport's height. A viewport not laid out yet
  // (or with no layout at all, as in happy-dom) counts as one row high, so the first rows render at
  // once instead of none until a resize is observed.
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(rowHeight);
  // Where the viewport is scrolled to as far as we know (the last scroll event or our own write).
  const scrollTopRef = useRef(0);
  // The latest follow decision, updated by scroll/wheel handlers before React re-renders, so a batch
  // of rows arriving in the same frame never yanks a user who just scrolled up back to the bottom.
  const followRef = useRef(follow);
  useLayoutEffect(() => {
    followRef.current = follow;
    // Following stopped (the button, a search hit): place the rows from where the viewport is.
    if (!follow) setTop(scrollTopRef.current);
  }, [follow]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setHeight(Math.max(el.clientHeight, rowHeight));
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) setHeight(Math.max(box.height, rowHeight));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [rowHeight]);

  const bottom = Math.max(0, count * rowHeight - height);
  // While following, the rows are those at the bottom whatever the last scroll event said: the
  // scroll write below lands in the same commit, so the rows and the offset never disagree on screen.
  const viewTop = follow ? bottom : Math.min(top, bottom);
  // Following a fast log, every row in the DOM gets new text each frame (the window slides by more
  // than its height), so each row above the view is laid out for nothing: a few are kept for the
  // first frame of a scroll up, the full overscan comes back once following stops.
  const above = follow ? Math.min(overscan, FOLLOW_OVERSCAN) : overscan;
  const first = Math.max(0, Math.floor(viewTop / rowHeight) - above);
  const last = Math.min(count, Math.ceil((viewTop + height) / rowHeight) + overscan);

  // Rows arrived, the viewport was resized, or follow was switched on: stay pinned to the bottom.
  useLayoutEffect(() => {
    if (!follow || !followRef.current || count === 0) return;
    if (Math.abs(scrollTopRef.current - bottom) <= 1) return;
    scrollTopRef.current = bottom;
    if (ref.current) ref.current.scrollTop = bottom;
  }, [count, follow, bottom]);

  useLayoutEffect(() => {
    if (!scrollTo || !ref.current) return;
    const target = Math.max(0, Math.min(bottom, scrollTo.index * rowHeight - (height - rowHeight) / 2));
    scrollTopRef.current = target;
    ref.current.scrollTop = target;
    setTop(target);
    // Only a new request scrolls; the geometry at that moment is what it is centred in.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollTo]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    const scrolled = el.scrollTop;
    scrollTopRef.current = scrolled;
    const atBottom = count * rowHeight - height - scrolled <= rowHeight * BOTTOM_SLACK_ROWS;
    // Following, the rows come from the bottom, not from `top`: the scroll our own write caused
    // (once per batch) needs no render. `top` catches up when following stops (below).
    if (!(atBottom && followRef.current)) setTop(scrolled);
    if (atBottom !== followRef.current) {
      followRef.current = atBottom;
      onFollowChange(atBottom);
    }
  }, [count, height, onFollowChange, rowHeight]);

  const leaveBottom = useCallback(() => {
    if (!followRef.current) return;
    followRef.current = false;
    onFollowChange(false);
  }, [onFollowChange]);

  // Keyed by slot, not by index: a row scrolled out hands its element to the row scrolled in, so a
  // window that slides by a few rows (scrolling) updates those rows' text instead of unmounting and
  // mounting elements. Any `slots` consecutive indexes have distinct keys, and no window is wider
  // than that. Following, a row's key is its place counted from the window's end instead: a fast
  // log's window jumps by a batch (hundreds of rows) per frame, and index-based keys then mostly
  // differed from one frame to the next (React deleted and created most rows' elements per
  // frame), or, with as many slots as rows, came in a rotated order (React moved the elements).
  // By place, every element stays where it is and gets its new line; counted from the end, a
  // viewport that shrinks or grows (the "earlier lines" notice appearing over a long log's first
  // batch) removes or adds rows at the top and leaves the others alone. A slow log updates every
  // row's text per batch instead of moving one row, which costs little at the rate it comes.
  const slots = Math.ceil(height / rowHeight) + 2 * overscan + 2;
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div
        key={follow ? last - 1 - i : i % slots}
        className={styles.row}
        style={{ top: i * rowHeight, height: rowHeight }}
        data-index={i}
      >
        {renderRow(i)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className={[styles.viewport, className ?? ''].join(' ')}
      onScroll={onScroll}
      onWheel={(event) => {
        if (event.deltaY < 0) leaveBottom();
      }}
      onKeyDown={(event) => {
        if (event.key === 'PageUp' || event.key === 'ArrowUp' || event.key === 'Home') leaveBottom();
      }}
      {...rest}
    >
      <div className={styles.sizer} style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
