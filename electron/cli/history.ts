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
import { currentBuilderName } from './current-builder';
import { followEvents } from './follow';
import { printError, table } from './format';
import {
  buildxFilter,
  buildxRecordJson,
  finishedRecords,
  formatTemplate,
  HistoryFlagError,
  isBuildxFilter,
  offsetOf,
  recordAtOffset,
  type RecordMatch,
} from './history-flags';

/**
 * `builddeck history ...`: every build record (BuildKit's from any client, merged with BuildDeck's)
 * from a terminal, over the same contract commands as the History view (history.records, details,
 * logs, why, export, open, remove). The CLI never starts the background poller: each verb asks once.
 */
export const HISTORY_VERBS = ['ls', 'show', 'inspect', 'logs', 'why', 'export', 'open', 'rm'] as const;

export const HISTORY_USAGE_LINES = `  history ls         Every build on every builder (any client), merged with BuildDeck's
  history show REF   Details of a build record: source, config, dependencies, steps, error
  history logs REF   Its output, per step (--step DIGEST) or all; --follow a running build
  history why REF    Why the cache missed, against the previous run (or --against REF)
  history export REF -o FILE   Write a .dockerbuild file (buildx >= 0.23)
  history open FILE  Read a .dockerbuild file (no Docker needed)
  history rm REF...  Remove exactly these records`;

const USAGE = `Usage:
  builddeck history ls [--builder B] [--status S] [--folder DIR] [--filter TEXT|KEY=VALUE]... [--origin all|builddeck|external]
                       [--limit N] [--format json|table|TEMPLATE] [--no-trunc] [--json]
  builddeck history show|inspect REF [--builder B] [--format pretty|json] [--json]
  builddeck history logs REF [--builder B] [--step DIGEST] [--limit N] [-f|--follow] [--progress plain] [--json]
  builddeck history why REF [--against REF] [--builder B] [--json]
  builddeck history export REF -o FILE [--force] [--builder B] [--json]
  builddeck history open FILE [--json]
  builddeck history rm REF...|--all [--builder B] [--from all|buildkit|builddeck] [--json]

REF is a BuildKit ref (builder/node/ID, as \`docker buildx history ls\` prints it), a bare ID, a
BuildDeck build id, or ^N: the Nth finished record before the newest on the builder (--builder or
the current one; ^0 is the newest), as buildx counts. Status: running, succeeded, failed, cancelled,
interrupted.
buildx's own forms work too: --filter status=completed|error|canceled|running, ref=ID,
startedAt>1h, completedAt<2026-12-01T00:00:00Z, duration>30s (repeatable; --filter TEXT matches
name, context, tags, ref or error); --format json prints buildx's JSON lines (BuildKit records of
every builder unless --builder), TEMPLATE uses {{.Ref}} {{.FullRef}} {{.Name}} {{.Status}}
{{.CreatedAt}} {{.Duration}}; rm --all removes the builder's BuildKit records (not BuildDeck's
copies unless --from all). Names are never truncated (--no-trunc is accepted).
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

/** `raw`: the text is a format's output (buildx's JSON lines, a template), printed even with --json. */
type Out = { value: unknown; text: string; raw?: boolean } | { error: AppError };

/** The list's filters: BuildDeck's text filter (at most one) and buildx's KEY=VALUE ones. */
interface ListOptions {
  text?: string | undefined;
  matchers: RecordMatch[];
}

/** Every record the query matches, page by page (500 a page, newest first). */
async function everyRecord(
  router: Router,
  query: Record<string, unknown>,
): Promise<{ items: HistoryRecordItem[]; notices: HistoryNotice[] } | { error: AppError }> {
  const items: HistoryRecordItem[] = [];
  let notices: HistoryNotice[] = [];
  for (let before: number | undefined; ;) {
    const r = await router.callUnchecked('history.records', {
      ...query,
      limit: 500,
      ...(before !== undefined ? { before } : {}),
      ...(before !== undefined ? { refresh: false } : {}),
    });
    if (!r.ok) return { error: r.error };
    const page = r.value;
    if (before === undefined) notices = page.notices;
    items.push(...page.items);
    const last = page.items.at(-1);
    if (!last || items.length >= page.total || page.items.length < 500) return { items, notices };
    before = last.startedAt;
  }
}

async function runVerb(
  router: Router,
  verb: (typeof HISTORY_VERBS)[number],
  args: string[],
  v: Record<string, string | boolean | string[] | undefined>,
  o: ListOptions = { matchers: [] },
): Promise<Out> {
  const builder = typeof v['builder'] === 'string' ? { builder: v['builder'] } : {};
  const num = (k: string) => (typeof v[k] === 'string' ? Number(v[k]) : undefined);
  const ref = args[0] ?? '';
  // Flag values are the user's text: the router's validation names the bad one (callUnchecked).
  switch (verb) {
    case 'ls': {
      const query = {
        ...builder,
        refresh: true,
        ...(v['status'] !== undefined ? { status: v['status'] } : {}),
        ...(typeof v['folder'] === 'string' ? { folder: resolve(v['folder']) } : {}),
        ...(o.text !== undefined ? { text: o.text } : {}),
        ...(v['origin'] !== undefined ? { origin: v['origin'] } : {}),
      };
      const format = typeof v['format'] === 'string' && v['format'] !== 'table' ? v['format'] : undefined;
      if (o.matchers.length === 0 && format === undefined) {
        const r = await router.callUnchecked('history.records', {
          ...query,
          ...(num('limit') !== undefined ? { limit: num('limit') } : {}),
        });
        return r.ok
          ? { value: r.value, text: formatRecords(r.value.items, r.value.notices, r.value.total) }
          : { error: r.error };
      }
      // buildx's filters and formats read every record (as `buildx history ls` does), then --limit.
      const all = await everyRecord(router, query);
      if ('error' in all) return all;
      const now = Date.now();
      // buildx's forms list BuildKit's records only (a bake's own row has no ref; its targets' records do).
      const items = all.items
        .filter((i) => (format === undefined || i.ref !== undefined) && o.matchers.every((m) => m(i)))
        .slice(0, num('limit') ?? Infinity);
      const notes = all.notices.map((n) => `note: ${n.message}${n.hint ? ` ${n.hint}` : ''}`);
      if (format === undefined)
        return { value: { ...all, items, total: items.length }, text: formatRecords(items, all.notices, items.length) };
      try {
        const text =
          format === 'json'
            ? items.flatMap((i) => buildxRecordJson(i) ?? []).join('\n')
            : formatTemplate(format, items, now);
        // Notes go to stderr here: stdout is the format's, line for line.
        if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
        return { value: items, text, raw: true };
      } catch (err) {
        if (err instanceof HistoryFlagError) return { error: { code: 'INVALID_INPUT', message: err.message } };
        throw err;
      }
    }
    case 'show':
    case 'inspect': {
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

/**
 * The BuildKit records of one builder (`--builder`, else the current one, as buildx picks it),
 * newest first: what `^N` counts and `rm --all` removes.
 */
async function builderRecords(
  router: Router,
  builder: string | undefined,
): Promise<{ builder: string; items: HistoryRecordItem[] } | { error: AppError }> {
  let name = builder;
  if (name === undefined) {
    const current = await currentBuilderName(router, 'Give --builder NAME.');
    if ('error' in current) return current;
    name = current.name;
  }
  const records = await everyRecord(router, { builder: name, refresh: true });
  return 'error' in records ? records : { builder: name, items: records.items.filter((i) => i.ref) };
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
        filter: { type: 'string', multiple: true },
        origin: { type: 'string' },
        limit: { type: 'string' },
        step: { type: 'string' },
        against: { type: 'string' },
        output: { type: 'string', short: 'o' },
        force: { type: 'boolean', default: false },
        from: { type: 'string' },
        format: { type: 'string' },
        'no-trunc': { type: 'boolean', default: false },
        local: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        progress: { type: 'string' },
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
  const usage = (message: string) => {
    process.stderr.write(`builddeck: ${message}\n\n${USAGE}\n`);
    return 2;
  };
  const all = verb === 'rm' && values.all;
  const needs = verb === 'ls' || all ? 0 : 1;
  if (all && positionals.length > 0) return usage('history rm takes either --all or records, not both');
  if (positionals.length < needs || (verb !== 'rm' && positionals.length > needs)) {
    return usage(
      `history ${verb ?? ''} takes ${needs === 0 ? 'no' : verb === 'rm' ? 'one or more' : 'one'} argument${needs === 1 ? '' : 's'}`,
    );
  }
  if (verb === 'export' && values.output === undefined) return usage('history export needs -o FILE');
  if (values.local)
    return usage(
      "history ls --local: BuildDeck's list does not carry a record's git remote; --folder DIR lists the builds of a context folder.",
    );
  if (verb === 'logs' && values.progress !== undefined && !['plain', 'auto', 'tty'].includes(values.progress))
    return usage(
      `history logs --progress ${values.progress}: BuildDeck prints plain lines; --json prints them as JSON.`,
    );
  if ((verb === 'show' || verb === 'inspect') && values.format !== undefined) {
    if (values.format === 'json') values.json = true;
    else if (values.format !== 'pretty')
      return usage(
        `history ${verb} --format ${values.format}: BuildDeck takes pretty or json (templates are not supported).`,
      );
  }
  const list: ListOptions = { matchers: [] };
  const texts = (values.filter ?? []).filter((f) => !isBuildxFilter(f));
  if (texts.length > 1) return usage('history ls takes one --filter TEXT (and any number of buildx KEY=VALUE filters)');
  list.text = texts[0];
  try {
    const now = Date.now();
    list.matchers = (values.filter ?? []).filter(isBuildxFilter).map((f) => buildxFilter(f, now));
  } catch (err) {
    if (err instanceof HistoryFlagError) return usage(`history ls ${err.message}`);
    throw err;
  }
  const core = createCore({ oneShot: true });
  const builder = typeof values.builder === 'string' ? values.builder : undefined;
  try {
    // ^N and rm --all name records by where they are on the builder: resolved to ids here.
    let refs = positionals;
    if (all || positionals.some((p) => offsetOf(p) !== undefined) || offsetOf(values.against ?? '') !== undefined) {
      const onBuilder = await builderRecords(core.router, builder);
      if ('error' in onBuilder) return printError(onBuilder.error, { json: values.json });
      const at = (ref: string) => {
        const n = offsetOf(ref);
        return n === undefined ? ref : recordAtOffset(onBuilder.items, n)?.id;
      };
      // builderRecords holds BuildKit's records only (each has a ref).
      if (all) refs = onBuilder.items.filter((i) => i.stored.buildkit).map((i) => i.id);
      else {
        const missing = [...positionals, values.against ?? ''].find((p) => at(p) === undefined);
        if (missing !== undefined)
          return printError(
            {
              code: 'INVALID_INPUT',
              message: `No finished build record ${missing} on builder ${onBuilder.builder}: it has ${finishedRecords(onBuilder.items).length}.`,
              hint: '^0 is the newest finished record, ^1 the one before it; `builddeck history ls` lists them.',
            },
            { json: values.json },
          );
        refs = positionals.map((p) => at(p) as string);
        if (values.against !== undefined) values.against = at(values.against) as string;
      }
      if (all && refs.length === 0) {
        process.stdout.write(
          values.json ? '{"removed":[],"failed":[]}\n' : `No build records on ${onBuilder.builder}.\n`,
        );
        return 0;
      }
    }
    if (verb === 'logs' && values.follow) {
      const step = typeof values.step === 'string' ? values.step : undefined;
      return await followLogs(core, refs[0] ?? '', { builder, step, json: values.json });
    }
    const out = await runVerb(
      core.router,
      verb as (typeof HISTORY_VERBS)[number],
      refs,
      { ...values, ...(all && values.from === undefined ? { from: 'buildkit' } : {}) },
      list,
    );
    if ('error' in out) return printError(out.error, { json: values.json });
    const raw = 'raw' in out && out.raw;
    if (raw && out.text === '') return 0;
    process.stdout.write(values.json && !raw ? `${JSON.stringify(out.value, null, 2)}\n` : `${out.text}\n`);
    return 0;
  } finally {
    await core.dispose();
  }
}
