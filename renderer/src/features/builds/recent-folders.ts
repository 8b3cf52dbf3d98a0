import { recentList } from '../../lib/recent-list';

/**
 * Recently built folders, newest first. Folder paths only (never secrets, build args or tags), so
 * localStorage is an acceptable home; History is the full record.
 */
const folders = recentList('builddeck.builds.recentFolders');

export const recentFolders = folders.list;
export const addRecentFolder = folders.add;
export const forgetRecentFolder = folders.forget;
