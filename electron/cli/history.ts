import './one-shot';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type {
  CacheMissExplanation,
  HistoryRecordDetails,
  HistoryRecordItem,
  HistoryNotice,
} from '../common/contracts/history';
import type { BuildSnapshot } from '../common/contracts/builds';
import type { AppError } from '../common/errors';
import { applyProgress, logLineAt } from '../common/progress';
import type { Router } from '../core/router';
import { createCore, type Core } from '../composition/create-core';
import { followEvents } from './follow';
import { printError, table } from './format';

/**
 * `builddeck history ...`: every build record (BuildKit's from any client, merged with BuildDeck's)
 * from a terminal, over the same contract commands as the History view (history.records, details,
 * logs, why, export, open, remove). The CLI never starts the background poller: each verb asks once.
 */
export const HISTORY_VERBS = ['ls', 'show', 'logs', 'why', 'export', 'open', 'rm'] as const;

export const HISTORY_USAGE_LINES = `  history ls         Every build on every builder (any client), merged with BuildDeck's
  history show REF   Details of a build record: source, config, dependencies, steps, error
  history logs REF   Its output, per step (--step DIGEST) or all; --follow a running build
  history why REF    Why the cache missed, against the previous run (or --against REF)
  history export REF -o FILE   Write a .dockerbuild file (buildx >= 0.23)
  history open FILE  Read a .dockerbuild file (no Docker needed)
  history rm REF...  Remove exactly these records`;

const USAGE = `Usage:
  builddeck history ls [--builder B] [--status S] [--folder DIR] [--filter TEXT] [--origin all|builddeck|external]
                       [--limit N] [--json]
  builddeck history show REF [--builder B] [--json]
  builddeck history logs REF [--builder B] [--step DIGEST] [--limit N] [-f|--follow] [--json]
  builddeck history why REF [--against REF] [--builder B] [--json]
  builddeck history export REF -o FILE [--force] [--builder B] [--json]
  builddeck history open FILE [--json]
  builddeck history rm REF... [--from all|buildkit|builddeck] [--json]

REF is a BuildKit ref (builder/node/ID, as \`docker buildx history ls\` prints it), a bare ID, or a
BuildDeck build id. Status: running, succeeded, failed, cancelled, interrupted.
Exit codes: 0 success, 1 failure, 2 usage error or invalid input.`;

function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

const when = (t: number) =>
  new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export function formatRecords(items: HistoryRecordItem[], notices: HistoryNotice[], total: number): string {
  const rows = [['REF', 'NAME', 'BUILDER', 'STATUS', 'STARTED', 'DURATION', 'CACHED', 'ORIGIN']];
  for (const i of items) {
    const builder =
      i.builderState === 'available' || i.builderState === 'file' ? i.builder : `${i.builder} (${i.builderState})`;
    rows.push([
      i.id,
      i.name,
      builder,
      i.status,
      when(i.startedAt),
      duration(i.durationMs) + (i.status === 'running' ? '+' : ''),
      i.counts.total > 0 ? `${i.counts.cached}/${i.counts.total}` : '-',
      i.origin,
    ]);
  }
  const lines = [items.length > 0 ? table(rows) : 'No build records.'];
  if (total > items.length) lines.push(`(${items.length} of ${total}; --limit shows more)`);
  for (const n of notices) lines.push(`note: ${n.message}${n.hint ? ` ${n.hint}` : ''}`);
  return lines.join('\n');
}

export function formatDetails(d: HistoryRecordDetails): string {
  const i = d.item;
  const kv: string[][] = [
    ['Name', i.name],
    ['Ref', i.ref ?? '-'],
    ...(i.buildId ? [['BuildDeck build', i.buildId]] : []),
    ['Builder', `${i.builder || '-'}${i.node ? `/${i.node}` : ''} (${i.builderState})`],
    ['Status', i.status],
    ['Started', when(i.startedAt)],
    ['Duration', duration(i.durationMs)],
    ['Context', d.source.contextDir ?? d.source.url ?? '-'],
    ['Dockerfile', d.source.dockerfilePath ?? 'Dockerfile'],
    ...(d.source.vcs?.revision
      ? [['Revision', `${d.source.vcs.repository ?? ''} ${d.source.vcs.revision}`.trim()]]
      : []),
    ...(d.config.target ? [['Target', d.config.target]] : []),
    ['Platforms', d.config.platforms.join(', ') || '-'],
    ['Build args', d.config.buildArgs.map((a) => `${a.name}=${a.value}`).join(', ') || '-'],
    ['Secrets', d.config.secretIds.join(', ') || '-'],
    ['Outputs', d.config.outputs.map((o) => o.type).join(', ') || '-'],
    ['No cache', d.config.noCache ? 'yes' : 'no'],
    ['Image digest', d.results.imageDigest ?? '-'],
    ['Steps', `${i.counts.total} (${i.counts.cached} cached)`],
  ];
  const lines = [table(kv)];
  if (d.dependencies.length > 0) {
    lines.push('', 'Dependencies:');
    for (const dep of d.dependencies)
      lines.push(`  ${dep.name ?? dep.uri}${dep.digests[0] ? `  ${dep.digests[0]}` : ''}`);
  }
  if (d.steps.length > 0) {
    lines.push('', 'Steps:');
    const rows = d.steps.map((s) => [
      s.cached ? 'CACHED' : s.state.toUpperCase(),
      duration(s.durationMs),
      s.lane,
      s.name,
    ]);
    lines.push(
      ...table(rows)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  if (d.timing) {
    const k = d.timing.byKind;
    lines.push(
      '',
      `Time: ${duration(d.timing.wallMs)} wall = ${duration(k.executedMs)} executing, ${duration(k.cachedMs)} cache hits, ${duration(k.waitingMs)} waiting`,
    );
  }
  if (d.error) {
    lines.push('', `Error: ${d.error.message}`);
    if (d.error.stepName) lines.push(`  in ${d.error.stepName}`);
    if (d.error.line !== undefined) lines.push(`  at ${d.error.file ?? 'Dockerfile'}:${d.error.line}`);
    for (const l of d.error.snippet)
      lines.push(`  ${String(l.line).padStart(4)} | ${l.marked ? '>>> ' : '    '}${l.text}`);
    for (const l of d.error.lastLogLines.slice(-10)) lines.push(`  > ${l}`);
  }
  for (const g of d.gaps) lines.push(`note: ${g}`);
  return lines.join('\n');
}

export function formatWhy(w: CacheMissExplanation): string {
  const lines: string[] = [];
  switch (w.verdict) {
    case 'no-earlier-run':
      lines.push('No earlier run of this build to compare with.');
      break;
    case 'no-miss':
      lines.push(`No cache miss: every step ${w.againstId ?? 'the earlier run'} had cached was cached again.`);
      break;
    case 'explained':
    case 'unexplained':
      lines.push(
        `First step that ran where ${w.againstId ?? 'the earlier run'} had it cached:`,
        `  ${w.firstMiss?.name ?? '?'}`,
      );
      lines.push('Why:');
      for (const c of w.causes) {
        lines.push(`  - ${c.summary}`);
        for (const f of c.files ?? []) lines.push(`      ${f.change}: ${f.path}`);
        if (c.evidence.length > 0) lines.push(`      (from ${c.evidence.join('; ')})`);
      }
  }
  for (const l of w.limits) lines.push(`note: ${l}`);
  return lines.join('\n');
}

type Out = { value: unknown; text: string } | { error: AppError };

async function runVerb(
  router: Router,
  verb: (typeof HISTORY_VERBS)[number],
  args: string[],
  v: Record<string, string | boolean | undefined>,
): Promise<Out> {
  const builder = typeof v['builder'] === 'string' ? { builder: v['builder'] } : {};
  const num = (k: string) => (typeof v[k] === 'string' ? Number(v[k]) : undefined);
  const ref = args[0] ?? '';
  // Flag values are the user's text: the router's validation names the bad one (callUnchecked).
  switch (verb) {
    case 'ls': {
      const r = await router.callUnchecked('history.records', {
        ...builder,
        refresh: true,
        ...(v['status'] !== undefined ? { status: v['status'] } : {}),
        ...(typeof v['folder'] === 'string' ? { folder: resolve(v['folder']) } : {}),
        ...(v['filter'] !== undefined ? { text: v['filter'] } : {}),
        ...(v['origin'] !== undefined ? { origin: v['origin'] } : {}),
        ...(num('limit') !== undefined ? { limit: num('limit') } : {}),
      });
      return r.ok
        ? { value: r.value, text: formatRecords(r.value.items, r.value.notices, r.value.total) }
        : { error: r.error };
    }
    case 'show': {
      const r = await router.callUnchecked('history.details', { id: ref, ...builder });
      return r.ok ? { value: r.value, text: formatDetails(r.value) } : { error: r.error };
    }
    case 'logs': {
      const r = await router.callUnchecked('history.logs', {
        id: ref,
        ...builder,
        ...(v['step'] !== undefined ? { step: v['step'] } : {}),
        ...(num('limit') !== undefined ? { limit: num('limit') } : {}),
      });
      return r.ok
        ? {
            value: r.value,
            text: [
              ...(r.value.truncated ? ['note: earlier lines were clipped'] : []),
              ...r.value.lines.map(logLine),
            ].join('\n'),
          }
        : { error: r.error };
    }
    case 'why': {
      const r = await router.callUnchecked('history.why', {
        id: ref,
        ...builder,
        ...(v['against'] !== undefined ? { against: v['against'] } : {}),
      });
      return r.ok ? { value: r.value, text: formatWhy(r.value) } : { error: r.error };
    }
    case 'export': {
      const out = v['output'];
      const r = await router.callUnchecked('history.export', {
        id: ref,
        ...builder,
        dest: typeof out === 'string' ? resolve(out) : out,
        overwrite: v['force'] === true,
      });
      return r.ok ? { value: r.value, text: `Wrote ${r.value.path} (${r.value.bytes} bytes).` } : { error: r.error };
    }
    case 'open': {
      const r = await router.callUnchecked('history.open', { path: ref ? resolve(ref) : ref });
      if (!r.ok) return { error: r.error };
      const shown: HistoryRecordDetails[] = [];
      for (const item of r.value.items) {
        const d = await router.call('history.details', { id: item.id });
        if (!d.ok) return { error: d.error };
        shown.push(d.value);
      }
      return { value: shown, text: shown.map(formatDetails).join('\n\n') };
    }
    case 'rm': {
      const r = await router.callUnchecked('history.remove', {
        ids: args,
        ...(v['from'] !== undefined ? { from: v['from'] } : {}),
      });
      if (!r.ok) return { error: r.error };
      const lines = [
        ...r.value.removed.map(
          (x) =>
            `Removed ${x.id}${x.buildkit ? ' from BuildKit' : ''}${x.builddeck ? `${x.buildkit ? ' and' : ' from'} BuildDeck` : ''}`,
        ),
        ...r.value.failed.map((x) => `Not removed ${x.id}: ${x.code}: ${x.message}`),
      ];
      if (r.value.failed.length > 0 && r.value.removed.length === 0) {
        const f = r.value.failed[0];
        return { error: { code: 'INVALID_INPUT', message: f ? `${f.id}: ${f.message}` : 'Nothing removed.' } };
      }
      return { value: r.value, text: lines.join('\n') };
    }
  }
}

const logLine = (l: { step: string; stream: number; text: string }) =>
  `${l.step.slice(7, 19)} ${l.stream === 2 ? '!' : '|'} ${l.text}`;

/**
 * `history logs REF --follow`: the lines so far, then each new one as BuildKit sends it, until the
 * build ends (a finished record prints once and returns). Ctrl+C stops following; the build, which
 * another client started, goes on. `--json` prints one JSON object per line.
 */
async function followLogs(
  core: Core,
  id: string,
  o: { builder: string | undefined; step: string | undefined; json: boolean },
): Promise<number> {
  let snapshot: BuildSnapshot | undefined;
  let printed = 0;
  const print = () => {
    if (!snapshot) return;
    const out: string[] = [];
    for (; printed < snapshot.log.length; printed++) {
      const l = logLineAt(snapshot.log, printed);
      if (!l || (o.step && l.step !== o.step)) continue;
      out.push(o.json ? JSON.stringify({ step: l.step, stream: l.stream, text: l.text }) : logLine(l));
    }
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  };
  const outcome = await followEvents(core, {
    batch: 'history.progressed',
    end: 'history.streamEnded',
    idOf: (p) => p.streamId,
    start: async () => {
      const r = await core.router.callUnchecked('history.attach', { id, ...(o.builder ? { builder: o.builder } : {}) });
      return r.ok ? { ok: true, value: { id: r.value.streamId, started: r.value } } : r;
    },
    onStart: (_streamId, attached) => {
      snapshot = attached.snapshot;
      print();
      return attached.done;
    },
    onBatch: (p) => {
      if (!snapshot) return;
      snapshot = applyProgress(snapshot, p).snapshot;
      print();
    },
    // Ctrl+C stops following (the record's build goes on); the stream is detached below.
    onInterrupt: (streamId, end) => end({ streamId: streamId ?? '', reason: 'detached' }),
    onEnd: async (e, streamId) => {
      if (e?.reason === 'detached') await core.router.call('history.detach', { streamId });
      if (e?.reason === 'failed') process.stderr.write(`note: the stream stopped: ${e.error ?? 'unknown error'}\n`);
    },
  });
  if (!outcome.ok) return printError(outcome.error, { json: o.json });
  if (!o.json && snapshot && snapshot.status !== 'running') process.stderr.write(`Build ${snapshot.status}.\n`);
  return 0;
}

/** Runs `builddeck history ...`; returns the exit code. */
export async function runHistoryCli(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--help' || verb === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!(HISTORY_VERBS as readonly string[]).includes(verb ?? '')) {
    process.stderr.write(`builddeck: unknown command "history${verb ? ` ${verb}` : ''}"\n\n${USAGE}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        builder: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        status: { type: 'string' },
        folder: { type: 'string' },
        filter: { type: 'string' },
        origin: { type: 'string' },
        limit: { type: 'string' },
        step: { type: 'string' },
        against: { type: 'string' },
        output: { type: 'string', short: 'o' },
        force: { type: 'boolean', default: false },
        from: { type: 'string' },
        follow: { type: 'boolean', short: 'f', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`builddeck: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const needs = verb === 'ls' ? 0 : 1;
  if (positionals.length < needs || (verb !== 'rm' && positionals.length > needs)) {
    process.stderr.write(
      `builddeck: history ${verb ?? ''} takes ${needs === 0 ? 'no' : verb === 'rm' ? 'one or more' : 'one'} argument${needs === 1 ? '' : 's'}\n\n${USAGE}\n`,
    );
    return 2;
  }
  if (verb === 'export' && values.output === undefined) {
    process.stderr.write(`builddeck: history export needs -o FILE\n\n${USAGE}\n`);
    return 2;
  }
  const core = createCore({ oneShot: true });
  try {
    if (verb === 'logs' && values.follow) {
      const step = typeof values.step === 'string' ? values.step : undefined;
      const builder = typeof values.builder === 'string' ? values.builder : undefined;
      return await followLogs(core, positionals[0] ?? '', { builder, step, json: values.json });
    }
    const out = await runVerb(core.router, verb as (typeof HISTORY_VERBS)[number], positionals, values);
    if ('error' in out) return printError(out.error, { json: values.json });
    process.stdout.write(values.json ? `${JSON.stringify(out.value, null, 2)}\n` : `${out.text}\n`);
    return 0;
  } finally {
    await core.dispose();
  }
}
