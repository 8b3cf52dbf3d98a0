import type { builderCommands } from '../../common/contracts/builders';
import type { Handlers } from '../router';
import type { BuilderCreation } from './create';
import type { BuilderHealthCheck } from './health';
import type { BuilderInspection } from './inspect';
import type { BuilderLifecycle } from './lifecycle';
import type { BuildersService } from './service';

/** The builder use cases, each built with only its own ports (composition/create-core.ts). */
export interface BuilderUseCases {
  creation: BuilderCreation;
  lifecycle: BuilderLifecycle;
  inspection: BuilderInspection;
  health: BuilderHealthCheck;
}

export function builderHandlers(
  builders: BuildersService,
  { creation, lifecycle, inspection, health }: BuilderUseCases,
): Pick<Handlers, keyof typeof builderCommands> {
  return {
    'builders.list': async (input) =>
      (input.lastKnown ? await builders.lastKnown() : undefined) ?? builders.list(input.refresh ?? false),
    'builders.create': (input) => creation.create(input),
    'builders.plan': (input) => creation.plan(input),
    'builders.inspect': (input) => inspection.inspect(input.name, input.logLines ?? 200, input.timeoutMs),
    'builders.stats': (input) => inspection.stats(input.name),
    'builders.bootstrap': (input) => lifecycle.bootstrap(input.name, input.timeoutMs, input.operationId),
    'builders.stop': (input) => lifecycle.stop(input.name, input.operationId),
    'builders.use': (input) => lifecycle.use(input.name, input.operationId),
    'builders.remove': (input) =>
      lifecycle.remove(input.name, input.keepState ?? false, input.keepDaemon ?? false, input.operationId),
    'builders.leave': (input) => lifecycle.leave(input.name, input.node, input.operationId),
    'builders.health': (input) => health.health(input.names, input.timeoutMs, input.certificateWarningDays),
  };
}
