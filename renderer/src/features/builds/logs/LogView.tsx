import {
  memo,
  useCallback,
  useDeferredValue,
  useEffect,
  useId,
  useRef,
  useState,
  type CSSProperties,
  type ReactNode,
  type RefObject,
} from 'react';
import { ArrowDownToLine, Check, ChevronDown, ChevronUp, Copy, Search, X } from 'lucide-react';
import type { LogLine, LogList } from '../../../../../electron/common/contracts/builds';
import { logLineAt } from '../../../../../electron/common/progress';
import { Button } from '../../../components/Button';
import { copyText } from '../../../lib/clipboard';
import { pluralize } from '../../../lib/format';
import { parseAnsi, type AnsiColor, type AnsiStyle } from './ansi';
import { emptySearch, logText, markSegments, updateSearch, type SearchState } from './log-search';
import type { OlderLines } from './paged-log';
import { VirtualList, type ScrollRequest } from './VirtualList';
import styles from './LogView.module.css';

export const LOG_ROW_HEIGHT = 19;

/**
 * The toolbar's icons, made once: the log view renders per applied batch of a streaming build, and
 * an element that is the same object as last time is skipped by React, where a new one re-ran
 * lucide's SVG building for every icon on every frame.
 */
const ICON = {
  search: <Search size={13} aria-hidden className={styles.searchIcon} />,
  clear: <X size={12} aria-hidden />,
  previous: <ChevronUp size={14} aria-hidden />,
  next: <ChevronDown size={14} aria-hidden />,
  follow: <ArrowDownToLine size={14} aria-hidden />,
  jump: <ArrowDownToLine size={13} aria-hidden />,
  copy: <Copy size={14} aria-hidden />,
  check: <Check size={14} aria-hidden />,
};

export interface LineLabel {
  text: string;
  /** Full description for the tooltip: the step's name. */
  title: string;
  /** 0..7: a stable hue per step so interleaved output stays readable. */
  hue: number;
}

export interface LogViewProps {
  list: LogList;
  /** Accessible name of the log, e.g. "Log of RUN make" or "Combined build log". */
  label: string;
  /** Tabs or a title, shown left of the search box. */
  header?: ReactNode;
  /** A prefix per line (the step) in the combined view. */
  labelFor?: ((line: LogLine) => LineLabel | undefined) | undefined;
  /** Shown when the list has no lines yet. */
  emptyText: string;
  /** Focused by Ctrl/Cmd+F. */
  searchRef?: RefObject<HTMLInputElement | null> | undefined;
  className?: string | undefined;
  /** Earlier lines still at the core (a long log's head, see paged-log.ts): loaded as row 0 shows. */
  older?: OlderLines | undefined;
}

function colorCss(
  color: AnsiColor | undefined,
  basic: (i: number) => string | undefined,
): { className?: string; css?: string } {
  if (!color) return {};
  if (color.kind === 'basic') {
    const className = basic(color.index);
    return className ? { className } : {};
  }
  return { css: color.css };
}

/** CSS for one styled segment: palette colours are classes (themed), 256/truecolor inline CSSOM. */
function segmentProps(style: AnsiStyle, mark: boolean): { className: string; style?: CSSProperties } {
  const fgStyle = style.inverse ? style.bg : style.fg;
  const bgStyle = style.inverse ? (style.fg ?? { kind: 'basic' as const, index: 7 }) : style.bg;
  const fg = colorCss(fgStyle, (i) => styles[`fg${i}`]);
  const bg = colorCss(bgStyle, (i) => styles[`bg${i}`]);
  const classes = [
    fg.className,
    bg.className,
    style.bold ? styles.bold : undefined,
    style.dim ? styles.dim : undefined,
    style.italic ? styles.italic : undefined,
    style.underline ? styles.underline : undefined,
    style.inverse && !style.fg ? styles.inverseDefault : undefined,
    mark ? styles.mark : undefined,
  ].filter(Boolean);
  const css: CSSProperties = {};
  if (fg.css) css.color = fg.css;
  if (bg.css) css.backgroundColor = bg.css;
  return { className: classes.join(' '), ...(fg.css || bg.css ? { style: css } : {}) };
}

interface LogRowProps {
  line: LogLine;
  number: number;
  query: string;
  current: boolean;
  label: LineLabel | undefined;
}

/**
 * Rows re-render only when what they show changed. The label is compared by value: `labelFor`
 * builds a new object per call, and each applied batch renders the list again, so comparing it by
 * identity re-parsed the ANSI of every row in view on every frame of a streaming build.
 */
function sameRow(a: LogRowProps, b: LogRowProps): boolean {
  return (
    a.line === b.line &&
    a.number === b.number &&
    a.query === b.query &&
    a.current === b.current &&
    a.label?.text === b.label?.text &&
    a.label?.title === b.label?.title &&
    a.label?.hue === b.label?.hue
  );
}

const LogRow = memo(function LogRow({ line, number, query, current, label }: LogRowProps) {
  const segments = markSegments(parseAnsi(line.text).segments, query);
  return (
    <div className={current ? `${styles.line} ${styles.currentLine}` : styles.line} data-stream={line.stream}>
      <span className={styles.gutter} aria-hidden>
        {number}
      </span>
      {label ? (
        <span className={`${styles.tag} ${styles[`hue${label.hue}`] ?? ''}`} title={label.title}>
          {label.text}
        </span>
      ) : null}
      <span className={styles.text}>
        {segments.map((seg, i) => {
          const props = segmentProps(seg.style, seg.mark);
          return props.className || props.style ? (
            <span key={i} {...props} data-mark={seg.mark || undefined}>
              {seg.text}
            </span>
          ) : (
            seg.text
          );
        })}
      </span>
    </div>
  );
}, sameRow);

/** Like CopyButton, but builds the text only on click: a 100k-line log is not joined every render. */
function CopyLogButton({ list, label }: { list: LogList; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const onClick = async () => {
    const copied = await copyText(logText(list));
    setState(copied ? 'copied' : 'failed');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 1_500);
  };
  return (
    <>
      <Button
        variant="ghost"
        size="sm"
        iconOnly
        aria-label={label}
        title={label}
        disabled={list.length === 0}
        onClick={() => void onClick()}
        icon={state === 'copied' ? ICON.check : ICON.copy}
      />
      <span className="visually-hidden" role="status">
        {state === 'copied' ? 'Log copied' : state === 'failed' ? 'Copy failed' : ''}
      </span>
    </>
  );
}

/**
 * A build log: virtualised rows with ANSI colours, follow-tail, search with next/previous, copy.
 * `role="log"` names it for assistive tech; it is not a live region (a build prints hundreds of
 * lines a second): the build view announces status changes in its own aria-live region instead.
 */
export function LogView({ list, label, header, labelFor, emptyText, searchRef, className, older }: LogViewProps) {
  const [follow, setFollow] = useState(true);
  const [queryInput, setQueryInput] = useState('');
  const query = useDeferredValue(queryInput);
  const [current, setCurrent] = useState(0);
  const [scrollTo, setScrollTo] = useState<ScrollRequest | undefined>();
  const ownInputRef = useRef<HTMLInputElement>(null);
  const inputRef = searchRef ?? ownInputRef;
  const [unfollowedAt, setUnfollowedAt] = useState(0);
  const statusId = useId();

  // Incremental search: only lines added since the last render are scanned. Adjusted while
  // rendering (React's pattern for state derived from props), so there is no extra effect pass.
  const [search, setSearch] = useState<SearchState>(emptySearch);
  const nextSearch = updateSearch(search, list, query);
  if (nextSearch !== search) setSearch(nextSearch);
  const matches = nextSearch.matches;
  const matchCount = matches.length;
  const currentIndex = matchCount === 0 ? -1 : Math.min(current, matchCount - 1);
  const currentAbs = currentIndex >= 0 ? matches[currentIndex] : undefined;

  const reveal = (abs: number) => {
    setFollow(false);
    setUnfollowedAt(list.length + list.dropped);
    setScrollTo((prev) => ({ index: abs - list.dropped, seq: (prev?.seq ?? 0) + 1 }));
  };

  // A new query starts at its first hit.
  const [lastQuery, setLastQuery] = useState(query);
  if (lastQuery !== query) {
    setLastQuery(query);
    setCurrent(0);
    const first = matches[0];
    if (query && first !== undefined) reveal(first);
  }

  // Earlier lines paged in above (paged-log.ts): keep the line that was first in view, so the top
  // row is not in view again at once (it would ask for the page before, and so on to line 1).
  const [start, setStart] = useState(list.dropped);
  if (start !== list.dropped) {
    setStart(list.dropped);
    if (list.dropped < start && !follow)
      setScrollTo((prev) => ({ index: start - list.dropped, seq: (prev?.seq ?? 0) + 1 }));
  }

  const goTo = (index: number) => {
    if (matchCount === 0) return;
    const wrapped = ((index % matchCount) + matchCount) % matchCount;
    setCurrent(wrapped);
    const abs = matches[wrapped];
    if (abs !== undefined) reveal(abs);
  };

  const onFollowChange = useCallback(
    (next: boolean) => {
      if (!next) setUnfollowedAt(list.length + list.dropped);
      setFollow(next);
    },
    [list.length, list.dropped],
  );

  const newSinceUnfollow = follow ? 0 : Math.max(0, list.length + list.dropped - unfollowedAt);

  const renderRow = useCallback(
    (i: number) => {
      // The first row in view: page in the lines before it.
      if (i === 0 && older && older.count > 0) older.load();
      const line = logLineAt(list, i);
      if (!line) return null;
      const abs = list.dropped + i;
      return (
        <LogRow line={line} number={abs + 1} query={query} current={abs === currentAbs} label={labelFor?.(line)} />
      );
    },
    [list, query, currentAbs, labelFor, older],
  );

  return (
    <section className={[styles.pane, className ?? ''].join(' ')} aria-label={label}>
      <div className={styles.toolbar}>
        <div className={styles.header}>{header}</div>
        <div className={styles.search} role="search">
          {ICON.search}
          <input
            ref={inputRef}
            type="search"
            className={styles.searchInput}
            placeholder="Search log"
            aria-label="Search log"
            aria-describedby={statusId}
            aria-keyshortcuts="Control+F Meta+F"
            value={queryInput}
            data-testid="log-search"
            onChange={(event) => setQueryInput(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                goTo(currentIndex + (event.shiftKey ? -1 : 1));
              } else if (event.key === 'Escape' && queryInput) {
                // Esc clears the search first; it must not reach the build's cancel shortcut.
                event.stopPropagation();
                event.nativeEvent.stopImmediatePropagation();
                setQueryInput('');
              }
            }}
          />
          {queryInput ? (
            <button type="button" className={styles.clear} aria-label="Clear search" onClick={() => setQueryInput('')}>
              {ICON.clear}
            </button>
          ) : null}
        </div>
        <span id={statusId} className={styles.matches} role="status" data-testid="log-search-status">
          {query ? (matchCount === 0 ? 'No matches' : `${currentIndex + 1} of ${matchCount}`) : ''}
        </span>
        <Button
          variant="ghost"
          size="sm"
          iconOnly
          aria-label="Previous match"
          title="Previous match (Shift+Enter)"
          disabled={matchCount === 0}
          onClick={() => goTo(currentIndex - 1)}
          icon={ICON.previous}
        />
        <Button
          variant="ghost"
          size="sm"
          iconOnly
          aria-label="Next match"
          title="Next match (Enter)"
          disabled={matchCount === 0}
          onClick={() => goTo(currentIndex + 1)}
          icon={ICON.next}
        />
        <span className={styles.sep} aria-hidden />
        <Button
          variant="ghost"
          size="sm"
          iconOnly
          aria-label={follow ? 'Following new lines' : 'Follow new lines'}
          aria-pressed={follow}
          title={follow ? 'Following new lines (scroll up to stop)' : 'Follow new lines'}
          className={follow ? styles.followOn : undefined}
          onClick={() => setFollow(!follow)}
          icon={ICON.follow}
        />
        <CopyLogButton list={list} label={`Copy ${label.charAt(0).toLowerCase()}${label.slice(1)}`} />
      </div>
      {list.dropped - (list.held ?? 0) > 0 ? (
        <p className={styles.dropped}>
          The first {pluralize(list.dropped - (list.held ?? 0), 'line')} were dropped to keep memory bounded; the most
          recent {(list.length + (list.held ?? 0)).toLocaleString()} are kept.
        </p>
      ) : null}
      {older && older.count > 0 ? (
        <p className={styles.dropped} data-testid="log-older">
          {older.error
            ? `Earlier lines could not be loaded: ${older.error}`
            : `${older.count.toLocaleString()} earlier ${older.count === 1 ? 'line' : 'lines'} ${older.loading ? 'loading…' : 'load as you scroll up.'}`}{' '}
          <Button variant="ghost" size="sm" disabled={older.loading} onClick={older.load}>
            Load earlier
          </Button>
        </p>
      ) : null}
      <div className={styles.body}>
        {/* The list exists from the start, empty: its viewport, observer and first measurement are
            made when the view opens, not in the frame that shows the first lines (the costliest
            frame of a streaming build, test/bench/renderer-frames.bench.ts). */}
        <VirtualList
          className={styles.list}
          role="log"
          aria-label={label}
          aria-live="off"
          tabIndex={0}
          data-testid="log-view"
          count={list.length}
          rowHeight={LOG_ROW_HEIGHT}
          renderRow={renderRow}
          follow={follow}
          onFollowChange={onFollowChange}
          scrollTo={scrollTo}
        />
        {list.length === 0 ? <p className={styles.empty}>{emptyText}</p> : null}
        {!follow && list.length > 0 ? (
          <button type="button" className={styles.jump} onClick={() => setFollow(true)} data-testid="log-jump">
            {ICON.jump}
            {newSinceUnfollow > 0 ? `${pluralize(newSinceUnfollow, 'new line')} · Jump to latest` : 'Jump to latest'}
          </button>
        ) : null}
      </div>
    </section>
  );
}
