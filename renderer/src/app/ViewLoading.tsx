import { Skeleton } from '../components/Skeleton';
import styles from './App.module.css';

/** Code on its way (a local file: a frame or two); placeholders instead of a blank pane. */
export function ViewLoading() {
  return (
    <div aria-busy="true" className={styles.viewLoading}>
      <span className="visually-hidden" role="status">
        Loading…
      </span>
      <Skeleton width="30%" height={22} />
      <Skeleton width="80%" />
      <Skeleton width="65%" />
    </div>
  );
}
