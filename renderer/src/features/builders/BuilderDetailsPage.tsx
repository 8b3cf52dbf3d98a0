import { useId, useState, type ReactNode } from 'react';
import { ArrowLeft, CircleAlert, Play, Plus, RefreshCw, Square, Star, Trash2, Unlink } from 'lucide-react';
import type {
  BuilderDetails,
  BuilderNodeDetails,
  CertificateInfo,
  ContainerStats,
} from '../../../../electron/common/contracts/builders';
import { appErrorOf, useCommand } from '../../api/client';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { ErrorState } from '../../components/ErrorState';
import { RelativeTime } from '../../components/RelativeTime';
import { Skeleton } from '../../components/Skeleton';
import { formatBytes, parseTime } from '../../lib/format';
import { ActionProgress } from './ActionProgress';
import { DriverBadge } from './DriverBadge';
import { FleetWarnings } from './FleetWarnings';
import { HealthBadge } from './HealthBadge';
import { PlatformChips } from './PlatformChips';
import { RemoveBuilderDialog } from './RemoveBuilderDialog';
import { StatusPill } from './StatusPill';
import { useBuilderAction, useFleetHealth } from './use-builder-ops';
import styles from './BuilderDetailsPage.module.css';

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (shown.length === 0) return null;
  return (
    <dl className={styles.facts}>
      {shown.map(([k, v]) => (
        <div key={k} className={styles.fact}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Block({
  title,
  children,
  aside,
  wide = false,
}: {
  title: string;
  children: ReactNode;
  aside?: ReactNode;
  wide?: boolean;
}) {
  const id = useId();
  return (
    <section className={wide ? `${styles.block} ${styles.blockWide}` : styles.block} aria-labelledby={id}>
      <div className={styles.blockHead}>
        <h3 id={id} className={styles.blockTitle}>
          {title}
        </h3>
        {aside}
      </div>
      {children}
    </section>
  );
}

function KeyValues({ map, empty }: { map: Record<string, string>; empty: string }) {
  const entries = Object.entries(map);
  if (entries.length === 0) return <p className={styles.muted}>{empty}</p>;
  return (
    <table className={styles.kv}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td className="mono">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Meter({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  const tone = pct >= 90 ? styles.meterHot : pct >= 70 ? styles.meterWarm : '';
  return (
    <div className={styles.meter}>
      <div className={styles.meterHead}>
        <span>{label}</span>
        <span className="mono">{text}</span>
      </div>
      <div
        className={styles.meterTrack}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-valuetext={text}
      >
        <div className={`${styles.meterFill} ${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function ContainerBlock({
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

function Certificate({ label, cert }: { label: string; cert: CertificateInfo }) {
  if (cert.error) {
    return (
      <div className={styles.cert}>
        <strong>{label}</strong>
        <span className={styles.danger}>
          <span className="mono">{cert.path}</span>: {cert.error}
        </span>
      </div>
    );
  }
  const days = cert.daysLeft ?? 0;
  const tone = days < 0 ? styles.danger : days <= 30 ? styles.warn : styles.ok;
  return (
    <div className={styles.cert} data-testid="certificate">
      <strong>{label}</strong>
      <Facts
        rows={[
          [
            'Subject',
            <span key="s" className="mono">
              {cert.subject}
            </span>,
          ],
          [
            'Issuer',
            <span key="i" className="mono">
              {cert.issuer}
            </span>,
          ],
          [
            'Expires',
            <span key="e" className={tone}>
              {cert.validTo
                ? new Date(cert.validTo).toLocaleDateString(undefined, {
                    year: 'numeric',
                    month: 'short',
                    day: 'numeric',
                  })
                : '?'}{' '}
              · {days < 0 ? `expired ${-days} days ago` : `${days} days left`}
            </span>,
          ],
          [
            'File',
            <span key="f" className="mono">
              {cert.path}
            </span>,
          ],
        ]}
      />
    </div>
  );
}

function NodeCard({
  node,
  builder,
  stats,
  cpus,
  onLeave,
  busy,
}: {
  node: BuilderNodeDetails;
  builder: BuilderDetails;
  stats: ContainerStats | undefined;
  cpus: number;
  onLeave?: (() => void) | undefined;
  busy: boolean;
}) {
  const titleId = useId();
  const config = node.configFiles[0];
  return (
    <article className={styles.node} aria-labelledby={titleId} data-testid="node-details" data-node={node.name}>
      <header className={styles.nodeHead}>
        <h2 id={titleId} className={styles.nodeName}>
          <span className="mono">{node.name}</span>
        </h2>
        <StatusPill status={node.status} />
        <span className={styles.endpoint}>
          <span className="mono" title={node.endpoint}>
            {node.endpoint}
          </span>
          <CopyButton text={node.endpoint} label={`Copy endpoint of ${node.name}`} />
        </span>
        <span className={styles.version}>
          {node.buildkitVersion ? (
            <>
              BuildKit <span className="mono">{node.buildkitVersion}</span>
            </>
          ) : null}
        </span>
        {onLeave ? (
          <Button size="sm" variant="ghost" icon={<Unlink size={13} aria-hidden />} onClick={onLeave} disabled={busy}>
            Remove node
          </Button>
        ) : null}
      </header>
      {node.error ? (
        <p className={styles.nodeError} data-testid="node-error">
          <CircleAlert size={14} aria-hidden />
          <span className="mono">{node.error}</span>
        </p>
      ) : null}
      <div className={styles.nodeBody}>
        <Block title="Platforms">
          <PlatformChips platforms={node.platforms} pinned={node.pinnedPlatforms} />
        </Block>
        <Block title="Driver options">
          <KeyValues map={node.driverOpts} empty="Defaults." />
        </Block>
        {builder.driver === 'docker-container' ? <ContainerBlock node={node} stats={stats} cpus={cpus} /> : null}
        {node.tls ? (
          <Block title="TLS">
            <div className={styles.certs}>
              {node.tls.cacert ? <Certificate label="CA certificate" cert={node.tls.cacert} /> : null}
              {node.tls.cert ? <Certificate label="Client certificate" cert={node.tls.cert} /> : null}
              {node.tls.keyPath || node.tls.servername ? (
                <div className={styles.cert}>
                  <strong>Client key and server name</strong>
                  <Facts
                    rows={[
                      [
                        'Key file',
                        node.tls.keyPath ? (
                          <span key="k" className="mono">
                            {node.tls.keyPath}
                          </span>
                        ) : (
                          ''
                        ),
                      ],
                      [
                        'Permissions',
                        node.tls.keyMode ? (
                          <span key="m" className={node.tls.keyTooOpen ? styles.warn : styles.ok}>
                            {node.tls.keyMode}
                            {node.tls.keyTooOpen ? ' · readable by other users: chmod 600 it' : ' · private'}
                          </span>
                        ) : (
                          ''
                        ),
                      ],
                      [
                        'Server name',
                        node.tls.servername ? (
                          <span key="s" className="mono">
                            {node.tls.servername}
                          </span>
                        ) : (
                          ''
                        ),
                      ],
                    ]}
                  />
                </div>
              ) : null}
            </div>
          </Block>
        ) : null}
        {node.kube ? (
          <Block title="Kubernetes">
            <Facts
              rows={[
                ['Deployment', node.kube.deployment ?? ''],
                [
                  'kubeconfig',
                  <span key="k" className="mono">
                    {node.kube.kubeconfig ?? '$KUBECONFIG'}
                  </span>,
                ],
              ]}
            />
          </Block>
        ) : null}
        {builder.driver === 'remote' && node.buildkitdFlags.length === 0 && !config ? null : (
          <Block title="Daemon">
            <Facts
              rows={[
                [
                  'Flags',
                  node.buildkitdFlags.length ? (
                    <span key="f" className="mono">
                      {node.buildkitdFlags.join(' ')}
                    </span>
                  ) : (
                    'none'
                  ),
                ],
              ]}
            />
            {config ? (
              <details className={styles.logs} open>
                <summary>
                  Config <span className="mono">{config.name}</span>
                </summary>
                <pre className={styles.pre}>{config.content.replace(/^\s*\n/, '')}</pre>
              </details>
            ) : null}
          </Block>
        )}
        {Object.keys(node.labels).length > 0 || node.gcPolicy.length > 0 ? (
          <Block title="Worker" wide>
            <KeyValues map={node.labels} empty="No labels reported." />
            {node.gcPolicy.length > 0 ? (
              <table className={styles.gc}>
                <caption className={styles.gcCaption}>Garbage collection policy</caption>
                <tbody>
                  {node.gcPolicy.map((rule, i) => (
                    <tr key={i}>
                      <th scope="row">Rule {i + 1}</th>
                      <td>
                        {rule.map((f) => (
                          <span key={f.key} className={styles.gcField}>
                            <span className={styles.muted}>{f.key}</span> <span className="mono">{f.value}</span>
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </Block>
        ) : null}
      </div>
    </article>
  );
}

export interface BuilderDetailsPageProps {
  name: string;
  cpus: number;
  onBack: () => void;
  onAddNode: (builder: { name: string; driver: string }) => void;
}

export function BuilderDetailsPage({ name, cpus, onBack, onAddNode }: BuilderDetailsPageProps) {
  const details = useCommand('builders.inspect', { name, logLines: 200 });
  const health = useFleetHealth();
  const { state, run, reset } = useBuilderAction();
  const [confirming, setConfirming] = useState(false);
  const [removed, setRemoved] = useState<{ name: string; warnings: string[] } | undefined>();
  const b = details.data;
  const running = b?.driver === 'docker-container' && b.nodes.some((n) => n.container?.running);
  const stats = useCommand(
    'builders.stats',
    { name },
    { enabled: running && !removed, refetchInterval: 3000, staleTime: 0 },
  );
  const busy = state.status === 'running';

  if (removed) {
    return (
      <div className={styles.page}>
        <header className={styles.header}>
          <Button variant="ghost" onClick={onBack} icon={<ArrowLeft size={14} aria-hidden />}>
            Builders
          </Button>
        </header>
        <ActionProgress state={state} />
        {removed.warnings.map((w) => (
          <p key={w} className={styles.warn}>
            {w}
          </p>
        ))}
        <p>
          <Button variant="primary" onClick={onBack}>
            Back to builders
          </Button>
        </p>
      </div>
    );
  }

  const header = (
    <header className={styles.header}>
      <Button
        variant="ghost"
        onClick={onBack}
        icon={<ArrowLeft size={14} aria-hidden />}
        disabled={busy}
        data-testid="back"
      >
        Builders
      </Button>
      <h1 className={styles.title}>{name}</h1>
      {b ? <DriverBadge driver={b.driver} /> : null}
      {b?.current ? (
        <span className={styles.current}>
          <Star size={11} aria-hidden /> Current
        </span>
      ) : null}
      <HealthBadge health={health.data?.builders.find((h) => h.name === name)} checking={health.isFetching} />
      <span className={styles.spacer} />
      <Button
        variant="ghost"
        size="sm"
        onClick={() => void details.refetch()}
        aria-busy={details.isFetching}
        icon={<RefreshCw size={13} aria-hidden className={details.isFetching ? 'spin' : undefined} />}
      >
        Refresh
      </Button>
    </header>
  );

  if (details.isError) {
    return (
      <div className={styles.page}>
        {header}
        <ErrorState
          error={appErrorOf(details.error)}
          onRetry={() => void details.refetch()}
          retrying={details.isFetching}
        />
      </div>
    );
  }
  if (!b) {
    return (
      <div className={styles.page} aria-busy="true">
        {header}
        <Skeleton width="40%" height={16} />
        <Skeleton width="100%" height={180} />
      </div>
    );
  }

  const anyRunning = b.nodes.some((n) => n.status === 'running');
  const statsOf = (node: string) => stats.data?.nodes.find((n) => n.node === node)?.stats;

  return (
    <div className={styles.page}>
      {header}
      <div className={styles.actions} role="toolbar" aria-label={`Actions for ${name}`}>
        {b.driver !== 'docker' ? (
          <Button
            variant="secondary"
            icon={<Play size={14} aria-hidden />}
            disabled={busy}
            onClick={() => void run('bootstrap', 'builders.bootstrap', { name })}
            data-testid="action-bootstrap"
          >
            {anyRunning ? 'Start all nodes' : 'Start'}
          </Button>
        ) : null}
        {/* buildx cannot stop a remote daemon (its driver's stop does nothing), so it is not offered. */}
        {b.driver !== 'docker' && b.driver !== 'remote' ? (
          <Button
            variant="secondary"
            icon={<Square size={13} aria-hidden />}
            disabled={busy || !anyRunning}
            onClick={() => void run('stop', 'builders.stop', { name })}
            data-testid="action-stop"
            title="Stops the daemon; its state and cache are kept"
          >
            Stop
          </Button>
        ) : null}
        <Button
          variant="secondary"
          icon={<Star size={14} aria-hidden />}
          disabled={busy || b.current}
          onClick={() => void run('use', 'builders.use', { name })}
          data-testid="action-use"
        >
          {b.current ? 'Current builder' : 'Use as current'}
        </Button>
        {b.driver !== 'docker' ? (
          <Button
            variant="secondary"
            icon={<Plus size={14} aria-hidden />}
            disabled={busy}
            onClick={() => onAddNode({ name, driver: b.driver })}
          >
            Add node
          </Button>
        ) : null}
        <span className={styles.spacer} />
        {b.contextBuilder ? (
          <span className={styles.muted}>The builder of a Docker context; it cannot be removed.</span>
        ) : (
          <Button
            variant="secondary"
            className={styles.removeButton}
            icon={<Trash2 size={14} aria-hidden />}
            disabled={busy}
            onClick={() => setConfirming(true)}
            data-testid="action-remove"
          >
            Remove…
          </Button>
        )}
      </div>
      <ActionProgress state={state} onDismiss={reset} />
      {health.data ? <FleetWarnings warnings={health.data.warnings} only={name} /> : null}
      <p className={styles.meta}>
        {b.live ? 'Read' : 'buildx did not answer in time; showing its stored record, read'}{' '}
        <RelativeTime ms={Date.parse(b.readAt)} />
        {b.lastActivity ? (
          <>
            {' · '}last build <RelativeTime ms={parseTime(b.lastActivity)} emptyLabel="never" />
          </>
        ) : null}
      </p>
      {b.error ? (
        <p className={styles.nodeError} data-testid="node-error">
          <CircleAlert size={14} aria-hidden />
          <span className="mono">{b.error}</span>
        </p>
      ) : null}
      {b.nodes.map((node) => (
        <NodeCard
          key={node.name}
          node={node}
          builder={b}
          stats={statsOf(node.name)}
          cpus={cpus}
          busy={busy}
          onLeave={
            b.nodes.length > 1 ? () => void run('leave', 'builders.leave', { name, node: node.name }) : undefined
          }
        />
      ))}
      {confirming ? (
        <RemoveBuilderDialog
          builder={b}
          onCancel={() => setConfirming(false)}
          onConfirm={(keepState) => {
            setConfirming(false);
            void run('remove', 'builders.remove', { name, keepState }).then((r) => {
              if (r.ok) setRemoved({ name, warnings: r.value.warnings });
            });
          }}
        />
      ) : null}
    </div>
  );
}
