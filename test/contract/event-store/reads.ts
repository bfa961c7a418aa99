import { describe, expect, it } from 'vitest';
import { readAll, readWallet } from '#app/read-events.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { StreamHead } from '#ports/event-store.ts';
import { type ContractKit, EMPTY, EVENTS_PER_APPEND_MAX, plain, versionsOf } from './kit.ts';

/** Reads: an empty wallet, lanes, paged ordered reads and ranges, the wallets list. */
export function readsContract(kit: ContractKit): void {
  const { options, unique, event, appended } = kit;
  describe('a wallet without events', () => {
    it('has head version 0 with an empty hash, lane 0 only, no pages, and verifies as empty', async () => {
      const store = await options.store();
      const walletId = unique('none');
      expect(await store.head(walletId, 0)).toEqual(EMPTY);
      expect(await store.head(walletId, 5)).toEqual(EMPTY);
      expect(await store.lanes(walletId)).toEqual([0]);
      const pages: RecordedEvent[][] = [];
      for await (const page of store.read(walletId, 0)) pages.push(page);
      expect(pages).toEqual([]);
      expect(await readWallet(store, walletId)).toEqual([]);
      expect(await store.findIdempotency(unique('no-key'))).toBeUndefined();
      expect(await store.verify(walletId)).toEqual({
        ok: true,
        lanes: 1,
        events: 0,
        heads: new Map([[0, EMPTY]]),
      });
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('lanes', () => {
    it('opens a lane on its version 1; lists lanes ascending; reads, heads and chains are per lane', async () => {
      const store = await options.store();
      const walletId = unique('lanes');
      const lane0 = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(1n, 'l0-1'), event(2n, 'l0-2')],
      });
      expect(await store.lanes(walletId)).toEqual([0]);
      const lane3 = await appended(store, {
        walletId,
        lane: 3,
        expected: EMPTY,
        events: [event(30n, 'l3-1')],
      });
      expect(lane3.events[0]).toMatchObject({ lane: 3, version: 1 });
      expect(await store.lanes(walletId)).toEqual([0, 3]);
      const lane3b = await appended(store, {
        walletId,
        lane: 3,
        expected: lane3.head,
        events: [event(31n, 'l3-2')],
      });
      expect(await store.lanes(walletId)).toEqual([0, 3]);

      // A lost race to open lane 3 again changes nothing.
      await expect(
        store.append({ walletId, lane: 3, expected: EMPTY, events: [event(99n)] }),
      ).rejects.toMatchObject({ reason: 'version-taken', lane: 3, taken: lane3.head });
      expect(await store.lanes(walletId)).toEqual([0, 3]);

      await appended(store, { walletId, lane: 31, expected: EMPTY, events: [event(7n, 'l31-1')] });
      await appended(store, { walletId, lane: 1, expected: EMPTY, events: [event(8n, 'l1-1')] });
      expect(await store.lanes(walletId)).toEqual([0, 1, 3, 31]);
      // Hot lanes (HOT_LANES_FROM and up; a store may keep each apart) read back like any other.
      const lane40 = await appended(store, {
        walletId,
        lane: 40,
        expected: EMPTY,
        events: [event(9n, 'l40-1'), event(10n, 'l40-2')],
      });
      await appended(store, { walletId, lane: 63, expected: EMPTY, events: [event(11n, 'l63-1')] });
      expect(await store.lanes(walletId)).toEqual([0, 1, 3, 31, 40, 63]);
      expect(await store.head(walletId, 40)).toEqual(lane40.head);

      const ids = async (lane: number) => (await readAll(store, walletId, lane)).map((e) => e.eventId);
      expect(await ids(0)).toEqual(['l0-1', 'l0-2']);
      expect(await ids(3)).toEqual(['l3-1', 'l3-2']);
      expect(await ids(40)).toEqual(['l40-1', 'l40-2']);
      expect(await ids(2)).toEqual([]);
      expect(await store.head(walletId, 0)).toEqual(lane0.head);
      expect(await store.head(walletId, 3)).toEqual(lane3b.head);
      expect(await store.head(walletId, 2)).toEqual(EMPTY);
      // An intact walk reports the head each lane ended at.
      const heads = new Map<number, StreamHead>();
      for (const lane of [0, 1, 3, 31, 40, 63]) heads.set(lane, await store.head(walletId, lane));
      expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 6, events: 9, heads });

      // The whole log: lane by lane, each in version order (the store's own read, or lanes + read).
      const all = (await readWallet(store, walletId)).map((e) => `${e.lane}:${e.version}:${e.eventId}`);
      expect(all).toEqual([
        '0:1:l0-1',
        '0:2:l0-2',
        '1:1:l1-1',
        '3:1:l3-1',
        '3:2:l3-2',
        '31:1:l31-1',
        '40:1:l40-1',
        '40:2:l40-2',
        '63:1:l63-1',
      ]);
      if (store.readWallet !== undefined) {
        const laneByLane: RecordedEvent[] = [];
        for (const lane of await store.lanes(walletId))
          laneByLane.push(...(await readAll(store, walletId, lane)));
        expect((await store.readWallet(walletId)).map(plain)).toEqual(laneByLane.map(plain));
      }
    });
  });

  describe('reads in order, in pages', () => {
    it('yields complete, non-empty pages in version order; ranges cut exactly', async () => {
      const store = await options.store();
      const walletId = unique('pages');
      const total = 2 * options.pageSize + 3;
      let head = EMPTY;
      while (head.version < total) {
        const count = Math.min(EVENTS_PER_APPEND_MAX, total - head.version);
        const events = Array.from({ length: count }, (_, index) =>
          event(BigInt(head.version + index + 1), `p-${head.version + index + 1}`),
        );
        head = (await appended(store, { walletId, lane: 0, expected: head, events })).head;
      }
      const pages: RecordedEvent[][] = [];
      for await (const page of store.read(walletId, 0)) pages.push(page);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.every((page) => page.length > 0 && page.length <= options.pageSize)).toBe(true);
      const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      expect(versionsOf(pages.flat())).toEqual(span(1, total));
      expect(pages.flat().map((e) => e.eventId)).toEqual(span(1, total).map((n) => `p-${n}`));
      // The whole-log read pages through the same events.
      expect((await readWallet(store, walletId)).map(plain)).toEqual(pages.flat().map(plain));

      const range = async (fromVersion?: number, toVersion?: number) =>
        versionsOf(
          await readAll(store, walletId, 0, {
            ...(fromVersion === undefined ? {} : { fromVersion }),
            ...(toVersion === undefined ? {} : { toVersion }),
          }),
        );
      const page = options.pageSize;
      expect(await range(page - 1, page + 2)).toEqual(span(page - 1, page + 2));
      expect(await range(total - 2)).toEqual(span(total - 2, total));
      expect(await range(undefined, 3)).toEqual([1, 2, 3]);
      expect(await range(0, 2)).toEqual([1, 2]);
      expect(await range(page, page)).toEqual([page]);
      expect(await range(total + 1)).toEqual([]);
      expect(await range(10, 9)).toEqual([]);

      // A range across a page boundary comes in more than one page, each in order.
      const rangePages: number[][] = [];
      for await (const part of store.read(walletId, 0, { fromVersion: 2, toVersion: total - 1 })) {
        rangePages.push(versionsOf(part));
      }
      expect(rangePages.length).toBeGreaterThanOrEqual(2);
      expect(rangePages.flat()).toEqual(span(2, total - 1));
    }, 60_000);
  });

  describe('walletIds', () => {
    it('lists every wallet with a lane-0 event exactly once across segments, page by page', async () => {
      const store = await options.store();
      const mine = Array.from({ length: 7 }, () => unique('listed'));
      for (const walletId of mine) {
        await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(1n)] });
        await appended(store, { walletId, lane: 2, expected: EMPTY, events: [event(1n)] });
      }
      // A wallet with events in another lane only is not one the jobs walk.
      const laneOnly = unique('lane-only');
      await appended(store, { walletId: laneOnly, lane: 5, expected: EMPTY, events: [event(1n)] });

      const segments = 3;
      const seen: string[] = [];
      for (let segment = 0; segment < segments; segment++) {
        let cursor: string | null = null;
        do {
          const page: { walletIds: string[]; nextCursor: string | null } = await store.walletIds({
            segment,
            segments,
            cursor,
          });
          seen.push(...page.walletIds);
          cursor = page.nextCursor;
        } while (cursor !== null);
      }
      expect(seen.filter((walletId) => mine.includes(walletId)).sort()).toEqual([...mine].sort());
      expect(seen).not.toContain(laneOnly);
      expect(new Set(seen).size).toBe(seen.length);
    });
  });
}
