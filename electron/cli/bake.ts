import './one-shot';
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BAKE_LIST_PATTERN, type BakeProject, type BakeSnapshot, type BakeSummary } from '../common/contracts/bake';
import { applyBakeProgress, bakeTargetNames, createBakeSnapshot, createBuildSnapshot } from '../common/progress';
import { createCore } from '../composition/create-core';
import { DEFAULT_DEFINITION_FILES } from '../core/bake/project';
import { HumanPrinter, printCommand, reportError } from './build';
import { bakeAttestOverride, unsupportedFlag } from './build-flags';
import { followRun } from './follow';

/**
 * `builddeck bake [DIR] [TARGET...]`: bake.start from a terminal, through the same core, contract
 * and reducer as the app. With --json, stdout is NDJSON: every bake event (vertex, log... each
 * tagged with its `target`), then one `{"type":"summary","ok","targets":[...]}` line.
 */
export const BAKE_USAGE_LINES = `  bake [DIR] [TARGET...]  Build a bake or compose project (see \`builddeck bake --help\`)`;

const USAGE = `Usage:
  builddeck bake [DIR] [TARGET|GROUP...] [OPTIONS]

DIR is the project folder (default: the working directory); no target runs the default group.
The options of \`docker buildx bake\` BuildDeck supports, with the same names:
  -f, --file FILE          Definition file (docker-bake.hcl, compose.yaml...); may repeat
      --set T.KEY=VALUE    Override a target value (e.g. app.tags=name:dev, *.platform=linux/arm64); may repeat
      --var NAME=VALUE     Set a variable of the definition (also read from the environment); may repeat
      --builder B          buildx builder (default: the current one)
      --platform P,...     Build every target for these platforms (--set *.platform=...)
      --no-cache           Do not use the cache
      --pull               Always pull base images
      --push               Push every target (--set *.output=type=registry)
      --load               Load every target into Docker (--set *.output=type=docker)
      --metadata-file F    Also write buildx's metadata (per target: digest, image, BuildKit ref) to F
      --provenance X       true, false, mode=min or mode=max (--set *.attest=type=provenance,...)
      --sbom X             true or false (--set *.attest=type=sbom,...)
      --allow ENTITLEMENT  Grant what the definition asks for (network.host, security.insecure, ssh,
                           fs=PATH, fs.read=PATH, fs.write=PATH, device[=NAME]); may repeat.
                           A bake that asks for more is refused before it starts, naming what to allow.
      --print              Print the definition as buildx resolves it for these options, and exit
      --list=WHAT          Print buildx's list: targets, variables, type=targets,format=json ...
      --progress X         Accepted and ignored (BuildDeck prints its own progress)
BuildDeck's own:
      --list               Show the project's groups and targets as buildx resolves them, and exit
      --dry-run            Print the docker buildx bake command BuildDeck would run, and exit
      --json               NDJSON events on stdout, then one {"type":"summary"} line
Exit codes: 0 success, 1 a target failed or the bake was cancelled, 2 usage error or invalid input.
Ctrl+C cancels the whole bake.`;

const UNSUPPORTED_BAKE_FLAGS = ['call', 'check', 'debug', 'policy'] as const;

const OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  set: { type: 'string', multiple: true },
  var: { type: 'string', multiple: true },
  builder: { type: 'string' },
  platform: { type: 'string', multiple: true },
  'no-cache': { type: 'boolean' },
  pull: { type: 'boolean' },
  push: { type: 'boolean' },
  load: { type: 'boolean' },
  'metadata-file': { type: 'string' },
  provenance: { type: 'string' },
  sbom: { type: 'string' },
  progress: { type: 'string' },
  allow: { type: 'string', multiple: true },
  print: { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
  // buildx's `--list=WHAT` (see listArgument): parseArgs has no option with an optional value.
  'list-as': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const hasDefinition = (dir: string) => {
  try {
    const names = readdirSync(dir);
    return DEFAULT_DEFINITION_FILES.some((f) => names.includes(f));
  } catch {
    return false;
  }
};
const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * `[DIR] [TARGET...]`: the first word is the project folder when it reads as a path (`.`, `./x`,
 * `/abs`, `a/b`), or when it is a folder with a definition and the working directory has none.
 * Otherwise it is a target: compose projects often have a folder named like a service.
 */
export function splitPositionals(positionals: readonly string[], cwd: string): { dir: string; targets: string[] } {
  const [first, ...rest] = positionals;
  if (first !== undefined) {
    const full = resolve(cwd, first);
    const looksLikePath = first === '.' || first === '..' || /[\\/]/.test(first) || isAbsolute(first);
    if (isDir(full) && (looksLikePath || (hasDefinition(full) && !hasDefinition(cwd))))
      return { dir: full, targets: rest };
  }
  return { dir: cwd, targets: [...positionals] };
}

/**
 * `--list` alone is BuildDeck's project overview; `--list=WHAT` and `--list WHAT` (a value buildx's
 * `--list` takes: targets, variables, type=...,format=...) are buildx's listing, printed as buildx
 * prints it. buildx reads the word after `--list` as its value, so BuildDeck does too.
 */
export function listArgument(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (arg.startsWith('--list=')) out.push(`--list-as=${arg.slice('--list='.length)}`);
    else if (arg === '--list' && next !== undefined && BAKE_LIST_PATTERN.test(next)) {
      out.push(`--list-as=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export async function runBakeCli(argv: string[]): Promise<number> {
  const refused = unsupportedFlag(argv, UNSUPPORTED_BAKE_FLAGS, { D: 'debug' }, 'buildx bake');
  if (refused) {
    process.stderr.write(
      `builddeck bake: ${refused}\nRun \`builddeck bake --help\` for the options BuildDeck takes.\n`,
    );
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: listArgument(argv), allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    process.stderr.write(`builddeck bake: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cwd = process.cwd();
  const { dir, targets } = splitPositionals(parsed.positionals, cwd);
  const variables: Record<string, string> = {};
  for (const kv of v.var ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`builddeck bake: --var ${kv}: give NAME=VALUE\n`);
      return 2;
    }
    variables[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const json = v.json;
  if (v.progress !== undefined)
    process.stderr.write(
      `builddeck bake: note: --progress=${v.progress} is ignored: BuildDeck ${json ? 'prints NDJSON events (--json)' : 'prints its own step lines'}.\n`,
    );
  // As buildx does: the shorthands become `*.attest` overrides after the user's own --set.
  const overrides = [...(v.set ?? [])];
  try {
    if (v.provenance !== undefined) overrides.push(bakeAttestOverride('provenance', v.provenance));
    if (v.sbom !== undefined) overrides.push(bakeAttestOverride('sbom', v.sbom));
  } catch (err) {
    process.stderr.write(`builddeck bake: ${(err as Error).message}\n`);
    return 2;
  }
  const definition = { projectDir: dir, files: v.file ?? [], overrides, variables };
  if (v.list) return listProject(definition, json);
  const input = {
    ...definition,
    targets,
    ...(v.builder !== undefined ? { builder: v.builder } : {}),
    platforms: (v.platform ?? [])
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean),
    ...(v['no-cache'] ? { noCache: true } : {}),
    ...(v.pull ? { pull: true } : {}),
    ...(v.push ? { push: true } : {}),
    ...(v.load ? { load: true } : {}),
    ...(v['metadata-file'] !== undefined ? { metadataFile: resolve(cwd, v['metadata-file']) } : {}),
    ...(v.allow ? { allow: v.allow } : {}),
  };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const core = createCore({ oneShot: true });
  if (v.print || v['list-as'] !== undefined) {
    try {
      const list = v['list-as'];
      const r = await core.router.callUnchecked('bake.print', { ...input, ...(list !== undefined ? { list } : {}) });
      if (!r.ok) return reportError(r.error, json);
      // buildx's own text, as it prints it (its JSON ends without a newline).
      process.stdout.write(r.value.text.endsWith('\n') ? r.value.text : `${r.value.text}\n`);
      return 0;
    } finally {
      await core.dispose();
    }
  }
  if (v['dry-run']) {
    try {
      return await printCommand(core.router.callUnchecked('bake.commandLine', input), json);
    } finally {
      await core.dispose();
    }
  }
  let snapshot: BakeSnapshot | undefined;
  const human = new HumanPrinter((s) => process.stderr.write(s));
  try {
    const outcome = await followRun(core, 'bake', {
      start: async () => {
        const r = await core.router.callUnchecked('bake.start', input);
        return r.ok ? { ok: true, value: r.value.bakeId } : r;
      },
      cancel: (bakeId) => core.router.call('bake.cancel', { bakeId }),
      onStart: (bakeId) => (snapshot = createBakeSnapshot(bakeId)),
      onBatch: (batch) => {
        if (!snapshot) return;
        const skip = Math.max(0, snapshot.eventCount - batch.firstIndex);
        const next = applyBakeProgress(snapshot, batch).snapshot;
        if (json) for (const e of batch.events.slice(skip)) out(JSON.stringify(e));
        else {
          const width = Math.max(0, ...bakeTargetNames(next).map((t) => t.length));
          for (const t of bakeTargetNames(next)) {
            const before = snapshot.targets[t];
            const after = next.targets[t];
            if (after && before !== after)
              human.update(before ?? createBuildSnapshot(t), after, `${t.padEnd(width)} | `);
          }
        }
        snapshot = next;
      },
    });
    if ('error' in outcome) return reportError(outcome.error, json);
    const { summary } = outcome;
    if (json) out(JSON.stringify(summary));
    else if (snapshot) printSummary(human, snapshot, summary);
    return summary.ok ? 0 : 1;
  } finally {
    await core.dispose();
  }
}

function printSummary(human: HumanPrinter, s: BakeSnapshot, summary: BakeSummary): void {
  for (const t of summary.targets) {
    const ts = s.targets[t.target];
    if (ts && !t.ok && !t.cancelled) human.failure(ts, `ERROR in ${t.target}`);
  }
  if (!summary.ok && !summary.cancelled && summary.targets.every((t) => t.ok || t.cancelled)) human.failure(s.general);
  process.stderr.write('\n');
  const width = Math.max(0, ...summary.targets.map((t) => t.target.length));
  for (const t of summary.targets) {
    if (t.platforms.length === 0) process.stderr.write(`FAIL ${t.target}: ${t.error ?? t.status}\n`);
    human.platforms(t.platforms, `${t.target.padEnd(width)} `, t.cancelled);
    if (t.cancelled) process.stderr.write(`     ${t.target.padEnd(width)} cancelled${stopReason(s, t.target)}\n`);
  }
  const failed = summary.targets.filter((t) => !t.ok && !t.cancelled).map((t) => t.target);
  const secs = (summary.durationMs / 1000).toFixed(1);
  process.stderr.write(
    summary.cancelled
      ? `Cancelled after ${secs}s\n`
      : summary.ok
        ? `Baked ${summary.targets.length} ${summary.targets.length === 1 ? 'target' : 'targets'} in ${secs}s\n`
        : `Failed in ${secs}s${failed.length > 0 ? `: ${failed.join(', ')} (${failed.length} of ${summary.targets.length} targets)` : ''}\n`,
  );
}

/** Why a target was stopped, when the bake said (another target failed). */
function stopReason(s: BakeSnapshot, target: string): string {
  const why = s.targets[target]?.messages.find((m) => m.startsWith('Stopped when'));
  return why ? `: ${why}` : '';
}

async function listProject(
  definition: { projectDir: string; files: string[]; overrides: string[]; variables: Record<string, string> },
  json: boolean,
): Promise<number> {
  const core = createCore({ oneShot: true });
  try {
    const r = await core.router.callUnchecked('bake.inspect', definition);
    if (!r.ok) return reportError(r.error, json);
    process.stdout.write(json ? `${JSON.stringify(r.value)}\n` : formatProject(r.value));
    return 0;
  } finally {
    await core.dispose();
  }
}

function formatProject(p: BakeProject): string {
  const lines = [`${p.projectDir} (${p.files.map((f) => f.replace(`${p.projectDir}/`, '')).join(', ')})`, ''];
  for (const g of p.groups) lines.push(`group ${g.name}: ${g.targets.join(', ')}`);
  if (p.groups.length > 0) lines.push('');
  for (const t of p.targets) {
    const bits = [
      t.contextPath ? t.context : `${t.context} (remote)`,
      t.dockerfileInline ? 'inline Dockerfile' : (t.dockerfile ?? 'Dockerfile'),
      t.target ? `stage ${t.target}` : '',
      t.platforms.length > 0 ? t.platforms.join(',') : '',
      t.tags.join(' '),
    ].filter(Boolean);
    lines.push(`target ${t.name}: ${bits.join(' | ')}`);
    if (t.problem)
      lines.push(
        `  problem: ${t.problem.message}${t.problem.file ? ` (${t.problem.file}${t.problem.line ? `:${t.problem.line}` : ''})` : ''}`,
      );
  }
  if (p.variables.length > 0) lines.push('', ...p.variables.map((x) => `variable ${x.name}=${x.value ?? ''}`));
  if (!p.complete) lines.push('', 'buildx < 0.20 lists only the default group.');
  return `${lines.join('\n')}\n`;
}
