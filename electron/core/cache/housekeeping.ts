import {
  parseDuration,
  parseSize,
  type HousekeepingRuleValue,
  type HousekeepingRunValue,
  type HousekeepingState,
} from '../../common/contracts/cache';
import { AppException, appError } from '../../common/errors';
import type { EventBus } from '../events';
import type { Disposer } from '../lifetime';
import type { Clock } from '../ports';
import type { CacheStorePort, HousekeepingRule, HousekeepingRun, HousekeepingTrigger } from './ports';
import type { CacheService, PruneInput } from './service';

export interface HousekeepingOptions {
  /** How often due rules are looked for while someone listens (app, serve). */
  tickMs: number;
  /** Delay before the first look after the core starts. */
  firstTickMs: number;
  /** Check interval of a rule saved without one. */
  defaultIntervalMs: number;
}

export interface HousekeepingInput {
  builder: string;
  enabled: boolean;
  maxSize?: string | number | null | undefined;
  olderThan?: string | null | undefined;
  all?: boolean | undefined;
  interval?: string | undefined;
  remove?: boolean | undefined;
}

const RUNS_SHOWN = 20;

/**
 * Opt-in, per-builder cache housekeeping. A rule is checked every `intervalMs` while BuildDeck runs
 * as an app or server (the EventBus is active); a one-shot CLI never prunes behind the user's back.
 * A run prunes through CacheService.prune, so it follows exactly the semantics and safety of a
 * user's prune (plan, then removal by id), in two steps:
 *  1. olderThan: records not used for that long (`until`);
 *  2. maxSize: least-valuable records while the private cache is above it (BuildKit's GC order).
 * Every run is recorded, including the ones that found nothing to do, skipped a stopped builder
 * or failed.
 */
export class Housekeeping {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly offActive: Disposer;

  constructor(
    private readonly cache: CacheService,
    private readonly store: () => CacheStorePort | undefined,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly options: HousekeepingOptions,
  ) {
    this.offActive = events.onActive((active) => (active ? this.start() : this.stop()));
  }

  async get(builder: string | undefined): Promise<HousekeepingState> {
    const name = await this.cache.builderName(builder);
    const store = this.store();
    if (!store)
      return {
        builder: name,
        rule: null,
        runs: [],
        available: false,
        reason: 'BuildDeck’s database is not available, so housekeeping cannot be kept.',
      };
    const rule = store.rule(name);
    return {
      builder: name,
      rule: rule ? ruleValue(rule) : null,
      runs: store.runs(name, RUNS_SHOWN).map(runValue),
      available: true,
    };
  }

  async set(input: HousekeepingInput): Promise<HousekeepingState> {
    const store = this.requireStore();
    if (input.remove) {
      store.deleteRule(input.builder);
      return this.get(input.builder);
    }
    const previous = store.rule(input.builder);
    store.setRule({
      builder: input.builder,
      enabled: input.enabled,
      maxSize: input.maxSize === null || input.maxSize === undefined ? null : (parseSize(input.maxSize) ?? null),
      olderThanMs: input.olderThan ? (parseDuration(input.olderThan) ?? null) : null,
      all: input.all ?? false,
      intervalMs: input.interval
        ? (parseDuration(input.interval) ?? this.options.defaultIntervalMs)
        : (previous?.intervalMs ?? this.options.defaultIntervalMs),
      updatedAt: this.clock.now(),
    });
    return this.get(input.builder);
  }

  /** Runs the builder's rule now and records the run (the `trigger` says who asked). */
  async run(builder: string, trigger: HousekeepingTrigger): Promise<HousekeepingRunValue> {
    const store = this.requireStore();
    const rule = store.rule(builder);
    if (!rule) {
      throw appError('INVALID_INPUT', `Builder "${builder}" has no housekeeping rule.`, {
        hint: 'Save a rule (a size limit or an age) first.',
        details: { field: 'builder' },
      });
    }
    const run = this.execute(rule, trigger);
    this.running = run;
    try {
      return runValue(await run);
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async execute(rule: HousekeepingRule, trigger: HousekeepingTrigger): Promise<HousekeepingRun> {
    const started = this.clock.now();
    const store = this.requireStore();
    const record = (r: Omit<HousekeepingRun, 'id' | 'builder' | 'at' | 'trigger' | 'durationMs'>) =>
      store.addRun({ ...r, builder: rule.builder, at: started, trigger, durationMs: this.clock.now() - started });
    let sizeBefore: number | null = null;
    let records = 0;
    let bytes = 0;
    let exact = true;
    try {
      sizeBefore = (await this.cache.usage(rule.builder)).totals.size;
      const steps: NonNullable<PruneInput['filters']>[] = [];
      if (rule.olderThanMs !== null)
        steps.push({ until: `${Math.max(1, Math.round(rule.olderThanMs / 1000))}s`, all: rule.all });
      if (rule.maxSize !== null) steps.push({ reservedSpace: rule.maxSize, all: rule.all });
      const notes: string[] = [];
      for (const filters of steps) {
        const result = await this.cache.prune({ builder: rule.builder, filters });
        records += result.freed?.ids.length ?? 0;
        bytes += result.freed?.size ?? 0;
        exact &&= result.freed?.sizeExact ?? true;
        if (result.freed && result.freed.notRemoved.length > 0)
          notes.push(`${result.freed.notRemoved.length} planned record(s) stayed`);
      }
      return record({
        outcome: records > 0 ? 'pruned' : 'nothing',
        records,
        bytes,
        bytesExact: exact,
        sizeBefore,
        sizeAfter: sizeBefore - bytes,
        detail: notes.length > 0 ? notes.join('; ') : null,
      });
    } catch (err) {
      const e =
        err instanceof AppException
          ? err.appError
          : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
      const skipped = e.code === 'BUILDER_UNREACHABLE' || e.code === 'DOCKER_UNREACHABLE';
      return record({
        outcome: records > 0 ? 'pruned' : skipped ? 'skipped' : 'failed',
        records,
        bytes,
        bytesExact: exact,
        sizeBefore,
        sizeAfter: sizeBefore === null ? null : sizeBefore - bytes,
        detail: `${e.code}: ${e.message}`,
      });
    }
  }

  /** Runs every enabled rule whose interval has passed since its last run; one run at a time. */
  async tick(): Promise<void> {
    if (this.running) return;
    const store = this.store();
    if (!store) return;
    let rules: HousekeepingRule[];
    try {
      rules = store.rules();
    } catch {
      return;
    }
    for (const rule of rules) {
      if (!rule.enabled) continue;
      const last = store.runs(rule.builder, 1)[0];
      if (last && this.clock.now() - last.at < rule.intervalMs) continue;
      try {
        await this.run(rule.builder, 'schedule');
      } catch {
        // recorded by execute(); a missing rule (deleted meanwhile) needs nothing
      }
    }
  }

  private requireStore(): CacheStorePort {
    const store = this.store();
    if (!store) {
      throw appError('INTERNAL', 'BuildDeck’s database is not available, so housekeeping cannot be kept.', {
        hint: 'Check that the data folder is writable; the History view shows the same problem.',
      });
    }
    return store;
  }

  private start(): void {
    if (this.timer) return;
    const tick = () => void this.tick().catch(() => undefined);
    this.first = setTimeout(tick, this.options.firstTickMs);
    this.first.unref();
    this.timer = setInterval(tick, this.options.tickMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
    this.first = undefined;
    this.timer = undefined;
  }

  dispose(): void {
    this.offActive();
    this.stop();
  }
}

function ruleValue(r: HousekeepingRule): HousekeepingRuleValue {
  return {
    builder: r.builder,
    enabled: r.enabled,
    maxSize: r.maxSize,
    olderThanMs: r.olderThanMs,
    all: r.all,
    intervalMs: r.intervalMs,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

function runValue(r: HousekeepingRun): HousekeepingRunValue {
  return { ...r, at: new Date(r.at).toISOString() };
}
