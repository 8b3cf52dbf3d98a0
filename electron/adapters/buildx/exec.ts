import { ProgramExec, type ExecOptions, type ExecResult } from '../process/exec';
import { dockerMissing, mapBuildxFailure } from './failures';
import { findBuildxPlugin } from './version-cache';

export type { ExecOptions, ExecResult } from '../process/exec';

export interface DockerConfig {
  /** The docker CLI; buildx runs as its plugin so contexts and config resolve as the user expects. */
  dockerPath: string;
  /** Environment for every call; tests pass their own BUILDX_CONFIG here. */
  env: NodeJS.ProcessEnv;
}

/** Set to 1: every buildx call goes through the docker CLI (`docker buildx ...`), as before. */
export const VIA_DOCKER_ENV = 'BUILDDECK_BUILDX_VIA_DOCKER';

/**
 * THE runner of docker and buildx: the shared ProgramExec (process/exec.ts) with docker's rules: a
 * missing CLI is DOCKER_MISSING and a non-zero exit is classified by the one phrase table (failures.ts).
 *
 * `docker buildx ARGS` runs the buildx plugin the docker CLI would pick, directly (`docker-buildx
 * ARGS`, buildx's standalone mode): the docker CLI's own start, its plugin search and the plugin
 * metadata process it runs before every call cost ~0.15-0.25 s per call on a 2-core machine
 * (measured: `docker buildx version` 0.24-0.38 s, the plugin alone 0.08-0.12 s), a fifth of a small
 * build. buildx reads the same config, contexts and environment either way. Through the docker CLI
 * when no plugin is found where it would look, when the CLI is not Docker's own `docker`, or with
 * BUILDDECK_BUILDX_VIA_DOCKER=1.
 */
export class DockerExec extends ProgramExec {
  private plugin: { key: string; path: Promise<string | undefined> } | undefined;

  constructor(private readonly docker: () => DockerConfig) {
    super(
      () => {
        const { dockerPath, env } = docker();
        return { path: dockerPath, env };
      },
      { missing: dockerMissing, classify: mapBuildxFailure },
    );
  }

  override async exec(args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const { dockerPath, env } = this.docker();
    const path =
      args[0] === 'buildx' && env[VIA_DOCKER_ENV] !== '1' ? await this.pluginFor(dockerPath, env) : undefined;
    if (path === undefined) return super.exec(args, options);
    // Standalone mode: buildx decides by this variable whether the docker CLI started it.
    const own = { ...env };
    delete own['DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND'];
    try {
      return await this.runAs(path, args.slice(1), args, own, options);
    } catch (err) {
      // The plugin went away (an upgrade): find it again, through the docker CLI this time.
      if ((err as { appError?: { code?: string } }).appError?.code !== 'DOCKER_MISSING') throw err;
      this.plugin = undefined;
      return super.exec(args, options);
    }
  }

  /** Found once per docker path and configuration (settings may change either). */
  private pluginFor(dockerPath: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const key = [dockerPath, env['PATH'], env['DOCKER_CONFIG'], env['HOME']].join('\u0000');
    if (this.plugin?.key !== key) {
      this.plugin = { key, path: findBuildxPlugin(dockerPath, env).catch(() => undefined) };
    }
    return this.plugin.path;
  }
}
