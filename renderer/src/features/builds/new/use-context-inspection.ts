import { useEffect, useState } from 'react';
import type { ContextProgress } from '../../../../../electron/common/contracts/builds';
import { isAbsolutePath, trimTrailingSeparators } from '../../../../../electron/common/validation';
import { getBridge } from '../../../api/bridge';
import { appErrorOf, useCommand } from '../../../api/client';
import { useDebounced } from '../use-debounced';
import type { BuildDraft } from './form-model';

/**
 * The context check's data: the folder (and Dockerfile) walked once the path stops changing, on the
 * builder the form chose, and the `# syntax=` frontend the user agreed to run for the targets probe.
 * Kept apart from the form so the context check's display can change without touching the form.
 */
export function useContextInspection(draft: Pick<BuildDraft, 'contextDir' | 'dockerfile' | 'builder' | 'target'>) {
  const contextDir = useDebounced(draft.contextDir.trim(), 300);
  const dockerfileTyped = useDebounced(draft.dockerfile.trim(), 300);
  // A `# syntax=` frontend the user agreed to run for the targets probe (for this folder and file only).
  const [trusted, setTrusted] = useState<{ key: string; image: string } | undefined>();
  const inspectKey = `${contextDir}\0${dockerfileTyped}`;
  const trustFrontend = trusted?.key === inspectKey ? trusted.image : undefined;
  const inspectInput = {
    contextDir,
    ...(dockerfileTyped ? { dockerfile: dockerfileTyped } : {}),
    // The probe runs on the builder the form chose, not the current one.
    ...(draft.builder ? { builder: draft.builder } : {}),
    ...(trustFrontend ? { trustFrontend } : {}),
  };
  const query = useCommand('builds.inspectContext', inspectInput, {
    enabled: isAbsolutePath(contextDir),
    staleTime: 15_000,
    refetchOnWindowFocus: false,
  });
  const partial = usePartialCounts(contextDir, query.isFetching);
  // The Dockerfile's build arguments and secrets: asked once the check has answered (a second buildx
  // run beside it made the check's answer ~190 ms later), and not while a frontend awaits consent.
  const checked = query.data !== undefined && query.data.frontendToConfirm === undefined;
  // The chosen stage's arguments and secrets (another stage declares others). A stage the file no
  // longer has (kept from a rerun) asks about the default target rather than failing.
  const target = query.data?.targets.some((t) => t.name === draft.target) ? draft.target : undefined;
  const outline = useCommand('builds.outline', target ? { ...inspectInput, target } : inspectInput, {
    enabled: isAbsolutePath(contextDir) && checked && query.data.dockerfile !== undefined,
    staleTime: 15_000,
    refetchOnWindowFocus: false,
  });
  return {
    /** The debounced, trimmed folder the inspection is for. */
    contextDir,
    query,
    inspection: query.data,
    /**
     * What the Dockerfile declares (build arguments, mounted secrets) for the chosen target stage,
     * else the default one, once known (another stage's offers show once its answer is in); none on
     * error.
     */
    outline: outline.isError ? undefined : (outline.data ?? undefined),
    error: query.isError ? appErrorOf(query.error) : undefined,
    /** What the walk has counted so far while a large folder is checked (none once it answered). */
    partial,
    /** Agree to run this frontend image for the folder and file as they are now. */
    trust: (image: string) => setTrusted({ key: inspectKey, image }),
  };
}

/**
 * The core's `build.contextProgress` for this folder while its check runs: a 100k-file folder shows
 * its largest entries so far within ~100 ms instead of a skeleton for seconds. Dropped when the
 * check answers or the folder changes.
 */
function usePartialCounts(contextDir: string, fetching: boolean): ContextProgress | undefined {
  // Kept with the folder it was for (trailing slashes aside: the core names the folder it resolved).
  const [partial, setPartial] = useState<{ dir: string; counts: ContextProgress }>();
  const wanted = trimTrailingSeparators(contextDir);
  useEffect(() => {
    if (!fetching) return undefined;
    return getBridge().on('build.contextProgress', (counts) => {
      if (trimTrailingSeparators(counts.contextDir) === wanted) setPartial({ dir: wanted, counts });
    });
  }, [wanted, fetching]);
  // Kept counts of another folder, or of a check that has answered, are not shown.
  return fetching && partial?.dir === wanted ? partial.counts : undefined;
}
