// FAKE electron: `node --import tsx --import ./test/fakes/electron/register.mjs main.js` makes every
// `import ... from 'electron'` in that process load test/fakes/electron/index.ts instead. Test only.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
