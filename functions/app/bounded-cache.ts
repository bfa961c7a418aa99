/**
 * A least-recently-used cache of at most `max` entries: the part of the `lru-cache` package the
 * in-process caches use (get, peek, set, delete), in a Map, whose insertion order is the recency
 * order. The package is 18 KB minified in every function that caches; this is a few hundred bytes.
 */
export class LRUCache<K, V> {
  private readonly entries = new Map<K, V>();
  readonly max: number;

  constructor(options: { max: number }) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new TypeError(`LRUCache: max must be a positive integer, not ${String(options.max)}`);
    }
    this.max = options.max;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** The value, leaving the recency order as it is. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Stores the value as the most recently used, evicting the least recently used past `max`. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }
}
