import { Component, Suspense, type ReactNode } from 'react';
import { Skeleton } from '../../components/Skeleton';

interface State {
  failed: boolean;
}

/**
 * Suspense for the lazily loaded chart chunk, and a fallback if the chunk cannot load (an app
 * updated under a running window): the table beside every chart still says the same.
 */
class LoadBoundary extends Component<{ children: ReactNode; fallback: ReactNode }, State> {
  override state: State = { failed: false };
  static getDerivedStateFromError(): State {
    return { failed: true };
  }
  override render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

export function ChartBoundary({
  height,
  children,
  failed,
}: {
  height: number;
  children: ReactNode;
  /** What to show when the chart code failed to load. */
  failed: ReactNode;
}) {
  return (
    <LoadBoundary fallback={failed}>
      <Suspense fallback={<Skeleton height={height} />}>{children}</Suspense>
    </LoadBoundary>
  );
}
