import { describe, expect, it } from 'vitest';
import type { Builder } from '../../electron/common/domain';
import { BuildkitRows } from '../../electron/core/history/buildkit-rows';
import type { RecordEvent, RecordEventsPort } from '../../electron/core/history/ports';
import { RecordEvents } from '../../electron/core/history/record-events';

/**
 * BuildKit's pushed history events, in the order a real build sends them: STARTED, COMPLETE, and a
 * second COMPLETE when buildx finalizes the record (attaches its trace) a few seconds later. The
 * event source is a FAKE (the order is what matters; the real stream is exercised by the
 * history integration tests); the rows and the naming are the real ones.
 */
const builder: Builder = {
  name: 'default',
  driver: 'docker',
  current: true,
  contextBuilder: true,
  dynamic: false,
  nodes: [{ name: 'default', endpoint: 'default', status: 'running', platforms: ['linux/amd64'], pinnedPlatforms: [] }],
};

function record(type: RecordEvent['type'], completedAt?: number): RecordEvent {
  return {
    type,
    id: 'rec1',
    createdAt: 1000,
    ...(completedAt !== undefined ? { completedAt } : {}),
    counts: { total: 3, completed: completedAt ? 3 : 1, cached: 0 },
    failed: false,
    platforms: [],
    imageNames: [],
    nameAttrs: { filename: 'Dockerfile' },
  };
}

describe('pushed history events', () => {
  it('a record completed again when its client finalizes it asks for no read of the builder', async () => {
    let push: (e: RecordEvent) => void = () => undefined;
    const events: RecordEventsPort = {
      listen: (_b, _n, opts) => {
        push = (e) => opts.onEvent(e);
        return new Promise(() => undefined);
      },
      records: () => Promise.resolve([]),
    };
    const rows = new BuildkitRows(
      {
        buildx: { info: () => Promise.resolve({ version: '0.29.1', command: 'docker buildx' }) } as never,
        buildkit: {
          localState: () => Promise.resolve({ localPath: '/work/app', writtenAt: 0 }),
          list: () => Promise.resolve([]),
        } as never,
        listBuilders: () => Promise.resolve([builder]),
        recordEvents: events,
        clock: { now: () => Date.now() },
      },
      { callTimeoutMs: () => 1000, buildersEveryMs: 60_000 },
    );
    await rows.read(true);
    const asked: string[] = [];
    const seen: string[] = [];
    const pushed = new RecordEvents({
      events,
      rows,
      clock: { now: () => Date.now() },
      onStarted: (ref) => seen.push(`started ${ref}`),
      onFinished: (ref) => seen.push(`finished ${ref}`),
      onChanged: (b) => asked.push(b),
    });
    pushed.sync(true);
    const settle = () => new Promise((r) => setTimeout(r, 20));
    push(record('started'));
    await settle();
    push(record('complete', 2000));
    await settle();
    push(record('complete', 2000)); // buildx's finalize
    await settle();
    expect(seen).toEqual(['started default/default/rec1', 'finished default/default/rec1']);
    // Named at its start from buildx's local state: neither COMPLETE needs `history ls` or a list read.
    expect(asked).toEqual([]);
    expect(rows.statusByRef().get('default/default/rec1')).toBe('succeeded');
    expect(rows.named('default/default/rec1')).toBe(true);
    // A deletion still does: only a read says what is left.
    push(record('deleted'));
    await settle();
    expect(asked).toEqual(['default']);
    pushed.dispose();
  });
});
