import type { EventBus } from '../events';
import { STOPPED, type BuildkitRows } from './buildkit-rows';
import type { BuildkitHistoryPort, BuildkitRecordRow, RecordEvent, RecordEventsPort, RecordFacts } from './ports';

/** What the list shows of a finished BuildKit record beyond what `history ls` prints. */
export interface RowSummary {
  platforms: string[];
  digest?: string;
  tags: string[];
  /** First line of the record's error (failed and cancelled records). */
  error?: string;
}

export interface RowSummariesDeps {
  events: EventBus;
  /**
   * Every record of one node, read from BuildKit in one call (by record id). 'per-record' when the
   * node can only be reached through buildx; undefined when it cannot be asked now (stopped).
   */
  describeNode(builder: string, node: string): Promise<Map<string, RowSummary> | 'per-record' | undefined>;
  /** `history inspect` of one row (nodes only buildx reaches); undefined when it cannot be asked now. */
  inspect(row: BuildkitRecordRow): Promise<{ facts: RecordFacts; defaultPlatform?: string | undefined } | undefined>;
}

export interface RowSummariesOptions {
  /** Newest finished rows described per list read: the rows a user scrolls to first. */
  newest: number;
  /** Summaries kept (finished records never change, so only memory bounds this). */
  keep: number;
}

const firstLine = (text: string | undefined) => text?.split('\n')[0]?.trim() || undefined;

/**
 * A record of a default-platform build names no platform; the platform its base images were
 * resolved for (provenance materials) does, else the builder's default platform.
 */
export const summaryOf = (facts: RecordFacts, defaultPlatform?: string): RowSummary => {
  const resolvedFor = [
    ...new Set(
      facts.materials.flatMap((m) => {
        const p = /[?&]platform=([^&]+)/.exec(m.uri)?.[1];
        return p ? [decodeURIComponent(p)] : [];
      }),
    ),
  ];
  const fallback = facts.defaultPlatform ?? defaultPlatform;
  const platforms =
    facts.platforms.length > 0 ? facts.platforms : resolvedFor.length > 0 ? resolvedFor : fallback ? [fallback] : [];
  const digest = facts.imageDigest ?? facts.configDigest;
  const error = firstLine(facts.error?.message);
  return { platforms, tags: facts.imageNames, ...(digest ? { digest } : {}), ...(error ? { error } : {}) };
};

/** The same from BuildKit's own record (ListenBuildHistory); the builder's platform when none is named. */
export const summaryOfEvent = (e: RecordEvent, defaultPlatform?: string): RowSummary => {
  const error = firstLine(e.error);
  return {
    platforms: e.platforms.length > 0 ? e.platforms : defaultPlatform ? [defaultPlatform] : [],
    tags: e.imageNames,
    ...(e.digest ? { digest: e.digest } : {}),
    ...(error ? { error } : {}),
  };
};

/**
 * `history ls` prints no platforms, digest, image names or error, so external rows would show them
 * only once opened. A finished record never changes: each is described once, in the background and
 * only while a window shows the list, and the list is told to refetch as answers arrive. A node
 * BuildKit can be dialled on answers for all its records in one call; others (kubernetes) take one
 * `history inspect` per row, newest first, one at a time. Records opened in details seed the cache.
 */
export class RowSummaries {
  private readonly known = new Map<string, RowSummary | null>();
  private queue: BuildkitRecordRow[] = [];
  private readonly queued = new Set<string>();
  /** Nodes only buildx reaches: described row by row. */
  private readonly perRecord = new Set<string>();
  private draining = false;
  private disposed = false;

  constructor(
    private readonly deps: RowSummariesDeps,
    private readonly options: RowSummariesOptions,
  ) {}

  of(ref: string): RowSummary | undefined {
    return this.known.get(ref) ?? undefined;
  }

  /** From a record read for its details: no extra call. */
  seed(ref: string, facts: RecordFacts, defaultPlatform?: string): void {
    if (facts.status !== 'running') this.remember(ref, summaryOf(facts, defaultPlatform));
  }

  forget(ref: string): void {
    this.known.delete(ref);
  }

  /** Queues the newest finished rows nobody described yet (running ones change; they wait). */
  want(rows: Iterable<BuildkitRecordRow>): void {
    const fresh = [...rows]
      .filter((r) => r.status !== 'running' && !this.known.has(r.ref) && !this.queued.has(r.ref))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, this.options.newest);
    if (fresh.length === 0) return;
    for (const r of fresh) this.queued.add(r.ref);
    this.queue = [...fresh, ...this.queue].sort((a, b) => b.createdAt - a.createdAt);
    void this.drain();
  }

  /**
   * The CLI's list: every node of these rows described in one call each, awaited (no per-record
   * `history inspect`: a process per row would cost more than the list itself).
   */
  async describeNow(rows: readonly BuildkitRecordRow[]): Promise<void> {
    const nodes = new Map<string, BuildkitRecordRow>();
    for (const r of rows) if (r.status !== 'running' && !this.known.has(r.ref)) nodes.set(`${r.builder}/${r.node}`, r);
    await Promise.all(
      [...nodes].filter(([node]) => !this.perRecord.has(node)).map(([node, row]) => this.readNode(row, node)),
    );
  }

  private remember(ref: string, summary: RowSummary | null): void {
    this.known.delete(ref);
    this.known.set(ref, summary);
    while (this.known.size > this.options.keep) this.known.delete(this.known.keys().next().value as string);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    let described: string[] = [];
    const flush = () => {
      if (described.length > 0 && !this.disposed)
        this.deps.events.emit('history.recordsChanged', { ids: described, reason: 'described' });
      described = [];
    };
    try {
      for (let row = this.queue.shift(); row && !this.disposed; row = this.queue.shift()) {
        this.queued.delete(row.ref);
        if (this.known.has(row.ref)) continue;
        const node = `${row.builder}/${row.node}`;
        if (!this.perRecord.has(node)) {
          described.push(...(await this.describeNode(row, node)));
          flush();
          continue;
        }
        try {
          const got = await this.deps.inspect(row);
          if (!got) continue;
          this.remember(row.ref, summaryOf(got.facts, got.defaultPlatform));
          described.push(row.ref);
        } catch {
          // A record that cannot be described (gone meanwhile, a timeout) is not asked again: the
          // details view still reads it on demand and says why if it cannot.
          this.remember(row.ref, null);
        }
        // Answers reach the list in small batches rather than one refetch per record.
        if (described.length >= 8) flush();
      }
    } finally {
      flush();
      this.draining = false;
    }
  }

  /**
   * One call for every record of the row's node, remembered: the records it returned, 'per-record'
   * (marked: only buildx reaches the node), or undefined when it could not be asked (stopped, failed).
   */
  private async readNode(
    row: BuildkitRecordRow,
    node: string,
  ): Promise<Map<string, RowSummary> | 'per-record' | undefined> {
    const all = await this.deps.describeNode(row.builder, row.node).catch(() => undefined);
    if (all === 'per-record') this.perRecord.add(node);
    else for (const [id, summary] of all ?? []) this.remember(`${node}/${id}`, summary);
    return all;
  }

  /** The queue's node read: the refs it wanted that were described; a per-record node re-queues its row. */
  private async describeNode(row: BuildkitRecordRow, node: string): Promise<string[]> {
    const all = await this.readNode(row, node);
    if (all === 'per-record') {
      this.queue.unshift(row);
      this.queued.add(row.ref);
      return [];
    }
    const prefix = `${node}/`;
    const waiting = [row, ...this.queue.filter((r) => r.ref.startsWith(prefix))];
    this.queue = this.queue.filter((r) => !r.ref.startsWith(prefix));
    for (const r of waiting) this.queued.delete(r.ref);
    if (!all) return [];
    // A wanted row BuildKit did not return (removed meanwhile) is not asked again.
    for (const r of waiting) if (!all.has(r.id)) this.remember(r.ref, null);
    return waiting.filter((r) => all.has(r.id)).map((r) => r.ref);
  }

  dispose(): void {
    this.disposed = true;
    this.queue = [];
    this.queued.clear();
  }
}

/**
 * The summaries of the records service's rows: a node's records from BuildKit itself where it can
 * be dialled, else `history inspect` per row; never for a builder that is not running, and never
 * starting one (see BuildkitRows.withoutStarting).
 */
export function describedRows(
  rows: BuildkitRows,
  deps: { events: EventBus; buildkit: BuildkitHistoryPort; recordEvents?: RecordEventsPort | undefined },
  callTimeoutMs: () => number,
): RowSummaries {
  return new RowSummaries(
    {
      events: deps.events,
      describeNode: async (builder, node) => {
        const view = rows.view(builder);
        if (view?.state !== 'available') return undefined;
        if (!deps.recordEvents) return 'per-record';
        // A read of the rows that just listed this node's records answers (a CLI's list, one call).
        const all =
          rows.recentRecords(builder, node, 2_000) ??
          (await deps.recordEvents.records(builder, node, { timeoutMs: callTimeoutMs() }));
        if (all === 'stopped') return undefined;
        if (all === 'unsupported') return 'per-record';
        return new Map(
          all
            .filter((e) => e.completedAt !== undefined)
            .map((e) => [e.id, summaryOfEvent(e, view.defaultPlatform)] as const),
        );
      },
      inspect: async (row) => {
        const view = rows.view(row.builder);
        if (view?.state !== 'available' || !(await rows.capabilities()).inspect) return undefined;
        const timeoutMs = callTimeoutMs();
        const facts = await rows.withoutStarting(view, () => deps.buildkit.inspect(row.builder, row.id, { timeoutMs }));
        return facts === STOPPED ? undefined : { facts, defaultPlatform: view.defaultPlatform };
      },
    },
    { newest: 100, keep: 5000 },
  );
}
