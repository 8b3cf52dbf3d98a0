/**
 * A short most-recent-first list of strings in localStorage (folder paths only: never secrets,
 * build args or tags). Storage that is full or disabled just means no recents.
 */
export function recentList(key: string, max = 8) {
  const list = (): string[] => {
    try {
      const raw: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
      return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').slice(0, max) : [];
    } catch {
      return [];
    }
  };
  const save = (values: string[]) => {
    try {
      localStorage.setItem(key, JSON.stringify(values.slice(0, max)));
    } catch {
      // Recents are a convenience.
    }
  };
  return {
    list,
    add: (value: string) => save([value, ...list().filter((p) => p !== value)]),
    forget: (value: string) => save(list().filter((p) => p !== value)),
  };
}
