import { settingsPatch, settingsSchema, type Settings } from '../../common/contracts/settings';
import type { z } from 'zod';
import type { EventBus } from '../events';
import type { Disposer } from '../lifetime';
import type { Clock, DocumentStore } from '../ports';

type Patch = z.output<typeof settingsPatch>;

/**
 * Persisted, validated settings. A file with a broken field keeps every valid field and the broken
 * file is moved aside (never deleted): nothing the user wrote is lost.
 */
export class SettingsService {
  private current: Settings;
  private readonly listeners = new Set<(next: Settings, previous: Settings) => void>();
  /** Why the file on disk was not taken as it was, for the Settings view and logs. */
  readonly loadWarnings: string[] = [];

  constructor(
    private readonly store: DocumentStore,
    private readonly events: EventBus,
    private readonly clock: Clock,
    initialText: string | undefined,
  ) {
    this.current = this.parse(initialText);
  }

  get(): Settings {
    return this.current;
  }

  get path(): string {
    return this.store.path;
  }

  onChange(listener: (next: Settings, previous: Settings) => void): Disposer {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async update(patch: Patch): Promise<Settings> {
    const cleared = new Set(
      Object.entries(patch)
        .filter(([, v]) => v === null)
        .map(([k]) => k),
    );
    const merged = Object.fromEntries(
      [...Object.entries(this.current), ...Object.entries(patch)].filter(
        ([k, v]) => v !== undefined && !cleared.has(k),
      ),
    );
    return this.commit(settingsSchema.parse(merged));
  }

  async reset(): Promise<Settings> {
    await this.store.backup(`backup-${this.clock.now()}`);
    return this.commit(settingsSchema.parse({}));
  }

  private async commit(next: Settings): Promise<Settings> {
    const previous = this.current;
    await this.store.save(`${JSON.stringify(next, null, 2)}\n`);
    this.current = next;
    for (const l of this.listeners) l(next, previous);
    this.events.emit('settings.changed', { settings: next });
    return next;
  }

  private parse(text: string | undefined): Settings {
    if (text === undefined) return settingsSchema.parse({});
    let raw: unknown;
    try {
      raw = JSON.parse(text) as unknown;
    } catch {
      this.setAside('the settings file is not JSON');
      return settingsSchema.parse({});
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.setAside('the settings file is not an object');
      return settingsSchema.parse({});
    }
    // Field by field: one bad value must not cost the user every other setting.
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const single = settingsPatch.safeParse({ [key]: value });
      if (single.success && value !== null) kept[key] = value;
      else
        this.loadWarnings.push(
          `ignored ${key}: ${single.success ? 'null' : (single.error.issues[0]?.message ?? 'invalid')}`,
        );
    }
    if (this.loadWarnings.length > 0) this.setAside(this.loadWarnings.join('; '));
    return settingsSchema.parse(kept);
  }

  /** Settles once a repaired file (see setAside) is on disk; tests and shutdown can await it. */
  repaired: Promise<void> = Promise.resolve();

  private setAside(reason: string): void {
    if (!this.loadWarnings.includes(reason)) this.loadWarnings.push(reason);
    // The original is kept beside its name so the user can recover what they wrote; the cleaned
    // settings are written back so the valid fields survive the next start.
    const suffix = `invalid-${this.clock.now()}`;
    this.repaired = this.store
      .backup(suffix)
      .then(() => this.store.save(`${JSON.stringify(this.current, null, 2)}\n`))
      .catch(() => undefined);
  }
}
