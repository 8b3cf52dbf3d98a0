import type Dockerignore from '@balena/dockerignore';

/**
 * .dockerignore matching with Docker's semantics, by @balena/dockerignore (a port of moby's
 * dockerignore reader and fileutils matcher, used by dockerode for build contexts too): patterns are
 * relative to the context root (a leading '/' is dropped, paths are cleaned), `*` and `?` stay inside
 * one path segment, `**` spans segments, `!` re-includes, the last matching pattern wins, and a
 * pattern that matches a parent folder excludes everything below it. Case-sensitive, as on Linux.
 */
export interface IgnoreMatcher {
  ignored(relPath: string, isDir?: boolean): boolean;
  /** Could an exception (`!pattern`) re-include something below this ignored folder? */
  mayReincludeUnder(relDir: string): boolean;
  readonly patterns: readonly string[];
}

let library: typeof Dockerignore | undefined;

/**
 * The library, loaded on first use: a CommonJS package costs every CLI verb that loads the core
 * ~13 ms to parse and link (measured on `cache du`), and only builds and their history read a
 * .dockerignore.
 */
function dockerignore(): typeof Dockerignore {
  library ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)(
    '@balena/dockerignore',
  ) as typeof Dockerignore;
  return library;
}

export function parseDockerignore(text: string): IgnoreMatcher {
  const matcher = dockerignore()({ ignorecase: false }).add(text);
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    const cleaned = cleanPath(line);
    if (cleaned) patterns.push(exclusion ? `!${cleaned}` : cleaned);
  }
  const exceptions = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return {
    patterns,
    // No pattern ignores nothing: the library's check cost the walk ~90 ms per 100k entries anyway.
    ignored: patterns.length === 0 ? () => false : (relPath) => matcher.ignores(relPath),
    // Ours, not the library's: the walk's question (moby's archive walker asks it the same way)
    // of whether skipping an ignored folder whole could lose a file an exception re-includes.
    mayReincludeUnder(relDir) {
      return exceptions.some(
        (p) => /^[*?[]/.test(p) || p.startsWith(`${relDir}/`) || relDir.startsWith(p.split(/[*?[]/)[0] ?? ''),
      );
    },
  };
}

/** Go's filepath.Clean for '/' paths, then relative to the root (for the listed patterns). */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}
