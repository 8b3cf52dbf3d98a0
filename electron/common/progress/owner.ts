/**
 * Copy-on-write bookkeeping for one reduction pass: objects created during the pass may be
 * mutated in place; anything older is copied first (so earlier snapshots never change).
 * A plain Set, not a WeakSet: the pass is short-lived, and a WeakSet per event cost the live
 * path a measurable share of its time in ephemeron-table garbage collection.
 */
export class Owner {
  private readonly owned = new Set<object>();
  own<T extends object>(value: T): T {
    this.owned.add(value);
    return value;
  }
  has(value: object): boolean {
    return this.owned.has(value);
  }
  /** A shallow copy owned by this pass, or the value itself if already owned. */
  writable<T extends object>(value: T): T {
    if (this.owned.has(value)) return value;
    const copy = (Array.isArray(value) ? value.slice() : { ...value }) as T;
    this.owned.add(copy);
    return copy;
  }
}
