import { useCallback, useLayoutEffect, useRef, type HTMLAttributes, type ReactNode } from 'react';
import { observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import styles from './VirtualList.module.css';

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
 * A fixed-row-height virtual list over @tanstack/react-virtual: only the rows in view (plus
 * overscan) exist in the DOM, each absolutely positioned inside a sizer as tall as all rows, so
 * 100k lines cost what 60 do. The windowing, the scroll offset and scroll-to-row are the
 * library's; what is ours is follow-tail: while `follow` is on, new rows scroll into view;
 * scrolling up (wheel, keys, scrollbar) turns it off, and reaching the bottom again (wheel, End
 * key, the jump button) turns it back on.
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
  // The latest follow decision, updated by scroll/wheel handlers before React re-renders, so a batch
  // of rows arriving in the same frame never yanks a user who just scrolled up back to the bottom.
  const followRef = useRef(follow);
  useLayoutEffect(() => {
    followRef.current = follow;
  }, [follow]);

  // The React Compiler is not used here (plain @vitejs/plugin-react); the rule only warns that it
  // would skip this component, which reads the virtualizer afresh on every render anyway.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => ref.current,
    estimateSize: () => rowHeight,
    overscan,
    // A viewport not laid out yet (or with no layout at all, as in happy-dom) counts as one row high,
    // so the first rows render at once instead of none until a resize is observed.
    initialRect: { width: 0, height: rowHeight },
    observeElementRect: (instance, cb) =>
      observeElementRect(instance, (rect) => cb({ width: rect.width, height: Math.max(rect.height, rowHeight) })),
  });
  const height = virtualizer.scrollRect?.height ?? 0;

  // Rows arrived, the viewport was resized, or follow was switched on: stay pinned to the bottom.
  // The bottom comes from the list's own geometry, not the DOM: reading scrollHeight after a commit
  // forced a layout per batch (measured with test/bench/renderer-frames.bench.ts).
  useLayoutEffect(() => {
    if (!follow || !followRef.current || count === 0) return;
    const bottom = Math.max(0, count * rowHeight - height);
    if (virtualizer.scrollOffset !== null && Math.abs(virtualizer.scrollOffset - bottom) <= 1) return;
    if (ref.current) ref.current.scrollTop = bottom;
  }, [count, follow, height, rowHeight, virtualizer]);

  useLayoutEffect(() => {
    if (scrollTo) virtualizer.scrollToIndex(scrollTo.index, { align: 'center' });
  }, [scrollTo, virtualizer]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
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
      <div className={styles.sizer} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            className={styles.row}
            style={{ top: item.start, height: rowHeight }}
            data-index={item.index}
          >
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
