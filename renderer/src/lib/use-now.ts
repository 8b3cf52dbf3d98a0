import { useSyncExternalStore } from 'react';

/**
 * One shared 1 s ticker for relative times, so N "x s ago" labels cost one interval, not N.
 * The interval runs only while something is subscribed.
 */
const subscribers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
let now = Date.now();

function subscribe(onChange: () => void): () => void {
  subscribers.add(onChange);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of subscribers) notify();
    }, 1_000);
  }
  return () => {
    subscribers.delete(onChange);
    if (subscribers.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const getSnapshot = (): number => now;

export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
