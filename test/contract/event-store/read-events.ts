import { describe, expect, it } from 'vitest';
import { readAll } from '#app/read-events.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { type ContractKit, EMPTY, plain } from './kit.ts';

const byPlace = (a: RecordedEvent, b: RecordedEvent) =>
  a.walletId.localeCompare(b.walletId) || a.lane - b.lane || a.version - b.version;

/** readEvents: events by their places, across wallets and lanes, past one request's 100 keys. */
export function readEventsContract(kit: ContractKit): void {
  const { options, unique, event, appended } = kit;
  describe('readEvents', () => {
    it('answers the events at the places named, once each, and leaves out places without one', async () => {
      const store = await options.store();
      if (store.readEvents === undefined) throw new Error('this store has no readEvents');
      const a = unique('refs-a');
      const b = unique('refs-b');
      // 98 + 10 events in lane 0 of a: more places than one BatchGetItem takes.
      const first = await appended(store, {
        walletId: a,
        lane: 0,
        expected: EMPTY,
        events: Array.from({ length: 98 }, (_, i) => event(BigInt(i + 1))),
      });
      await appended(store, {
        walletId: a,
        lane: 0,
        expected: first.head,
        events: Array.from({ length: 10 }, (_, i) => event(BigInt(100 + i))),
      });
      // Lane 40 is a shard lane in the DynamoDB layout: a partition key of its own.
      await appended(store, { walletId: b, lane: 40, expected: EMPTY, events: [event(7n), event(8n)] });
      await appended(store, { walletId: b, lane: 1, expected: EMPTY, events: [event(9n)] });

      const refs = [
        ...Array.from({ length: 108 }, (_, i) => ({ walletId: a, lane: 0, version: 108 - i })),
        { walletId: a, lane: 0, version: 5 },
        { walletId: a, lane: 0, version: 109 },
        { walletId: b, lane: 40, version: 2 },
        { walletId: b, lane: 1, version: 1 },
        { walletId: b, lane: 2, version: 1 },
        { walletId: unique('nobody'), lane: 0, version: 1 },
      ];
      const found = (await store.readEvents(refs)).map(plain).sort(byPlace);
      const expected = [
        ...(await readAll(store, a, 0)),
        ...(await readAll(store, b, 1)),
        ...(await readAll(store, b, 40, { fromVersion: 2 })),
      ]
        .map(plain)
        .sort(byPlace);
      expect(expected).toHaveLength(110);
      expect(found).toEqual(expected);
      expect(await store.readEvents([])).toEqual([]);
    });
  });
}
