import { useState } from 'react';
import { isAbsolutePath } from '../../../../../electron/common/validation';
import { appErrorOf, useCommand } from '../../../api/client';
import { useDebounced } from '../use-debounced';
import type { BuildDraft } from './form-model';

/**
 * The context check's data: the folder (and Dockerfile) walked once the path stops changing, on the
 * builder the form chose, and the `# syntax=` frontend the user agreed to run for the targets probe.
 * Kept apart from the form so the context check's display can change without touching the form.
 */
export function useContextInspection(draft: Pick<BuildDraft, 'contextDir' | 'dockerfile' | 'builder'>) {
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
  return {
    /** The debounced, trimmed folder the inspection is for. */
    contextDir,
    query,
    inspection: query.data,
    error: query.isError ? appErrorOf(query.error) : undefined,
    /** Agree to run this frontend image for the folder and file as they are now. */
    trust: (image: string) => setTrusted({ key: inspectKey, image }),
  };
}
