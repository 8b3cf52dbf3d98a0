import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BuildEvent, BuildSnapshot, BuildSummary, Step } from '../common/contracts/builds';
import type { AppError } from '../common/errors';
import { applyProgress, createBuildSnapshot, logLineAt } from '../common/progress';
import { createCore } from '../composition/create-core';

/**
 * `builddeck build DIR ...`: builds.start from a terminal, through the same core, contract and
 * reducer as the app. With --json, stdout is NDJSON: every normalised event (each has a `type`),
 * then one `{"type":"summary", ...}` line. Exit code 0 only when the build succeeded.
 */
export const BUILD_USAGE_LINES = `  build DIR          Build a context folder (see \`builddeck build --help\`)`;

const USAGE = `Usage:
  builddeck build DIR [-f FILE] [--builder B] [--platform P,...] [--target T] [--tag T]...
                      [--build-arg K=V]... [--json]

  -f, --file FILE      Dockerfile (relative to DIR or absolute; default: auto-detected)
  --builder B          buildx builder (default: the current one)
  --platform P,...     Target platforms, comma-separated or repeated (several need a docker-container builder)
  --target T           Dockerfile stage to build
  -t, --tag T          Image name and tag; may repeat
  --build-arg K=V      Build argument; may repeat (K alone takes the value from the environment)
  --json               NDJSON events on stdout, then one {"type":"summary"} line
Exit codes: 0 success, 1 build failed or cancelled, 2 usage error or invalid input.
Ctrl+C cancels the build (BuildKit stops the solve).`;

export async function runBuildCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        file: { type: 'string', short: 'f' },
        builder: { type: 'string' },
        platform: { type: 'string', multiple: true },
        target: { type: 'string' },
        tag: { type: 'string', short: 't', multiple: true },
        'build-arg': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`builddeck build: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`builddeck build: give exactly one context folder\n\n${USAGE}\n`);
    return 2;
  }
  const buildArgs: Record<string, string> = {};
  // `--build-arg K` alone: buildx reads K from the environment, so its value stays off every argv.
  const envBuildArgs: string[] = [];
  for (const kv of values['build-arg'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq >= 0) {
      buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
      continue;
    }
    if (process.env[kv] === undefined) {
      process.stderr.write(`builddeck build: --build-arg ${kv} has no value and ${kv} is not set in the environment\n`);
      return 2;
    }
    envBuildArgs.push(kv);
  }
  const input = {
    contextDir: resolve(positionals[0] as string),
    ...(values.file ? { dockerfile: values.file } : {}),
    ...(values.builder ? { builder: values.builder } : {}),
    platforms: (values.platform ?? [])
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean),
    tags: values.tag ?? [],
    buildArgs,
    ...(envBuildArgs.length > 0 ? { envBuildArgs } : {}),
    ...(values.target ? { target: values.target } : {}),
  };

  const json = values.json;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const core = createCore({});
  let buildId: string | undefined;
  let snapshot: BuildSnapshot | undefined;
  const early: { buildId: string; firstIndex: number; events: BuildEvent[] }[] = [];
  const human = new HumanPrinter((s) => process.stderr.write(s));
  let finish: (summary: BuildSummary) => void = () => undefined;
  const finished = new Promise<BuildSummary>((r) => (finish = r));

  const onBatch = (batch: { firstIndex: number; events: BuildEvent[] }) => {
    if (!snapshot) return;
    const skip = Math.max(0, snapshot.eventCount - batch.firstIndex);
    const next = applyProgress(snapshot, batch);
    if (json) for (const e of batch.events.slice(skip)) out(JSON.stringify(e));
    else human.update(snapshot, next.snapshot);
    snapshot = next.snapshot;
  };
  const unsubscribe = core.events.subscribe((event, payload) => {
    if (event === 'build.progressed') {
      const p = payload;
      if (buildId === undefined) early.push(p);
      else if (p.buildId === buildId) onBatch(p);
    } else if (event === 'build.finished') {
      const p = payload;
      if (p.buildId === buildId) finish(p.summary);
    }
  });
  let interrupted = false;
  const onSigint = () => {
    if (!buildId || interrupted) return;
    interrupted = true;
    process.stderr.write('\nCancelling the build…\n');
    void core.router.call('builds.cancel', { buildId });
  };
  process.on('SIGINT', onSigint);
  try {
    const started = await core.router.callUnchecked('builds.start', input);
    if (!started.ok) return reportError(started.error, json);
    buildId = started.value.buildId;
    snapshot = createBuildSnapshot(buildId);
    for (const b of early.splice(0)) if (b.buildId === buildId) onBatch(b);
    const summary = await finished;
    if (json) out(JSON.stringify(summary));
    else human.summary(snapshot, summary);
    return summary.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
    await core.dispose();
  }
}

function reportError(e: AppError, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify({ type: 'error', error: e })}\n`);
  process.stderr.write(`builddeck: ${e.code}: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
  return e.code === 'INVALID_INPUT' ? 2 : 1;
}

/** Terminal output: one line per step as it starts and ends, its output indented, the failure last. */
class HumanPrinter {
  constructor(private readonly write: (s: string) => void) {}

  update(before: BuildSnapshot, after: BuildSnapshot): void {
    const multi = after.lanes.filter((l) => l.kind === 'platform').length > 1;
    for (const step of Object.values(after.steps)) {
      const prev = before.steps[step.id];
      if (prev === step) continue;
      if (step.state !== prev?.state && step.state !== 'queued')
        this.write(`${label(step, multi)} ${stateText(step)}\n`);
    }
    for (let i = before.log.length + before.log.dropped; i < after.log.length + after.log.dropped; i++) {
      const line = logLineAt(after.log, i - after.log.dropped);
      if (line) this.write(`    ${line.text}\n`);
    }
  }

  summary(s: BuildSnapshot, summary: BuildSummary): void {
    if (s.error && !summary.ok && !summary.cancelled) {
      this.write(`\nERROR: ${s.error.message}\n`);
      if (s.error.file) this.write(`${s.error.file}${s.error.line !== undefined ? `:${s.error.line}` : ''}\n`);
      for (const l of s.error.snippet)
        this.write(`${String(l.line).padStart(4)} | ${l.marked ? '>>>' : '   '} ${l.text}\n`);
      if (s.error.hint) this.write(`hint: ${s.error.hint}\n`);
    }
    for (const p of summary.platforms) {
      const ratio = p.cacheHitRatio === null ? '' : ` (${Math.round(p.cacheHitRatio * 100)}% cached)`;
      this.write(
        `${p.ok ? 'ok  ' : 'FAIL'} ${p.platform}: ${p.steps} steps, ${p.cachedSteps} cached${ratio}, ${(p.durationMs / 1000).toFixed(1)}s${p.error ? ` - ${p.error}` : ''}\n`,
      );
    }
    const result = summary.cancelled ? 'Cancelled' : summary.ok ? 'Built' : 'Failed';
    this.write(
      `${result} in ${(summary.durationMs / 1000).toFixed(1)}s${summary.digest ? ` ${summary.digest}` : ''}${summary.imageName ? ` (${summary.imageName})` : ''}\n`,
    );
  }
}

function label(step: Step, multi: boolean): string {
  const parts = [
    multi && step.platform ? step.platform : '',
    step.stage ?? '',
    step.index !== undefined ? `${step.index}/${step.total ?? '?'}` : '',
    step.internal ? 'internal' : '',
  ].filter(Boolean);
  return parts.length > 0 ? `[${parts.join(' ')}] ${step.title}` : step.title;
}

function stateText(step: Step): string {
  switch (step.state) {
    case 'running':
      return '…';
    case 'cached':
      return 'CACHED';
    case 'done':
      return `DONE ${((step.durationMs ?? 0) / 1000).toFixed(1)}s`;
    case 'failed':
      return `ERROR: ${step.error ?? ''}`;
    case 'cancelled':
      return 'CANCELLED';
    case 'queued':
      return '';
  }
}
