import type { AppError } from '../../../electron/common/errors';

/**
 * THE mapping from an error the core returned to the form control that shows it. The router
 * names the contract field at fault (`details.field`, and for INVALID_INPUT every issue in
 * `details.issues`); a zod check in the form names it the same way (`issue.path`). Each form only
 * says how its contract fields map to its controls.
 */

export interface FieldIssue {
  /** Contract field path, e.g. `requests.cpu`, `env.MY VAR`, `filters.until`. */
  field: string;
  message: string;
}

/** The field the error names, if any, without the input's outer object (`patch.`, `filters.`). */
export function errorField(error: AppError | undefined, prefix?: string): string | undefined {
  const field = error?.details?.['field'];
  if (typeof field !== 'string') return undefined;
  return prefix !== undefined && field.startsWith(`${prefix}.`) ? field.slice(prefix.length + 1) : field;
}

/** Every field issue of an error: the router's `issues` list when it has one, else its one field. */
export function fieldIssues(error: AppError | undefined, prefix?: string): FieldIssue[] {
  if (!error) return [];
  const strip = (field: string) =>
    prefix !== undefined && field.startsWith(`${prefix}.`) ? field.slice(prefix.length + 1) : field;
  const raw = error.code === 'INVALID_INPUT' ? error.details?.['issues'] : undefined;
  if (Array.isArray(raw)) {
    return raw.flatMap((i: unknown) => {
      if (typeof i !== 'object' || i === null) return [];
      const { field, message } = i as { field?: unknown; message?: unknown };
      return typeof field === 'string' && typeof message === 'string' ? [{ field: strip(field), message }] : [];
    });
  }
  const field = errorField(error, prefix);
  return field === undefined ? [] : [{ field, message: error.message }];
}

/**
 * Issues keyed by the control that shows them (the first issue per control wins); issues no control
 * shows are left out, for the form to show as a general error.
 */
export function errorsByControl<C extends string>(
  issues: readonly FieldIssue[],
  controlOf: (field: string) => C | undefined,
  describe: (issue: FieldIssue) => string = (issue) => issue.message,
): Partial<Record<C, string>> {
  const out: Partial<Record<C, string>> = {};
  for (const issue of issues) {
    const control = controlOf(issue.field);
    if (control !== undefined) out[control] ??= describe(issue);
  }
  return out;
}

/** A zod error's issues as field issues (the form's own check, before anything is sent). */
export function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
}
