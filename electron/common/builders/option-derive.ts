import { z } from 'zod';
import { BUILDER_OPTIONS, type BuilderOption, type CreatableDriver, type OptionKey } from './options';

/**
 * What is computed from THE table of builder options (options.ts): the options of a driver, the
 * names an option goes by (form draft field, `--driver-opt` key), the contract's zod shape per
 * driver, and reading and writing an option's value in a create input. Nothing here names an option:
 * adding one never means editing this file.
 */

type Options = typeof BUILDER_OPTIONS;

/** Every option as [key, declaration], in table order. */
export const OPTION_ENTRIES = Object.entries(BUILDER_OPTIONS) as [OptionKey, BuilderOption][];

export const optionsOf = (driver: CreatableDriver): [OptionKey, BuilderOption][] =>
  OPTION_ENTRIES.filter(([, o]) => o.drivers.includes(driver));

// -------------------------------------------------------------------------------------------------
// Derived names

type CamelPath<K extends string> = K extends `${infer H}.${infer T}` ? `${H}${Capitalize<T>}` : K;
/** The form's draft field for an option. */
export type DraftKeyOf<K extends OptionKey> = Options[K] extends { draft: infer D extends string } ? D : CamelPath<K>;
export type OptionDraftKey = { [K in OptionKey]: DraftKeyOf<K> }[OptionKey];

export function draftKeyOf(key: OptionKey): OptionDraftKey {
  const o: BuilderOption = BUILDER_OPTIONS[key];
  return (o.draft ?? key.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase())) as OptionDraftKey;
}

/** Option key of a form draft field, or undefined for fields outside the table. */
export const optionOfDraftKey: ReadonlyMap<string, OptionKey> = new Map(
  OPTION_ENTRIES.map(([key]) => [draftKeyOf(key), key]),
);

/** Contract field of each `--driver-opt` key: buildx's refusals name the option, the form needs the field. */
export const FIELD_OF_DRIVER_OPT: Readonly<Record<string, string>> = Object.fromEntries(
  OPTION_ENTRIES.filter(([, o]) => o.driverOpt !== undefined && o.kind !== 'env').map(([key, o]) => [
    o.driverOpt as string,
    key,
  ]),
);

// -------------------------------------------------------------------------------------------------
// The contract's shape per driver

type KeysOf<D extends CreatableDriver> = {
  [K in OptionKey]: D extends Options[K]['drivers'][number] ? K : never;
}[OptionKey];
type Head<K extends string> = K extends `${infer H}.${string}` ? H : K;
type Nested<D extends CreatableDriver, H extends string> = z.ZodObject<
  { [K in KeysOf<D> as K extends `${H}.${infer T}` ? T : never]: z.ZodOptional<Options[K]['schema']> },
  z.core.$strict
>;
export type OptionShape<D extends CreatableDriver> = {
  [H in Head<KeysOf<D>>]: z.ZodOptional<H extends KeysOf<D> ? Options[H]['schema'] : Nested<D, H>>;
};

/** The zod shape of a driver's options, every one optional; dotted keys become strict nested objects. */
export function optionShape<D extends CreatableDriver>(driver: D): OptionShape<D> {
  const shape: Record<string, z.ZodType> = {};
  const nested = new Map<string, Record<string, z.ZodType>>();
  for (const [key, o] of optionsOf(driver)) {
    const dot = key.indexOf('.');
    if (dot < 0) {
      shape[key] = o.schema.optional();
      continue;
    }
    const head = key.slice(0, dot);
    if (!nested.has(head)) nested.set(head, {});
    (nested.get(head) as Record<string, z.ZodType>)[key.slice(dot + 1)] = o.schema.optional();
  }
  for (const [head, fields] of nested) shape[head] = z.object(fields).strict().optional();
  return shape as OptionShape<D>;
}

/** The value of an option in a (validated or not) create input. */
export function optionValue(input: object, key: OptionKey): unknown {
  const fields = input as Record<string, unknown>;
  const dot = key.indexOf('.');
  if (dot < 0) return fields[key];
  const parent = fields[key.slice(0, dot)];
  return typeof parent === 'object' && parent !== null
    ? (parent as Record<string, unknown>)[key.slice(dot + 1)]
    : undefined;
}

/** Sets an option's value in a create input being assembled (undefined leaves it unset). */
export function setOptionValue(input: Record<string, unknown>, key: OptionKey, value: unknown): void {
  if (value === undefined) return;
  const dot = key.indexOf('.');
  if (dot < 0) {
    input[key] = value;
    return;
  }
  const head = key.slice(0, dot);
  const parent = (input[head] ??= {}) as Record<string, unknown>;
  parent[key.slice(dot + 1)] = value;
}

/** Text typed for an integer option: a number when it is one, else as typed (the schema names it). */
export const integerOrText = (text: string): number | string => {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
};

/** Fields of one toleration as written on a line or in a flag: `key=K,operator=Equal,...`. */
export const TOLERATION_FIELDS = ['key', 'operator', 'value', 'effect', 'tolerationSeconds'] as const;

/**
 * One toleration from `key=K,operator=Equal,value=V,effect=E,tolerationSeconds=N`; the part that is
 * not `field=value` is returned as `bad` for the caller to report in its own words.
 */
export function parseToleration(text: string): { value: Record<string, unknown>; bad?: string } {
  const value: Record<string, unknown> = {};
  let bad: string | undefined;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (eq <= 0 || !(TOLERATION_FIELDS as readonly string[]).includes(k)) {
      bad ??= part;
      continue;
    }
    value[k] = k === 'tolerationSeconds' && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return bad === undefined ? { value } : { value, bad };
}
