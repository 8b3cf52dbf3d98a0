import { useId, useMemo, useState } from 'react';
import { ArrowDown, ArrowUp, ChevronLeft, ChevronRight, Search } from 'lucide-react';
import { humanSize } from '../../../../electron/common/cache/values';
import type { CacheRecord } from '../../../../electron/common/contracts/cache';
import { Button } from '../../components/Button';
import { RelativeTime } from '../../components/RelativeTime';
import { parseTime } from '../../lib/format';
import { typeLabel, typeTone } from './use-cache';
import styles from './RecordsTable.module.css';
import tones from './tones.module.css';

type SortKey = 'description' | 'type' | 'size' | 'lastUsedAt' | 'createdAt' | 'usageCount';
const PAGE = 50;

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'description', label: 'Record' },
  { key: 'type', label: 'Type' },
  { key: 'size', label: 'Size', numeric: true },
  { key: 'lastUsedAt', label: 'Last used' },
  { key: 'createdAt', label: 'Created' },
  { key: 'usageCount', label: 'Uses', numeric: true },
];

function compare(a: CacheRecord, b: CacheRecord, key: SortKey): number {
  switch (key) {
    case 'size':
    case 'usageCount':
      return a[key] - b[key];
    case 'lastUsedAt':
    case 'createdAt':
      return (parseTime(a[key] ?? undefined) ?? 0) - (parseTime(b[key] ?? undefined) ?? 0);
    case 'type':
      return typeLabel(a.type).localeCompare(typeLabel(b.type));
    case 'description':
      return a.description.localeCompare(b.description);
  }
}

/** Every record, sortable and filterable; paged so thousands of records stay responsive. */
export function RecordsTable({ records, roundedTimes }: { records: readonly CacheRecord[]; roundedTimes: boolean }) {
  const [query, setQuery] = useState('');
  const [type, setType] = useState('');
  const [reclaimableOnly, setReclaimableOnly] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'size', desc: true });
  const [page, setPage] = useState(0);
  const ids = { search: useId(), type: useId(), reclaimable: useId() };

  const types = useMemo(() => [...new Set(records.map((r) => r.type))].sort(), [records]);
  const children = useMemo(() => {
    const count = new Map<string, number>();
    for (const r of records) for (const p of r.parents) count.set(p, (count.get(p) ?? 0) + 1);
    return count;
  }, [records]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = records.filter(
      (r) =>
        (!type || r.type === type) &&
        (!reclaimableOnly || !r.inUse) &&
        (!q || r.description.toLowerCase().includes(q) || r.id.toLowerCase().startsWith(q)),
    );
    const dir = sort.desc ? -1 : 1;
    return filtered.sort((a, b) => dir * compare(a, b, sort.key) || a.id.localeCompare(b.id));
  }, [records, query, type, reclaimableOnly, sort]);

  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const current = Math.min(page, pages - 1);
  const slice = shown.slice(current * PAGE, current * PAGE + PAGE);
  const shownSize = useMemo(() => shown.reduce((s, r) => s + r.size, 0), [shown]);

  const toggleSort = (key: SortKey) => {
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key !== 'description' && key !== 'type' }));
    setPage(0);
  };

  return (
    <section className={styles.section} aria-labelledby="cache-records">
      <div className={styles.toolbar}>
        <h2 id="cache-records" className={styles.title}>
          Records
        </h2>
        <div className={styles.filters}>
          <label htmlFor={ids.search} className="visually-hidden">
            Filter records by description or id
          </label>
          <span className={styles.searchBox}>
            <Search size={14} aria-hidden className={styles.searchIcon} />
            <input
              id={ids.search}
              className={styles.search}
              type="search"
              placeholder="Filter by description or id"
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
                setPage(0);
              }}
            />
          </span>
          <label htmlFor={ids.type} className="visually-hidden">
            Record type
          </label>
          <select
            id={ids.type}
            className={styles.select}
            value={type}
            onChange={(e) => {
              setType(e.target.value);
              setPage(0);
            }}
          >
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {typeLabel(t)} ({t})
              </option>
            ))}
          </select>
          <label htmlFor={ids.reclaimable} className={styles.check}>
            <input
              id={ids.reclaimable}
              type="checkbox"
              checked={reclaimableOnly}
              onChange={(e) => {
                setReclaimableOnly(e.target.checked);
                setPage(0);
              }}
            />
            Not in use only
          </label>
        </div>
      </div>
      <p className={styles.summary} role="status">
        {shown.length === records.length
          ? `${records.length} records`
          : `${shown.length} of ${records.length} records match`}
        {' · '}
        {humanSize(shownSize)}
        {roundedTimes ? ' · last-use times as buildx rounds them' : ''}
      </p>
      <div className={styles.scroller}>
        <table className={styles.table}>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? styles.numeric : undefined}
                  aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                >
                  <button type="button" className={styles.sortButton} onClick={() => toggleSort(c.key)}>
                    {c.label}
                    {sort.key === c.key ? (
                      sort.desc ? (
                        <ArrowDown size={12} aria-hidden />
                      ) : (
                        <ArrowUp size={12} aria-hidden />
                      )
                    ) : null}
                  </button>
                </th>
              ))}
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {slice.map((r) => (
              <tr key={r.id} data-testid="cache-record" data-id={r.id}>
                <td className={styles.record}>
                  <span className={styles.description} title={r.description}>
                    {r.description || <em className={styles.faint}>no description</em>}
                  </span>
                  <span className={styles.id}>
                    <code>{r.id}</code>
                    {r.parents.length > 0 ? (
                      <span title={`Built on ${r.parents.join(', ')}`}>
                        {' '}
                        · on {r.parents.length === 1 ? r.parents[0]?.slice(0, 8) : `${r.parents.length} parents`}
                      </span>
                    ) : null}
                    {children.get(r.id) ? <span> · {children.get(r.id)} built on it</span> : null}
                  </span>
                </td>
                <td className={tones[typeTone(r.type)]}>
                  <span className={tones.typeBadge} title={r.type}>
                    {typeLabel(r.type)}
                  </span>
                </td>
                <td className={styles.numeric}>{humanSize(r.size)}</td>
                <td className={styles.time}>
                  <RelativeTime ms={parseTime(r.lastUsedAt ?? undefined)} emptyLabel="never used" />
                </td>
                <td className={styles.time}>
                  <RelativeTime ms={parseTime(r.createdAt ?? undefined)} emptyLabel="unknown" />
                </td>
                <td className={styles.numeric}>{r.usageCount}</td>
                <td className={styles.state}>
                  {r.inUse ? <span className={`${styles.chip} ${styles.chipWarn}`}>In use</span> : null}
                  {r.shared ? <span className={styles.chip}>Shared</span> : null}
                  {r.mutable ? <span className={styles.chip}>Mutable</span> : null}
                  {!r.inUse && !r.shared && !r.mutable ? <span className={styles.faint}>—</span> : null}
                </td>
              </tr>
            ))}
            {slice.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length + 1} className={styles.none}>
                  No record matches these filters.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {pages > 1 ? (
        <nav className={styles.pager} aria-label="Record pages">
          <Button
            size="sm"
            variant="secondary"
            onClick={() => setPage(current - 1)}
            disabled={current === 0}
            icon={<ChevronLeft size={14} aria-hidden />}
          >
            Previous
          </Button>
          <span className={styles.pageInfo}>
            {current * PAGE + 1}–{Math.min(shown.length, (current + 1) * PAGE)} of {shown.length}
          </span>
          <Button
            size="sm"
            variant="secondary"
            onClick={() => setPage(current + 1)}
            disabled={current >= pages - 1}
            icon={<ChevronRight size={14} aria-hidden />}
          >
            Next
          </Button>
        </nav>
      ) : null}
    </section>
  );
}
