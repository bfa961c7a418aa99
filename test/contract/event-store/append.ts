import { describe, expect, it } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { readAll } from '#app/read-events.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import {
  type ContractKit,
  EMPTY,
  EVENTS_PER_APPEND_MAX,
  plain,
  RESPONSE,
  rejection,
  versionsOf,
} from './kit.ts';

/** Appends with an expected version: versions, the hash chain, conflicts, all or nothing, limits. */
export function appendContract(kit: ContractKit): void {
  const { options, unique, event, appended, snapshot } = kit;
  describe('append with an expected version', () => {
    it('appends at version 1, 2, …; answers the events and the head; reads give them back exactly', async () => {
      const store = await options.store();
      const walletId = unique('append');
      const small = event(1n);
      const first = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [small] });
      expect(first.events).toEqual([{ ...small, walletId, lane: 0, version: 1 }]);
      expect(first.head.version).toBe(1);
      expect(first.head.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.head(walletId, 0)).toEqual(first.head);

      // Beyond 2^53 and up to DynamoDB's 38 significant digits: exact, as bigints.
      const huge = [9_007_199_254_740_993n, 12_345_678_901_234_567_890_123_456_789_012_345_678n];
      const second = await appended(store, {
        walletId,
        lane: 0,
        expected: first.head,
        events: huge.map((amountMinor) => event(amountMinor)),
      });
      expect(versionsOf(second.events)).toEqual([2, 3]);
      expect(second.head.version).toBe(3);
      expect(await store.head(walletId, 0)).toEqual(second.head);
      const read = (await readAll(store, walletId, 0)).map(plain);
      expect(read).toEqual([...first.events, ...second.events]);
      expect(read.map((e) => (e.type === 'Deposited' ? e.data.amountMinor : 0n))).toEqual([1n, ...huge]);
      expect(await store.verify(walletId)).toEqual({
        ok: true,
        lanes: 1,
        events: 3,
        heads: new Map([[0, second.head]]),
      });
    });

    it('chains hashes: each head is the hash of its event over the one before (eventHash)', async () => {
      const store = await options.store();
      const walletId = unique('chain');
      const first = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(10n), event(20n)],
      });
      const second = await appended(store, {
        walletId,
        lane: 0,
        expected: first.head,
        events: [event(30n)],
      });
      let prevHash = '';
      const heads: string[] = [];
      for (const recorded of (await readAll(store, walletId, 0)).map(plain)) {
        prevHash = eventHash(prevHash, recorded);
        heads.push(prevHash);
      }
      expect(heads[1]).toBe(first.head.hash);
      expect(heads[2]).toBe(second.head.hash);
      expect(new Set(heads).size).toBe(3);
    });

    it('refuses a taken version with VersionConflictError version-taken naming the winner; writes nothing', async () => {
      const store = await options.store();
      const walletId = unique('race');
      const winner = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(5n)] });
      const before = await snapshot(store, walletId);

      const error = await rejection(
        store.append({ walletId, lane: 0, expected: EMPTY, events: [event(6n), event(7n)] }),
      );
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({
        reason: 'version-taken',
        walletId,
        lane: 0,
        expectedVersion: 0,
        taken: { ...winner.head, recordedAtMs: winner.events[0]?.recordedAtMs },
      });
      expect(await snapshot(store, walletId)).toEqual(before);

      // Retrying after `taken`, without a read, continues the chain.
      const taken = (error as VersionConflictError).taken ?? EMPTY;
      const retry = await appended(store, { walletId, lane: 0, expected: taken, events: [event(6n)] });
      expect(retry.head.version).toBe(2);
      expect(await store.verify(walletId)).toEqual({
        ok: true,
        lanes: 1,
        events: 2,
        heads: new Map([[0, retry.head]]),
      });
    });

    it('names the winner to a one-event append without a key too (a plain conditional put in DynamoDB)', async () => {
      const store = await options.store();
      const walletId = unique('race-one');
      const winner = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(5n)] });
      const error = await rejection(
        store.append({ walletId, lane: 0, expected: EMPTY, events: [event(6n)] }),
      );
      expect(error).toMatchObject({
        name: 'VersionConflictError',
        reason: 'version-taken',
        taken: { ...winner.head, recordedAtMs: winner.events[0]?.recordedAtMs },
      });
      const next = await appended(store, { walletId, lane: 0, expected: winner.head, events: [event(6n)] });
      expect(next.head.version).toBe(2);
      expect(await store.verify(walletId)).toMatchObject({ ok: true, events: 2 });
    });

    it('writes all events of an append or none (a taken first slot writes none, nor its key)', async () => {
      const store = await options.store();
      const walletId = unique('atomic');
      const three = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(1n), event(1n), event(1n)],
      });
      const key = unique('key');
      await expect(
        store.append({
          walletId,
          lane: 0,
          expected: { version: 2, hash: 'stale' },
          events: [event(5n), event(6n), event(7n)],
          idempotency: { key, payloadHash: 'x', response: RESPONSE },
        }),
      ).rejects.toBeInstanceOf(VersionConflictError);
      expect(await store.findIdempotency(key)).toBeUndefined();
      expect(await store.head(walletId, 0)).toEqual(three.head);
      expect(versionsOf(await readAll(store, walletId, 0))).toEqual([1, 2, 3]);
    });

    it('refuses appends outside its limits before writing (0 or 99 events, lanes −1 and 32)', async () => {
      const store = await options.store();
      const walletId = unique('limits');
      const one = [event(1n)];
      await expect(store.append({ walletId, lane: 0, expected: EMPTY, events: [] })).rejects.toThrow(
        /1 to 98/,
      );
      const tooMany = Array.from({ length: EVENTS_PER_APPEND_MAX + 1 }, () => event(1n));
      await expect(store.append({ walletId, lane: 0, expected: EMPTY, events: tooMany })).rejects.toThrow(
        /1 to 98/,
      );
      await expect(store.append({ walletId, lane: 64, expected: EMPTY, events: one })).rejects.toThrow(
        /no lane 64/,
      );
      await expect(store.append({ walletId, lane: -1, expected: EMPTY, events: one })).rejects.toThrow(
        /no lane -1/,
      );
      expect(await snapshot(store, walletId)).toEqual({
        lanes: [0],
        perLane: [{ lane: 0, head: EMPTY, events: [] }],
      });
      // 98 is allowed.
      const full = Array.from({ length: EVENTS_PER_APPEND_MAX }, () => event(1n));
      expect((await appended(store, { walletId, lane: 0, expected: EMPTY, events: full })).head.version).toBe(
        98,
      );
    });
  });
}
