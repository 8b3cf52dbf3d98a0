/**
 * The output check without zod's copy (electron/core/as-is-check.ts). What a user would notice if it
 * were wrong: a CLI's `--json` or a window showing a value zod would have refused, stripped or
 * printed differently. Property-based (fast-check): valid outputs and random mutations of them
 * (keys dropped, added, reordered, values of other types, NaN, fractions, overlong strings); whenever
 * the derived check says "as it is", zod must accept the value and its copy must print the same
 * JSON and be deep-equal. And the large answers this exists for must take it.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { commands } from '../../electron/common/contract';
import { asIsCheck } from '../../electron/core/as-is-check';
import { checkOutput } from '../../electron/core/command';

const record = (i: number) => ({
  id: `r${i}`,
  type: 'regular',
  description: `mount / from exec ${i}`,
  size: 4096 * i,
  createdAt: '2026-12-03T18:38:07.965Z',
  lastUsedAt: i % 3 === 0 ? null : '2026-12-03T18:40:00.000Z',
  usageCount: i,
  shared: i % 2 === 0,
  inUse: false,
  mutable: i % 4 === 0 ? null : true,
  parents: i > 0 ? [`r${i - 1}`] : [],
});

const usage = {
  builder: 'default',
  driver: 'docker',
  source: 'engine-api',
  precision: { size: 'exact', lastUsedAt: 'exact' },
  readAt: '2026-12-03T19:00:00.000Z',
  durationMs: 12,
  totals: {
    records: 3,
    size: 12288,
    private: 12288,
    shared: 0,
    reclaimable: 12288,
    reclaimablePrivate: 12288,
    inUse: 0,
  },
  byType: [{ type: 'regular', records: 3, size: 12288, reclaimable: 12288 }],
  records: [record(0), record(1), record(2), record(3)],
};

/** Schemas with every kind the check derives, and some it must leave to zod. */
const shapes = z.object({
  name: z.string().min(1).max(12),
  count: z.number().int().nonnegative(),
  ratio: z.number().gt(0).lte(1),
  flag: z.boolean(),
  kind: z.enum(['a', 'b']),
  tag: z.literal('t'),
  note: z.string().nullable(),
  extra: z.string().optional(),
  list: z.array(z.number()).max(3),
  map: z.record(z.string(), z.boolean()),
  either: z.union([z.string(), z.object({ x: z.number() })]),
  event: z.discriminatedUnion('type', [
    z.object({ type: z.literal('log'), text: z.string() }),
    z.object({ type: z.literal('step'), id: z.string(), done: z.boolean().optional() }),
  ]),
  strict: z.strictObject({ a: z.number() }),
  loose: z.looseObject({ a: z.number() }),
});
const shapesValue = {
  name: 'builder',
  count: 3,
  ratio: 0.5,
  flag: true,
  kind: 'a',
  tag: 't',
  note: null,
  extra: 'present',
  list: [1, 2],
  map: { x: true },
  either: { x: 1 },
  event: { type: 'step', id: 's1', done: true },
  strict: { a: 1 },
  loose: { a: 1, more: 'kept' },
};

const anyValue = fc.oneof(
  fc.constantFrom(undefined, null, Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5, 2 ** 60, '', 'x'.repeat(20), [], {}),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string(), fc.boolean())),
);

type Path = (string | number)[];

/** Every path to an object or array member in `v`. */
function paths(v: unknown, at: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return [];
  const out: Path[] = [];
  for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
    const p = [...at, k];
    out.push(p, ...paths((v as Record<string | number, unknown>)[k], p));
  }
  return out;
}

/** A copy of `base` with one mutation at `path`. */
function mutate(base: unknown, path: Path, how: number, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  if (how === 0) parent[key] = value;
  else if (how === 1 && !Array.isArray(parent)) Reflect.deleteProperty(parent, key);
  else if (how === 2 && !Array.isArray(parent)) {
    // moved to the end: same keys, another order
    const v = parent[key];
    Reflect.deleteProperty(parent, key);
    parent[key] = v;
  } else if (how === 3 && !Array.isArray(parent)) parent['unknownKey'] = value;
  else if (how === 4) parent[key] = undefined;
  return copy;
}

function agreesWithZod(schema: z.ZodType, value: unknown): void {
  const check = asIsCheck(schema);
  if (!check?.(value)) return;
  const parsed = schema.safeParse(value);
  expect(parsed.success).toBe(true);
  expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(value));
  expect(parsed.data).toStrictEqual(value);
}

describe('output check without a copy', () => {
  const cases: [string, z.ZodType, unknown][] = [
    ['cache.usage', commands['cache.usage'].output, usage],
    ['every derived kind', shapes, shapesValue],
  ];
  for (const [name, schema, valid] of cases) {
    it(`${name}: a valid value passes as it is, and every mutation it passes is one zod returns unchanged`, () => {
      expect(asIsCheck(schema)?.(valid)).toBe(true);
      agreesWithZod(schema, valid);
      const all = paths(valid);
      fc.assert(
        fc.property(fc.nat({ max: all.length - 1 }), fc.nat({ max: 4 }), anyValue, (i, how, v) => {
          agreesWithZod(schema, mutate(valid, all[i] as Path, how, v));
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('refuses what zod would change, and checkOutput then answers with zod’s copy or its error', () => {
    const withExtra = { ...usage, unknownKey: 1 };
    expect(asIsCheck(commands['cache.usage'].output)?.(withExtra)).toBe(false);
    const stripped = checkOutput('cache.usage', commands['cache.usage'].output, withExtra);
    expect(stripped.ok && 'unknownKey' in (stripped.value as object)).toBe(false);
    const { builder, ...rest } = usage;
    const reordered = { ...rest, builder };
    const copy = checkOutput('cache.usage', commands['cache.usage'].output, reordered);
    expect(copy.ok && Object.keys(copy.value as object)[0]).toBe('builder'); // zod's order, as printed before
    const bad = checkOutput('cache.usage', commands['cache.usage'].output, { ...usage, durationMs: 'soon' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', details: { issues: [{ field: 'durationMs' }] } },
    });
    // Passing as it is: the handler's own value, no copy made.
    expect(checkOutput('cache.usage', commands['cache.usage'].output, usage)).toEqual({ ok: true, value: usage });
    expect((checkOutput('cache.usage', commands['cache.usage'].output, usage) as { value: unknown }).value).toBe(usage);
  });

  it('leaves defaults, transforms and custom checks to zod', () => {
    expect(asIsCheck(z.object({ a: z.number().default(1) }))).toBeNull();
    expect(asIsCheck(z.string().transform((s) => s.trim()))).toBeNull();
    expect(asIsCheck(z.string().trim())).toBeNull();
    expect(asIsCheck(z.string().refine((s) => s !== 'x'))).toBeNull();
    expect(asIsCheck(z.string().regex(/^a/))).toBeNull();
    expect(asIsCheck(z.coerce.number())).toBeNull();
  });

  it('the large answers take it: cache usage, the builders list, history lists', () => {
    for (const name of ['cache.usage', 'builders.list', 'history.list', 'cache.prune'] as const)
      expect(asIsCheck(commands[name].output), name).not.toBeNull();
  });
});
