import { useMemo } from 'react';
import type { CacheRecordType } from '../../../../electron/common/cache/values';
import type { Builder } from '../../../../electron/common/domain';
import { useCommand } from '../../api/client';

export interface BuilderOption {
  name: string;
  driver: string;
  current: boolean;
  /** Not every node running: the cache cannot be read until it is started. */
  down: boolean;
}

/** Builders for the selector, current first; the cache view follows builders.changed through the same query. */
export function useBuilderOptions() {
  const builders = useCommand('builders.list', {});
  const options = useMemo<BuilderOption[]>(() => {
    const list: Builder[] = builders.data?.builders ?? [];
    return list
      .map((b) => ({
        name: b.name,
        driver: b.driver,
        current: b.current,
        down: b.nodes.length > 0 && b.nodes.some((n) => n.status !== 'running'),
      }))
      .sort((a, b) => Number(b.current) - Number(a.current) || a.name.localeCompare(b.name));
  }, [builders.data]);
  return { builders, options };
}

export function useCacheUsage(builder: string | undefined) {
  return useCommand(
    'cache.usage',
    { builder: builder ?? 'default' },
    { enabled: builder !== undefined, staleTime: 15_000 },
  );
}

/** Friendly names for BuildKit's record types; the raw type stays visible next to them. */
export const TYPE_LABELS: Record<CacheRecordType, string> = {
  regular: 'Layers',
  'source.local': 'Local contexts',
  'exec.cachemount': 'Cache mounts',
  'source.git.checkout': 'Git checkouts',
  frontend: 'Frontends',
  internal: 'Internal',
};

export function typeLabel(type: string): string {
  return (TYPE_LABELS as Record<string, string | undefined>)[type] ?? type;
}

/** CSS module class suffix for a type's colour. */
export function typeTone(type: string): string {
  switch (type) {
    case 'regular':
      return 'toneRegular';
    case 'source.local':
      return 'toneLocal';
    case 'exec.cachemount':
      return 'toneMount';
    case 'source.git.checkout':
      return 'toneGit';
    case 'frontend':
      return 'toneFrontend';
    case 'internal':
      return 'toneInternal';
    default:
      return 'toneOther';
  }
}
