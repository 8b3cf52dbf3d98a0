import type { cacheCommands } from '../../common/contracts/cache';
import type { Handlers } from '../router';
import type { Housekeeping } from './housekeeping';
import type { CacheService } from './service';

export function cacheHandlers(
  cache: CacheService,
  housekeeping: Housekeeping,
): Pick<Handlers, keyof typeof cacheCommands> {
  return {
    'cache.usage': (input, ctx) => cache.usage(input.builder, ctx.signal),
    'cache.prune': (input, ctx) => cache.prune(input, ctx.signal),
    'cache.trend': (input) => cache.trend(input.builder, input.range ?? '7d'),
    'cache.housekeeping.get': (input) => housekeeping.get(input.builder),
    'cache.housekeeping.set': (input) => housekeeping.set(input),
    'cache.housekeeping.run': (input) => housekeeping.run(input.builder, 'manual'),
  };
}
