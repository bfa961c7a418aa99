import { describe, expect, it } from 'vitest';
import { readAll } from '#app/read-events.ts';
import type { AppendTogetherRequest, StreamHead } from '#ports/event-store.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import { type ContractKit, EMPTY, plain, RESPONSE, rejection } from './kit.ts';

/** Lane 0 of two wallets in one transaction (a transfer): all or nothing, one idempotency record. */
export function appendTogetherContract(kit: ContractKit): void {
  const { options, unique, event, appended, snapshot } = kit;
  const pair = (
    from: string,
    to: string,
    heads: [StreamHead, StreamHead],
    key?: string,
    payloadHash = 'hash-A',
  ) =>
    ({
      appends: [
        { walletId: from, expected: heads[0], events: [event(-5n, unique('out'))] },
        { walletId: to, expected: heads[1], events: [event(5n, unique('in')), event(1n, unique('in'))] },
      ],
      ...(key === undefined ? {} : { idempotency: { key, payloadHash, response: RESPONSE } }),
    }) satisfies AppendTogetherRequest;

  describe('appendTogether: two wallets, one transaction', () => {
    it('appends to both wallets at their next versions, chained, with one record naming every event', async () => {
      const store = await options.store();
      const [from, to] = [unique('from'), unique('to')];
      const first = await appended(store, { walletId: from, lane: 0, expected: EMPTY, events: [event(10n)] });
      const key = unique('key');
      const request = pair(from, to, [first.head, EMPTY], key);
      const outcome = await store.appendTogether(request);
      if (outcome.kind !== 'appended') throw new Error(`expected appended, got ${outcome.kind}`);
      const [out, into] = outcome.appended;
      expect(out?.events.map((e) => [e.walletId, e.lane, e.version, e.idempotencyKey])).toEqual([
        [from, 0, 2, key],
      ]);
      expect(into?.events.map((e) => [e.walletId, e.version])).toEqual([
        [to, 1],
        [to, 2],
      ]);
      expect(await store.head(from, 0)).toEqual(out?.head);
      expect(await store.head(to, 0)).toEqual(into?.head);
      expect((await readAll(store, to, 0)).map(plain)).toEqual(into?.events);
      expect(await store.verify(from)).toEqual({
        ok: true,
        lanes: 1,
        events: 2,
        heads: new Map([[0, out?.head]]),
      });
      expect(await store.verify(to)).toEqual({
        ok: true,
        lanes: 1,
        events: 2,
        heads: new Map([[0, into?.head]]),
      });
      expect(await store.findIdempotency(key)).toMatchObject({
        walletId: from,
        versions: [2, 1, 2],
        eventIds: [...(out?.events ?? []), ...(into?.events ?? [])].map((e) => e.eventId),
        response: RESPONSE,
      });
    });

    it('writes nothing when either head moved, and names the wallet that moved', async () => {
      const store = await options.store();
      const [from, to] = [unique('from'), unique('to')];
      await appended(store, { walletId: to, lane: 0, expected: EMPTY, events: [event(1n)] });
      const key = unique('key');
      const before = [await snapshot(store, from), await snapshot(store, to)];
      const error = await rejection(store.appendTogether(pair(from, to, [EMPTY, EMPTY], key)));
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({ walletId: to, lane: 0, expectedVersion: 0, reason: 'version-taken' });
      expect([await snapshot(store, from), await snapshot(store, to)]).toEqual(before);
      expect(await store.findIdempotency(key)).toBeUndefined();
    });

    it('a used key answers the original record (same payload) or key-reused (other payload); nothing written', async () => {
      const store = await options.store();
      const [from, to] = [unique('from'), unique('to')];
      const key = unique('key');
      const first = await store.appendTogether(pair(from, to, [EMPTY, EMPTY], key));
      expect(first.kind).toBe('appended');
      const record = await store.findIdempotency(key);
      const before = [await snapshot(store, from), await snapshot(store, to)];
      const heads: [StreamHead, StreamHead] = [await store.head(from, 0), await store.head(to, 0)];
      expect(await store.appendTogether(pair(from, to, heads, key))).toEqual({ kind: 'duplicate', record });
      expect(await store.appendTogether(pair(from, to, heads, key, 'hash-B'))).toEqual({
        kind: 'key-reused',
        record,
      });
      expect([await snapshot(store, from), await snapshot(store, to)]).toEqual(before);
    });

    it('of two racing transfers out of one wallet from the same head, exactly one lands', async () => {
      const store = await options.store();
      const [from, a, b] = [unique('from'), unique('a'), unique('b')];
      const results = await Promise.allSettled([
        store.appendTogether(pair(from, a, [EMPTY, EMPTY])),
        store.appendTogether(pair(from, b, [EMPTY, EMPTY])),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(VersionConflictError);
      expect((await store.head(from, 0)).version).toBe(1);
      expect((await store.head(a, 0)).version + (await store.head(b, 0)).version).toBe(2);
    });

    it('refuses one wallet twice or a single wallet (a programmer error, not a conflict)', async () => {
      const store = await options.store();
      const walletId = unique('self');
      await expect(store.appendTogether(pair(walletId, walletId, [EMPTY, EMPTY]))).rejects.toThrow(
        /distinct/,
      );
      expect(await store.head(walletId, 0)).toEqual(EMPTY);
    });
  });
}
