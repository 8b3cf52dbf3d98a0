/**
 * What buildx's instance store and the docker context say about which builder a command means and
 * where its BuildKit runs: the rules, with the reading left to the caller. The core (through its
 * buildx adapter) and the CLI's early requests (electron/composition/early.ts, before the core loads)
 * both decide with these, so a head start can never guess by a rule the core does not follow (the
 * current builder aside: the early guess is the common case of the core's rule, likelyCurrentBuilder).
 */

/** buildx names a docker-container node's container (and its state volume) after the node. */
export const buildkitContainerOf = (node: string): string => `buildx_buildkit_${node}`;

/**
 * Prints a BuildKit container's cache records as JSON (client.UsageInfo): the one-shot CLI's read of
 * a docker-container builder's cache (adapters/docker/buildkit-cache.ts), which it may start early.
 */
export const BUILDCTL_DU_JSON: readonly string[] = ['buildctl', 'du', '--format', '{{json .}}'];

/** The default engine address of the docker CLI (and of BuildDeck without settings or DOCKER_HOST). */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * The CLI's early guess of the builder buildx uses without --builder (composition/early.ts): the one
 * `buildx use` stored (`current`'s Name), else the docker context's own builder, named after the
 * context (DOCKER_HOST makes it "default"). Only the common case of buildx's rule, which the core
 * applies whole (adapters/buildx/known-builders.ts `currentBuilderName`: the endpoint key, Global, the
 * per-endpoint defaults); a wrong guess costs the early request, never the answer.
 */
export function likelyCurrentBuilder(
  stored: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  currentContext: unknown,
): string {
  if (stored) return stored;
  if (env['DOCKER_HOST']) return 'default';
  if (env['DOCKER_CONTEXT']) return env['DOCKER_CONTEXT'];
  return typeof currentContext === 'string' && currentContext ? currentContext : 'default';
}

/**
 * Whether a node endpoint (a docker context name or an address) is the engine at `engineAddress`:
 * that address itself, or the default context while no DOCKER_CONTEXT points elsewhere.
 */
export function isEngineEndpoint(
  endpoint: string,
  engineAddress: string,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return endpoint === engineAddress || (endpoint === 'default' && !env['DOCKER_CONTEXT']);
}

/**
 * The BuildKit containers of a docker-container builder whose every node runs on the engine
 * BuildDeck talks to (`isLocal`): those it can exec into for exact cache figures. [] for any other
 * builder (another driver, a node on another engine, a node without a name).
 */
export function localBuildkitContainers(
  stored: { driver: string; nodes: readonly { name: string; endpoint: string }[] } | undefined,
  isLocal: (endpoint: string) => boolean,
): string[] {
  if (stored?.driver !== 'docker-container' || stored.nodes.length === 0) return [];
  if (!stored.nodes.every((n) => n.name && isLocal(n.endpoint))) return [];
  return stored.nodes.map((n) => buildkitContainerOf(n.name));
}
