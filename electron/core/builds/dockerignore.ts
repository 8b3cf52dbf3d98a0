/**
 * .dockerignore matching with the semantics of moby/patternmatcher (what buildx sends):
 * patterns are relative to the context root (a leading '/' is dropped), `*` and `?` stay inside one
 * path segment, `**` spans segments, `!` re-includes, the last matching pattern wins, and a pattern
 * that matches a parent folder excludes everything below it.
 */
export interface IgnoreMatcher {
  ignored(relPath: string, isDir?: boolean): boolean;
  /** Could an exception (`!pattern`) re-include something below this ignored folder? */
  mayReincludeUnder(relDir: string): boolean;
  readonly patterns: readonly string[];
}

interface Pattern {
  exclusion: boolean;
  text: string;
  re: RegExp;
}

export function parseDockerignore(text: string): IgnoreMatcher {
  const patterns: Pattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    const cleaned = cleanPath(line);
    if (!cleaned) continue;
    patterns.push({ exclusion, text: cleaned, re: toRegExp(cleaned) });
  }
  const exceptions = patterns.filter((p) => p.exclusion);
  return {
    patterns: patterns.map((p) => (p.exclusion ? `!${p.text}` : p.text)),
    ignored(relPath) {
      const parts = relPath.split('/');
      let matched = false;
      for (const p of patterns) {
        if (p.exclusion !== matched) continue;
        let match = p.re.test(relPath);
        for (let i = 1; !match && i < parts.length; i++) match = p.re.test(parts.slice(0, i).join('/'));
        if (match) matched = !p.exclusion;
      }
      return matched;
    },
    mayReincludeUnder(relDir) {
      return exceptions.some(
        (p) =>
          /^[*?[]/.test(p.text) || p.text.startsWith(`${relDir}/`) || relDir.startsWith(p.text.split(/[*?[]/)[0] ?? ''),
      );
    },
  };
}

/** Go's filepath.Clean for '/' paths, then relative to the root. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

function toRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        const atSegmentStart = i - 1 === 0 || pattern[i - 2] === '/';
        if (pattern[i + 1] === '/' && atSegmentStart) {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      i++;
      re += escapeRe(pattern[i] as string);
    } else re += escapeRe(ch);
  }
  try {
    return new RegExp(`${re}$`);
  } catch {
    return new RegExp(`^${escapeRe(pattern)}$`);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
