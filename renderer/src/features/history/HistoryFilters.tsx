import { useEffect, useState } from 'react';
import { FilterX, Search } from 'lucide-react';
import type { BuildStatus } from '../../../../electron/common/contracts/builds';
import { Button } from '../../components/Button';
import { STATUS_LABEL } from '../builds/live/BuildDetails';
import { useDebounced } from '../builds/use-debounced';
import { hasFilters, NO_FILTERS, setHistoryFilters, useHistoryUi, type HistoryFilters } from './history-ui';
import styles from './HistoryView.module.css';

/** History's filters: builder, result, folder, origin and text (debounced while typing). */
export function HistoryFiltersBar({ builders, folders }: { builders: string[]; folders: string[] }) {
  const filters = useHistoryUi((s) => s.filters);
  // The text box is local while typing; the query follows once typing pauses.
  const [text, setText] = useState(filters.text);
  const settled = useDebounced(text, 250);
  useEffect(() => {
    if (settled !== useHistoryUi.getState().filters.text) setHistoryFilters({ text: settled });
  }, [settled]);
  // Cleared from elsewhere ("Clear filters" in the empty state): adjust while rendering, React's pattern.
  const [seenText, setSeenText] = useState(filters.text);
  if (seenText !== filters.text) {
    setSeenText(filters.text);
    if (filters.text === '') setText('');
  }
  const select = (key: 'builder' | 'status' | 'folder', value: string) => setHistoryFilters({ [key]: value });
  return (
    <div className={styles.filters} role="search" aria-label="Filter builds">
      <label className={`${styles.filter} ${styles.textFilter}`}>
        <span>Search</span>
        <span className={styles.searchBox}>
          <Search size={13} aria-hidden />
          <input
            type="search"
            value={text}
            placeholder="Name, folder, tag, ref, error…"
            onChange={(e) => setText(e.target.value)}
            data-testid="filter-text"
          />
        </span>
      </label>
      <label className={styles.filter}>
        <span>Builder</span>
        <select
          value={filters.builder}
          onChange={(e) => select('builder', e.target.value)}
          data-testid="filter-builder"
        >
          <option value="">All builders</option>
          {builders.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Result</span>
        <select value={filters.status} onChange={(e) => select('status', e.target.value)} data-testid="filter-status">
          <option value="">Any result</option>
          {(Object.keys(STATUS_LABEL) as BuildStatus[]).map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Folder</span>
        <select value={filters.folder} onChange={(e) => select('folder', e.target.value)} data-testid="filter-folder">
          <option value="">All folders</option>
          {folders.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span>Started from</span>
        <select
          value={filters.origin}
          onChange={(e) => setHistoryFilters({ origin: e.target.value as HistoryFilters['origin'] })}
          data-testid="filter-origin"
        >
          <option value="all">Anywhere</option>
          <option value="builddeck">BuildDeck</option>
          <option value="external">CLI and other clients</option>
        </select>
      </label>
      {hasFilters(filters) ? (
        <Button
          variant="ghost"
          size="sm"
          className={styles.clear}
          onClick={() => setHistoryFilters(NO_FILTERS)}
          icon={<FilterX size={13} aria-hidden />}
        >
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}

/** Notices the list shows once at the top (old buildx, a stopped builder) instead of failing. */
