// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorState } from '../../../renderer/src/components/ErrorState';

afterEach(cleanup);

describe('ErrorState: failures are designed screens that say what to do', () => {
  it('Docker not running: title, the code, how to start it, and a working Retry', () => {
    const onRetry = vi.fn();
    render(
      <ErrorState
        error={{
          code: 'DOCKER_UNREACHABLE',
          message: 'Docker is not reachable at unix:///var/run/docker.sock (ECONNREFUSED).',
          hint: 'Start Docker, then retry.',
        }}
        onRetry={onRetry}
      />,
    );
    expect(screen.getByText('Docker is not running')).toBeTruthy();
    expect(screen.getByText('DOCKER_UNREACHABLE')).toBeTruthy();
    expect(document.body.textContent).toContain('sudo systemctl start docker');
    expect(document.body.textContent).toContain('ECONNREFUSED');
    fireEvent.click(screen.getByRole('button', { name: /retry/i }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('buildx too old: names the version found and the minimum', () => {
    render(
      <ErrorState
        error={{
          code: 'BUILDX_MISSING',
          message: 'buildx 0.12.1 is too old for BuildDeck.',
          details: { found: '0.12.1', minimum: '0.13.0' },
        }}
      />,
    );
    expect(screen.getByText('Docker Buildx is too old')).toBeTruthy();
    expect(document.body.textContent).toContain('0.12.1');
    expect(document.body.textContent).toContain('0.13.0');
  });

  it('unexpected output: keeps the raw output for a bug report', () => {
    render(
      <ErrorState
        error={{
          code: 'INTERNAL',
          message: 'buildx ls printed something BuildDeck does not understand.',
          details: { raw: 'panic: runtime error: index out of range' },
        }}
      />,
    );
    expect(screen.getByText('Something went wrong inside BuildDeck')).toBeTruthy();
    expect(document.body.textContent).toContain('panic: runtime error: index out of range');
  });
});
