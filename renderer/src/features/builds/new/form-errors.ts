import type { AppError } from '../../../../../electron/common/errors';
import { isAbsolutePath, trimTrailingSeparators } from '../../../../../electron/common/validation';
import { errorField, fieldIssues, type FieldIssue } from '../../../lib/field-errors';
import { fieldKeyFor, type DraftMapping } from './form-model';

/** The core's INVALID_INPUT issues (router validation) as field/message pairs. */
export function issuesOf(error: AppError | undefined): FieldIssue[] {
  if (!error || error.code !== 'INVALID_INPUT') return [];
  if (!Array.isArray(error.details?.['issues'])) return fieldIssues(error);
  return fieldIssues(error).map(({ field, message }) => ({ field, message: sentence(describeIssue(field, message)) }));
}

/** zod reports a bad record key as "Invalid key in record"; say what a valid one looks like. */
function describeIssue(field: string, message: string): string {
  if (!/invalid key/i.test(message)) return message;
  if (field.startsWith('buildArgs'))
    return 'A build argument name is letters, digits and _, not starting with a digit.';
  if (field.startsWith('labels'))
    return 'A label key starts with a letter or digit; then letters, digits, ".", "_", "/" or "-".';
  return message;
}

function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** The folder holding a path (for "that is a file: use its folder"). */
export function parentDir(p: string): string | undefined {
  const trimmed = trimTrailingSeparators(p);
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (at <= 0) return trimmed.startsWith('/') ? '/' : undefined;
  return trimmed.slice(0, at);
}

/**
 * Every message the form shows, keyed by form control: the core's verdict on the request and on the
 * last start, the form's own checks, and the context inspection's complaint about the folder or
 * Dockerfile. `badTag` is the index of the tag chip the core refused.
 */
export function formErrors(input: {
  mapping: DraftMapping;
  startError: AppError | undefined;
  commandError: AppError | undefined;
  inspectError: AppError | undefined;
  contextDir: string;
}): { errors: Record<string, string>; badTag: number | undefined } {
  const { mapping, startError, commandError, inspectError } = input;
  const contextDir = input.contextDir.trim();
  const errors: Record<string, string> = {};
  let badTag: number | undefined;
  for (const issue of [...issuesOf(startError), ...issuesOf(commandError)]) {
    const m = /^tags\.(\d+)/.exec(issue.field);
    if (m) {
      badTag = Number(m[1]);
      break;
    }
  }
  for (const issue of [...issuesOf(commandError), ...issuesOf(startError)]) {
    errors[fieldKeyFor(issue.field, mapping.paths)] = issue.message;
  }
  Object.assign(errors, mapping.localErrors);
  if (inspectError && contextDir) {
    errors[errorField(inspectError) === 'dockerfile' ? 'dockerfile' : 'contextDir'] = inspectError.message;
  } else if (contextDir && !isAbsolutePath(contextDir)) {
    errors['contextDir'] = 'Give the absolute path of the folder (it starts with / or a drive letter).';
  }
  return { errors, badTag };
}

/** The core's refusal of several platforms on a docker-driver builder (shown as a callout, not a field error). */
export function driverRefusalOf(startError: AppError | undefined): AppError | undefined {
  return startError?.code === 'INVALID_INPUT' &&
    errorField(startError) === 'platforms' &&
    startError.details?.['driver'] === 'docker'
    ? startError
    : undefined;
}
