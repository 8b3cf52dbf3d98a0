import './one-shot';
import { existsSync } from 'node:fs';
import type { BuildSnapshot, BuildSummary, Step } from '../common/contracts/builds';
import type { AppError, Result } from '../common/errors';
import { applyProgress, createBuildSnapshot, logLineAt } from '../common/progress';
import { createBuildRun, type BuildRun } from '../composition/build-run';
import { parseBuildArgs } from './build-flags';
import { followRun } from './follow';
import { printError } from './format';

/**
 * `builddeck build DIR ...`: builds.start from a terminal, through the same core, contract and
 * reducer as the app. With --json, stdout is NDJSON: every normalised event (each has a `type`),
 * then one `{"type":"summary", ...}` line. Exit code 0 only when the build succeeded.
 */
export const BUILD_USAGE_LINES = `  build DIR          Build a context folder (see \`builddeck build --help\`)`;

const USAGE = `Usage:
  builddeck build DIR [OPTIONS]

The options of \`docker buildx build\` BuildDeck supports, with the same names:
  -f, --file FILE          Dockerfile (from the working directory, or relative to DIR; default: auto-detected)
      --builder B          buildx builder (default: the current one)
      --platform P,...     Target platforms, comma-separated or repeated (several need a docker-container builder)
      --target T           Dockerfile stage to build
  -t, --tag T              Image name and tag; may repeat
      --build-arg K=V      Build argument; may repeat (K alone takes the value from the environment)
      --no-cache           Do not use the cache
      --pull               Always pull base images
      --push               Push the image (--output type=registry)
      --load               Load the image into Docker (--output type=docker)
  -o, --output SPEC        type=local|oci|docker[,dest=PATH], type=registry, type=image,push=true, type=cacheonly, or a folder
      --cache-from SPEC    type=registry,ref=REF | type=local,src=DIR | REF; may repeat
      --cache-to SPEC      type=registry,ref=REF[,mode=max] | type=local,dest=DIR[,mode=max] | type=inline; may repeat
      --secret SPEC        id=ID,src=FILE | id=ID,env=VAR; may repeat (values are never read or stored)
      --ssh SPEC           default | ID=PATH[,PATH]; may repeat
      --label K=V          Image label; may repeat
      --network MODE       default, none or host
      --metadata-file F    Also write buildx's metadata (digest, image name, BuildKit ref) to F
      --iidfile F          Write the image ID to F
      --add-host H:IP      Extra /etc/hosts entry of RUN steps (IP may be host-gateway); may repeat
      --shm-size SIZE      Size of /dev/shm in RUN steps (e.g. 512m, 2g)
      --ulimit N=S[:H]     Resource limit of RUN steps (e.g. nofile=1024:2048); may repeat
      --no-cache-filter S  Build these stages without the cache, comma-separated or repeated
      --build-context N=V  Named context: a folder, docker-image://REF, oci-layout://PATH or a URL; may repeat
      --provenance X       true, false, mode=min or mode=max
      --sbom X             true or false
      --attest SPEC        type=provenance[,mode=min|max] or type=sbom, [,disabled=true] (as --provenance/--sbom); may repeat
      --annotation A       OCI annotation [TYPE[,TYPE][PLATFORM]:]KEY=VALUE (TYPE: manifest, index, ...); may repeat
      --allow E            Entitlement of RUN steps: network.host or security.insecure (the builder must grant it); may repeat
      --cgroup-parent P    Parent cgroup of RUN steps
      --call METHOD        Ask the Dockerfile's frontend instead of building: check, outline, targets
                           (,format=json as buildx takes it); prints what buildx prints, exits as it does
      --check              Shorthand for --call=check (lint the Dockerfile; exit 1 when it warns)
  -q, --quiet              No progress; print the image ID once built
      --progress X         Accepted and ignored (BuildDeck prints its own progress)
BuildDeck's own:
      --dry-run            Print the docker buildx build command BuildDeck would run, and exit
      --json               NDJSON events on stdout, then one {"type":"summary"} line
Other buildx options (--debug, --policy) are refused by name: run docker buildx build for them.
Exit codes: 0 success, 1 build failed or cancelled, 2 usage error or invalid input.
Ctrl+C cancels the build (BuildKit stops the solve).`;

export async function runBuildCli(argv: string[]): Promise<number> {
  const parsed = parseBuildArgs(argv, { cwd: process.cwd(), env: process.env, exists: existsSync });
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'usage') {
    process.stderr.write(`builddeck build: ${parsed.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.kind === 'unsupported') {
    process.stderr.write(
      `builddeck build: ${parsed.message}\nRun \`builddeck build --help\` for the options BuildDeck takes.\n`,
    );
    return 2;
  }
  for (const note of parsed.notes) process.stderr.write(`builddeck build: note: ${note}\n`);
  const { input } = parsed;
  const json = parsed.json;
  // Only the build service and its adapters (composition/build-run.ts): buildx starts sooner.
  const run = createBuildRun({ oneShot: true });
  try {
    if (parsed.call !== undefined) return await callFrontend(run, input, parsed.call, parsed.dryRun);
    if (parsed.dryRun) return await printCommand(run.call('builds.commandLine', input), json);
    return await followBuild(run, input, json ? 'json' : parsed.quiet ? 'quiet' : 'human');
  } finally {
    await run.dispose();
  }
}

async function followBuild(run: BuildRun, input: unknown, mode: 'json' | 'quiet' | 'human'): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const json = mode === 'json';
  let snapshot: BuildSnapshot | undefined;
  const human = new HumanPrinter((s) => process.stderr.write(s));
  const outcome = await followRun(run, 'build', {
    start: async () => {
      const r = await run.call('builds.start', input);
      return r.ok ? { ok: true, value: r.value.buildId } : r;
    },
    cancel: (buildId) => run.call('builds.cancel', { buildId }),
    onStart: (buildId) => (snapshot = createBuildSnapshot(buildId)),
    onBatch: (batch) => {
      if (!snapshot) return;
      const skip = Math.max(0, snapshot.eventCount - batch.firstIndex);
      const next = applyProgress(snapshot, batch);
      if (json) for (const e of batch.events.slice(skip)) out(JSON.stringify(e));
      else if (mode === 'human') human.update(snapshot, next.snapshot);
      snapshot = next.snapshot;
    },
  });
  if ('error' in outcome) return reportError(outcome.error, json);
  const { summary } = outcome;
  if (json) out(JSON.stringify(summary));
  else if (mode === 'quiet') {
    // As `buildx build -q`: stdout is the image ID alone (the config digest; the image's digest when
    // the exporter reported no config); a failure still says what and where.
    const id = summary.imageId ?? summary.digest;
    if (summary.ok && id) out(id);
    else if (!summary.ok && !summary.cancelled && snapshot) human.failure(snapshot);
  } else if (snapshot) human.summary(snapshot, summary);
  return summary.ok ? 0 : 1;
}

/**
 * `--call METHOD` / `--check`: buildx's own answer, printed as it printed it (its stdout on stdout,
 * its progress and errors on stderr), with its exit code. `--dry-run` prints the command: buildx
 * takes the flag after the context folder as well (METHOD's characters need no shell quoting).
 */
async function callFrontend(run: BuildRun, input: unknown, call: string, dryRun: boolean): Promise<number> {
  if (dryRun) {
    const r = await run.call('builds.commandLine', input);
    return printCommand(
      Promise.resolve(r.ok ? { ok: true, value: { text: `${r.value.text} --call=${call}` } } : r),
      false,
    );
  }
  const r = await run.call('builds.call', { request: input, call });
  if (!r.ok) return reportError(r.error, false);
  process.stderr.write(r.value.stderr);
  process.stdout.write(r.value.stdout);
  return r.value.exitCode;
}

/** A build's or bake's error: with --json, one more NDJSON event of the stream. */
export function reportError(e: AppError, json: boolean): number {
  return printError(e, { json: json ? 'event' : false });
}

/** `--dry-run`: the command BuildDeck would run, from the same contract command the form uses. */
export async function printCommand(answer: Promise<Result<{ text: string }>>, json: boolean): Promise<number> {
  const r = await answer;
  if (!r.ok) return reportError(r.error, json);
  process.stdout.write(json ? `${JSON.stringify(r.value)}\n` : `${r.value.text}\n`);
  return 0;
}

/** Terminal output: one line per step as it starts and ends, its output indented, the failure last. */
export class HumanPrinter {
  constructor(private readonly write: (s: string) => void) {}

  /** What changed between two snapshots: step states and new log lines; `prefix` names a bake target. */
  update(before: BuildSnapshot, after: BuildSnapshot, prefix = ''): void {
    const multi = after.lanes.filter((l) => l.kind === 'platform').length > 1;
    for (const step of Object.values(after.steps)) {
      const prev = before.steps[step.id];
      if (prev === step) continue;
      if (step.state !== prev?.state && step.state !== 'queued')
        this.write(`${prefix}${label(step, multi)} ${stateText(step)}\n`);
    }
    for (let i = before.log.length + before.log.dropped; i < after.log.length + after.log.dropped; i++) {
      const line = logLineAt(after.log, i - after.log.dropped);
      if (line) this.write(`${prefix}    ${line.text}\n`);
    }
  }

  /** The error block of a failed build (or bake target): message, file and line, snippet, hint. */
  failure(s: BuildSnapshot, title = 'ERROR'): void {
    if (!s.error) return;
    this.write(`\n${title}: ${s.error.message}\n`);
    if (s.error.file) this.write(`${s.error.file}${s.error.line !== undefined ? `:${s.error.line}` : ''}\n`);
    for (const l of s.error.snippet)
      this.write(`${String(l.line).padStart(4)} | ${l.marked ? '>>>' : '   '} ${l.text}\n`);
    if (s.error.hint) this.write(`hint: ${s.error.hint}\n`);
  }

  /** One line per platform: ok/FAIL (stop: cancelled), steps, cache hits, wall time, the lane's error. */
  platforms(platforms: BuildSummary['platforms'], prefix = '', cancelled = false): void {
    for (const p of platforms) {
      const ratio = p.cacheHitRatio === null ? '' : ` (${Math.round(p.cacheHitRatio * 100)}% cached)`;
      this.write(
        `${p.ok ? 'ok  ' : cancelled ? 'stop' : 'FAIL'} ${prefix}${p.platform}: ${p.steps} steps, ${p.cachedSteps} cached${ratio}, ${(p.durationMs / 1000).toFixed(1)}s${p.error ? ` - ${p.error}` : ''}\n`,
      );
    }
  }

  summary(s: BuildSnapshot, summary: BuildSummary): void {
    if (!summary.ok && !summary.cancelled) this.failure(s);
    this.platforms(summary.platforms);
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
