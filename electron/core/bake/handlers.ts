import type { bakeCommands } from '../../common/contracts/bake';
import type { Handlers } from '../router';
import type { BakeService } from './service';

export function bakeHandlers(bake: BakeService): Pick<Handlers, keyof typeof bakeCommands> {
  return {
    'bake.browse': (input) => bake.browse(input.dir),
    'bake.inspect': (input) => bake.inspect(input),
    'bake.start': (input) => bake.start(input),
    'bake.get': (input) => Promise.resolve(bake.get(input.bakeId)),
    'bake.cancel': (input) => Promise.resolve(bake.cancel(input.bakeId)),
    'bake.list': () => Promise.resolve(bake.list()),
    'bake.commandLine': (input) => Promise.resolve(bake.commandLine(input)),
  };
}
