import type { CacheMissCause, CacheMissExplanation, RecordStep } from '../../common/contracts/history';
import type { KeyValue } from './ports';

/** What the analysis needs of one run; every field but `id` and `steps` may be unknown. */
export interface RunEvidence {
  id: string;
  steps: RecordStep[];
  buildArgs?: KeyValue[] | undefined;
  /** Base images and other inputs with their resolved digests (provenance materials). */
  materials?: { uri: string; digests: string[] }[] | undefined;
  noCache?: boolean | undefined;
  noCacheFilter?: string[] | undefined;
  /** BuildDeck's content hashes of the context files it sent (absent: it did not start this run). */
  files?: { path: string; hash: string }[] | undefined;
  filesTruncated?: boolean | undefined;
  /** Where the facts came from, for the evidence lines ("BuildKit's record", "BuildDeck's record"). */
  source: string;
}

const MAX_FILES = 50;

/** `stage-0`..`stage-N` are the frontend's names for unnamed stages: compare them as unnamed. */
const stageKey = (s: RecordStep) => (s.stage && !/^stage-\d+$/.test(s.stage) ? s.stage : '');
const stepKey = (s: RecordStep) => `${s.lane}\u0000${stageKey(s)}\u0000${s.index ?? ''}`;
const executed = (s: RecordStep) => !s.cached && (s.state === 'done' || s.state === 'failed');

/**
 * Dockerfile steps in the order they ran. FROM steps are left out: BuildKit marks them cached or
 * not by whether the image was already loaded, not by a cache key; a changed base image shows as
 * the next step missing, and the materials name it.
 */
function ordered(steps: RecordStep[]): RecordStep[] {
  return steps
    .filter((s) => s.isStep && !/^FROM\s/i.test(s.title))
    .sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || (a.index ?? 0) - (b.index ?? 0));
}

/** `pkg:docker/local/busybox@latest?platform=linux%2Famd64` → `local/busybox:latest`. */
export function imageNameOf(uri: string): string | undefined {
  const m = /^pkg:docker\/([^@?]+)(?:@([^?]+))?/.exec(uri);
  if (!m) return undefined;
  const name = decodeURIComponent(m[1] as string);
  const version = m[2] ? decodeURIComponent(m[2]) : undefined;
  if (!version) return name;
  return version.startsWith('sha256:') ? `${name}@${version}` : `${name}:${version}`;
}

/** Sources of a COPY/ADD instruction (flags and the destination dropped); undefined for other instructions. */
export function copySources(title: string): string[] | undefined {
  const m = /^(COPY|ADD)\s+(.*)$/is.exec(title.trim());
  if (!m) return undefined;
  const rest = (m[2] as string).trim();
  if (rest.startsWith('[')) {
    try {
      const arr = JSON.parse(rest) as unknown;
      if (Array.isArray(arr)) return arr.slice(0, -1).map(String);
    } catch {
      // fall through to the shell form
    }
  }
  return rest
    .split(/\s+/)
    .filter((w) => !w.startsWith('--'))
    .slice(0, -1);
}

/** Does a context path fall under one of the COPY sources (`.`, `src/`, `*.txt`, `a.txt`)? */
function underSource(path: string, sources: string[]): boolean {
  return sources.some((raw) => {
    const src = raw.replace(/^\.\/+/, '').replace(/\/+$/, '');
    if (src === '' || src === '.') return true;
    if (/[*?[]/.test(src)) {
      const re = new RegExp(
        `^${src
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}(?:/.*)?$`,
      );
      return re.test(path);
    }
    return path === src || path.startsWith(`${src}/`);
  });
}

function diffFiles(before: { path: string; hash: string }[], after: { path: string; hash: string }[]) {
  const a = new Map(before.map((f) => [f.path, f.hash]));
  const b = new Map(after.map((f) => [f.path, f.hash]));
  const out: { path: string; change: 'added' | 'removed' | 'modified' }[] = [];
  for (const [path, hash] of b) {
    const old = a.get(path);
    if (old === undefined) out.push({ path, change: 'added' });
    else if (old !== hash) out.push({ path, change: 'modified' });
  }
  for (const path of a.keys()) if (!b.has(path)) out.push({ path, change: 'removed' });
  return out.sort((x, y) => x.path.localeCompare(y.path));
}

/** The part of two texts between their common prefix and suffix. */
function differingPart(a: string, b: string): [string, string] {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let q = 0;
  while (q < a.length - p && q < b.length - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  return [a.slice(p, a.length - q), b.slice(p, b.length - q)];
}

function diffArgs(before: KeyValue[], after: KeyValue[]) {
  const a = new Map(before.map((p) => [p.name, p.value]));
  const b = new Map(after.map((p) => [p.name, p.value]));
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names
    .filter((n) => a.get(n) !== b.get(n))
    .map((name) => ({
      name,
      ...(a.has(name) ? { before: a.get(name) as string } : {}),
      ...(b.has(name) ? { after: b.get(name) as string } : {}),
    }));
}

function diffImages(before: RunEvidence['materials'], after: RunEvidence['materials']) {
  const images = (list: RunEvidence['materials']) =>
    new Map(
      (list ?? [])
        .map((m) => [imageNameOf(m.uri), m.digests[0]] as const)
        .filter((e): e is readonly [string, string | undefined] => e[0] !== undefined),
    );
  const a = images(before);
  const b = images(after);
  const out: { name: string; before?: string; after?: string }[] = [];
  for (const [name, digest] of b) {
    const old = a.get(name);
    if (a.has(name) && old !== digest)
      out.push({ name, ...(old ? { before: old } : {}), ...(digest ? { after: digest } : {}) });
  }
  return out;
}

const show = (v: string | undefined) =>
  v === undefined ? 'unset' : JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);

/**
 * Why did the cache miss: finds the first Dockerfile step `current` executed that `earlier` had from
 * the cache, then lists every cause the data supports, most specific first. Pure: everything it
 * knows comes in the two RunEvidence values; what is missing from them becomes a `limits` line.
 */
export function explainCacheMiss(current: RunEvidence, earlier: RunEvidence | undefined): CacheMissExplanation {
  if (!earlier) {
    return {
      id: current.id,
      verdict: 'no-earlier-run',
      causes: [],
      limits: ['No earlier run of this build (same context, Dockerfile and target) is known.'],
    };
  }
  const limits: string[] = [];
  const before = new Map(ordered(earlier.steps).map((s) => [stepKey(s), s]));
  const beforeByIndex = new Map(ordered(earlier.steps).map((s) => [`${s.lane}\u0000${s.index ?? ''}`, s]));
  let miss: { now: RecordStep; then: RecordStep } | undefined;
  for (const now of ordered(current.steps)) {
    const then = before.get(stepKey(now)) ?? beforeByIndex.get(`${now.lane}\u0000${now.index ?? ''}`);
    if (then && then.cached && executed(now)) {
      miss = { now, then };
      break;
    }
  }
  if (!miss) {
    return {
      id: current.id,
      againstId: earlier.id,
      verdict: 'no-miss',
      causes: [],
      limits: current.steps.length === 0 || earlier.steps.length === 0 ? ['The steps of one run are not known.'] : [],
    };
  }
  const { now, then } = miss;
  const causes: CacheMissCause[] = [];

  if (current.noCache || (now.stage && current.noCacheFilter?.includes(now.stage))) {
    causes.push({
      kind: 'no-cache',
      summary: current.noCache
        ? 'The build ran with --no-cache: no step could come from the cache.'
        : `The build ran with --no-cache-filter for stage ${now.stage ?? ''}.`,
      evidence: [`Build configuration (${current.source})`],
    });
  }

  const args = current.buildArgs && earlier.buildArgs ? diffArgs(earlier.buildArgs, current.buildArgs) : undefined;
  if (!current.buildArgs || !earlier.buildArgs) limits.push('The build args of one run are not known.');

  if (now.title !== then.title) {
    // BuildKit names a step with its build args expanded: a changed value shows up in the text.
    // An arg left at its Dockerfile default is not in the record, so the differing part of the two
    // texts is compared with the values that are known (and tells the default).
    const [was, is] = differingPart(then.title, now.title);
    const explaining = (args ?? []).flatMap((a) => {
      if (
        a.before !== undefined &&
        a.after !== undefined &&
        a.before !== '' &&
        then.title.split(a.before).join(a.after) === now.title
      )
        return [a];
      if (a.after !== undefined && a.after !== '' && is === a.after && (a.before === undefined || a.before === was))
        return [{ ...a, before: was }];
      if (a.before !== undefined && a.before !== '' && was === a.before && a.after === undefined)
        return [{ ...a, after: is }];
      return [];
    });
    if (explaining.length > 0) {
      causes.push(argCause(explaining, current, earlier));
    } else {
      causes.push({
        kind: 'instruction-changed',
        summary: `The instruction changed: "${then.title}" became "${now.title}".`,
        evidence: ['Step names of both runs (BuildKit names each step with its instruction)'],
        instruction: { before: then.title, after: now.title },
      });
    }
  } else if (args && args.length > 0 && !/^(FROM|COPY|ADD)\b/i.test(now.title)) {
    causes.push(argCause(args, current, earlier));
  }

  // The missed step itself, or a COPY/ADD before it in the same lane and stage: a COPY can be a
  // cache hit from an even older build and still hand the next step other content than last time.
  const copies = ordered(current.steps).filter(
    (st) =>
      st.lane === now.lane &&
      stageKey(st) === stageKey(now) &&
      (st.index ?? 0) <= (now.index ?? 0) &&
      copySources(st.title) !== undefined,
  );
  if (copies.length > 0) {
    if (current.files && earlier.files) {
      const all = diffFiles(earlier.files, current.files);
      let named = false;
      for (const copy of copies) {
        const sources = copySources(copy.title) ?? [];
        const changed = all.filter((f) => underSource(f.path, sources));
        if (changed.length === 0) continue;
        named = true;
        const what =
          changed.length === 1
            ? `${changed[0]?.path ?? ''} was ${changed[0]?.change ?? 'changed'}`
            : `${changed.length} files changed (${changed
                .slice(0, 3)
                .map((f) => f.path)
                .join(', ')}${changed.length > 3 ? ', ...' : ''})`;
        causes.push({
          kind: 'files-changed',
          summary:
            copy.id === now.id
              ? `${what} in the build context.`
              : `${what} in the build context: "${copy.title}" hands this step other content than last time.`,
          evidence: [
            `BuildDeck's content hashes of the context files sent: ${earlier.files.length} (earlier run), ${current.files.length} (this run)`,
          ],
          files: changed.slice(0, MAX_FILES),
          ...(changed.length > MAX_FILES ? { filesTruncated: true } : {}),
        });
      }
      if (!named && (current.filesTruncated || earlier.filesTruncated)) {
        limits.push('The context had more files than BuildDeck hashes per build: a changed file may be unlisted.');
      }
    } else {
      limits.push(
        'BuildDeck has no content hashes of the context for one of the runs (it did not start it, or it is older than the newest few of this folder): changed files cannot be named.',
      );
    }
  }

  if (current.materials && earlier.materials) {
    const images = diffImages(earlier.materials, current.materials);
    for (const image of images) {
      causes.push({
        kind: 'base-image-changed',
        summary: `The base image ${image.name} resolved to another digest${image.before && image.after ? ` (${image.before.slice(0, 19)} → ${image.after.slice(0, 19)})` : ''}.`,
        evidence: ['Resolved inputs (provenance materials) of both runs'],
        image,
      });
    }
  } else {
    limits.push('The resolved base image digests of one run are not known.');
  }

  if (causes.length === 0) {
    causes.push({
      kind: 'unknown',
      summary:
        'Nothing recorded explains it: the cache may have been pruned or evicted, the runs used different builders or platforms, or an input BuildDeck cannot see changed (a secret, a remote file, a cache mount).',
      evidence: ['Step names, build args, configuration and resolved inputs of both runs are equal'],
    });
  }
  return {
    id: current.id,
    againstId: earlier.id,
    verdict: causes[0]?.kind === 'unknown' ? 'unexplained' : 'explained',
    firstMiss: {
      stepId: now.id,
      name: now.name,
      lane: now.lane,
      earlierStepId: then.id,
      earlierName: then.name,
    },
    causes,
    limits,
  };
}

function argCause(
  args: { name: string; before?: string; after?: string }[],
  current: RunEvidence,
  earlier: RunEvidence,
): CacheMissCause {
  return {
    kind: 'build-arg-changed',
    summary:
      args.length === 1
        ? `Build arg ${args[0]?.name ?? ''} changed from ${show(args[0]?.before)} to ${show(args[0]?.after)}.`
        : `Build args changed: ${args.map((a) => a.name).join(', ')}.`,
    evidence: [`Build args of both runs (${earlier.source}; ${current.source})`],
    args,
  };
}
