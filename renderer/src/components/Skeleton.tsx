import styles from './Skeleton.module.css';

interface SkeletonProps {
  width?: number | string;
  height?: number;
  className?: string | undefined;
}

/** A grey placeholder bar. Decorative: the surrounding region carries aria-busy and a status text. */
export function Skeleton({ width = '100%', height = 12, className }: SkeletonProps) {
  return (
    <span
      aria-hidden
      className={[styles.skeleton, className ?? ''].join(' ')}
      // Geometry only; set through the CSSOM, which a style-src 'self' CSP allows.
      style={{ width, height }}
    />
  );
}
