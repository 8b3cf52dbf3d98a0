import type { builderCommands } from '../../common/contracts/builders';
import type { Handlers } from '../router';
import type { BuilderOperations } from './operations';
import type { BuildersService } from './service';

export function builderHandlers(
  builders: BuildersService,
  operations: BuilderOperations,
): Pick<Handlers, keyof typeof builderCommands> {
  return {
    'builders.list': (input) => builders.list(input.refresh ?? false),
    'builders.create': (input) => operations.create(input),
    'builders.plan': (input) => operations.plan(input),
    'builders.inspect': (input) => operations.inspect(input.name, input.logLines ?? 200, input.timeoutMs),
    'builders.stats': (input) => operations.stats(input.name),
    'builders.bootstrap': (input) => operations.bootstrap(input.name, input.timeoutMs, input.operationId),
    'builders.stop': (input) => operations.stop(input.name, input.operationId),
    'builders.use': (input) => operations.use(input.name, input.operationId),
    'builders.remove': (input) =>
      operations.remove(input.name, input.keepState ?? false, input.keepDaemon ?? false, input.operationId),
    'builders.leave': (input) => operations.leave(input.name, input.node, input.operationId),
    'builders.health': (input) => operations.health(input.names, input.timeoutMs, input.certificateWarningDays),
  };
}
