import { describe, expect, it } from 'vitest';
import { readAll } from '#app/read-events.ts';
import type { AppendOutcome, AppendRequest, StreamHead } from '#ports/event-store.ts';
import { type ContractKit, EMPTY, RESPONSE } from './kit.ts';

/** The idempotency record, written in the same transaction as the events. */
export function idempotencyContract(kit: ContractKit): void {
  const { options, unique, event, appended, snapshot } = kit;
  describe('the idempotency record, in the same transaction as the events', () => {
    it('same key and payload: duplicate with the original record, at the head, at a stale head, in another lane', async () => {
      const store = await options.store();
      const walletId = unique('dup');
      const key = unique('key');
      const first = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(100n, 'dup-1', 1_700_000_000_000)],
        idempotency: { key, payloadHash: 'hash-A', response: RESPONSE },
      });
      expect(first.events[0]?.idempotencyKey).toBe(key);
      const record = await store.findIdempotency(key);
      expect(record).toEqual({
        key,
        payloadHash: 'hash-A',
        walletId,
        versions: [1],
        eventIds: ['dup-1'],
        response: RESPONSE,
        recordedAtMs: 1_700_000_000_007,
      });
      const before = await snapshot(store, walletId);

      const again = (expected: StreamHead, lane = 0): Promise<AppendOutcome> =>
        store.append({
          walletId,
          lane,
          expected,
          events: [event(100n)],
          idempotency: { key, payloadHash: 'hash-A', response: { statusCode: 201, body: 'other' } },
        });
      expect(await again(first.head)).toEqual({ kind: 'duplicate', record });
      expect(await again(EMPTY)).toEqual({ kind: 'duplicate', record });
      expect(await again(EMPTY, 4)).toEqual({ kind: 'duplicate', record });

      expect(await snapshot(store, walletId)).toEqual(before);
      expect(await store.findIdempotency(key)).toEqual(record);
      expect((await readAll(store, walletId, 0)).map((e) => e.idempotencyKey)).toEqual([key]);
    });

    it('same key, other payload: key-reused with the original record; nothing written, in any wallet', async () => {
      const store = await options.store();
      const walletId = unique('reuse');
      const key = unique('key');
      const first = await appended(store, {
        walletId,
        lane: 0,
        expected: EMPTY,
        events: [event(100n)],
        idempotency: { key, payloadHash: 'hash-A', response: RESPONSE },
      });
      const record = await store.findIdempotency(key);
      const before = await snapshot(store, walletId);
      const outcome = await store.append({
        walletId,
        lane: 0,
        expected: first.head,
        events: [event(999n)],
        idempotency: { key, payloadHash: 'hash-B', response: { statusCode: 201, body: 'B' } },
      });
      expect(outcome).toEqual({ kind: 'key-reused', record });
      expect(await snapshot(store, walletId)).toEqual(before);
      expect(await store.findIdempotency(key)).toEqual(record);

      // Keys are global: the same key for another wallet is refused there too.
      const otherWallet = unique('reuse-other');
      const elsewhere = await store.append({
        walletId: otherWallet,
        lane: 0,
        expected: EMPTY,
        events: [event(1n)],
        idempotency: { key, payloadHash: 'hash-B', response: RESPONSE },
      });
      expect(elsewhere).toEqual({ kind: 'key-reused', record });
      expect(await store.head(otherWallet, 0)).toEqual(EMPTY);
    });

    it('a lost version race leaves the key free; the retry at the right head takes it with its event', async () => {
      const store = await options.store();
      const walletId = unique('key-race');
      const winner = await appended(store, { walletId, lane: 0, expected: EMPTY, events: [event(1n)] });
      const key = unique('key');
      const request = (expected: StreamHead): AppendRequest => ({
        walletId,
        lane: 0,
        expected,
        events: [event(2n, 'key-race-2')],
        idempotency: { key, payloadHash: 'hash-A', response: RESPONSE },
      });
      await expect(store.append(request(EMPTY))).rejects.toMatchObject({
        reason: 'version-taken',
        taken: winner.head,
      });
      expect(await store.findIdempotency(key)).toBeUndefined();
      const retry = await appended(store, request(winner.head));
      expect(retry.head.version).toBe(2);
      expect(await store.findIdempotency(key)).toMatchObject({ versions: [2], eventIds: ['key-race-2'] });
    });
  });
}
