import { useEffect, useRef, type ReactNode } from 'react';
import { Boxes, FileCode, GitCommitHorizontal, PackageCheck, SlidersHorizontal } from 'lucide-react';
import type { HistoryRecordDetails } from '../../../../electron/common/contracts/history';
import { CopyButton } from '../../components/CopyButton';
import { shortDigest } from '../builds/format';
import styles from './RecordFacts.module.css';

/**
 * What a record says about its build, in four cards: source, configuration, dependencies, results.
 * Values are shown as recorded; secret values never reach here (ids only).
 */

function Card({
  title,
  icon,
  children,
  testId,
}: {
  title: string;
  icon: ReactNode;
  children: ReactNode;
  testId: string;
}) {
  return (
    <section className={styles.card} aria-label={title} data-testid={testId}>
      <h2 className={styles.cardTitle}>
        {icon} {title}
      </h2>
      {children}
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className={styles.fact}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Digest({ value, label }: { value: string; label: string }) {
  return (
    <span className={styles.digest}>
      <code title={value}>sha256:{shortDigest(value)}</code>
      <CopyButton text={value} label={`Copy ${label}`} />
    </span>
  );
}

/** Media types as a person names them; unknown ones as recorded. */
function attachmentName(type: string): string {
  if (/^https:\/\/slsa\.dev\/provenance\//.test(type)) return `SLSA provenance ${type.split('/').at(-1) ?? ''}`;
  if (/image\.config\.v1\+json$|container\.image\.v1\+json$/.test(type)) return 'Image config';
  if (/spdx/i.test(type)) return 'SBOM (SPDX)';
  return type;
}

function None({ children = 'none' }: { children?: ReactNode }) {
  return <span className={styles.none}>{children}</span>;
}

/** The Dockerfile with its line numbers; the lines the error points at are marked and scrolled into view. */
export function DockerfileView({
  dockerfile,
  collapsed = false,
}: {
  dockerfile: NonNullable<HistoryRecordDetails['source']['dockerfile']>;
  /** Folded behind its caption (the failure panel already shows the lines around the error). */
  collapsed?: boolean;
}) {
  const marked = new Set(dockerfile.errorLines);
  const first = dockerfile.errorLines[0];
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const pre = ref.current;
    const line = pre?.querySelector<HTMLElement>('[data-marked]');
    // Scroll inside the box only, never the page.
    if (pre && line) pre.scrollTop = Math.max(0, line.offsetTop - pre.clientHeight / 3);
  }, [first]);
  const lines = dockerfile.text.replace(/\n$/, '').split('\n');
  return (
    <details className={styles.dockerfile} data-testid="record-dockerfile" open={!collapsed}>
      <summary className={styles.dockerfileCaption}>
        <FileCode size={13} aria-hidden /> Dockerfile
        <span className={styles.none}>{lines.length} lines</span>
        <span className={styles.origin}>
          {dockerfile.origin === 'record'
            ? 'as recorded by BuildKit'
            : dockerfile.origin === 'builddeck'
              ? 'as BuildDeck saw it at build time'
              : 'as it is on disk now (may have changed since this build)'}
          {dockerfile.truncated ? ' · truncated' : ''}
        </span>
      </summary>
      <pre
        ref={ref}
        className={styles.code}
        tabIndex={0}
        aria-label={first !== undefined ? `Dockerfile, error at line ${first}` : 'Dockerfile'}
      >
        {lines.map((text, i) => {
          const n = i + 1;
          const isMarked = marked.has(n);
          return (
            <span key={n} className={isMarked ? styles.marked : styles.line} data-marked={isMarked || undefined}>
              <span className={styles.lineNo} aria-hidden>
                {n}
              </span>
              {isMarked ? <span className="visually-hidden">Error at line {n}: </span> : null}
              {text || ' '}
              {'\n'}
            </span>
          );
        })}
      </pre>
    </details>
  );
}

export function RecordFacts({ details }: { details: HistoryRecordDetails }) {
  const { source, config, dependencies, results } = details;
  const images = dependencies.filter((d) => d.kind === 'image');
  const others = dependencies.filter((d) => d.kind !== 'image');
  return (
    <div className={styles.grid} data-testid="record-facts">
      <Card title="Source" icon={<GitCommitHorizontal size={14} aria-hidden />} testId="record-source">
        <dl className={styles.facts}>
          <Fact label="Context">
            {source.contextDir || source.url ? (
              <span className="mono">{source.contextDir ?? source.url}</span>
            ) : (
              <None>not recorded</None>
            )}
          </Fact>
          <Fact label="Dockerfile">
            <span className="mono">{source.dockerfilePath ?? 'Dockerfile'}</span>
          </Fact>
          {source.vcs?.revision || source.vcs?.repository ? (
            <Fact label="Git">
              <span className="mono">
                {source.vcs.repository ? `${source.vcs.repository} ` : ''}
                {source.vcs.revision ? (
                  <span title={source.vcs.revision}>@{source.vcs.revision.slice(0, 12)}</span>
                ) : null}
              </span>
            </Fact>
          ) : null}
          {source.namedContexts.map((c) => (
            <Fact key={c.name} label={`Context ${c.name}`}>
              <span className="mono">{c.value}</span>
            </Fact>
          ))}
        </dl>
      </Card>

      <Card title="Configuration" icon={<SlidersHorizontal size={14} aria-hidden />} testId="record-config">
        <dl className={styles.facts}>
          <Fact label="Target">
            {config.target ? <span className="mono">{config.target}</span> : <None>last stage</None>}
          </Fact>
          <Fact label="Platforms">
            {config.platforms.length > 0 ? (
              <span className="mono">{config.platforms.join(', ')}</span>
            ) : (
              <None>builder default</None>
            )}
          </Fact>
          <Fact label="Build args">
            {config.buildArgs.length > 0 ? (
              <ul className={styles.pairs}>
                {config.buildArgs.map((a) => (
                  <li key={a.name} className="mono">
                    {a.name}=<span className={styles.value}>{a.value}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <None />
            )}
          </Fact>
          <Fact label="Secrets">
            {config.secretIds.length > 0 ? (
              <span className="mono" title="Ids only: values are never read or stored">
                {config.secretIds.join(', ')}
              </span>
            ) : (
              <None />
            )}
          </Fact>
          {config.sshIds.length > 0 ? (
            <Fact label="SSH">
              <span className="mono">{config.sshIds.join(', ')}</span>
            </Fact>
          ) : null}
          <Fact label="Outputs">
            {config.outputs.length > 0 ? (
              <ul className={styles.pairs}>
                {config.outputs.map((o, i) => (
                  <li key={i} className="mono">
                    {o.type}
                    {Object.entries(o.attrs).map(([k, v]) => (
                      <span key={k} className={styles.value}>
                        {' '}
                        {k}={v}
                      </span>
                    ))}
                  </li>
                ))}
              </ul>
            ) : (
              <None>builder default</None>
            )}
          </Fact>
          {config.noCache || config.noCacheFilter.length > 0 || config.pull ? (
            <Fact label="Cache">
              <span className="mono">
                {[
                  config.noCache ? '--no-cache' : '',
                  config.noCacheFilter.length > 0 ? `--no-cache-filter ${config.noCacheFilter.join(',')}` : '',
                  config.pull ? '--pull' : '',
                ]
                  .filter(Boolean)
                  .join(' ')}
              </span>
            </Fact>
          ) : null}
        </dl>
      </Card>

      <Card title="Dependencies" icon={<Boxes size={14} aria-hidden />} testId="record-dependencies">
        {dependencies.length === 0 ? (
          <p className={styles.none}>No base images recorded (no provenance in this record).</p>
        ) : (
          <ul className={styles.deps}>
            {[...images, ...others].map((d) => (
              <li key={d.uri}>
                <span className={`${styles.depName} mono`} title={d.uri}>
                  {d.name ?? d.uri}
                </span>
                {d.platform ? <span className={styles.none}>{d.platform}</span> : null}
                {d.digests.map((digest) => (
                  <Digest key={digest} value={digest} label={`digest of ${d.name ?? d.uri}`} />
                ))}
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title="Results" icon={<PackageCheck size={14} aria-hidden />} testId="record-results">
        <dl className={styles.facts}>
          <Fact label="Image digest">
            {results.imageDigest ? (
              <Digest value={results.imageDigest} label="image digest" />
            ) : (
              <None>no image exported</None>
            )}
          </Fact>
          {results.imageNames.length > 0 ? (
            <Fact label="Names">
              <ul className={styles.pairs}>
                {results.imageNames.map((n) => (
                  <li key={n} className="mono">
                    {n}
                  </li>
                ))}
              </ul>
            </Fact>
          ) : null}
          {results.configDigest && results.configDigest !== results.imageDigest ? (
            <Fact label="Config">
              <Digest value={results.configDigest} label="config digest" />
            </Fact>
          ) : null}
          <Fact label="Attachments">
            {results.attachments.length > 0 ? (
              <ul className={styles.pairs}>
                {results.attachments.map((a) => (
                  <li key={a.digest}>
                    <span className={styles.attachType} title={a.type}>
                      {attachmentName(a.type)}
                    </span>{' '}
                    <code title={a.digest}>{shortDigest(a.digest)}</code>
                    {a.platform ? <span className={styles.none}> {a.platform}</span> : null}
                  </li>
                ))}
              </ul>
            ) : (
              <None />
            )}
          </Fact>
        </dl>
      </Card>
    </div>
  );
}
