import { recentList } from '../../lib/recent-list';

/** Recently opened bake projects, newest first (folder paths only). */
const projects = recentList('builddeck.bake.recentProjects');

export const recentProjects = projects.list;
export const addRecentProject = projects.add;
