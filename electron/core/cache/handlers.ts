import type { cacheCommands } from '../../common/contracts/cache';
import type { Handlers } from '../router';
import type { CacheService } from './service';

export function cacheHandlers(cache: CacheService): Pick<Handlers, keyof typeof cacheCommands> {
  return {
    'cache.usage': (input, ctx) => cache.usage(input.builder, ctx.signal),
    'cache.prune': (input, ctx) => cache.prune(input, ctx.signal),
  };
}
