import type { BuildRequest } from '../../common/contracts/builds';

export interface CommandLineOptions {
  /** Resolved Dockerfile path (auto-detected when the request named none). */
  dockerfile?: string | undefined;
  /** Only for the real run: progress format is ours, not the user's. */
  progress?: 'rawjson';
  /** The run's metadata file: the request's own, or a temporary one BuildDeck reads. */
  metadataFile?: string;
  /** `--call=METHOD`: ask the frontend (check, outline, targets) instead of building. */
  call?: string;
}

/**
 * `docker buildx build ...` for a request, as an argument array (never a shell string: every value
 * is one argv element, so nothing in a tag, path or build arg can inject another flag).
 * Secrets carry only their id and where buildx reads them (a file path or a variable name).
 */
export function buildxBuildArgv(req: BuildRequest, opts: CommandLineOptions = {}): string[] {
  const argv = ['docker', 'buildx', 'build'];
  if (opts.progress) argv.push(`--progress=${opts.progress}`);
  // The run's own file (a temp one when the user asked for none); display shows the user's.
  const metadataFile = opts.metadataFile ?? req.metadataFile;
  if (metadataFile) argv.push('--metadata-file', metadataFile);
  if (req.builder) argv.push('--builder', req.builder);
  const dockerfile = opts.dockerfile ?? req.dockerfile;
  if (dockerfile) argv.push('--file', dockerfile);
  if (req.platforms.length > 0) argv.push('--platform', req.platforms.join(','));
  for (const t of req.tags) argv.push('--tag', t);
  for (const [k, v] of Object.entries(req.buildArgs)) argv.push('--build-arg', `${k}=${v}`);
  // Without "=": buildx reads the value from its own environment, which the child inherits.
  for (const k of req.envBuildArgs ?? []) argv.push('--build-arg', k);
  if (req.target) argv.push('--target', req.target);
  if (req.noCache) argv.push('--no-cache');
  if (req.pull) argv.push('--pull');
  for (const s of req.secrets)
    argv.push('--secret', s.src !== undefined ? `id=${s.id},src=${s.src}` : `id=${s.id},env=${s.env ?? ''}`);
  for (const o of req.outputs) {
    switch (o.type) {
      case 'load':
        argv.push('--load');
        break;
      case 'push':
        argv.push('--push');
        break;
      case 'cacheonly':
        argv.push('--output', 'type=cacheonly');
        break;
      case 'local':
      case 'oci':
      case 'docker':
        argv.push('--output', `type=${o.type},dest=${o.dest}`);
        break;
    }
  }
  for (const c of req.cacheFrom)
    argv.push('--cache-from', c.type === 'registry' ? `type=registry,ref=${c.ref}` : `type=local,src=${c.src}`);
  for (const c of req.cacheTo) {
    const mode = c.type !== 'inline' && c.mode ? `,mode=${c.mode}` : '';
    if (c.type === 'registry') argv.push('--cache-to', `type=registry,ref=${c.ref}${mode}`);
    else if (c.type === 'local') argv.push('--cache-to', `type=local,dest=${c.dest}${mode}`);
    else argv.push('--cache-to', 'type=inline');
  }
  for (const [k, v] of Object.entries(req.labels)) argv.push('--label', `${k}=${v}`);
  for (const s of req.ssh ?? []) argv.push('--ssh', s.paths.length > 0 ? `${s.id}=${s.paths.join(',')}` : s.id);
  if (req.network) argv.push('--network', req.network);
  if (req.iidFile) argv.push('--iidfile', req.iidFile);
  // NAME:IP, split by Docker at the first colon, so an IPv6 address needs no brackets.
  for (const h of req.addHosts ?? []) argv.push('--add-host', `${h.host}:${h.ip}`);
  if (req.shmSize) argv.push('--shm-size', req.shmSize);
  for (const u of req.ulimits ?? [])
    argv.push('--ulimit', `${u.name}=${u.soft}${u.hard !== undefined ? `:${u.hard}` : ''}`);
  if (req.noCacheFilter && req.noCacheFilter.length > 0) argv.push('--no-cache-filter', req.noCacheFilter.join(','));
  for (const [name, value] of Object.entries(req.buildContexts ?? {})) argv.push('--build-context', `${name}=${value}`);
  if (req.provenance !== undefined)
    argv.push(
      typeof req.provenance === 'boolean' ? `--provenance=${req.provenance}` : `--provenance=mode=${req.provenance}`,
    );
  if (req.sbom !== undefined) argv.push(`--sbom=${req.sbom}`);
  for (const a of req.annotations ?? []) argv.push('--annotation', a);
  for (const e of req.allow ?? []) argv.push('--allow', e);
  if (req.cgroupParent) argv.push('--cgroup-parent', req.cgroupParent);
  if (opts.call) argv.push(`--call=${opts.call}`);
  argv.push(req.contextDir);
  return argv;
}

/** POSIX-shell quoting for display and copy-paste; never executed by BuildDeck. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
