// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuildEvent, LogList } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, logPage, reduceBuildEvents, snapshotToSend } from '../../electron/common/progress';

/**
 * A long build's log arrives as its tail (`builds.get` holds the rest back); the log view pages the
 * earlier lines in through `builds.logs` (a bake target's through `bake.logs`). The bridge is a FAKE
 * that answers both with the core's own page function over a real reduction (the core's side is
 * covered by test/unit/bake-logs.test.ts and the builds integration test).
 */

const events: BuildEvent[] = [
  { type: 'started', at: 0, builder: 'b', driver: 'docker', platforms: [], contextDir: '/w', tags: [], command: [] },
  { type: 'vertex', digest: 'a', name: '[1/1] RUN long', started: 1 },
];
for (let i = 1; i <= 3000; i++) events.push({ type: 'log', vertex: 'a', stream: 1, data: `row ${i}\n` });
const core = reduceBuildEvents(createBuildSnapshot('b1'), events);
const sent = JSON.parse(JSON.stringify(snapshotToSend(core))) as typeof core;
const asked: { command: string; from: number; limit: number; bakeId?: string; target?: string }[] = [];

let LogView: typeof import('../../renderer/src/features/builds/logs/LogView').LogView;
let usePagedLog: typeof import('../../renderer/src/features/builds/logs/paged-log').usePagedLog;

beforeAll(async () => {
  Object.defineProperty(window, 'builddeck', {
    value: {
      invoke: (command: string, input: { from: number; limit: number }) => {
        if (command !== 'builds.logs' && command !== 'bake.logs') throw new Error(`unexpected ${command}`);
        asked.push({ command, ...input });
        const lines = logPage(core.log, input.from, input.limit) ?? [];
        return Promise.resolve({ ok: true, value: { from: input.from, lines, first: 0, end: core.log.length } });
      },
      on: () => () => undefined,
      pathForFile: () => undefined,
    },
    configurable: true,
  });
  ({ LogView } = await import('../../renderer/src/features/builds/logs/LogView'));
  ({ usePagedLog } = await import('../../renderer/src/features/builds/logs/paged-log'));
});

afterEach(cleanup);

function Paged({ list }: { list: LogList }) {
  const paged = usePagedLog({ buildId: 'b1' }, undefined, list);
  return <LogView list={paged.list} older={paged.older} label="Combined build log" emptyText="none" />;
}

function PagedTarget({ list }: { list: LogList }) {
  const paged = usePagedLog({ bakeId: 'k1', target: 'app' }, undefined, list);
  return <LogView list={paged.list} older={paged.older} label="Log of target app" emptyText="none" />;
}

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

describe('a long log, paged', () => {
  it('shows the tail, says how many earlier lines there are, and loads them page by page until search finds line 1', async () => {
    expect(sent.log.held).toBeGreaterThan(0);
    render(<Paged list={sent.log} />);
    await flush();
    const search = screen.getByLabelText('Search log');
    fireEvent.change(search, { target: { value: 'row 3000' } });
    await flush();
    expect(screen.getByTestId('log-search-status').textContent).toBe('1 of 1');
    // Load everything before the tail (each click or first-row view asks for the page before).
    for (let i = 0; i < 10 && screen.queryByTestId('log-older'); i++) {
      const more = screen.queryByRole('button', { name: 'Load earlier' });
      if (more && !(more as HTMLButtonElement).disabled) fireEvent.click(more);
      await flush();
    }
    expect(screen.queryByTestId('log-older')).toBeNull();
    // Whole pages, from the tail backwards to line 0.
    expect(asked.at(-1)?.from).toBe(0);
    expect(asked.every((a) => a.from % 256 === 0 && a.limit <= 1024)).toBe(true);
    fireEvent.change(search, { target: { value: 'row 1' } });
    await flush();
    // row 1, row 10-19, row 100-199, row 1000-1999: every one of them, now searchable.
    expect(screen.getByTestId('log-search-status').textContent).toBe(`1 of ${1 + 10 + 100 + 1000}`);
  });
});

describe("a bake target's long log, paged", () => {
  it('asks bake.logs for that bake and target, and ends with every line searchable', async () => {
    const before = asked.length;
    render(<PagedTarget list={sent.log} />);
    await flush();
    for (let i = 0; i < 10 && screen.queryByTestId('log-older'); i++) {
      const more = screen.queryByRole('button', { name: 'Load earlier' });
      if (more && !(more as HTMLButtonElement).disabled) fireEvent.click(more);
      await flush();
    }
    expect(screen.queryByTestId('log-older')).toBeNull();
    const mine = asked.slice(before);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((a) => a.command === 'bake.logs' && a.bakeId === 'k1' && a.target === 'app')).toBe(true);
    fireEvent.change(screen.getByLabelText('Search log'), { target: { value: 'row 1' } });
    await flush();
    expect(screen.getByTestId('log-search-status').textContent).toBe(`1 of ${1 + 10 + 100 + 1000}`);
  });
});

describe('a log with no pager (an attached History record) after a flood', () => {
  function Unpaged({ list }: { list: LogList }) {
    const paged = usePagedLog({ buildId: 'h1' }, undefined, list, false);
    return <LogView list={paged.list} older={paged.older} label="Combined build log" emptyText="none" />;
  }

  it('shows the tail and says how many lines are held back, asking the core for nothing', async () => {
    const before = asked.length;
    render(<Unpaged list={sent.log} />);
    await flush();
    expect(screen.queryByTestId('log-older')).toBeNull();
    expect(screen.getByTestId('log-held').textContent).toContain(
      `${(sent.log.held ?? 0).toLocaleString('en-US')} earlier lines`,
    );
    expect(asked.length).toBe(before);
  });
});
