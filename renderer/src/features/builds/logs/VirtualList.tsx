import { useCallback, useEffect, useLayoutEffect, useRef, useState, type HTMLAttributes, type ReactNode } from 'react';
import styles from './VirtualList.module.css';

/** Rows [first, last) to render for a scroll position, with `overscan` extra rows on each side. */
export function visibleRange(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): { first: number; last: number } {
  if (count <= 0 || rowHeight <= 0) return { first: 0, last: 0 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + Math.max(viewportHeight, rowHeight)) / rowHeight) + overscan);
  return { first: Math.min(first, last), last };
}

/** How far from the bottom still counts as "at the bottom" (a fraction of a row absorbs rounding). */
const BOTTOM_SLACK_ROWS = 1.5;

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
 * Follow-tail: while `follow` is on, new rows scroll into view; scrolling up turns it off, and
 * reaching the bottom again (wheel, End key, the jump button) turns it back on.
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
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);
  // The latest follow decision, updated by scroll/wheel handlers before React re-renders, so a batch
  // of rows arriving in the same frame never yanks a user who just scrolled up back to the bottom.
  const followRef = useRef(follow);
  useLayoutEffect(() => {
    followRef.current = follow;
  }, [follow]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const observer = new ResizeObserver(() => {
      setHeight(el.clientHeight);
      if (followRef.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Rows arrived (or follow was switched on): stay pinned to the bottom.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow || !followRef.current) return;
    const bottom = el.scrollHeight - el.clientHeight;
    if (Math.abs(el.scrollTop - bottom) > 1) el.scrollTop = bottom;
    setScrollTop(el.scrollTop);
  }, [count, follow, height]);

  useEffect(() => {
    const el = ref.current;
    if (!el || !scrollTo) return;
    const target = scrollTo.index * rowHeight - el.clientHeight / 2 + rowHeight / 2;
    el.scrollTop = Math.max(0, target);
    setScrollTop(el.scrollTop);
  }, [scrollTo, rowHeight]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    const atBottom = el.scrollHeight - el.clientHeight - el.scrollTop <= rowHeight * BOTTOM_SLACK_ROWS;
    if (atBottom !== followRef.current) {
      followRef.current = atBottom;
      onFollowChange(atBottom);
    }
  }, [onFollowChange, rowHeight]);

  const leaveBottom = useCallback(() => {
    if (!followRef.current) return;
    followRef.current = false;
    onFollowChange(false);
  }, [onFollowChange]);

  const { first, last } = visibleRange(count, rowHeight, scrollTop, height, overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className={styles.row} style={{ top: i * rowHeight, height: rowHeight }} data-index={i}>
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
