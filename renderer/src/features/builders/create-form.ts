/**
 * The Create builder form's model: text as typed (so a half-typed value is never lost), turned into
 * the contract's create input and checked with the same zod schema the router enforces.
 */
import { formatCreateCommand } from '../../../../electron/common/builders/create-args';
import {
  builderCreateInput,
  type BuilderCreateInput,
  type CreatableDriver,
} from '../../../../electron/common/builders/create-input';
import {
  draftKeyOf,
  integerOrText,
  OPTION_ENTRIES,
  optionsOf,
  parseToleration,
  setOptionValue,
  type DraftKeyOf,
} from '../../../../electron/common/builders/option-derive';
import { BUILDER_OPTIONS, type BuilderOption, type OptionKey } from '../../../../electron/common/builders/options';
import { errorsByControl, zodIssues } from '../../lib/field-errors';

/** One draft field per driver option of the table (common/builders/options.ts): text, or on/off. */
type OptionDraft = {
  [K in OptionKey as DraftKeyOf<K>]: (typeof BUILDER_OPTIONS)[K]['kind'] extends 'bool' ? boolean : string;
};

export interface CreateDraft extends OptionDraft {
  driver: CreatableDriver;
  name: string;
  append: boolean;
  node: string;
  platforms: string[];
  use: boolean;
  bootstrap: boolean;
  // docker-container + kubernetes
  buildkitdFlags: string;
  configMode: 'none' | 'file' | 'paste';
  buildkitdConfigPath: string;
  buildkitdConfigToml: string;
  // remote
  endpoint: string;
}

export type DraftField = keyof CreateDraft;

export const COMMON_PLATFORMS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/v7',
  'linux/riscv64',
  'linux/ppc64le',
  'linux/s390x',
  'linux/386',
] as const;

export function emptyDraft(driver: CreatableDriver = 'docker-container'): CreateDraft {
  const options = Object.fromEntries(
    OPTION_ENTRIES.map(([key, o]) => [draftKeyOf(key), o.kind === 'bool' ? false : '']),
  ) as OptionDraft;
  return {
    ...options,
    driver,
    name: '',
    append: false,
    node: '',
    platforms: [],
    use: false,
    bootstrap: true,
    buildkitdFlags: '',
    configMode: 'none',
    buildkitdConfigPath: '',
    buildkitdConfigToml: '',
    endpoint: '',
  };
}

const isOption = (key: string): key is OptionKey => Object.hasOwn(BUILDER_OPTIONS, key);

/** Contract field (as the router names it: `requests.cpu`, `env.MY VAR`, `platforms.1`) → the form control. */
export function draftFieldOf(field: string): DraftField | undefined {
  const parts = field.split('.');
  const head = parts[0] ?? '';
  for (const key of [parts.slice(0, 2).join('.'), head]) if (isOption(key)) return draftKeyOf(key);
  // A nested object named as a whole (`requests`): its first field.
  const nested = OPTION_ENTRIES.find(([key]) => key.startsWith(`${head}.`));
  if (nested) return draftKeyOf(nested[0]);
  return Object.hasOwn(emptyDraft(), head) ? (head as DraftField) : undefined;
}

type Errors = Partial<Record<DraftField, string>>;

const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());

function keyValueLines(text: string, field: DraftField, errors: Errors): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      errors[field] ??= `Line ${i + 1}: write KEY=VALUE`;
      continue;
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function tolerationLines(text: string, field: DraftField, errors: Errors): Record<string, unknown>[] | undefined {
  const out: Record<string, unknown>[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const { value, bad } = parseToleration(line);
    if (bad !== undefined)
      errors[field] ??= `Line ${i + 1}: use key=…,operator=Equal|Exists,value=…,effect=…,tolerationSeconds=N`;
    out.push(value);
  }
  return out.length > 0 ? out : undefined;
}

/** A draft field's text (or switch) as the contract field wants it; undefined leaves it unset. */
function optionFromDraft(option: BuilderOption, value: string | boolean, field: DraftField, errors: Errors): unknown {
  if (typeof value === 'boolean') return value ? true : undefined;
  switch (option.kind) {
    case 'integer':
      return value.trim() === '' ? undefined : integerOrText(value);
    case 'map':
    case 'env':
      return keyValueLines(value, field, errors);
    case 'tolerations':
      return tolerationLines(value, field, errors);
    case 'text':
    case 'bool':
      return opt(value);
  }
}

/** Draft → the contract's input (unvalidated), plus errors only the form can see (line syntax). */
export function draftToInput(d: CreateDraft): { input: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const input: Record<string, unknown> = { driver: d.driver, name: d.name.trim() };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  if (d.append) input['append'] = true;
  set('node', opt(d.node));
  if (d.platforms.length > 0) input['platforms'] = d.platforms;
  if (d.use) input['use'] = true;
  if (d.bootstrap) input['bootstrap'] = true;
  if (d.driver !== 'remote') {
    set('buildkitdFlags', opt(d.buildkitdFlags));
    if (d.configMode === 'file') set('buildkitdConfigPath', opt(d.buildkitdConfigPath) ?? '');
    if (d.configMode === 'paste') set('buildkitdConfigToml', d.buildkitdConfigToml);
  }
  if (d.driver === 'remote') input['endpoint'] = d.endpoint.trim();
  for (const [key, option] of optionsOf(d.driver)) {
    const field = draftKeyOf(key);
    setOptionValue(input, key, optionFromDraft(option, d[field], field, errors));
  }
  return { input, errors };
}

export interface CheckedDraft {
  /** Set when every field is valid: what will be sent. */
  valid?: BuilderCreateInput;
  errors: Errors;
  /** The equivalent command, shown even while some field is invalid (as typed). */
  command: string;
}

const capitalise = (m: string) => m.charAt(0).toUpperCase() + m.slice(1);

/** One pass for the form: the contract's verdict per field, and the command to show. */
export function checkDraft(d: CreateDraft): CheckedDraft {
  const { input, errors } = draftToInput(d);
  const parsed = builderCreateInput.safeParse(input);
  if (parsed.success && Object.keys(errors).length === 0) {
    return { valid: parsed.data, errors, command: formatCreateCommand(parsed.data, {}, { multiline: true }) };
  }
  if (!parsed.success) {
    // Line syntax errors (found above) stay first: they explain the schema's complaint.
    const fromSchema = errorsByControl(zodIssues(parsed.error.issues), draftFieldOf, (i) => capitalise(i.message));
    for (const [field, message] of Object.entries(fromSchema) as [DraftField, string][]) errors[field] ??= message;
  }
  // The preview only reads fields; invalid ones appear as typed until they are fixed.
  return { errors, command: formatCreateCommand(input as unknown as BuilderCreateInput, {}, { multiline: true }) };
}
