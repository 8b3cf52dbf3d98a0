import { z } from 'zod';

/**
 * Imported first by every CLI verb module. A CLI process validates each contract shape once or twice
 * and exits: zod's JIT (it compiles a parser per object schema with `new Function` on first use)
 * costs a `cache du` of 1,000 records more than it saves (measured ~130 ms of ~600 under load). The
 * app and serve, which parse the same shapes thousands of times, keep it.
 */
z.config({ jitless: true });
