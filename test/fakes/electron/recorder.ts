/**
 * FAKE electron, part 1: the call log and the rules. Every API of the FAKE records itself here (in
 * order, with whether `ready` had fired) and checks the rules real Electron enforces by throwing the
 * way Electron does, so a wiring mistake in main/ fails where it would fail on a user's machine.
 */

export interface Call {
  seq: number;
  api: string;
  /** JSON-safe summary of the arguments (functions become "[function]"). */
  args: unknown[];
  /** Whether the app's `ready` had fired when the call was made. */
  afterReady: boolean;
}

export const state = {
  ready: false,
  calls: [] as Call[],
  /** Rules the code under test broke (each also threw, like Electron). */
  violations: [] as string[],
  /** Test hook: runs synchronously on every call (the driver probes the process at that instant). */
  onCall: undefined as ((call: Call) => void) | undefined,
};

function summarise(value: unknown, depth = 0): unknown {
  if (typeof value === 'function') return '[function]';
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[…]';
  if (Array.isArray(value)) return value.map((v) => summarise(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return `[${proto.constructor.name}]`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarise(v, depth + 1)]));
}

export function record(api: string, ...args: unknown[]): Call {
  const call = { seq: state.calls.length + 1, api, args: args.map((a) => summarise(a)), afterReady: state.ready };
  state.calls.push(call);
  state.onCall?.(call);
  return call;
}

/** Throws like Electron when a rule is broken; the violation is also kept for the test to read. */
export function rule(ok: boolean, message: string): void {
  if (ok) return;
  state.violations.push(message);
  throw new Error(message);
}

export const mustBeReady = (what: string, message = `${what} cannot be used before the app is ready`) =>
  rule(state.ready, message);
export const mustNotBeReady = (message: string) => rule(!state.ready, message);

/** Electron's own message for any call on a destroyed window, webContents or tray. */
export const DESTROYED = 'Object has been destroyed';
