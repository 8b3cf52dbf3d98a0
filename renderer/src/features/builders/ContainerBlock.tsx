import type { BuilderNodeDetails, ContainerStats } from '../../../../electron/common/contracts/builders';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { formatBytes, parseTime } from '../../lib/format';
import { Block, Facts, Meter } from './details-parts';
import styles from './BuilderDetailsPage.module.css';

/** A docker-container node's container: state, limits, live CPU and memory, and its last log lines. */
export function ContainerBlock({
  node,
  stats,
  cpus,
}: {
  node: BuilderNodeDetails;
  stats: ContainerStats | undefined;
  cpus: number;
}) {
  const c = node.container;
  if (!c) {
    return (
      <Block title="Container">
        <p className={styles.muted}>
          {node.containerError
            ? `Could not read the container: ${node.containerError}`
            : 'No container yet: it is created when the builder first starts.'}
        </p>
      </Block>
    );
  }
  const l = c.limits;
  const cpuLimit =
    l.cpuQuota > 0 ? l.cpuQuota / (l.cpuPeriod || 100_000) : l.nanoCpus > 0 ? l.nanoCpus / 1e9 : undefined;
  return (
    <Block
      title="Container"
      aside={
        <span className={styles.muted}>
          <span className="mono">{c.name}</span>
        </span>
      }
    >
      <Facts
        rows={[
          [
            'State',
            <span key="s" className={c.running ? styles.ok : styles.muted}>
              {c.state}
              {c.exitCode !== undefined ? ` (exit code ${c.exitCode})` : ''}
            </span>,
          ],
          ['Restarts', String(c.restartCount)],
          [
            c.running ? 'Started' : 'Stopped',
            <RelativeTime key="t" ms={parseTime(c.running ? c.startedAt : c.finishedAt)} />,
          ],
          [
            'Image',
            <span key="i" className="mono">
              {c.image}
            </span>,
          ],
          ['Memory limit', l.memoryBytes ? formatBytes(l.memoryBytes) : 'unlimited'],
          [
            'Memory + swap',
            l.memorySwapBytes > 0 ? formatBytes(l.memorySwapBytes) : l.memorySwapBytes < 0 ? 'unlimited' : '',
          ],
          [
            'CPU limit',
            cpuLimit !== undefined
              ? `${cpuLimit.toFixed(2)} CPU${l.cpuQuota ? ` (quota ${l.cpuQuota} µs / ${l.cpuPeriod || 100_000} µs)` : ''}`
              : 'unlimited',
          ],
          ['CPU shares', l.cpuShares ? String(l.cpuShares) : ''],
          ['CPUs', l.cpusetCpus],
          ['Memory nodes', l.cpusetMems],
          ['Restart policy', c.restartPolicy ?? ''],
          ['Network', c.networkMode ?? ''],
          [
            'State volume',
            c.volumes.length ? (
              <span key="v" className="mono">
                {c.volumes.join(', ')}
              </span>
            ) : (
              ''
            ),
          ],
        ]}
      />
      {c.running ? (
        stats ? (
          <div className={styles.meters} data-testid="container-stats">
            <Meter
              label="CPU"
              value={stats.cpuPercent}
              max={(cpuLimit ?? cpus) * 100}
              text={`${stats.cpuPercent.toFixed(1)} %${cpuLimit !== undefined ? ` of ${cpuLimit.toFixed(2)} CPU` : ''}`}
            />
            <Meter
              label="Memory"
              value={stats.memoryBytes}
              max={stats.memoryLimitBytes}
              text={`${formatBytes(stats.memoryBytes)} of ${formatBytes(stats.memoryLimitBytes)}`}
            />
          </div>
        ) : (
          <div className={styles.meters} aria-busy="true">
            <Skeleton width="100%" height={28} />
            <Skeleton width="100%" height={28} />
          </div>
        )
      ) : null}
      <details className={styles.logs}>
        <summary>Logs ({c.logs.length} lines)</summary>
        {c.logs.length ? (
          <pre className={styles.pre} data-testid="container-logs">
            {c.logs.join('\n')}
          </pre>
        ) : (
          <p className={styles.muted}>No log lines.</p>
        )}
      </details>
    </Block>
  );
}
