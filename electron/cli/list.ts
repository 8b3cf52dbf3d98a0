import './one-shot';
import type { AppError } from '../common/errors';
import { createBuildersList } from '../composition/builders-list';
import type { Builder, GcRule } from '../common/domain';
import { BuilderTableStream, formatEngine, goTemplate, printError, type TemplateField } from './format';

/** How a list verb prints: BuildDeck's --json, or buildx's `--format` and `--no-trunc`. */
export interface ListOutput {
  json: boolean;
  refresh?: boolean;
  format?: string | undefined;
  noTrunc?: boolean;
}

/** `builddeck builders ls` and `builddeck engine info`: one contract command each, --json as the contract types it. */
interface Verb {
  run(out: ListOutput): Promise<{ value: unknown; text?: () => string } | { error: AppError }>;
}

const VERBS: Record<string, Verb> = {
  'builders ls': {
    // People see each builder the moment it answered (a silent one at its bound); --json prints the
    // whole list, in buildx's order, once every builder is known.
    // Without --refresh, nodes whose platforms cannot have changed since an earlier whole read (of
    // any BuildDeck process, within minutes) keep them: BuildKit's ListWorkers is what costs (see
    // BuildersService.read()). Status and versions are always asked live.
    run: async ({ json, refresh = false, format, noTrunc = false }) => {
      // Only the builders service, not the whole core (composition/builders-list.ts).
      const list = createBuildersList({ oneShot: true });
      // buildx's `--format table` is the table people see; json and templates print once all are known.
      const stream =
        json || (format !== undefined && format !== 'table')
          ? undefined
          : new BuilderTableStream((text) => process.stdout.write(text), !noTrunc);
      const off = stream
        ? list.events.subscribe((event, payload) => event === 'builders.updated' && stream.add(payload.builder), {
            passive: true,
          })
        : undefined;
      try {
        const r = await list.list(refresh);
        if (!r.ok) return { error: r.error };
        for (const b of r.value.builders) stream?.add(b);
        const builders = r.value.builders;
        if (format === undefined || format === 'table') return { value: builders };
        return { value: builders, text: () => buildxLs(builders, format) };
      } finally {
        off?.();
        list.dispose();
      }
    },
  },
  'engine info': {
    run: async () => {
      const { createCore } = await import('../composition/create-core');
      const core = createCore({ oneShot: true });
      try {
        const { router } = core;
        const [engine, buildx] = await Promise.all([router.call('engine.info', {}), router.call('buildx.info', {})]);
        if (!engine.ok) return { error: engine.error };
        if (!buildx.ok) return { error: buildx.error };
        const value = { engine: engine.value, buildx: buildx.value };
        return { value, text: () => formatEngine(value) };
      } finally {
        await core.dispose();
      }
    },
  },
};

export async function runListVerb(words: string, out: ListOutput): Promise<number> {
  const verb = VERBS[words];
  if (!verb) throw new Error(`no verb ${words}`);
  const { json } = out;
  const outcome = await verb.run(out);
  if ('error' in outcome) {
    return printError(outcome.error, { json });
  }
  if (json) process.stdout.write(`${JSON.stringify(outcome.value, null, 2)}\n`);
  else if (outcome.text) {
    let text: string;
    try {
      text = outcome.text();
    } catch (err) {
      process.stderr.write(`builddeck: ${(err as Error).message}\n`);
      return 2;
    }
    if (text) process.stdout.write(`${text}\n`);
  }
  return 0;
}

/** Go's JSON form of a time.Time (RFC 3339, no zero fraction); the zero time when unknown. */
function goTimeJson(iso: string | undefined): string {
  return iso ? new Date(iso).toISOString().replace(/\.000Z$/, 'Z') : '0001-01-01T00:00:00Z';
}

type LsNode = Builder['nodes'][number];

/** buildx's status word for a node: a node BuildDeck calls unreachable, or one with an error, is its "error". */
function lsStatus(n: LsNode): string {
  return n.error !== undefined || n.status === 'unreachable' ? 'error' : n.status;
}

/**
 * One builder as `docker buildx ls --format json` prints it: every key sorted at every level (buildx
 * re-marshals the whole builder through a map), empty fields left out. Not printed: a node's
 * buildkitd config files (`Files`, the files' contents; `builddeck inspect NAME` names them) and its
 * proxy settings.
 */
function buildxLsJson(b: Builder): string {
  return JSON.stringify({
    Current: b.current,
    Driver: b.driver,
    Dynamic: b.dynamic,
    ...(b.error ? { Err: b.error } : {}),
    LastActivity: goTimeJson(b.lastActivity),
    Name: b.name,
    Nodes: b.nodes.map((n) => ({
      ...(n.driverOpts && Object.keys(n.driverOpts).length > 0 ? { DriverOpts: sortedKeys(n.driverOpts) } : {}),
      Endpoint: n.endpoint,
      ...(n.error ? { Err: n.error } : {}),
      ...(n.flags && n.flags.length > 0 ? { Flags: n.flags } : {}),
      ...(n.workers && n.workers.gcPolicy.length > 0 ? { GCPolicy: n.workers.gcPolicy.map(goPruneInfo) } : {}),
      ...(n.workers && n.workers.ids.length > 0 ? { IDs: n.workers.ids } : {}),
      ...(n.workers && Object.keys(n.workers.labels).length > 0 ? { Labels: sortedKeys(n.workers.labels) } : {}),
      Name: n.name,
      ...(n.platforms.length > 0 ? { Platforms: n.platforms } : {}),
      Status: lsStatus(n),
      ...(n.buildkitVersion ? { Version: n.buildkitVersion } : {}),
    })),
  });
}

/** A map as Go's encoding/json writes it: keys in byte order. */
function sortedKeys(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] as string;
  return out;
}

/** BuildKit's client.PruneInfo in JSON (its own lower-case tags; a nil filter list is null). */
function goPruneInfo(r: GcRule) {
  return {
    all: r.all,
    filter: r.filters.length > 0 ? r.filters : null,
    keepDuration: r.keepDurationNs,
    maxUsedSpace: r.maxUsedSpace,
    minFreeSpace: r.minFreeSpace,
    reservedSpace: r.reservedSpace,
  };
}

/** A builder row or one of its node rows, as buildx's ls template sees them. */
type LsRow = { b: Builder; node?: LsNode };

const LS_FIELDS = (isTable: boolean): Record<string, TemplateField<LsRow>> => ({
  Name: {
    header: 'NAME/NODE',
    value: ({ b, node }) =>
      node ? `${isTable ? ' \\_ ' : ''}${node.name}` : `${b.name}${b.current && isTable ? '*' : ''}`,
  },
  DriverEndpoint: {
    header: 'DRIVER/ENDPOINT',
    value: ({ b, node }) => (node ? `${isTable ? ' \\_ ' : ''}${node.endpoint}` : b.driver),
  },
  LastActivity: {
    header: 'LAST ACTIVITY',
    value: ({ b, node }) => (node || !b.lastActivity ? '' : goTimeJson(b.lastActivity)),
  },
  Status: {
    header: 'STATUS',
    value: ({ b, node }) => (node ? lsStatus(node) : b.error ? 'error' : ''),
  },
  Buildkit: { header: 'BUILDKIT', value: ({ node }) => node?.buildkitVersion ?? '' },
  Platforms: { header: 'PLATFORMS', value: ({ node }) => (node ? node.platforms.join(', ') : '') },
  Error: { header: 'ERROR', value: ({ b, node }) => (node ? (node.error ?? '') : (b.error ?? '')) },
});

/** `builddeck ls --format json|TEMPLATE` as `docker buildx ls --format ...` prints it. */
export function buildxLs(builders: readonly Builder[], format: string): string {
  if (format === 'json') return builders.map(buildxLsJson).join('\n');
  // A builder row, then a row per node (a builder that failed to load has none), as buildx renders.
  const rows: LsRow[] = builders.flatMap((b) => [{ b }, ...(b.error ? [] : b.nodes.map((node) => ({ b, node })))]);
  return goTemplate(format, rows, LS_FIELDS(format.startsWith('table ')), (m) => new Error(m));
}
