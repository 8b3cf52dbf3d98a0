import { useId, type ReactNode } from 'react';
import {
  Bug,
  CircleAlert,
  HardDrive,
  KeyRound,
  PackageX,
  RotateCw,
  ServerOff,
  TimerOff,
  TriangleAlert,
} from 'lucide-react';
import type { AppError, ErrorCode } from '../../../electron/common/errors';
import { CORE_UNREACHABLE, getHostKind } from '../api/bridge';
import { Button } from './Button';
import { CodeSnippet } from './CodeSnippet';
import { CopyButton } from './CopyButton';
import styles from './ErrorState.module.css';

interface ErrorStateProps {
  error: AppError;
  onRetry?: () => void;
  retrying?: boolean;
  /** What failed, prefixed to the title in the inline variant: "Buildx". */
  subject?: string;
  /** 'page' fills the view; 'inline' sits inside a card (e.g. the engine strip). */
  variant?: 'page' | 'inline';
}

/** Every code has a title, so adding a code to the contract fails the type check here. */
const TITLES: Record<ErrorCode, string> = {
  DOCKER_UNREACHABLE: 'Docker is not running',
  DOCKER_MISSING: 'Docker is not installed',
  BUILDX_MISSING: 'Docker Buildx is not installed',
  BUILDER_NOT_FOUND: 'Builder not found',
  BUILDER_UNREACHABLE: 'Builder is not reachable',
  INVALID_INPUT: 'BuildDeck sent an invalid request',
  UNAUTHORIZED: 'Not signed in to BuildDeck',
  BUILD_FAILED: 'Build failed',
  CANCELLED: 'Cancelled',
  TIMEOUT: 'Timed out',
  STORAGE_FULL: 'The disk is full',
  INTERNAL: 'Something went wrong inside BuildDeck',
};

function iconFor(code: ErrorCode): ReactNode {
  const props = { size: 22, 'aria-hidden': true } as const;
  switch (code) {
    case 'DOCKER_UNREACHABLE':
    case 'DOCKER_MISSING':
    case 'BUILDER_UNREACHABLE':
      return <ServerOff {...props} />;
    case 'BUILDX_MISSING':
      return <PackageX {...props} />;
    case 'UNAUTHORIZED':
      return <KeyRound {...props} />;
    case 'TIMEOUT':
      return <TimerOff {...props} />;
    case 'STORAGE_FULL':
      return <HardDrive {...props} />;
    case 'INTERNAL':
    case 'INVALID_INPUT':
      return <Bug {...props} />;
    case 'BUILDER_NOT_FOUND':
    case 'BUILD_FAILED':
    case 'CANCELLED':
      return <TriangleAlert {...props} />;
  }
}

function stringDetail(error: AppError, key: string): string | undefined {
  const value = error.details?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Serve mode: the HTTP request itself failed. Not a bug, so no bug-report framing. */
function isCoreUnreachable(error: AppError): boolean {
  return error.code === 'INTERNAL' && stringDetail(error, 'reason') === CORE_UNREACHABLE;
}

function titleFor(error: AppError): string {
  if (error.code === 'BUILDX_MISSING' && stringDetail(error, 'found')) return 'Docker Buildx is too old';
  if (isCoreUnreachable(error)) return 'Cannot reach BuildDeck’s core';
  return TITLES[error.code];
}

function DockerUnreachableHelp() {
  return (
    <div className={styles.help}>
      <h3 className={styles.helpTitle}>Start the Docker Engine</h3>
      <ol className={styles.steps}>
        <li>
          <span className={styles.stepLabel}>Linux</span>
          <CodeSnippet code="sudo systemctl start docker" />
        </li>
        <li>
          <span className={styles.stepLabel}>macOS / Windows</span>
          <span>Start Docker Desktop and wait until it reports “Engine running”.</span>
        </li>
        <li>
          <span className={styles.stepLabel}>Remote engine</span>
          <span>
            Check <code>DOCKER_HOST</code> and the active context:
          </span>
          <CodeSnippet code="docker context ls" />
        </li>
      </ol>
    </div>
  );
}

function BuildxMissingHelp({ error }: { error: AppError }) {
  const found = stringDetail(error, 'found');
  const minimum = stringDetail(error, 'minimum');
  return (
    <div className={styles.help}>
      <dl className={styles.versions}>
        <div>
          <dt>Found</dt>
          <dd className={`mono ${styles.found ?? ''}`}>{found ?? 'not installed'}</dd>
        </div>
        <div>
          <dt>Required</dt>
          <dd className={`mono ${styles.required ?? ''}`}>{minimum ? `≥ ${minimum}` : 'a recent release'}</dd>
        </div>
      </dl>
      <h3 className={styles.helpTitle}>{found ? 'Upgrade buildx' : 'Install buildx'}</h3>
      <ol className={styles.steps}>
        <li>
          <span className={styles.stepLabel}>Docker Desktop</span>
          <span>Update Docker Desktop: it ships buildx.</span>
        </li>
        <li>
          <span className={styles.stepLabel} title="With Docker’s apt repository configured">
            Debian / Ubuntu
          </span>
          <CodeSnippet code="sudo apt-get install docker-buildx-plugin" />
        </li>
        <li>
          <span className={styles.stepLabel}>Manual</span>
          <span>
            Put the <code>docker-buildx</code> binary from the buildx releases page in{' '}
            <code>~/.docker/cli-plugins/</code>, make it executable, then check:
          </span>
          <CodeSnippet code="docker buildx version" />
        </li>
      </ol>
    </div>
  );
}

function bugReport(error: AppError): string {
  return JSON.stringify(
    {
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      details: error.details ?? {},
      host: getHostKind(),
      userAgent: navigator.userAgent,
      time: new Date().toISOString(),
    },
    null,
    2,
  );
}

function DetailsDisclosure({ error, forBugReport }: { error: AppError; forBugReport: boolean }) {
  const report = bugReport(error);
  return (
    <details className={styles.details}>
      <summary className={styles.summary}>{forBugReport ? 'Details for a bug report' : 'Technical details'}</summary>
      <div className={styles.detailsBody}>
        <div className={styles.detailsToolbar}>
          <span className={styles.detailsHint}>
            {forBugReport
              ? 'Paste this into a bug report; check it for secrets first.'
              : 'What BuildDeck knows about this failure.'}
          </span>
          <CopyButton text={report} label="Copy details" withText />
        </div>
        <pre className={styles.pre} tabIndex={0} aria-label="Error details as JSON">
          {report}
        </pre>
      </div>
    </details>
  );
}

export function ErrorState({ error, onRetry, retrying = false, subject, variant = 'page' }: ErrorStateProps) {
  const hasDetails = error.details !== undefined && Object.keys(error.details).length > 0;
  const isInline = variant === 'inline';
  const titleId = useId();

  const retry = onRetry ? (
    <Button
      variant={isInline ? 'secondary' : 'primary'}
      size={isInline ? 'sm' : 'md'}
      onClick={onRetry}
      disabled={retrying}
      aria-busy={retrying}
      icon={<RotateCw size={14} aria-hidden className={retrying ? 'spin' : undefined} />}
    >
      {retrying ? 'Retrying…' : 'Retry'}
    </Button>
  ) : null;

  if (isInline) {
    return (
      <div className={styles.inline} role="alert" data-testid="error-state" data-code={error.code}>
        <CircleAlert size={16} aria-hidden className={styles.inlineIcon} />
        <div className={styles.inlineText}>
          <strong>{subject ? `${subject}: ${titleFor(error)}` : titleFor(error)}</strong>
          <span>{error.message}</span>
          {error.hint ? <span className={styles.inlineHint}>{error.hint}</span> : null}
        </div>
        {retry}
      </div>
    );
  }

  return (
    <section className={styles.page} aria-labelledby={titleId} data-testid="error-state" data-code={error.code}>
      <div className={styles.card}>
        <header className={styles.header}>
          <div className={styles.icon}>
            {isCoreUnreachable(error) ? <ServerOff size={22} aria-hidden /> : iconFor(error.code)}
          </div>
          <div className={styles.heading} role="alert">
            <h2 id={titleId} className={styles.title}>
              {titleFor(error)}
            </h2>
            <p className={styles.message}>{error.message}</p>
          </div>
          <code className={styles.code}>{error.code}</code>
        </header>

        {error.hint ? (
          <p className={styles.hint}>
            <CircleAlert size={14} aria-hidden className={styles.hintIcon} />
            <span>{error.hint}</span>
          </p>
        ) : null}

        {error.code === 'DOCKER_UNREACHABLE' ? <DockerUnreachableHelp /> : null}
        {error.code === 'BUILDX_MISSING' ? <BuildxMissingHelp error={error} /> : null}

        {retry ? <div className={styles.actions}>{retry}</div> : null}

        {error.code === 'INTERNAL' && !isCoreUnreachable(error) ? (
          <DetailsDisclosure error={error} forBugReport />
        ) : hasDetails ? (
          <DetailsDisclosure error={error} forBugReport={false} />
        ) : null}
      </div>
    </section>
  );
}
