import type { builderCommands } from '../../common/contracts/builders';
import type { Handlers } from '../router';
import type { BuildersService } from './service';

export function builderHandlers(builders: BuildersService): Pick<Handlers, keyof typeof builderCommands> {
  return {
    'builders.list': (input) => builders.list(input.refresh ?? false),
  };
}
