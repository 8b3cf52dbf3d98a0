/**
 * Build progress for every edge: the pure reducer, name parsing and log helpers.
 * See contracts/builds.ts for the event and snapshot types.
 */
export {
  applyProgress,
  createBuildSnapshot,
  DEFAULT_LANE,
  DEFAULT_LIMITS,
  reduceBuild,
  reduceBuildEvents,
  SHARED_LANE,
} from './reducer';
export { snippetAround, stepStateOf } from './step-state';
export { stepElapsedMs, summarizeBuild } from './summary';
export { orderedLaneSteps } from './lanes';
export {
  emptyLogList,
  lastLogLines,
  LOG_CHUNK,
  logLineAt,
  logLines,
  logPage,
  logTail,
  prependChunks,
  SENT_LOG_CHUNKS,
  SENT_STEP_LOG_CHUNKS,
  snapshotToSend,
} from './log-list';
export { parseVertexName, type VertexName } from './names';
export {
  bakeEventsForWindows,
  bakeWindowBatch,
  buildWindowBatch,
  eventsForWindows,
  WINDOW_LOG_CHARS,
  WINDOW_LOG_EVENTS,
  WindowBatch,
} from './window-batch';
export {
  applyBakeProgress,
  BakeAttributor,
  bakeTargetNames,
  createBakeSnapshot,
  finishBakeEvents,
  reduceBakeEvents,
  splitTargetPrefix,
  summarizeBake,
  summarizeBakeTarget,
  type BakeOutcome,
} from './bake';
