import { useEffect, useState, type ReactNode } from 'react';
import { Boxes, Database, Hammer, History, Layers, Settings as SettingsIcon } from 'lucide-react';
import { getHostKind, subscribeEventsConnection, type EventsConnection } from '../api/bridge';
import { Logo } from './Logo';
import styles from './Sidebar.module.css';

export type ViewId = 'builders' | 'builds' | 'bake' | 'history' | 'cache' | 'settings';

export function isViewId(value: string): value is ViewId {
  return NAV.some((item) => item.id === value);
}

/** Only views that exist get a nav item. */
const NAV: readonly { id: ViewId; label: string; icon: ReactNode }[] = [
  { id: 'builds', label: 'Builds', icon: <Hammer size={16} aria-hidden /> },
  { id: 'bake', label: 'Bake', icon: <Boxes size={16} aria-hidden /> },
  { id: 'history', label: 'History', icon: <History size={16} aria-hidden /> },
  { id: 'builders', label: 'Builders', icon: <Layers size={16} aria-hidden /> },
  { id: 'cache', label: 'Cache', icon: <Database size={16} aria-hidden /> },
  { id: 'settings', label: 'Settings', icon: <SettingsIcon size={16} aria-hidden /> },
];

function useEventsConnection(): EventsConnection {
  const [state, setState] = useState<EventsConnection>('idle');
  useEffect(() => subscribeEventsConnection(setState), []);
  return state;
}

function ConnectionStatus() {
  const state = useEventsConnection();
  if (getHostKind() === 'electron') return null;
  const live = state === 'open';
  const label = live ? 'Live updates on' : state === 'idle' ? 'Live updates off' : 'Reconnecting…';
  return (
    <p className={styles.connection} role="status" title="Serve mode: events arrive over a WebSocket">
      <span className={live ? `${styles.dot} ${styles.dotLive}` : styles.dot} aria-hidden />
      {label}
    </p>
  );
}

interface SidebarProps {
  current: ViewId;
  onNavigate: (view: ViewId) => void;
}

export function Sidebar({ current, onNavigate }: SidebarProps) {
  return (
    <aside className={styles.sidebar}>
      <div className={styles.brand}>
        <Logo size={22} />
        <span className={styles.wordmark}>BuildDeck</span>
      </div>
      <nav aria-label="Main" className={styles.nav}>
        <ul className={styles.navList}>
          {NAV.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className={styles.navItem}
                aria-current={item.id === current ? 'page' : undefined}
                onClick={() => onNavigate(item.id)}
              >
                {item.icon}
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className={styles.footer}>
        <ConnectionStatus />
      </div>
    </aside>
  );
}
