/**
 * The chart code (recharts and its d3 parts), imported only through {@link ./lazy}: a separate chunk
 * that loads when a details page first draws a chart.
 */
export { RunsChart } from './RunsChart';
export { TimingChart } from './TimingChart';
