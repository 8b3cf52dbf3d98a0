import type { BuildSnapshot } from '../../common/contracts/builds';
import type { HistoryRecordItem } from '../../common/contracts/history';
import type { EventBus } from '../events';
import type { Clock } from '../ports';
import type { DockerbuildReaderPort, DockerbuildRecord } from './ports';
import { countsOfSteps, snapshotOf, stepsOf } from './record-model';
import { baseName } from '../../common/validation';

export interface OpenedFile {
  token: string;
  index: number;
  record: DockerbuildRecord;
  path: string;
}

/**
 * Records read from `.dockerbuild` files (`history.open`): kept in memory until closed or until
 * newer files push them out, listed with the others under ids `file:<token>[.<index>]`.
 */
export class OpenedFiles {
  private readonly files = new Map<string, { path: string; records: DockerbuildRecord[] }>();
  private counter = 0;

  constructor(
    private readonly deps: { reader: DockerbuildReaderPort; events: EventBus; clock: Clock },
    private readonly maxOpenFiles: number,
  ) {}

  async open(path: string): Promise<{ items: HistoryRecordItem[] }> {
    const records = await this.deps.reader.read(path);
    for (const [token, f] of this.files) if (f.path === path) this.files.delete(token);
    const token = `${this.deps.clock.now().toString(36)}${(this.counter++).toString(36)}`;
    this.files.set(token, { path, records });
    while (this.files.size > this.maxOpenFiles) this.files.delete(this.files.keys().next().value as string);
    const items = records.map((r, i) => fileItem(token, i, r, path));
    this.deps.events.emit('history.recordsChanged', { ids: items.map((i) => i.id), reason: 'opened' });
    return { items };
  }

  close(id: string): { closed: boolean } {
    const token = /^file:([A-Za-z0-9_-]+)/.exec(id)?.[1];
    const closed = token !== undefined && this.files.delete(token);
    if (closed) this.deps.events.emit('history.recordsChanged', { ids: [id], reason: 'closed' });
    return { closed };
  }

  /** The record an id `file:<token>[.<index>]` names; null when the id is not a file id. */
  find(id: string): OpenedFile | undefined | null {
    const file = /^file:([A-Za-z0-9_-]+)(?:\.(\d+))?$/.exec(id);
    if (!file) return null;
    const token = file[1] as string;
    const f = this.files.get(token);
    const index = Number(file[2] ?? 0);
    const record = f?.records[index];
    return f && record ? { token, index, record, path: f.path } : undefined;
  }

  /** Every open file's records as list items. */
  items(): HistoryRecordItem[] {
    return [...this.files].flatMap(([token, f]) => f.records.map((r, i) => fileItem(token, i, r, f.path)));
  }
}

export function fileItem(token: string, index: number, r: DockerbuildRecord, path: string): HistoryRecordItem {
  const f = r.facts;
  const counts = f.counts.total > 0 ? f.counts : countsOfSteps(stepsOf(fileSnapshot(r, `file:${token}.${index}`)));
  return {
    id: `file:${token}${index > 0 ? `.${index}` : ''}`,
    ...(f.id ? { ref: f.id } : {}),
    kind: 'build',
    builder: r.builder ?? '',
    ...(r.node ? { node: r.node } : {}),
    builderState: 'file',
    name: f.name ?? baseName(path),
    source: {
      kind: f.contextDir ? 'local' : f.contextUrl ? 'git' : 'unknown',
      ...(f.contextDir ? { contextDir: f.contextDir } : {}),
      ...(f.contextUrl ? { url: f.contextUrl } : {}),
      ...(f.dockerfilePath ? { dockerfile: f.dockerfilePath } : {}),
      ...(f.target ? { target: f.target } : {}),
    },
    origin: 'file',
    status: f.status,
    startedAt: f.startedAt,
    ...(f.completedAt !== undefined ? { finishedAt: f.completedAt, durationMs: f.completedAt - f.startedAt } : {}),
    platforms: f.platforms.length > 0 ? f.platforms : f.defaultPlatform ? [f.defaultPlatform] : [],
    tags: f.imageNames,
    counts,
    cacheHitRatio: counts.total > 0 && f.status !== 'running' ? counts.cached / counts.total : null,
    ...(f.imageDigest ? { digest: f.imageDigest } : {}),
    ...(f.error ? { error: f.error.message.split('\n')[0] } : {}),
    stored: { buildkit: false, builddeck: false, file: path },
  };
}

export function fileSnapshot(r: DockerbuildRecord, streamId: string): BuildSnapshot {
  const f = r.facts;
  return snapshotOf(
    streamId,
    {
      builder: r.builder ?? '',
      platforms: f.platforms,
      defaultPlatform: f.defaultPlatform,
      contextDir: f.contextDir,
      dockerfile: f.dockerfilePath,
      target: f.target,
      startedAt: f.startedAt,
    },
    r.events,
    f.completedAt !== undefined
      ? {
          at: f.completedAt,
          ok: f.status === 'succeeded',
          cancelled: f.status === 'cancelled',
          digest: f.imageDigest,
        }
      : undefined,
  );
}
