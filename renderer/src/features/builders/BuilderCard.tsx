import { useId } from 'react';
import { ChevronRight, CircleAlert, Clock, Info, LoaderCircle, Star } from 'lucide-react';
import type { BuilderHealth } from '../../../../electron/common/contracts/builders';
import type { BuilderNode } from '../../../../electron/common/domain';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { RelativeTime } from '../../components/RelativeTime';
import { parseTime } from '../../lib/format';
import { DriverBadge } from './DriverBadge';
import { HealthBadge } from './HealthBadge';
import { PlatformChips } from './PlatformChips';
import { StatusPill } from './StatusPill';
import type { ShownBuilder } from './use-builders';
import styles from './BuilderCard.module.css';

/** The docker driver reports the Engine's embedded BuildKit without a real version. */
function isPlaceholderVersion(version: string): boolean {
  return /^v?0\.0\.0(\+unknown)?$/.test(version);
}

function BuildkitVersion({ version }: { version: string | undefined }) {
  if (!version) return <span className={styles.faint}>—</span>;
  if (isPlaceholderVersion(version)) {
    return (
      <span
        className={`mono ${styles.faint}`}
        title="BuildKit embedded in the Docker Engine does not report its version"
      >
        {version}
      </span>
    );
  }
  return <span className="mono">{version}</span>;
}

function NodeRows({ node }: { node: BuilderNode }) {
  return (
    <>
      <tr className={node.error ? styles.rowWithError : undefined}>
        <th scope="row" className={styles.nodeName}>
          <span className="mono">{node.name}</span>
        </th>
        <td>
          <span className={styles.endpoint}>
            <span className={`mono ${styles.endpointText}`} title={node.endpoint}>
              {node.endpoint}
            </span>
            <CopyButton text={node.endpoint} label={`Copy endpoint of ${node.name}`} className={styles.copy} />
          </span>
        </td>
        <td>
          <StatusPill status={node.status} />
        </td>
        <td>
          <BuildkitVersion version={node.buildkitVersion} />
        </td>
        <td>
          <PlatformChips platforms={node.platforms} pinned={node.pinnedPlatforms} />
        </td>
      </tr>
      {node.error ? (
        <tr className={styles.errorRow}>
          <td colSpan={5}>
            <span className={styles.errorText}>
              <CircleAlert size={13} aria-hidden />
              <span className="visually-hidden">Error on node {node.name}: </span>
              <span className="mono">{node.error}</span>
            </span>
          </td>
        </tr>
      ) : null}
    </>
  );
}

interface BuilderCardProps {
  /** With `lastSeen`: the state last read, shown until this builder's live answer arrives. */
  builder: ShownBuilder;
  /** Last health check of this builder, if any. */
  health?: BuilderHealth | undefined;
  checking?: boolean;
  /** Opens the builder's details page. */
  onOpen?: () => void;
}

export function BuilderCard({ builder, health, checking = false, onOpen }: BuilderCardProps) {
  const titleId = useId();
  const lastActivity = parseTime(builder.lastActivity);
  const lastSeen = parseTime(builder.lastSeen);
  return (
    <article
      className={[styles.card, builder.current ? styles.current : '', lastSeen !== undefined ? styles.stale : '']
        .filter(Boolean)
        .join(' ')}
      aria-labelledby={titleId}
      aria-busy={lastSeen !== undefined}
      data-testid="builder-card"
      data-builder-name={builder.name}
      data-stale={lastSeen !== undefined ? 'true' : undefined}
    >
      <header className={styles.header}>
        <div className={styles.identity}>
          <h2 id={titleId} className={styles.name}>
            {onOpen ? (
              <button
                type="button"
                className={styles.nameButton}
                onClick={onOpen}
                title={`Open ${builder.name}`}
                data-testid="open-builder"
              >
                {builder.name}
              </button>
            ) : (
              builder.name
            )}
          </h2>
          <DriverBadge driver={builder.driver} />
          <HealthBadge health={health} checking={checking} />
          {builder.current ? (
            <span className={styles.currentBadge} title="Used by `docker buildx build` when no --builder is given">
              <Star size={11} aria-hidden />
              Current
            </span>
          ) : null}
          {builder.contextBuilder ? (
            <span className={styles.hint} title="The builder of a Docker context; it cannot be removed">
              <Info size={12} aria-hidden />
              Context builder
            </span>
          ) : null}
          {lastSeen !== undefined ? (
            <span className={styles.lastSeen} title="Shown as last read; this builder has not answered yet">
              <LoaderCircle size={11} aria-hidden className="spin" />
              last seen <RelativeTime ms={lastSeen} />
            </span>
          ) : null}
          {builder.dynamic ? (
            <span className={styles.hint} title="Nodes are created on demand">
              Dynamic nodes
            </span>
          ) : null}
        </div>
        <div className={styles.headerEnd}>
          <div className={styles.activity}>
            <Clock size={12} aria-hidden />
            <span>Last activity</span>
            <RelativeTime ms={lastActivity} emptyLabel="never used" className={styles.activityTime} />
          </div>
          {onOpen ? (
            <Button
              size="sm"
              variant="ghost"
              onClick={onOpen}
              aria-label={`Details of ${builder.name}`}
              icon={<ChevronRight size={14} aria-hidden />}
            >
              Details
            </Button>
          ) : null}
        </div>
      </header>

      {builder.error ? (
        <p className={styles.builderError}>
          <CircleAlert size={14} aria-hidden />
          <span className="visually-hidden">Builder error: </span>
          <span className="mono">{builder.error}</span>
        </p>
      ) : null}

      {builder.nodes.length > 0 ? (
        <table className={styles.nodes}>
          <caption className="visually-hidden">Nodes of builder {builder.name}</caption>
          <colgroup>
            <col className={styles.colNode} />
            <col className={styles.colEndpoint} />
            <col className={styles.colStatus} />
            <col className={styles.colVersion} />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">BuildKit</th>
              <th scope="col">Platforms</th>
            </tr>
          </thead>
          <tbody>
            {builder.nodes.map((node) => (
              <NodeRows key={node.name} node={node} />
            ))}
          </tbody>
        </table>
      ) : (
        <p className={styles.noNodes}>No nodes.</p>
      )}
    </article>
  );
}
