import type { buildCommands } from '../../common/contracts/builds';
import type { Handlers } from '../router';
import type { BuildsService } from './service';

export function buildHandlers(builds: BuildsService): Pick<Handlers, keyof typeof buildCommands> {
  return {
    'builds.start': (input) => builds.start(input),
    'builds.get': (input) => Promise.resolve(builds.get(input.buildId)),
    'builds.cancel': (input) => Promise.resolve(builds.cancel(input.buildId)),
    'builds.list': () => Promise.resolve(builds.list()),
    'builds.commandLine': (input) => Promise.resolve(builds.commandLine(input)),
    'builds.inspectContext': (input) => builds.inspectContext(input),
  };
}
