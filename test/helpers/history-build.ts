import { buildRequest, type BuildEvent } from '../../electron/common/contracts/builds';
import type { StartedBuildRecord } from '../../electron/core/builds/ports';

/**
 * The start of a plain build as the builds service hands it to History: context /w on builder `b`
 * (docker driver), no platforms, no secrets. The log tests (history-log-save, log-caps) start
 * their builds this way, so a test names only its build id.
 */
export const startedRecord = (buildId: string): StartedBuildRecord => ({
  buildId,
  request: buildRequest.parse({ contextDir: '/w' }),
  secretIds: [],
  builder: 'b',
  driver: 'docker',
  platforms: [],
  startedAt: 0,
});

/** That build's first progress event, as buildx's stream opens it. */
export const startedEvent: BuildEvent = {
  type: 'started',
  at: 0,
  builder: 'b',
  driver: 'docker',
  platforms: [],
  contextDir: '/w',
  tags: [],
  command: [],
};
