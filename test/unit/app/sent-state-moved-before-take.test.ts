/**
 * (review2 of s21-writes, finding 3.) The state sent with the key's look-up (firstState /
 * firstStates) is decided on after the look-up returns. A lane-0 event another instance appends
 * between the read and the decision must make the append fail (it is conditioned on the head the
 * read found), and the command be decided again: no overdraw. spend-first-rounds' race tests cannot
 * see this (both racers read before either appends); this one appends in that window. Fails (4/4)
 * if the sent state's head is re-read at take time (mutation: exactStateEarly's taker returns
 * `{ ...exact, head: await store.head(walletId, 0) }`; checked), where spend-first-rounds' race
 * tests still pass.
 */
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { holdAction } from '#app/holds.ts';
import type { EventStore } from '#ports/event-store.ts';
import { gatedKeyLookups } from '../../support/gated-key-lookups.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { laneZeroWrite, moneyHold, moneyTransfer } from '../../support/lane-zero-writes.ts';

/** Another instance: a plain handle of its own. */
const other = (table: EventStore) =>
  new Proxy(table, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 5));
};

describe.each([true, false])(
  'review2: a lane-0 append lands between the sent read and the decision (group commit %s)',
  (groupCommit) => {
    const spends = {
      hold: (store: EventStore) =>
        holdAction(
          { store, clock: { nowMs: () => 5 }, ids: { newId: () => 'a' } },
          {
            walletId: 'w1',
            idempotency: { key: 'holds#k-a', payloadHash: 'p', reference: 'k-a', legacyKey: 'k-a' },
            respond: () => ({ statusCode: 201, body: 'a' }),
          },
          { kind: 'place', asset: 'money', amount: 60n, expiresInMs: 60_000 },
        ),
      transfer: (store: EventStore) =>
        moneyTransfer(
          { store, clock: { nowMs: () => 5 }, ids: { newId: () => 't-a' } },
          { key: 'transfers#k-t', payloadHash: 'p', reference: 'k-t', legacyKey: 'k-t' },
          60n,
        ),
    };

    it.each(Object.keys(spends) as (keyof typeof spends)[])(
      'a %s: decided again, refused, no overdraw',
      async (kind) => {
        const table = await funded(new InMemoryGroupStore());
        const a = gatedKeyLookups(table, groupCommit);
        const pending = spends[kind](a.store);
        await settle();
        const b = await handleCommand(
          { store: other(table), groupCommit: false },
          laneZeroWrite('w1', 'b', moneyHold('w1', 'b', 60n)),
        );
        expect(b.kind).toBe('recorded');
        a.open();
        expect((await pending).kind).toBe('rejected');
        expect((await table.head('w1', 0)).version).toBe(2);
      },
    );
  },
);
