import type { EventName, EventPayload } from '../common/contract';
import type { Disposer } from './lifetime';

/** Who an event is for (see `EventBus.emitTo`). */
export type Audience = 'windows' | 'others';

/** (event, payload) as a discriminated tuple: checking `event` narrows `payload`. */
export type AnyEventListener = (...args: { [E in EventName]: [event: E, payload: EventPayload<E>] }[EventName]) => void;

/**
 * The core's outbound events. Transports (IPC, WebSocket) subscribe once and forward everything;
 * `onActive` lets the core start watchers only while somebody listens (the CLI never does).
 */
export class EventBus {
  private readonly listeners = new Set<AnyEventListener>();
  /** Listeners that only follow what the caller itself asked for (a CLI verb): they start no watchers. */
  private readonly passive = new Set<AnyEventListener>();
  private readonly activity = new Set<(active: boolean) => void>();
  /** Transports to windows (IPC, serve mode's socket): they get progress in its window form (`emitTo`). */
  private readonly windows = new WeakSet<AnyEventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of [...this.listeners, ...this.passive]) this.call(listener, event, payload);
  }

  /**
   * An event for one audience only: window transports (IPC, serve mode's socket), or every other
   * listener. Progress goes out in two forms (core/live-progress.ts): every event as it comes to
   * the others (the CLI following its build), coalesced batches in their window form to windows.
   */
  emitTo<E extends EventName>(audience: Audience, event: E, payload: EventPayload<E>): void {
    const windows = audience === 'windows';
    for (const listener of [...this.listeners, ...this.passive])
      if (this.windows.has(listener) === windows) this.call(listener, event, payload);
  }

  /** Whether any listener of this audience is subscribed (nothing is made for an audience of none). */
  listening(audience: Audience): boolean {
    const windows = audience === 'windows';
    for (const set of [this.listeners, this.passive])
      for (const l of set) if (this.windows.has(l) === windows) return true;
    return false;
  }

  private call(listener: AnyEventListener, event: EventName, payload: unknown): void {
    try {
      (listener as (event: EventName, payload: unknown) => void)(event, payload);
    } catch {
      // One broken transport must not starve the others.
    }
  }

  /**
   * `passive`: the listener hears every event but does not count as someone watching, so no docker
   * event stream, poll or housekeeping starts for it (a one-shot CLI command following its own call).
   * `window`: the listener carries events to a window, which gets progress in its window form (see `emitTo`).
   */
  subscribe(listener: AnyEventListener, options: { passive?: boolean; window?: boolean } = {}): Disposer {
    if (options.window) this.windows.add(listener);
    if (options.passive) {
      this.passive.add(listener);
      return () => void this.passive.delete(listener);
    }
    this.listeners.add(listener);
    if (this.listeners.size === 1) for (const a of this.activity) a(true);
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) for (const a of this.activity) a(false);
    };
  }

  onActive(callback: (active: boolean) => void): Disposer {
    this.activity.add(callback);
    if (this.listeners.size > 0) callback(true);
    return () => {
      this.activity.delete(callback);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
