import type { BuildEvent } from '../../common/contracts/builds';
import type { HistoryEntry, HistoryRecordItem } from '../../common/contracts/history';
import { AppException, appError } from '../../common/errors';
import type { Clock } from '../ports';
import { HISTORY_VERSIONS, type BuildkitRows } from './buildkit-rows';
import type { LiveStreams } from './live-streams';
import { fileItem, fileSnapshot, type OpenedFile, type OpenedFiles } from './opened-files';
import type { BuildkitHistoryPort, BuildkitRecordRow, HistoryStorePort, RecordFacts } from './ports';
import type { RowSummaries } from './row-summaries';
import { countsOfSteps, eventsFromEntry, itemFromOwn, itemFromRow, mergeItems, snapshotOf } from './record-model';

/** One record, whichever of BuildKit, BuildDeck's store or an open file holds it. */
export interface Resolved {
  /** Canonical id. */
  id: string;
  ref?: string | undefined;
  builder?: string | undefined;
  node?: string | undefined;
  bkId?: string | undefined;
  own?: HistoryEntry | undefined;
  file?: OpenedFile | undefined;
  row?: BuildkitRecordRow | undefined;
}

export interface RecordReaderDeps {
  store: HistoryStorePort;
  buildkit: BuildkitHistoryPort;
  clock: Clock;
  rows: BuildkitRows;
  files: OpenedFiles;
  streams: LiveStreams;
  summaries: RowSummaries;
}

export interface RecordReaderOptions {
  /** Bound for each builder's `history inspect`. */
  callTimeoutMs: () => number;
  /** Finished records' replayed events kept in memory (details, logs, why and attach share them). */
  replayCache: number;
}

const MAX_EVENTS_PER_RECORD = 400_000;

/**
 * From an id to one record's item and snapshot: resolves ids of every form (BuildKit ref, bare
 * BuildKit id, BuildDeck build id, open file), replays finished BuildKit records (cached), and
 * joins the live stream of a running one.
 */
export class RecordReader {
  private readonly replays = new Map<string, { events: BuildEvent[]; facts?: RecordFacts }>();

  constructor(
    private readonly deps: RecordReaderDeps,
    private readonly options: RecordReaderOptions,
  ) {}

  async resolve(id: string, builder?: string): Promise<Resolved> {
    const file = this.deps.files.find(id);
    if (file !== null) {
      if (!file) {
        throw appError('INVALID_INPUT', `No open .dockerbuild record ${id}.`, {
          hint: 'Open the file again (records read from files are kept until BuildDeck restarts).',
          details: { field: 'id' },
        });
      }
      return { id, file };
    }
    const { store, rows } = this.deps;
    const parts = id.split('/');
    if (parts.length === 3) {
      const [b, node, bkId] = parts as [string, string, string];
      const buildId = store.findByRef(id);
      const own = buildId ? store.get(buildId) : undefined;
      const row = await rows.findRow(bkId, b);
      if (!row && !own) throw unknown(id, b);
      return { id, ref: id, builder: b, node, bkId, own, row };
    }
    const own = store.get(id);
    if (own) {
      const ref = own.item.ref;
      if (!ref) return { id, own };
      const [b, node, bkId] = ref.split('/') as [string, string, string];
      return { id: ref, ref, builder: b, node, bkId, own, row: await rows.findRow(bkId, b) };
    }
    const row = await rows.findRow(id, builder);
    if (!row) throw unknown(id, builder);
    const buildId = store.findByRef(row.ref);
    return {
      id: row.ref,
      ref: row.ref,
      builder: row.builder,
      node: row.node,
      bkId: row.id,
      own: buildId ? store.get(buildId) : undefined,
      row,
    };
  }

  /** Drops a removed record's replay. */
  forget(ref: string): void {
    this.replays.delete(ref);
    this.deps.summaries.forget(ref);
  }

  /** Events and facts of a finished BuildKit record (cached), or of a running one so far. */
  private async replay(
    r: Resolved,
    gaps: string[],
  ): Promise<{ events: BuildEvent[]; facts?: RecordFacts } | undefined> {
    if (!r.ref || !r.builder || !r.bkId || !r.row) return undefined;
    const cached = this.replays.get(r.ref);
    if (cached) return cached;
    if (this.deps.rows.builderState(r.builder) !== 'available') {
      gaps.push(`Builder "${r.builder}" is not running: BuildKit's record cannot be read now.`);
      return undefined;
    }
    const caps = await this.deps.rows.capabilities();
    let facts: RecordFacts | undefined;
    if (caps.inspect) {
      facts = await this.deps.buildkit
        .inspect(r.builder, r.bkId, { timeoutMs: this.options.callTimeoutMs() })
        .catch((err: unknown) => {
          gaps.push(
            `BuildKit's record details could not be read: ${err instanceof AppException ? err.appError.message : String(err)}`,
          );
          return undefined;
        });
    } else {
      gaps.push(`buildx ${caps.buildxVersion} cannot print record details (buildx ${HISTORY_VERSIONS.inspect} can).`);
    }
    if (facts) this.deps.summaries.seed(r.ref, facts, this.deps.rows.view(r.builder)?.defaultPlatform);
    const events: BuildEvent[] = [];
    try {
      await this.deps.buildkit.logs(r.builder, r.bkId, {
        onEvents: (batch) => {
          if (events.length < MAX_EVENTS_PER_RECORD) events.push(...batch);
        },
        signal: new AbortController().signal,
        timeoutMs: 120_000,
      });
    } catch (err) {
      gaps.push(
        `The record's progress could not be replayed: ${err instanceof AppException ? err.appError.message : String(err)}`,
      );
      return facts ? { events: [], facts } : undefined;
    }
    const entry = {
      events: events.filter((e) => e.type !== 'text' && e.type !== 'error'),
      ...(facts ? { facts } : {}),
    };
    this.replays.set(r.ref, entry);
    while (this.replays.size > this.options.replayCache)
      this.replays.delete(this.replays.keys().next().value as string);
    return entry;
  }

  private headOf(r: Resolved, facts: RecordFacts | undefined) {
    const req = r.own?.request;
    const view = this.deps.rows.view(r.builder);
    return {
      builder: r.builder ?? r.own?.item.builder ?? '',
      driver: r.own?.item.driver ?? view?.driver,
      platforms: req?.platforms.length ? req.platforms : (facts?.platforms ?? []),
      defaultPlatform: r.own?.item.platforms[0] ?? view?.defaultPlatform,
      contextDir: req?.contextDir ?? facts?.contextDir,
      dockerfile: req?.dockerfile ?? facts?.dockerfilePath,
      target: req?.target ?? facts?.target,
      tags: req?.tags ?? [],
      startedAt: r.row?.createdAt ?? r.own?.item.startedAt ?? facts?.startedAt ?? 0,
    };
  }

  private endOf(r: Resolved, facts: RecordFacts | undefined) {
    const status = r.row?.status ?? r.own?.item.status ?? facts?.status;
    if (status === 'running') return undefined;
    const at = r.row?.completedAt ?? r.own?.item.finishedAt ?? facts?.completedAt ?? this.deps.clock.now();
    return {
      at,
      ok: status === 'succeeded',
      cancelled: status === 'cancelled',
      digest: r.own?.item.digest ?? facts?.imageDigest,
      ref: r.ref,
    };
  }

  /** The live stream of a running BuildKit record (shared by attach and details). */
  follow(r: Resolved & { builder: string; bkId: string }) {
    const { builder, bkId } = r;
    return this.deps.streams.follow({ id: r.id, builder, bkId }, this.headOf(r, undefined), async () => {
      this.deps.rows.drop(builder);
      const row = await this.deps.rows.findRow(bkId, builder).catch(() => undefined);
      return (
        this.endOf({ ...r, row: row ?? r.row }, undefined) ?? { at: this.deps.clock.now(), ok: true, cancelled: false }
      );
    });
  }

  async snapshotFor(r: Resolved, streamId: string, gaps: string[]) {
    if (r.file) return { snapshot: fileSnapshot(r.file.record, streamId), facts: r.file.record.facts };
    if (r.row?.status === 'running' && r.builder && r.bkId && this.deps.rows.builderState(r.builder) === 'available') {
      // A running record: the live stream's snapshot so far (the stream is shared with attach).
      return { snapshot: this.follow({ ...r, builder: r.builder, bkId: r.bkId }).snapshot, facts: undefined };
    }
    const replay = await this.replay(r, gaps);
    if (replay && replay.events.length > 0) {
      return {
        snapshot: snapshotOf(streamId, this.headOf(r, replay.facts), replay.events, this.endOf(r, replay.facts)),
        facts: replay.facts,
      };
    }
    if (r.own) {
      if (r.ref && !replay) gaps.push("Steps and logs come from BuildDeck's own record.");
      return {
        snapshot: snapshotOf(
          streamId,
          this.headOf(r, replay?.facts),
          eventsFromEntry(r.own),
          this.endOf(r, replay?.facts),
        ),
        facts: replay?.facts,
      };
    }
    return { snapshot: undefined, facts: replay?.facts };
  }

  itemOf(r: Resolved): HistoryRecordItem {
    if (r.file) return fileItem(r.file.token, r.file.index, r.file.record, r.file.path);
    const now = this.deps.clock.now();
    const ownItem = r.own
      ? itemFromOwn(
          r.own.item,
          this.deps.store.stepCounts().get(r.own.item.buildId) ?? countsOfSteps(r.own.steps),
          this.deps.rows.builderState(r.own.item.builder),
        )
      : undefined;
    const bkItem = r.row
      ? itemFromRow(
          r.row,
          this.deps.rows.knownLocalState(r.row.ref),
          this.deps.rows.view(r.builder)?.driver,
          now,
          this.deps.summaries.of(r.row.ref),
        )
      : undefined;
    if (bkItem && ownItem) return mergeItems(bkItem, ownItem);
    return (bkItem ?? ownItem) as HistoryRecordItem;
  }
}

function unknown(id: string, builder: string | undefined) {
  return appError('INVALID_INPUT', `No build record ${id}${builder ? ` on builder "${builder}"` : ''}.`, {
    hint: 'It may have been removed, or BuildKit dropped it (it keeps a limited history). `builddeck history ls` lists what exists.',
    details: { field: 'id', id },
  });
}
