import type { EventName, EventPayload } from '../common/contract';
import type { Disposer } from './lifetime';

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
  /** Transports to windows (IPC, serve mode's socket): they get an event's window form, if it has one. */
  private readonly windows = new WeakSet<AnyEventListener>();

  /**
   * `forWindows`: the payload as windows should get it, when that differs (a progress batch with
   * more output than a window can show: see `eventsForWindows`). Made at most once, only if a window
   * transport listens, and while this emit runs (it may read state the next event changes).
   */
  emit<E extends EventName>(event: E, payload: EventPayload<E>, forWindows?: () => EventPayload<E>): void {
    let made: EventPayload<E> | undefined;
    for (const listener of [...this.listeners, ...this.passive]) {
      try {
        const sent = forWindows && this.windows.has(listener) ? (made ??= forWindows()) : payload;
        (listener as (event: EventName, payload: unknown) => void)(event, sent);
      } catch {
        // One broken transport must not starve the others.
      }
    }
  }

  /**
   * `passive`: the listener hears every event but does not count as someone watching, so no docker
   * event stream, poll or housekeeping starts for it (a one-shot CLI command following its own call).
   * `window`: the listener carries events to a window, which gets their window form (see `emit`).
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
