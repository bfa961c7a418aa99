import fc from 'fast-check';
import { LRUCache as Reference } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { LRUCache } from '#app/bounded-cache.ts';

describe('LRUCache (bounded-cache.ts)', () => {
  it('evicts the least recently used entry past max; get refreshes, peek does not', () => {
    const cache = new LRUCache<string, number>({ max: 2 });
    cache.set('a', 1).set('b', 2);
    expect(cache.peek('a')).toBe(1); // a stays the oldest
    cache.set('c', 3);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2); // b is now the newest
    cache.set('d', 4);
    expect(cache.peek('c')).toBeUndefined();
    expect([cache.peek('b'), cache.peek('d'), cache.size]).toEqual([2, 4, 2]);
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
  });

  it('refuses a max that is not a positive integer', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) expect(() => new LRUCache({ max })).toThrow(TypeError);
  });

  it('answers like the lru-cache package for any sequence of get, peek, set and delete', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant('peek' as const), key: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 6 }) }),
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 6 }),
        value: fc.integer(),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const ours = new LRUCache<number, number>({ max });
        const theirs = new Reference<number, number>({ max });
        for (const step of ops) {
          if (step.kind === 'set') {
            ours.set(step.key, step.value);
            theirs.set(step.key, step.value);
          } else {
            expect(ours[step.kind](step.key)).toEqual(theirs[step.kind](step.key));
          }
        }
        for (let key = 0; key <= 6; key++) expect(ours.peek(key)).toEqual(theirs.peek(key));
      }),
    );
  });
});
