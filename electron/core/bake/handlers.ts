import type { bakeCommands } from '../../common/contracts/bake';
import type { Handlers } from '../router';
import type { BakeHistory } from './history';
import type { BakeService } from './service';

export function bakeHandlers(bake: BakeService, history: BakeHistory): Pick<Handlers, keyof typeof bakeCommands> {
  return {
    'bake.browse': (input) => bake.browse(input.dir),
    'bake.inspect': (input) => bake.inspect(input),
    'bake.start': (input) => bake.start(input),
    'bake.get': (input) => Promise.resolve(bake.get(input.bakeId)),
    'bake.logs': (input) => Promise.resolve(bake.logs(input.bakeId, input.target, input.from, input.limit, input.step)),
    'bake.cancel': (input) => Promise.resolve(bake.cancel(input.bakeId)),
    'bake.list': () => Promise.resolve(bake.list()),
    'bake.commandLine': (input) => Promise.resolve(bake.commandLine(input)),
    'bake.print': (input) => bake.print(input),
    'bake.history': (input) => Promise.resolve(history.list(input)),
    'bake.historyGet': (input) => Promise.resolve(history.get(input.bakeId)),
    'bake.historyDelete': (input) => Promise.resolve(history.delete(input.bakeId)),
    'bake.rerun': (input) => history.rerun(input.bakeId),
  };
}
