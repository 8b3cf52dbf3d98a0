import type { AppError } from '../common/errors';
import type { Router } from '../core/router';

/**
 * The builder a buildx command without `--builder` acts on, as buildx picks it: `$BUILDX_BUILDER`,
 * else the current builder of buildx's store. For the verbs that take no NAME (`inspect`, `rm`...)
 * and for what `history` counts on one builder (`^N`, `rm --all`).
 */
export async function currentBuilderName(
  router: Router,
  hint: string,
): Promise<{ name: string } | { error: AppError }> {
  const fromEnv = process.env['BUILDX_BUILDER'] || undefined;
  if (fromEnv !== undefined) return { name: fromEnv };
  const list = await router.call('builders.list', {});
  if (!list.ok) return { error: list.error };
  const name = list.value.builders.find((b) => b.current)?.name;
  return name === undefined ? { error: { code: 'BUILDER_NOT_FOUND', message: 'No current builder.', hint } } : { name };
}
