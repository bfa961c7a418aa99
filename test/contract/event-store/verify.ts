import { describe, expect, it } from 'vitest';
import type { StreamHead } from '#ports/event-store.ts';
import { type ContractKit, EMPTY } from './kit.ts';

/** verify from a head checked before: only what was appended since is walked, chained to its hash. */
export function verifyContract(kit: ContractKit): void {
  const { options, unique, event, appended } = kit;
  describe('incremental verify', () => {
    it('walks only from the given heads on, each still carrying the hash verified before', async () => {
      const store = await options.store();
      const walletId = unique('verify-from');
      const first = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(1n), event(2n)],
      });
      const lane1 = await appended(store, { walletId, lane: 1, expected: EMPTY, events: [event(3n)] });
      const last = await appended(store, {
        walletId,
        lane: 0,
        expected: first.head,
        events: [event(4n), event(5n), event(6n)],
      });
      // Intact, the walk reports the head each lane ended at (a caller signs those, reading no head).
      const heads = new Map<number, StreamHead>([
        [0, last.head],
        [1, lane1.head],
      ]);
      expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 2, events: 6, heads });
      const from = new Map<number, StreamHead>([
        [0, first.head],
        [1, lane1.head],
      ]);
      // Each lane's verified event is read again (its hash must be unchanged), then what follows it.
      expect(await store.verify(walletId, from)).toEqual({ ok: true, lanes: 2, events: 5, heads });
      // Handed some of the lanes, it walks (and reports) only those.
      expect(await store.verify(walletId, from, [1])).toEqual({
        ok: true,
        lanes: 1,
        events: 1,
        heads: new Map([[1, lane1.head]]),
      });
      expect(await store.verify(unique('verify-none'), undefined, [0])).toEqual({
        ok: true,
        lanes: 1,
        events: 0,
        heads: new Map([[0, EMPTY]]),
      });
    });

    it('is broken when the event at a given head has another hash, or the lane is shorter', async () => {
      const store = await options.store();
      const walletId = unique('verify-bad');
      const first = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(1n), event(2n)],
      });
      await appended(store, { walletId, lane: 0, expected: first.head, events: [event(3n)] });
      const forged = new Map<number, StreamHead>([[0, { version: 2, hash: 'f'.repeat(64) }]]);
      expect(await store.verify(walletId, forged)).toMatchObject({ ok: false, lane: 0, version: 2 });
      const beyond = new Map<number, StreamHead>([[0, { version: 9, hash: first.head.hash }]]);
      expect(await store.verify(walletId, beyond)).toMatchObject({ ok: false, lane: 0, version: 9 });
    });
  });
}
