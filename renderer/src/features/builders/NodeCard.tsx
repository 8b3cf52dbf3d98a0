import { useId } from 'react';
import { CircleAlert, Unlink } from 'lucide-react';
import type {
  BuilderDetails,
  BuilderNodeDetails,
  CertificateInfo,
  ContainerStats,
} from '../../../../electron/common/contracts/builders';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { ContainerBlock } from './ContainerBlock';
import { Block, Facts, KeyValues } from './details-parts';
import { PlatformChips } from './PlatformChips';
import { StatusPill } from './StatusPill';
import styles from './BuilderDetailsPage.module.css';

/** A TLS certificate file as read: subject, issuer and how long it is still valid. */
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

/** One node of a builder: status, endpoint, platforms, driver options, container, TLS, daemon and worker. */
export function NodeCard({
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
