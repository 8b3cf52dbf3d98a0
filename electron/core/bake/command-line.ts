import type { BakeRequest } from '../../common/contracts/bake';
import { shellQuote } from '../builds/command-line';

/**
 * `docker buildx bake ...` for a request, as an argument array. Values ride in `--flag=value`
 * elements, so a file name, override or target can never read as another flag; variables are not
 * arguments at all (they go into buildx's environment, see `bakeEnv`).
 */
export function bakeArgv(
  req: BakeRequest,
  opts: { progress?: 'rawjson'; metadataFile?: string | undefined; allowFlag?: boolean } = {},
): string[] {
  const argv = ['docker', 'buildx', 'bake'];
  if (opts.progress) argv.push(`--progress=${opts.progress}`);
  const metadataFile = opts.metadataFile ?? req.metadataFile;
  if (metadataFile) argv.push(`--metadata-file=${metadataFile}`);
  if (req.builder) argv.push(`--builder=${req.builder}`);
  // buildx < 0.19 has no bake --allow (nor any check to grant past): BuildDeck's own check is the consent.
  if (opts.allowFlag !== false) for (const a of req.allow) argv.push(`--allow=${a}`);
  for (const f of req.files) argv.push(`--file=${f}`);
  for (const o of effectiveOverrides(req)) argv.push(`--set=${o}`);
  argv.push(...bakeSwitches(req), ...req.targets);
  return argv;
}

/** The request's on/off flags, in the order the command line shows them (`--print` takes them too). */
export function bakeSwitches(req: Pick<BakeRequest, 'noCache' | 'pull' | 'push' | 'load'>): string[] {
  const out: string[] = [];
  if (req.noCache) out.push('--no-cache');
  if (req.pull) out.push('--pull');
  if (req.push) out.push('--push');
  if (req.load) out.push('--load');
  return out;
}

/** The overrides a request applies to the definition (its own, then the platforms for every target). */
export function effectiveOverrides(req: Pick<BakeRequest, 'overrides' | 'platforms'>): string[] {
  return req.platforms.length > 0 ? [...req.overrides, `*.platform=${req.platforms.join(',')}`] : [...req.overrides];
}

/** Variables as `NAME=value`, in name order (for display and the copyable command). */
export function bakeEnv(req: Pick<BakeRequest, 'variables'>): string[] {
  return Object.keys(req.variables)
    .sort()
    .map((k) => `${k}=${req.variables[k] ?? ''}`);
}

/** The line a person pastes into a terminal: `cd DIR && NAME=value docker buildx bake ...`. */
export function bakeCommandText(req: BakeRequest): string {
  return `cd ${shellQuote([req.projectDir])} && ${[...bakeEnv(req).map((e) => shellQuote([e])), shellQuote(bakeArgv(req))].join(' ')}`;
}
