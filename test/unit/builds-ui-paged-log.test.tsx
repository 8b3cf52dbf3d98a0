// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuildEvent, LogList } from '../../electron/common/contracts/builds';
import { createBuildSnapshot, logPage, reduceBuildEvents, snapshotToSend } from '../../electron/common/progress';

/**
 * A long build's log arrives as its tail (`builds.get` holds the rest back); the log view pages the
 * earlier lines in through `builds.logs` (a bake target's through `bake.logs`, an attached History
 * record's through `history.streamLogs`). The bridge is a FAKE that answers them with the core's own
 * page function over a real reduction (the core's side: test/integration/builds.test.ts and
 * bake.test.ts, over real buildx).
 */

const events: BuildEvent[] = [
  { type: 'started', at: 0, builder: 'b', driver: 'docker', platforms: [], contextDir: '/w', tags: [], command: [] },
  { type: 'vertex', digest: 'a', name: '[1/1] RUN long', started: 1 },
];
for (let i = 1; i <= 3000; i++) events.push({ type: 'log', vertex: 'a', stream: 1, data: `row ${i}\n` });
const core = reduceBuildEvents(createBuildSnapshot('b1'), events);
const sent = JSON.parse(JSON.stringify(snapshotToSend(core))) as typeof core;
const asked: { command: string; from: number; limit: number }[] = [];

let LogView: typeof import('../../renderer/src/features/builds/logs/LogView').LogView;
let usePagedLog: typeof import('../../renderer/src/features/builds/logs/paged-log').usePagedLog;
type LogSource = import('../../renderer/src/features/builds/logs/paged-log').LogSource;

beforeAll(async () => {
  Object.defineProperty(window, 'builddeck', {
    value: {
      invoke: (command: string, input: { from: number; limit: number }) => {
        if (!['builds.logs', 'bake.logs', 'history.streamLogs'].includes(command))
          throw new Error(`unexpected ${command}`);
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

describe("a bake target's and an attached History record's long log, paged", () => {
  const cases: { name: string; source: LogSource; command: string; ids: Record<string, string> }[] = [
    {
      name: 'a bake target',
      source: { bakeId: 'k1', target: 'app' },
      command: 'bake.logs',
      ids: { bakeId: 'k1', target: 'app' },
    },
    { name: 'a record stream', source: { streamId: 'h1' }, command: 'history.streamLogs', ids: { streamId: 'h1' } },
  ];
  for (const c of cases) {
    it(`${c.name}: asks ${c.command} for that log only, and ends with every line searchable`, async () => {
      function PagedOf({ list }: { list: LogList }) {
        const paged = usePagedLog(c.source, undefined, list);
        return <LogView list={paged.list} older={paged.older} label="Log" emptyText="none" />;
      }
      const before = asked.length;
      render(<PagedOf list={sent.log} />);
      await flush();
      for (let i = 0; i < 10 && screen.queryByTestId('log-older'); i++) {
        const more = screen.queryByRole('button', { name: 'Load earlier' });
        if (more && !(more as HTMLButtonElement).disabled) fireEvent.click(more);
        await flush();
      }
      expect(screen.queryByTestId('log-older')).toBeNull();
      const mine = asked.slice(before);
      expect(mine.length).toBeGreaterThan(0);
      for (const a of mine) expect(a).toMatchObject({ command: c.command, ...c.ids });
      fireEvent.change(screen.getByLabelText('Search log'), { target: { value: 'row 1' } });
      await flush();
      expect(screen.getByTestId('log-search-status').textContent).toBe(`1 of ${1 + 10 + 100 + 1000}`);
    });
  }
});
