import type { buildCommands } from '../../common/contracts/builds';
import { snapshotToSend } from '../../common/progress';
import type { Handlers } from '../router';
import type { BuildsService } from './service';

export function buildHandlers(builds: BuildsService): Pick<Handlers, keyof typeof buildCommands> {
  return {
    'builds.start': (input) => builds.start(input),
    // Each line once, a long log's tail only: the log view pages the rest in with builds.logs.
    'builds.get': (input) => Promise.resolve(snapshotToSend(builds.get(input.buildId))),
    'builds.logs': (input) => Promise.resolve(builds.logs(input.buildId, input.from, input.limit, input.step)),
    'builds.cancel': (input) => Promise.resolve(builds.cancel(input.buildId)),
    'builds.list': () => Promise.resolve(builds.list()),
    'builds.commandLine': (input) => Promise.resolve(builds.commandLine(input)),
    'builds.call': (input) => builds.call(input.request, input.call),
    'builds.inspectContext': (input) => builds.inspectContext(input),
    'builds.outline': (input) => builds.outline(input),
  };
}
