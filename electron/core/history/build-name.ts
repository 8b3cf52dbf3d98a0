import type { BuildxLocalState } from './ports';

/** The frontend attributes buildx names a record from (the rest of the map is not needed). */
export const NAME_ATTRS = [
  'build-arg:BUILDKIT_BUILD_NAME',
  'target',
  'context',
  'vcs:localdir:context',
  'vcs:source',
  'input:context',
  'filename',
  'vcs:localdir:dockerfile',
] as const;

const DEFAULT_FILENAME = '/Dockerfile';

/**
 * The name `buildx history ls` gives a record (buildx's util/history BuildName), from the record's
 * frontend attributes and buildx's local state of it, so a build BuildKit pushed as started is
 * listed by name without running `history ls`. Undefined where buildx would format a git source
 * (only a named git URL is left): the caller asks `history ls` then, rather than guess.
 */
export function buildName(
  attrs: Readonly<Record<string, string>>,
  local: Pick<BuildxLocalState, 'localPath' | 'dockerfilePath'> | undefined,
): string | undefined {
  const explicit = attrs['build-arg:BUILDKIT_BUILD_NAME'];
  if (explicit) return explicit;
  const target = attrs['target'] ?? '';
  let contextPath = '';
  if (attrs['context'] !== undefined) contextPath = slash(attrs['context']);
  else if (attrs['vcs:localdir:context'] !== undefined && attrs['vcs:localdir:context'] !== '.')
    contextPath = slash(attrs['vcs:localdir:context']);
  const vcsSource = attrs['vcs:source'] ?? attrs['input:context'];
  let dockerfilePath = '';
  if (attrs['filename'] !== undefined && attrs['filename'] !== 'Dockerfile') dockerfilePath = slash(attrs['filename']);
  const dfDir = attrs['vcs:localdir:dockerfile'];
  if (dfDir !== undefined && dfDir !== '.') dockerfilePath = slash(join(dfDir, dockerfilePath));

  let localPath = '';
  if (local && !isRemoteUrl(local.localPath ?? '')) {
    if (local.localPath && local.localPath !== '-') localPath = slash(local.localPath);
    if (local.dockerfilePath && local.dockerfilePath !== '-' && local.dockerfilePath !== 'Dockerfile')
      dockerfilePath = slash(local.dockerfilePath);
  }

  const hasDefaultFileName = dockerfilePath.endsWith(DEFAULT_FILENAME) || dockerfilePath === '';
  if (dockerfilePath.endsWith(DEFAULT_FILENAME)) dockerfilePath = dockerfilePath.slice(0, -DEFAULT_FILENAME.length);

  let res = '';
  if (dockerfilePath.startsWith(localPath) && dockerfilePath.length > localPath.length) {
    res = dockerfilePath.slice(localPath.lastIndexOf('/') + 1);
  } else {
    const bpath = dockerfilePath.length > 0 ? dockerfilePath : localPath;
    if (bpath.length > 0) {
      const lidx = bpath.lastIndexOf('/');
      res = bpath.slice(lidx + 1);
      if (!hasDefaultFileName) res = join(base(lidx !== -1 ? bpath.slice(0, lidx) : bpath), res);
    }
  }
  if (contextPath.length > 0) res = contextPath;
  if (target.length > 0) res = res.length > 0 ? `${res} (${target})` : target;
  // buildx formats a git source (ref and subdir as a URL fragment) here: left to `history ls`.
  if (res === '' && vcsSource !== undefined && vcsSource !== '') return undefined;
  return res;
}

/** Go's filepath.ToSlash: only Windows paths change. */
const slash = (p: string) => (process.platform === 'win32' ? p.replace(/\\/g, '/') : p);

/** Go's path.Join: the elements joined with '/', cleaned; empty elements skipped; '' for none. */
function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '' : clean(joined);
}

/** Go's path.Clean. */
function clean(p: string): string {
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(seg);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

/** Go's path.Base: the last element; '.' for an empty path, '/' for the root. */
function base(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * buildx's urlutil.IsRemoteURL on what its local state holds: buildx stores a local context as an
 * absolute path (or `-` for stdin) and a remote one (http, git) as given, so anything else is remote.
 */
function isRemoteUrl(p: string): boolean {
  if (p === '' || p === '-') return false;
  return !(p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'));
}
