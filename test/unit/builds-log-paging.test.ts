import { describe, expect, it } from 'vitest';
import { buildSnapshot, type BuildEvent, type BuildSnapshot } from '../../electron/common/contracts/builds';
import {
  applyProgress,
  createBuildSnapshot,
  LOG_CHUNK,
  logLines,
  logPage,
  reduceBuildEvents,
  snapshotToSend,
} from '../../electron/common/progress';

/** Two steps printing interleaved numbered lines, then a third event batch still to come. */
function events(lines: number): BuildEvent[] {
  const out: BuildEvent[] = [
    { type: 'started', at: 0, builder: 'b', driver: 'docker', platforms: [], contextDir: '/w', tags: [], command: [] },
    { type: 'vertex', digest: 'a', name: '[1/2] RUN a', started: 1 },
    { type: 'vertex', digest: 'b', name: '[2/2] RUN b', started: 1 },
  ];
  for (let i = 0; i < lines; i++) out.push({ type: 'log', vertex: i % 3 ? 'a' : 'b', stream: 1, data: `line ${i}\n` });
  return out;
}

/** What crosses the wire: the router's output check, then JSON. */
const wire = (s: BuildSnapshot): BuildSnapshot => JSON.parse(JSON.stringify(buildSnapshot.parse(s))) as BuildSnapshot;

describe('builds.get sends each line once, a long log as its tail (builds.logs pages the rest)', () => {
  it('a short build goes whole, unchanged', () => {
    const s = reduceBuildEvents(createBuildSnapshot('x'), events(300));
    expect(wire(snapshotToSend(s))).toEqual(wire(s));
  });

  it('a long build sends the last chunks, counts the rest as held, and a window appends after it as before', () => {
    const all = events(5000);
    const core = reduceBuildEvents(createBuildSnapshot('x'), all.slice(0, 4000));
    const sent = wire(snapshotToSend(core));
    // The build log: 4 chunks at most, the rest held; line numbers (dropped + i) unchanged.
    expect(sent.log.length).toBeLessThanOrEqual(4 * LOG_CHUNK);
    expect(sent.log.dropped + sent.log.length).toBe(3997);
    expect(sent.log.held).toBe(sent.log.dropped);
    expect(logLines(sent.log).at(-1)?.text).toBe('line 3996');
    // Each step: its last partial chunk only.
    for (const id of ['a', 'b']) {
      const step = sent.steps[id];
      expect(step?.logs.length).toBeLessThan(LOG_CHUNK);
      expect((step?.logs.dropped ?? 0) + (step?.logs.length ?? 0)).toBe(core.steps[id]?.logs.length);
    }
    // Each line is sent about once: well under half of the whole snapshot's size.
    expect(JSON.stringify(sent).length).toBeLessThan(JSON.stringify(wire(core)).length / 4);

    // The window reduces the next events onto what it got: the tail matches the core's own.
    const rest = all.slice(4000);
    const after = applyProgress(sent, { firstIndex: core.eventCount, events: rest }).snapshot;
    const coreAfter = reduceBuildEvents(core, rest);
    expect(after.log.dropped + after.log.length).toBe(coreAfter.log.length);
    expect(logLines(after.log)).toEqual(logLines(coreAfter.log).slice(after.log.dropped));
    expect(logLines(after.steps['a']?.logs ?? sent.log)).toEqual(
      logLines(coreAfter.steps['a']?.logs ?? sent.log).slice(after.steps['a']?.logs.dropped ?? 0),
    );
    expect(after.log.held).toBe(sent.log.held);

    // Pages of the core's log before the sent tail, stitched to it, give back the whole log.
    const held = after.log.held ?? 0;
    const pages = [];
    for (let from = 0; from < held; from += 1024)
      pages.push(...(logPage(coreAfter.log, from, Math.min(1024, held - from)) ?? []));
    expect([...pages, ...logLines(after.log)].map((l) => l.text)).toEqual(logLines(coreAfter.log).map((l) => l.text));
  });

  it('a page outside the kept range is refused, the end itself is an empty page', () => {
    const s = reduceBuildEvents(createBuildSnapshot('x'), events(600));
    expect(logPage(s.log, 600, 10)).toEqual([]);
    expect(logPage(s.log, 601, 10)).toBeUndefined();
    expect(logPage(s.log, 590, 100)?.map((l) => l.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `line ${590 + i}`),
    );
    const capped = reduceBuildEvents(createBuildSnapshot('y', { maxLogLines: 300 }), events(600));
    expect(capped.log.dropped).toBeGreaterThan(0);
    expect(logPage(capped.log, capped.log.dropped - 1, 10)).toBeUndefined();
    expect(logPage(capped.log, capped.log.dropped, 1)?.[0]?.seq).toBe(capped.log.dropped);
  });
});
