/**
 * Recently built folders, newest first. Folder paths only (never secrets, build args or tags), so
 * localStorage is an acceptable home; History is the full record once it exists.
 */
const KEY = 'builddeck.builds.recentFolders';
const MAX = 8;

export function recentFolders(): string[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function addRecentFolder(path: string): void {
  try {
    const next = [path, ...recentFolders().filter((p) => p !== path)].slice(0, MAX);
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: recents are a convenience.
  }
}

export function forgetRecentFolder(path: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(recentFolders().filter((p) => p !== path)));
  } catch {
    // as above
  }
}
