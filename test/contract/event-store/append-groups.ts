import { describe, expect, it } from 'vitest';
import { readAll } from '#app/read-events.ts';
import type { AppendGroupRequest, AppendGroupsResult, EventStore, StreamHead } from '#ports/event-store.ts';
import { type ContractKit, EMPTY, plain, RESPONSE, rejection } from './kit.ts';

/**
 * Cross-wallet group append (EventStore.appendGroups, used by ingest): one-wallet groups of
 * distinct wallets in as few transactions as fit; a group that fails on its own items is not
 * written, and neither blocks nor half-writes the others.
 */
export function appendGroupsContract(kit: ContractKit): void {
  const { options, unique, event, appended, snapshot } = kit;
  /** A group of `parts` one-event parts on `lane`, each keyed. */
  const group = (walletId: string, lane: number, expected: StreamHead, parts: number, keys?: string[]) =>
    ({
      walletId,
      lane,
      expected,
      parts: Array.from({ length: parts }, (_, index) => ({
        events: [event(BigInt(index + 1))],
        idempotency: { key: keys?.[index] ?? unique('key'), payloadHash: 'hash-A', response: RESPONSE },
      })),
    }) satisfies AppendGroupRequest;
  const groupsOf = (store: EventStore) => {
    if (store.appendGroups === undefined) throw new Error('the store has no appendGroups');
    return store.appendGroups.bind(store);
  };
  const written = (result: AppendGroupsResult | undefined) => {
    if (result?.kind !== 'appended') throw new Error(`expected appended, got ${result?.kind}`);
    return result;
  };

  describe('appendGroups: several wallets, as few transactions as fit', () => {
    it('writes every group at its lane and versions, each part with its key; lanes open and hot lanes stay apart', async () => {
      const store = await options.store();
      const [fresh, busy, opening, hot] = [unique('fresh'), unique('busy'), unique('open'), unique('hot')];
      const before = await appended(store, { walletId: busy, lane: 0, expected: EMPTY, events: [event(9n)] });
      const requests = [
        group(fresh, 0, EMPTY, 3),
        group(busy, 0, before.head, 2),
        group(opening, 1, EMPTY, 1),
        group(hot, 33, EMPTY, 2),
      ];
      const results = await groupsOf(store)(requests);
      expect(results.map((result) => result.kind)).toEqual(['appended', 'appended', 'appended', 'appended']);
      const busyResult = written(results[1]);
      expect(busyResult.parts.map((part) => part.map((e) => [e.walletId, e.lane, e.version]))).toEqual([
        [[busy, 0, 2]],
        [[busy, 0, 3]],
      ]);
      expect(await store.head(busy, 0)).toEqual(busyResult.head);
      expect(await store.lanes(opening)).toEqual([0, 1]);
      expect(await store.lanes(hot)).toEqual([0, 33]);
      expect((await readAll(store, hot, 33)).map(plain)).toEqual(written(results[3]).parts.flat());
      for (const [index, request] of requests.entries()) {
        const result = written(results[index]);
        for (const [part, { idempotency }] of request.parts.entries()) {
          const recorded = result.parts[part] ?? [];
          expect(recorded[0]?.idempotencyKey).toBe(idempotency.key);
          expect(await store.findIdempotency(idempotency.key)).toMatchObject({
            walletId: request.walletId,
            versions: recorded.map((e) => e.version),
            eventIds: recorded.map((e) => e.eventId),
            response: RESPONSE,
          });
        }
        expect(await store.verify(request.walletId)).toMatchObject({ ok: true });
      }
    });

    it('a group whose key is used or whose head moved is not written; the others are', async () => {
      const store = await options.store();
      const [used, moved, fine] = [unique('used'), unique('moved'), unique('fine')];
      const usedKey = unique('key');
      await appended(store, {
        walletId: unique('elsewhere'),
        lane: 0,
        expected: EMPTY,
        events: [event(1n)],
        idempotency: { key: usedKey, payloadHash: 'hash-A', response: RESPONSE },
      });
      await appended(store, { walletId: moved, lane: 0, expected: EMPTY, events: [event(1n)] });
      const before = [await snapshot(store, used), await snapshot(store, moved)];
      const results = await groupsOf(store)([
        group(used, 0, EMPTY, 2, [unique('key'), usedKey]),
        group(moved, 0, EMPTY, 1),
        group(fine, 0, EMPTY, 2),
      ]);
      expect(results.map((result) => result.kind)).toEqual(['failed', 'failed', 'appended']);
      // The used key comes back with its record, so its caller is answered without a look-up.
      expect(results[0]).toMatchObject({
        kind: 'failed',
        taken: [{ part: 1, record: await store.findIdempotency(usedKey) }],
      });
      expect(results[1]).not.toHaveProperty('taken');
      expect([await snapshot(store, used), await snapshot(store, moved)]).toEqual(before);
      expect((await readAll(store, fine, 0)).map((e) => e.version)).toEqual([1, 2]);
      expect(await store.findIdempotency(usedKey)).toMatchObject({
        walletId: expect.not.stringMatching(used),
      });
    });

    it('packs more than one transaction holds into several, every group written once', async () => {
      const store = await options.store();
      // 30 groups of 2 parts: 4 items each, 120 in all.
      const requests = Array.from({ length: 30 }, () => group(unique('many'), 0, EMPTY, 2));
      const results = await groupsOf(store)(requests);
      expect(results.every((result) => result.kind === 'appended')).toBe(true);
      for (const request of requests) {
        expect((await readAll(store, request.walletId, 0)).map((e) => e.version)).toEqual([1, 2]);
      }
    });

    it('refuses one wallet twice or one key twice, writing nothing', async () => {
      const store = await options.store();
      const walletId = unique('twice');
      const key = unique('key');
      expect(
        await rejection(groupsOf(store)([group(walletId, 0, EMPTY, 1), group(walletId, 1, EMPTY, 1)])),
      ).toBeInstanceOf(Error);
      const other = unique('other');
      expect(
        await rejection(
          groupsOf(store)([group(walletId, 0, EMPTY, 1, [key]), group(other, 0, EMPTY, 1, [key])]),
        ),
      ).toBeInstanceOf(Error);
      expect((await snapshot(store, walletId)).perLane[0]?.events).toEqual([]);
      expect(await store.findIdempotency(key)).toBeUndefined();
    });

    it('findIdempotencies: the used keys among those asked, each with its record', async () => {
      const store = await options.store();
      if (store.findIdempotencies === undefined) throw new Error('the store has no findIdempotencies');
      const [used, unused] = [unique('key'), unique('key')];
      await appended(store, {
        walletId: unique('keys'),
        lane: 0,
        expected: EMPTY,
        events: [event(1n)],
        idempotency: { key: used, payloadHash: 'hash-A', response: RESPONSE },
      });
      const found = await store.findIdempotencies([used, unused, used]);
      expect([...found.keys()]).toEqual([used]);
      expect(found.get(used)).toEqual(await store.findIdempotency(used));
      expect(await store.findIdempotencies([])).toEqual(new Map());
    });
  });
}
