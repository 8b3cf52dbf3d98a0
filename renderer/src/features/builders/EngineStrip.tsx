import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { BuildxInfo, EngineInfo } from '../../../../electron/common/domain';
import { appErrorOf, type CommandError } from '../../api/client';
import { ErrorState } from '../../components/ErrorState';
import { Skeleton } from '../../components/Skeleton';
import { formatBytes, pluralize } from '../../lib/format';
import styles from './EngineStrip.module.css';

interface EngineStripProps {
  engine: UseQueryResult<EngineInfo, CommandError>;
  buildx: UseQueryResult<BuildxInfo, CommandError>;
  onRetry: () => void;
  retrying: boolean;
}

interface FactProps {
  label: string;
  children: ReactNode;
  /** 'wide' takes the remaining room; 'shrink' gives up room first (its secondary text truncates). */
  size?: 'wide' | 'shrink';
}

function Fact({ label, children, size }: FactProps) {
  const className = [styles.fact, size === 'wide' ? styles.wide : size === 'shrink' ? styles.shrink : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={className}>
      <dt className={styles.label}>{label}</dt>
      <dd className={styles.value}>{children}</dd>
    </div>
  );
}

function Secondary({ children }: { children: ReactNode }) {
  return <span className={styles.secondary}>{children}</span>;
}

function EngineFacts({ engine }: { engine: EngineInfo }) {
  return (
    <>
      <Fact label="Docker Engine">
        <span className="mono">{engine.engineVersion}</span>
        <Secondary>
          API <span className="mono">{engine.apiVersion}</span>
        </Secondary>
      </Fact>
      <Fact label="Platform" size="shrink">
        <span className="mono">
          {engine.os}/{engine.arch}
        </span>
        <Secondary>
          <span title={`${engine.operatingSystem}, kernel ${engine.kernelVersion}`}>{engine.operatingSystem}</span>
        </Secondary>
      </Fact>
      <Fact label="Storage">
        <span className="mono">{engine.storageDriver}</span>
        {engine.containerdSnapshotter ? <Secondary>containerd image store</Secondary> : null}
      </Fact>
      <Fact label="Resources">
        <span>{pluralize(engine.cpus, 'CPU')}</span>
        <Secondary>{formatBytes(engine.memoryBytes)}</Secondary>
      </Fact>
    </>
  );
}

function BuildxFact({ buildx }: { buildx: BuildxInfo }) {
  return (
    <Fact label="Buildx">
      <span className="mono" title={buildx.command}>
        {buildx.version}
      </span>
    </Fact>
  );
}

function LoadingFacts({ count }: { count: number }) {
  return (
    <>
      {Array.from({ length: count }, (_, index) => (
        <div key={index} className={styles.fact}>
          <dt className={styles.label}>
            <Skeleton width={70} height={9} />
          </dt>
          <dd className={styles.value}>
            <Skeleton width={110} height={13} />
          </dd>
        </div>
      ))}
    </>
  );
}

/** One compact strip of engine and buildx facts above the builders. */
export function EngineStrip({ engine, buildx, onRetry, retrying }: EngineStripProps) {
  const endpoint = engine.data?.endpoint;
  return (
    <section
      className={styles.strip}
      aria-labelledby="engine-strip-title"
      aria-busy={engine.isPending || buildx.isPending}
      data-testid="engine-info"
    >
      <h2 id="engine-strip-title" className="visually-hidden">
        Engine
      </h2>
      <dl className={styles.facts}>
        {engine.data ? <EngineFacts engine={engine.data} /> : engine.isPending ? <LoadingFacts count={4} /> : null}
        {buildx.data ? <BuildxFact buildx={buildx.data} /> : buildx.isPending ? <LoadingFacts count={1} /> : null}
        {endpoint ? (
          <Fact label="Endpoint" size="wide">
            <span className={`mono ${styles.endpoint}`} title={endpoint}>
              {endpoint}
            </span>
          </Fact>
        ) : null}
      </dl>
      {engine.isError ? (
        <ErrorState
          variant="inline"
          subject="Docker Engine"
          error={appErrorOf(engine.error)}
          onRetry={onRetry}
          retrying={retrying}
        />
      ) : null}
      {buildx.isError ? (
        <ErrorState
          variant="inline"
          subject="Buildx"
          error={appErrorOf(buildx.error)}
          onRetry={onRetry}
          retrying={retrying}
        />
      ) : null}
    </section>
  );
}
