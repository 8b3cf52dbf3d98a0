import type { AppError } from '../common/errors';
import { createCore } from '../composition/create-core';
import type { Router } from '../core/router';
import { formatBuilders, formatEngine } from './format';

/** `builddeck builders ls` and `builddeck engine info`: one contract command each, --json as the contract types it. */
interface Verb {
  run(router: Router): Promise<{ value: unknown; text: () => string } | { error: AppError }>;
}

const VERBS: Record<string, Verb> = {
  'builders ls': {
    run: async (router) => {
      const r = await router.call('builders.list', { refresh: true });
      if (!r.ok) return { error: r.error };
      const { builders } = r.value;
      return { value: builders, text: () => formatBuilders(builders) };
    },
  },
  'engine info': {
    run: async (router) => {
      const [engine, buildx] = await Promise.all([router.call('engine.info', {}), router.call('buildx.info', {})]);
      if (!engine.ok) return { error: engine.error };
      if (!buildx.ok) return { error: buildx.error };
      const value = { engine: engine.value, buildx: buildx.value };
      return { value, text: () => formatEngine(value) };
    },
  },
};

export async function runListVerb(words: string, json: boolean): Promise<number> {
  const verb = VERBS[words];
  if (!verb) throw new Error(`no verb ${words}`);
  const core = createCore({});
  try {
    const outcome = await verb.run(core.router);
    if ('error' in outcome) {
      const e = outcome.error;
      if (json) process.stdout.write(`${JSON.stringify({ error: e }, null, 2)}\n`);
      process.stderr.write(`builddeck: ${e.code}: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return e.code === 'INVALID_INPUT' ? 2 : 1;
    }
    process.stdout.write(json ? `${JSON.stringify(outcome.value, null, 2)}\n` : `${outcome.text()}\n`);
    return 0;
  } finally {
    core.dispose();
  }
}
