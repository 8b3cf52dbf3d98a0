import type { systemCommands } from '../../common/contracts/system';
import type { BuildxPort, EnginePort } from '../ports';
import type { Handlers } from '../router';

export function systemHandlers(
  buildx: BuildxPort,
  engine: EnginePort,
  timeoutMs: () => number,
): Pick<Handlers, keyof typeof systemCommands> {
  return {
    'engine.info': () => engine.info({ timeoutMs: timeoutMs() }),
    'buildx.info': () => buildx.info(),
  };
}
