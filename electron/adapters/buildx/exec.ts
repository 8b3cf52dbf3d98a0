import { ProgramExec } from '../process/exec';
import { dockerMissing, mapBuildxFailure } from './failures';

export type { ExecOptions, ExecResult } from '../process/exec';

export interface DockerConfig {
  /** The docker CLI; buildx runs as its plugin so contexts and config resolve as the user expects. */
  dockerPath: string;
  /** Environment for every call; tests pass their own BUILDX_CONFIG here. */
  env: NodeJS.ProcessEnv;
}

/**
 * THE runner of docker and buildx: the shared ProgramExec (process/exec.ts) with docker's rules: a
 * missing CLI is DOCKER_MISSING and a non-zero exit is classified by the one phrase table (failures.ts).
 */
export class DockerExec extends ProgramExec {
  constructor(config: () => DockerConfig) {
    super(
      () => {
        const { dockerPath, env } = config();
        return { path: dockerPath, env };
      },
      { missing: dockerMissing, classify: mapBuildxFailure },
    );
  }
}
