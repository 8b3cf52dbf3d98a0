import './one-shot';
import type { AppError } from '../common/errors';
import { createBuildersList } from '../composition/builders-list';
import { BuilderTableStream, formatEngine, printError } from './format';

/** `builddeck builders ls` and `builddeck engine info`: one contract command each, --json as the contract types it. */
interface Verb {
  run(json: boolean, refresh: boolean): Promise<{ value: unknown; text?: () => string } | { error: AppError }>;
}

const VERBS: Record<string, Verb> = {
  'builders ls': {
    // People see each builder the moment it answered (a silent one at its bound); --json prints the
    // whole list, in buildx's order, once every builder is known.
    // Without --refresh, nodes whose platforms cannot have changed since an earlier whole read (of
    // any BuildDeck process, within minutes) keep them: BuildKit's ListWorkers is what costs (see
    // BuildersService.read()). Status and versions are always asked live.
    run: async (json, refresh) => {
      // Only the builders service, not the whole core (composition/builders-list.ts).
      const list = createBuildersList({ oneShot: true });
      const stream = json ? undefined : new BuilderTableStream((text) => process.stdout.write(text));
      const off = stream
        ? list.events.subscribe((event, payload) => event === 'builders.updated' && stream.add(payload.builder), {
            passive: true,
          })
        : undefined;
      try {
        const r = await list.list(refresh);
        if (!r.ok) return { error: r.error };
        for (const b of r.value.builders) stream?.add(b);
        return { value: r.value.builders };
      } finally {
        off?.();
        list.dispose();
      }
    },
  },
  'engine info': {
    run: async () => {
      const { createCore } = await import('../composition/create-core');
      const core = createCore({ oneShot: true });
      try {
        const { router } = core;
        const [engine, buildx] = await Promise.all([router.call('engine.info', {}), router.call('buildx.info', {})]);
        if (!engine.ok) return { error: engine.error };
        if (!buildx.ok) return { error: buildx.error };
        const value = { engine: engine.value, buildx: buildx.value };
        return { value, text: () => formatEngine(value) };
      } finally {
        await core.dispose();
      }
    },
  },
};

export async function runListVerb(words: string, json: boolean, refresh = false): Promise<number> {
  const verb = VERBS[words];
  if (!verb) throw new Error(`no verb ${words}`);
  const outcome = await verb.run(json, refresh);
  if ('error' in outcome) {
    return printError(outcome.error, { json });
  }
  if (json) process.stdout.write(`${JSON.stringify(outcome.value, null, 2)}\n`);
  else if (outcome.text) process.stdout.write(`${outcome.text()}\n`);
  return 0;
}
