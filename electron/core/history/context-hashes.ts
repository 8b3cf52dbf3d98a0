import type { BuildFsPort } from '../builds/ports';
import { parseDockerignore } from '../builds/dockerignore';
import type { RecordedContext } from './ports';
import { joinPath } from '../../common/validation';

/** Caps per build: the hash list is for naming changed files, not an archive of the context. */
export const CONTEXT_HASH_LIMITS = {
  maxFiles: 2000,
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxDockerfileChars: 64 * 1024,
  timeoutMs: 20_000,
};

/** sha256 prefix kept per file: 64 bits tell two versions of one path apart. */
const HASH_CHARS = 16;

/**
 * What a build sent, as BuildDeck can see it: the context's files after .dockerignore (the same
 * rules the context check uses) with a content hash each, and the Dockerfile's text. Bounded by
 * CONTEXT_HASH_LIMITS; `truncated` says when the list is partial.
 */
export async function recordContext(
  fs: BuildFsPort,
  contextDir: string,
  dockerfile: string,
  limits = CONTEXT_HASH_LIMITS,
): Promise<RecordedContext> {
  const dockerfileText = await fs.readText(dockerfile, limits.maxDockerfileChars * 4);
  const ignoreText =
    (await fs.readText(`${dockerfile}.dockerignore`, 1024 * 1024)) ??
    (await fs.readText(joinPath(contextDir, '.dockerignore'), 1024 * 1024));
  const matcher = parseDockerignore(ignoreText ?? '');
  const started = Date.now();
  const walk = await fs.walk(contextDir, {
    ignored: (rel, isDir) => matcher.ignored(rel, isDir),
    mayReincludeUnder: (rel) => matcher.mayReincludeUnder(rel),
    maxEntries: limits.maxFiles * 20,
    timeoutMs: limits.timeoutMs,
  });
  let truncated = walk.truncated || walk.files.length > limits.maxFiles;
  const files: RecordedContext['files'] = [];
  let total = 0;
  for (const f of [...walk.files].sort((a, b) => a.path.localeCompare(b.path)).slice(0, limits.maxFiles)) {
    if (total + f.bytes > limits.maxTotalBytes || Date.now() - started > limits.timeoutMs) {
      truncated = true;
      break;
    }
    total += f.bytes;
    const hash = await fs.hashFile(joinPath(contextDir, f.path), limits.maxFileBytes);
    // Too big or unreadable: a size marker still tells "changed" from "same size" apart.
    files.push({ path: f.path, hash: hash ? hash.slice(0, HASH_CHARS) : `size:${f.bytes}` });
  }
  return {
    ...(dockerfileText !== undefined ? { dockerfileText: dockerfileText.slice(0, limits.maxDockerfileChars) } : {}),
    files,
    truncated,
  };
}
