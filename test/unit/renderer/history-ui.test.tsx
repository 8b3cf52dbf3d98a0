// @vitest-environment happy-dom
import { QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../../electron/common/contracts/builds';
import type {
  CacheMissExplanation,
  HistoryNotice,
  HistoryRecordItem,
} from '../../../electron/common/contracts/history';
import { createBuildSnapshot } from '../../../electron/common/progress';

/**
 * The History list, its states and dialogs, the cache-miss explanation and the live attach of a
 * record from another client. The bridge is a FAKE (window.builddeck answering from fixtures): the
 * real core and engine are covered by test/e2e/history-records.e2e.test.ts.
 */

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
const calls: { command: string; input: Record<string, unknown> }[] = [];
let answers: Record<string, (input: Record<string, unknown>) => unknown> = {};

function emit(event: string, payload: unknown) {
  for (const l of listeners.get(event) ?? []) l(payload);
}

const now = Date.now();
function record(over: Partial<HistoryRecordItem> & { id: string }): HistoryRecordItem {
  return {
    kind: 'build',
    builder: 'default',
    driver: 'docker',
    builderState: 'available',
    name: 'app',
    source: { kind: 'local', contextDir: '/src/app' },
    origin: 'external',
    status: 'succeeded',
    startedAt: now - 60_000,
    finishedAt: now - 50_000,
    durationMs: 10_000,
    platforms: ['linux/amd64'],
    tags: [],
    counts: { total: 6, completed: 6, cached: 4 },
    cacheHitRatio: 4 / 6,
    stored: { buildkit: true, builddeck: false },
    ...over,
  };
}

const external = record({ id: 'default/default/abc123def456xyz', ref: 'default/default/abc123def456xyz' });
const ours = record({
  id: 'default/default/ours1',
  ref: 'default/default/ours1',
  buildId: 'b-ours',
  origin: 'builddeck',
  name: 'web',
  tags: ['web:dev'],
  source: { kind: 'local', contextDir: '/src/web', dockerfile: 'docker/Dockerfile.dev', target: 'dev' },
  stored: { buildkit: true, builddeck: true },
});
const gone = record({
  id: 'b-gone',
  buildId: 'b-gone',
  origin: 'builddeck',
  builder: 'ci-builder',
  driver: 'docker-container',
  builderState: 'removed',
  status: 'failed',
  error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
  stored: { buildkit: false, builddeck: true },
});
const oldBuildx: HistoryNotice = {
  kind: 'buildx-too-old',
  message: 'Builds from other clients need a newer buildx.',
  requiredVersion: '0.20.0',
  installedVersion: '0.13.1',
};

let ui: typeof import('../../../renderer/src/features/history/HistoryView');
let historyUi: typeof import('../../../renderer/src/features/history/history-ui');
let client: typeof import('../../../renderer/src/api/client');
let live: typeof import('../../../renderer/src/features/builds/live-store');
let why: typeof import('../../../renderer/src/features/history/WhyPanel');

beforeAll(async () => {
  Object.defineProperty(window, 'builddeck', {
    value: {
      invoke: (command: string, input: Record<string, unknown>) => {
        calls.push({ command, input });
        const answer = answers[command];
        const value = answer ? answer(input) : new Error(`FAKE bridge: no answer for ${command}`);
        return Promise.resolve(
          value instanceof Error
            ? { ok: false, error: { code: 'BUILDER_UNREACHABLE', message: value.message, hint: 'Start the builder.' } }
            : { ok: true, value },
        );
      },
      on: (event: string, listener: Listener) => {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
      pathForFile: () => undefined,
    },
    configurable: true,
  });
  ui = await import('../../../renderer/src/features/history/HistoryView');
  historyUi = await import('../../../renderer/src/features/history/history-ui');
  client = await import('../../../renderer/src/api/client');
  live = await import('../../../renderer/src/features/builds/live-store');
  why = await import('../../../renderer/src/features/history/WhyPanel');
  // Importing the views (and recharts' types) can take seconds on a loaded machine.
}, 60_000);

function listAnswer(items: HistoryRecordItem[], notices: HistoryNotice[] = []) {
  return (input: Record<string, unknown>) => {
    const text = typeof input['text'] === 'string' ? input['text'].toLowerCase() : '';
    const matching = items.filter((i) => !text || JSON.stringify(i).toLowerCase().includes(text));
    return {
      items: matching,
      total: matching.length,
      notices,
      facets: { builders: ['ci-builder', 'default'], folders: ['/src/app', '/src/web'] },
      refreshedAt: now,
    };
  };
}

beforeEach(() => {
  answers = {
    'history.capabilities': () => ({ buildxVersion: '0.29.1', buildkitRecords: true, inspect: true, export: true }),
    'history.watch': () => ({ until: Date.now() + 60_000, intervalMs: 1_000 }),
    'history.records': listAnswer([external, ours, gone]),
  };
});

afterEach(() => {
  cleanup();
  calls.length = 0;
  historyUi.useHistoryUi.setState({ open: undefined, filters: historyUi.NO_FILTERS });
});

function renderView() {
  return render(
    <QueryClientProvider client={client.createQueryClient()}>
      <ui.HistoryView />
    </QueryClientProvider>,
  );
}

describe('History list', () => {
  it('shows builds from other clients beside BuildDeck’s, marks a removed builder, and keeps BuildKit polled', async () => {
    renderView();
    const rows = await screen.findAllByTestId('history-row');
    expect(rows).toHaveLength(3);
    const ext = rows.find((r) => r.dataset['recordId'] === external.id);
    expect(ext?.textContent).toContain('CLI / other');
    expect(ext?.textContent).toContain('/src/app');
    expect(ext?.textContent).toContain('4/6');
    // Not ours: nothing to re-run from.
    expect(ext && within(ext).queryByTestId('history-rerun')).toBeNull();
    const web = rows.find((r) => r.dataset['recordId'] === ours.id);
    expect(web?.textContent).toContain('web:dev');
    expect(web?.textContent).toContain('-f docker/Dockerfile.dev --target dev');
    const removed = rows.find((r) => r.dataset['recordId'] === gone.id);
    expect(removed && within(removed).getByTestId('builder-state').textContent).toBe('removed');
    expect(calls.some((c) => c.command === 'history.watch')).toBe(true);
  });

  it('names the buildx version that unlocks builds from other clients', async () => {
    answers['history.capabilities'] = () => ({
      buildxVersion: '0.13.1',
      buildkitRecords: false,
      inspect: false,
      export: false,
      notice: oldBuildx,
    });
    answers['history.records'] = listAnswer([ours], [oldBuildx]);
    renderView();
    const notices = await screen.findByTestId('history-notices');
    // Said once, even though both capabilities and the list carry it.
    expect(notices.querySelectorAll('li')).toHaveLength(1);
    expect(notices.textContent).toContain('0.20.0');
    expect(notices.textContent).toContain('0.13.1');
  });

  it('filters by text (debounced) through the core, and has a designed empty state for no matches', async () => {
    renderView();
    await screen.findAllByTestId('history-row');
    fireEvent.change(screen.getByTestId('filter-text'), { target: { value: 'no-such-thing' } });
    await screen.findByText('No builds match these filters');
    expect(calls.some((c) => c.command === 'history.records' && c.input['text'] === 'no-such-thing')).toBe(true);
    const [clear] = screen.getAllByRole('button', { name: /clear filters/i });
    if (!clear) throw new Error('no Clear filters button');
    fireEvent.click(clear);
    expect(await screen.findAllByTestId('history-row')).toHaveLength(3);
    expect(screen.getByTestId<HTMLInputElement>('filter-text').value).toBe('');
  });

  it('empty history explains that builds from any client appear here', async () => {
    answers['history.records'] = listAnswer([]);
    renderView();
    const empty = await screen.findByTestId('empty-state');
    expect(empty.textContent).toContain('No builds yet');
    expect(empty.textContent).toContain('docker buildx build');
  });

  it('a failed list is an error screen with Retry', async () => {
    answers['history.records'] = () => new Error('Docker is not reachable');
    renderView();
    expect(await screen.findByText('Docker is not reachable')).toBeTruthy();
    expect(screen.getByRole('button', { name: /retry/i })).toBeTruthy();
  });

  it('remove names exactly the record and the stores it leaves, and removes only that id', async () => {
    answers['history.remove'] = (input) => ({
      removed: (input['ids'] as string[]).map((id) => ({ id, buildkit: true, builddeck: true })),
      failed: [],
    });
    renderView();
    const rows = await screen.findAllByTestId('history-row');
    const web = rows.find((r) => r.dataset['recordId'] === ours.id) as HTMLElement;
    fireEvent.click(within(web).getByTestId('history-delete'));
    const dialog = await screen.findByTestId('remove-record-dialog');
    const lines = within(dialog).getByTestId('remove-record-lines').textContent ?? '';
    expect(lines).toContain('web:dev (default/default/ours1)');
    expect(lines).toContain('BuildKit’s record on builder default');
    expect(lines).toContain('BuildDeck’s copy');
    // Nothing removed before the explicit confirmation.
    expect(calls.some((c) => c.command === 'history.remove')).toBe(false);
    fireEvent.click(within(dialog).getByLabelText(/BuildKit only/));
    expect(within(dialog).getByTestId('remove-record-lines').textContent).not.toContain('BuildDeck’s copy');
    fireEvent.click(within(dialog).getByTestId('remove-record-confirm'));
    await waitFor(() =>
      expect(calls.find((c) => c.command === 'history.remove')?.input).toEqual({
        ids: [ours.id],
        from: 'buildkit',
      }),
    );
  });
});

describe('cache-miss explanation', () => {
  const base: CacheMissExplanation = {
    id: 'r2',
    againstId: 'r1',
    verdict: 'explained',
    firstMiss: { stepId: 's3', name: '[3/4] COPY src/ /app/src/', lane: 'linux/amd64' },
    causes: [],
    limits: [],
  };

  it('names the changed files and the changed arg with both values', () => {
    render(
      <why.WhyResult
        why={{
          ...base,
          causes: [
            {
              kind: 'files-changed',
              summary: '2 files this COPY sends changed.',
              evidence: ["BuildDeck's content hashes of 14 files"],
              files: [
                { path: 'src/main.go', change: 'modified' },
                { path: 'src/new.go', change: 'added' },
              ],
            },
            {
              kind: 'build-arg-changed',
              summary: 'ARG VERSION changed from 1.2 to 1.3.',
              evidence: ['the records’ build args'],
              args: [{ name: 'VERSION', before: '1.2', after: '1.3' }],
            },
          ],
        }}
        againstLabel={undefined}
      />,
    );
    expect(screen.getByTestId('why-step').textContent).toBe('[3/4] COPY src/ /app/src/');
    expect(screen.getByTestId('why-files').textContent).toContain('src/main.go');
    expect(screen.getByTestId('why-files').textContent).toContain('added');
    expect(screen.getByText('VERSION').closest('tr')?.textContent).toBe('VERSION1.21.3');
    expect(screen.getByText("Based on BuildDeck's content hashes of 14 files.")).toBeTruthy();
  });

  it('says when there is nothing to compare with, and when nothing missed', () => {
    const { rerender } = render(
      <why.WhyResult why={{ ...base, verdict: 'no-earlier-run', causes: [] }} againstLabel={undefined} />,
    );
    expect(screen.getByTestId('why-verdict').textContent).toContain('No earlier run');
    rerender(<why.WhyResult why={{ ...base, verdict: 'no-miss' }} againstLabel="the run of yesterday" />);
    expect(screen.getByTestId('why-verdict').textContent).toContain(
      'every step the run of yesterday had from the cache',
    );
  });
});

describe('a record from another client, attached live', () => {
  it('goes through the same reducer into the same per-platform lanes, and detaches when closed', async () => {
    const at = now;
    const events: BuildEvent[] = [
      {
        type: 'started',
        at,
        builder: 'multi',
        driver: 'docker-container',
        platforms: ['linux/amd64', 'linux/arm64'],
        contextDir: '/src/app',
        tags: [],
        command: [],
      },
      {
        type: 'vertex',
        digest: 'a1',
        name: '[linux/amd64 1/2] FROM busybox',
        started: at,
        completed: at + 1,
        cached: true,
      },
      {
        type: 'vertex',
        digest: 'b1',
        name: '[linux/arm64 1/2] FROM busybox',
        started: at,
        completed: at + 1,
        cached: true,
      },
      { type: 'vertex', digest: 'b2', name: '[linux/arm64 2/2] RUN sleep 5', started: at + 2 },
    ];
    const { reduceBuildEvents } = await import('../../../electron/common/progress');
    answers['history.attach'] = () => ({
      streamId: 'st1',
      snapshot: reduceBuildEvents(createBuildSnapshot('st1'), events.slice(0, 2)),
      done: false,
    });
    answers['history.detach'] = () => ({ detached: true });
    function Probe() {
      live.useLiveBuildEvents();
      const tracked = live.useLiveRecord('multi/multi0/xyz', true);
      return (
        <p data-testid="lanes">
          {tracked?.snapshot?.lanes.map((l) => `${l.key}:${l.summary.state}:${l.steps.length}`).join(' ') ?? 'none'}
        </p>
      );
    }
    const view = render(<Probe />);
    await waitFor(() =>
      expect(screen.getByTestId('lanes').textContent).toBe('linux/amd64:done:1 linux/arm64:queued:0'),
    );
    // A batch overlapping the snapshot (index 1 already reduced), as the core may send it.
    // The store applies batches at the next animation frame (live-store.ts): wait for one.
    await act(async () => {
      emit('history.progressed', { streamId: 'st1', firstIndex: 1, events: events.slice(1) });
      await new Promise((r) => requestAnimationFrame(r));
    });
    expect(screen.getByTestId('lanes').textContent).toBe('linux/amd64:done:1 linux/arm64:running:2');
    view.unmount();
    expect(calls.find((c) => c.command === 'history.detach')?.input).toEqual({ streamId: 'st1' });
    expect(Object.keys(live.useLiveBuilds.getState().builds)).not.toContain(live.recordKey('multi/multi0/xyz'));
  });
});
