// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, reduceBuildEvents } from '../../electron/common/progress';
import { Lanes } from '../../renderer/src/features/builds/live/Lanes';
import { Outcome, Warnings } from '../../renderer/src/features/builds/live/Outcome';
import { LogView } from '../../renderer/src/features/builds/logs/LogView';

afterEach(cleanup);

const at = 1_700_000_000_000;
const started: BuildEvent = {
  type: 'started',
  at,
  builder: 'ci',
  driver: 'docker-container',
  platforms: ['linux/amd64', 'linux/arm64'],
  contextDir: '/src',
  tags: ['app:dev'],
  command: ['docker', 'buildx', 'build', '/src'],
};

function snapshot(events: BuildEvent[]) {
  return reduceBuildEvents(createBuildSnapshot('b1'), [started, ...events]);
}

describe('build outcome and warnings', () => {
  it('a failed platform shows its step, the marked Dockerfile line and the step’s last output; the other lane stays truthful', () => {
    const s = snapshot([
      { type: 'vertex', digest: 'a1', name: '[linux/amd64 2/2] RUN make', started: at + 1, completed: at + 5 },
      { type: 'vertex', digest: 'r1', name: '[linux/arm64 2/2] RUN make', started: at + 1 },
      { type: 'log', vertex: 'r1', stream: 2, data: 'cc: error: unknown arch\n' },
      {
        type: 'vertex',
        digest: 'r1',
        name: '[linux/arm64 2/2] RUN make',
        started: at + 1,
        completed: at + 4,
        error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
      },
      {
        type: 'error',
        message: 'failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
        file: 'Dockerfile',
        line: 2,
        snippet: [
          { line: 1, text: 'FROM alpine', marked: false },
          { line: 2, text: 'RUN make', marked: true },
        ],
      },
      { type: 'finished', at: at + 6, ok: false, cancelled: false, exitCode: 1 },
    ]);
    let shown = '';
    render(<Outcome snapshot={s} onShowStep={(id) => (shown = id)} />);
    const result = screen.getByTestId('build-result');
    expect(result.textContent).toMatch(/Failed after/);
    expect(result.textContent).toContain('on linux/arm64');
    expect(screen.getByTestId('failing-step').textContent).toContain('RUN make');
    expect(
      within(screen.getByTestId('dockerfile-snippet')).getByText('RUN make').closest('[data-marked]'),
    ).not.toBeNull();
    expect(screen.getByTestId('last-log-lines').textContent).toContain('cc: error: unknown arch');
    fireEvent.click(screen.getByRole('button', { name: 'Show its log' }));
    expect(shown).toBe('r1');

    render(<Lanes snapshot={s} selectedStep={undefined} onSelectStep={() => undefined} />);
    const lanes = screen.getAllByTestId('lane');
    expect(lanes.map((l) => [l.dataset['lane'], l.dataset['state']])).toEqual([
      ['linux/amd64', 'done'],
      ['linux/arm64', 'failed'],
    ]);
    // The lane that failed says why; side by side, each lane speaks for itself.
    expect(lanes[1]?.textContent).toContain('exit code: 2');
    expect(lanes[0]?.textContent).not.toContain('exit code');
  });

  it('cancelled reads as cancelled with what finished, not as a failure', () => {
    const s = snapshot([
      {
        type: 'vertex',
        digest: 'a1',
        name: '[linux/amd64 1/2] FROM alpine',
        started: at + 1,
        completed: at + 2,
        cached: true,
      },
      { type: 'vertex', digest: 'a2', name: '[linux/amd64 2/2] RUN sleep 30', started: at + 2 },
      {
        type: 'vertex',
        digest: 'a2',
        name: '[linux/amd64 2/2] RUN sleep 30',
        started: at + 2,
        completed: at + 3,
        error: 'context canceled',
      },
      { type: 'finished', at: at + 4, ok: false, cancelled: true, exitCode: 1 },
    ]);
    render(<Outcome snapshot={s} onShowStep={() => undefined} />);
    const result = screen.getByTestId('build-result');
    expect(result.dataset['status']).toBe('cancelled');
    expect(result.textContent).toMatch(/Cancelled after/);
    expect(result.textContent).not.toMatch(/fail/i);
  });

  it('warnings show their detail and open their link in the system browser, never in the app window', () => {
    const s = snapshot([
      {
        type: 'vertex',
        digest: 'v1',
        name: '[internal] load build definition from Dockerfile',
        started: at,
        completed: at + 1,
      },
      {
        type: 'warning',
        vertex: 'v1',
        level: 1,
        short: 'FromAsCasing: as and FROM keywords casing do not match (line 1)',
        detail: ['Keywords should be consistently cased.'],
        url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
        file: 'Dockerfile',
        source: 'FROM alpine as build\nRUN true',
        ranges: [{ start: 1, end: 1 }],
      },
      { type: 'text', text: 'WARNING: No output specified with docker-container driver.' },
    ]);
    render(<Warnings snapshot={s} />);
    const box = screen.getByTestId('warnings');
    expect(box.textContent).toContain('2 warnings');
    const link = within(box).getByRole('link');
    expect(link.getAttribute('href')).toBe('https://docs.docker.com/go/dockerfile/rule/from-as-casing/');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noreferrer');
    expect(box.textContent).toContain('FROM alpine as build');
    expect(box.textContent).toContain('No output specified');
  });

  it('the log pane is a labelled role=log, not a live region, and renders colours as spans', () => {
    const s = snapshot([
      { type: 'vertex', digest: 'a1', name: '[linux/amd64 1/1] RUN test', started: at + 1 },
      { type: 'log', vertex: 'a1', stream: 1, data: '\u001b[31mred\u001b[0m plain\n' },
    ]);
    render(<LogView list={s.log} label="Combined build log" emptyText="none" />);
    const log = screen.getByRole('log', { name: 'Combined build log' });
    expect(log.getAttribute('aria-live')).toBe('off');
    const red = within(log).getByText('red');
    expect(red.tagName).toBe('SPAN');
    expect(red.className).toMatch(/fg1/);
    expect(log.textContent).toContain('red plain');
    expect(log.innerHTML).not.toContain('\u001b');
  });
});
