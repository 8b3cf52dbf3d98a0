import type { BuildSummary } from '../../common/contracts/builds';
import type { HistoryEntry, HistoryItem, HistoryStep } from '../../common/contracts/history';
import type { StartedBuildRecord } from '../builds/ports';

/** The row a started build adds: exactly what the builds service reports (request without secrets). */
export type HistoryStartRow = StartedBuildRecord;

export interface HistoryFinishRow {
  status: HistoryItem['status'];
  finishedAt: number;
  durationMs: number;
  digest?: string | undefined;
  imageName?: string | undefined;
  ref?: string | undefined;
  error?: string | undefined;
  steps: number;
  cachedSteps: number;
  summary: BuildSummary;
  stepRows: HistoryStep[];
  logs: { step: string; stream: number; text: string }[];
  logsTruncated: boolean;
  failure?: HistoryEntry['failure'];
}

export interface HistoryFilter {
  contextDir?: string | undefined;
  builder?: string | undefined;
  status?: HistoryItem['status'] | undefined;
  limit: number;
  before?: number | undefined;
}

/** Where build history lives (SQLite in production). All calls are synchronous and short. */
export interface HistoryStorePort {
  insertStarted(row: HistoryStartRow): void;
  finish(buildId: string, row: HistoryFinishRow): void;
  list(filter: HistoryFilter): { items: HistoryItem[]; total: number };
  get(buildId: string): HistoryEntry | undefined;
  delete(buildId: string): boolean;
  /**
   * Deletes finished builds beyond the newest `keep` or started before `olderThan` (epoch ms);
   * running builds are never touched. Returns the ids deleted.
   */
  prune(policy: { keep: number; olderThan: number }): string[];
}
