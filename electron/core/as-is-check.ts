import type { z } from 'zod';

/**
 * A command's output, checked against its contract schema without zod building a copy of it.
 *
 * zod's parse returns a new value: every object and array of the output rebuilt, key by key. For a
 * large answer that is most of its cost (`cache du --json` of 1,505 records: the input and output
 * checks were ~30 ms of a 0.22 s process, its copies much of the collector's work), and the copy
 * is identical to what the handler returned whenever nothing in the schema changes values. This
 * derives, once per schema, a check that answers "zod would return a copy equal to this value":
 * the same keys in the same order (so JSON prints the same bytes), nothing stripped, defaulted or
 * transformed. The schema stays the one definition; this only reads it (zod's documented `_zod.def`).
 *
 * Only kinds whose parse never changes a valid value are derived: objects (no unknown keys, keys
 * in the shape's order), arrays, strings and numbers with length/bound/integer checks, booleans,
 * literals, enums, nullable, optional, string-keyed records and unions. A schema with anything
 * else (defaults, transforms, custom or format checks, lazy) gets no derived check: zod checks it
 * as before. A value the derived check refuses also goes to zod, which either accepts it (and
 * returns its copy) or names what is wrong, so the verdict and the error are always zod's own.
 */
export type AsIsCheck = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  coerce?: boolean;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

interface CheckDef {
  check: string;
  format?: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  length?: number;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const derived = new WeakMap<z.ZodType, AsIsCheck | null>();

/** The derived check of `schema`, or null when zod must check it (see above). Derived once per schema. */
export function asIsCheck(schema: z.ZodType): AsIsCheck | null {
  let check = derived.get(schema);
  if (check === undefined) {
    try {
      check = derive(schema);
    } catch {
      check = null; // a def shaped otherwise than this zod's: zod checks it
    }
    derived.set(schema, check);
  }
  return check;
}

/** The kinds whose checks (length, bounds, integer) are read here; on any other a check is a refinement: zod's. */
const CHECKED_KINDS = new Set(['string', 'number', 'array']);

function derive(schema: z.ZodType): AsIsCheck | null {
  const d = defOf(schema);
  if (d.coerce || ((d.checks?.length ?? 0) > 0 && !CHECKED_KINDS.has(d.type))) return null;
  switch (d.type) {
    case 'string':
      return lengthChecked(
        (v) => typeof v === 'string',
        d,
        (v) => (v as string).length,
      );
    case 'number':
      return numberChecked(d);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'null':
      return (v) => v === null;
    case 'unknown':
    case 'any':
      return () => true;
    case 'literal':
    case 'enum': {
      const values = new Set(valuesOf(d));
      return (v) => values.has(v);
    }
    case 'nullable':
    case 'optional': {
      const inner = d.innerType ? asIsCheck(d.innerType) : null;
      if (!inner) return null;
      const empty = d.type === 'nullable' ? null : undefined;
      return (v) => v === empty || inner(v);
    }
    case 'array': {
      const element = d.element ? asIsCheck(d.element) : null;
      if (!element) return null;
      return lengthChecked(
        (v) => {
          if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return false;
          // By index, as zod reads it: a hole is an undefined element.
          for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
          return true;
        },
        d,
        (v) => (v as unknown[]).length,
      );
    }
    case 'object':
      return objectCheck(d);
    case 'record': {
      const key = d.keyType ? asIsCheck(d.keyType) : null;
      const value = d.valueType ? asIsCheck(d.valueType) : null;
      // A string-keyed record only: an enum-keyed one is exhaustive in zod 4 (other rules).
      if (!key || !value || defOf(d.keyType as z.ZodType).type !== 'string') return null;
      return (v) => {
        if (!isObject(v)) return false;
        for (const k of Object.keys(v)) if (!key(k) || !value(v[k])) return false;
        return true;
      };
    }
    case 'union':
      return unionCheck(d);
    default:
      return null;
  }
}

function lengthChecked(test: AsIsCheck, d: Def, length: (v: unknown) => number): AsIsCheck | null {
  const bounds: ((n: number) => boolean)[] = [];
  for (const c of d.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === 'min_length' && typeof cd.minimum === 'number') {
      const min = cd.minimum;
      bounds.push((n) => n >= min);
    } else if (cd.check === 'max_length' && typeof cd.maximum === 'number') {
      const max = cd.maximum;
      bounds.push((n) => n <= max);
    } else if (cd.check === 'length_equals' && typeof cd.length === 'number') {
      const len = cd.length;
      bounds.push((n) => n === len);
    } else return null;
  }
  if (bounds.length === 0) return test;
  return (v) => test(v) && bounds.every((b) => b(length(v)));
}

function numberChecked(d: Def): AsIsCheck | null {
  const tests: ((n: number) => boolean)[] = [];
  for (const c of d.checks ?? []) {
    const cd = c._zod.def;
    const bound = cd.value;
    if (cd.check === 'number_format' && cd.format === 'safeint') tests.push((n) => Number.isSafeInteger(n));
    else if (cd.check === 'greater_than' && typeof bound === 'number')
      tests.push(cd.inclusive ? (n) => n >= bound : (n) => n > bound);
    else if (cd.check === 'less_than' && typeof bound === 'number')
      tests.push(cd.inclusive ? (n) => n <= bound : (n) => n < bound);
    else return null;
  }
  // zod 4's number refuses NaN and the infinities.
  return (v) => typeof v === 'number' && Number.isFinite(v) && tests.every((t) => t(v));
}

/**
 * An object zod would copy key for key: its own keys are the shape's, in the shape's order (absent
 * ones must accept undefined, as optional ones do); a key zod would strip or reorder refuses it.
 * A catch-all of `never` (a strict object) refuses extra keys too; `unknown` keeps them after the
 * shape's, as zod does.
 */
function objectCheck(d: Def): AsIsCheck | null {
  if (!d.shape) return null;
  const catchall = d.catchall ? defOf(d.catchall).type : undefined;
  if (catchall !== undefined && catchall !== 'never' && catchall !== 'unknown') return null;
  const keys = Object.keys(d.shape);
  const fields: AsIsCheck[] = [];
  for (const k of keys) {
    const f = asIsCheck(d.shape[k] as z.ZodType);
    if (!f) return null;
    fields.push(f);
  }
  const extrasKept = catchall === 'unknown';
  return (v) => {
    if (!isObject(v)) return false;
    const own = Object.keys(v);
    let at = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (own[at] === k) {
        at++;
        if (!(fields[i] as AsIsCheck)(v[k])) return false;
      } else if (!(fields[i] as AsIsCheck)(undefined)) return false;
    }
    // Every own key was met in the shape's order, or some are left: unknown, or out of order.
    if (at === own.length) return true;
    if (!extrasKept) return false;
    for (; at < own.length; at++) if (keys.includes(own[at] as string)) return false;
    return true;
  };
}

/**
 * zod returns the first option that accepts a value (a discriminated union: the option its key
 * names). An option refusing the value as it is while zod would accept it (with a copy that differs)
 * means zod's answer is not this value: refused here, zod decides.
 */
function unionCheck(d: Def): AsIsCheck | null {
  if (!d.options) return null;
  const options: { schema: z.ZodType; check: AsIsCheck }[] = [];
  for (const schema of d.options) {
    const check = asIsCheck(schema);
    if (!check) return null;
    options.push({ schema, check });
  }
  const key = d.discriminator;
  if (key !== undefined) {
    // The option whose literal the key holds; zod 4 refuses a union whose options share one.
    const byValue = new Map<unknown, AsIsCheck>();
    for (const o of options) {
      const field = defOf(o.schema).shape?.[key];
      const fd = field ? defOf(field) : undefined;
      if (!fd || (fd.type !== 'literal' && fd.type !== 'enum')) return null;
      for (const value of valuesOf(fd)) byValue.set(value, o.check);
    }
    return (v) => {
      const check = isObject(v) ? byValue.get(v[key]) : undefined;
      return check !== undefined && check(v);
    };
  }
  return (v) => {
    for (const o of options) {
      if (o.check(v)) return true;
      if (o.schema.safeParse(v).success) return false;
    }
    return false;
  };
}

/** The values a literal or an enum accepts. */
function valuesOf(d: Def): unknown[] {
  return d.values ?? Object.values(d.entries ?? {});
}

/** A plain object: zod copies any other (a null-prototype map, a class instance) into one. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
