import type { ReactNode } from 'react';
import { Box, Globe, ShipWheel, Container, Cog } from 'lucide-react';
import styles from './badges.module.css';

const KNOWN: Record<string, { className: string | undefined; icon: ReactNode; title: string }> = {
  docker: {
    className: styles.docker,
    icon: <Container size={12} aria-hidden />,
    title: 'Runs inside the Docker Engine (embedded BuildKit)',
  },
  'docker-container': {
    className: styles.dockerContainer,
    icon: <Box size={12} aria-hidden />,
    title: 'BuildKit in a container managed by buildx',
  },
  kubernetes: {
    className: styles.kubernetes,
    icon: <ShipWheel size={12} aria-hidden />,
    title: 'BuildKit pods in a Kubernetes cluster',
  },
  remote: {
    className: styles.remote,
    icon: <Globe size={12} aria-hidden />,
    title: 'A BuildKit daemon reached over the network',
  },
};

/** The driver as buildx names it; an unknown driver still renders, in neutral colours. */
export function DriverBadge({ driver }: { driver: string }) {
  const known = KNOWN[driver];
  return (
    <span
      className={[styles.badge, known?.className ?? styles.neutral].join(' ')}
      title={known?.title ?? `Driver ${driver}`}
      data-driver={driver}
    >
      {known?.icon ?? <Cog size={12} aria-hidden />}
      <span className="visually-hidden">Driver: </span>
      {driver}
    </span>
  );
}
