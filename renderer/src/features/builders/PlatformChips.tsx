import { useState } from 'react';
import { Pin } from 'lucide-react';
import styles from './PlatformChips.module.css';

const VISIBLE = 6;

interface PlatformChipsProps {
  platforms: readonly string[];
  pinned: readonly string[];
}

/** Pinned platforms first and highlighted; beyond {@link VISIBLE} the rest fold behind a toggle. */
export function PlatformChips({ platforms, pinned }: PlatformChipsProps) {
  const [expanded, setExpanded] = useState(false);
  const pinnedSet = new Set(pinned);
  // A pinned platform buildx did not list (node down) is still worth showing.
  const all = [...pinned, ...platforms.filter((platform) => !pinnedSet.has(platform))];
  if (all.length === 0) return <span className={styles.none}>—</span>;

  // Folding away just one chip saves nothing: show it instead of "+1 more".
  const foldable = all.length > VISIBLE + 1;
  const shown = foldable && !expanded ? all.slice(0, VISIBLE) : all;
  const hidden = all.length - shown.length;

  return (
    <ul className={styles.chips} aria-label={`${all.length} platforms`}>
      {shown.map((platform) => {
        const isPinned = pinnedSet.has(platform);
        return (
          <li
            key={platform}
            className={isPinned ? `${styles.chip} ${styles.pinned}` : styles.chip}
            title={isPinned ? `${platform} (pinned with --platform)` : platform}
          >
            {isPinned ? <Pin size={10} aria-hidden /> : null}
            {platform}
            {isPinned ? <span className="visually-hidden"> (pinned)</span> : null}
          </li>
        );
      })}
      {foldable ? (
        <li className={styles.toggleItem}>
          <button
            type="button"
            className={styles.toggle}
            aria-expanded={expanded}
            onClick={() => setExpanded((value) => !value)}
          >
            {expanded ? 'Show less' : `+${hidden} more`}
          </button>
        </li>
      ) : null}
    </ul>
  );
}
