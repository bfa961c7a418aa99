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
import { enableGroupCommit } from '#app/group-commit.ts';
import { holdAction } from '#app/holds.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { transfer } from '#app/transfer.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import { decide, foldWallet, type WalletCommand, type WalletEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';

const hold = (holdId: string, amount: bigint): WalletCommand => ({
  type: 'PlaceHold',
  walletId: 'w1',
  asset: 'money',
  amount,
  holdId,
  expiresAtMs: 1e12,
  occurredAtMs: 1,
});

const write = (id: string, command: WalletCommand): WalletWrite => ({
  walletId: 'w1',
  placement: 'lane-0',
  fold: foldWallet,
  indexes: indexChangesOf,
  decide,
  command: () => command,
  stamp: (events: readonly WalletEvent[]) =>
    events.map((event) => ({ ...event, eventId: id, recordedAtMs: 1 })),
});

async function funded() {
  const table = new InMemoryGroupStore();
  await table.append({
    walletId: 'w1',
    lane: 0,
    expected: { version: 0, hash: '' },
    events: [
      { type: 'Deposited', data: { amountMinor: 100n, occurredAtMs: 1 }, eventId: 'd1', recordedAtMs: 1 },
    ],
  });
  return table;
}

/** An instance of its own on `table` whose key look-ups wait for `open()`. */
function gated(table: EventStore, groupCommit: boolean) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const store = new Proxy(table, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property === 'findIdempotency')
        return async (...args: unknown[]) => {
          await gate;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  if (groupCommit) enableGroupCommit(store);
  return { store, open };
}

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
    it('a hold: decided again, refused, no overdraw', async () => {
      const table = await funded();
      const a = gated(table, groupCommit);
      const pending = holdAction(
        { store: a.store, clock: { nowMs: () => 5 }, ids: { newId: () => 'a' } },
        {
          walletId: 'w1',
          idempotency: { key: 'holds#k-a', payloadHash: 'p', reference: 'k-a', legacyKey: 'k-a' },
          respond: () => ({ statusCode: 201, body: 'a' }),
        },
        { kind: 'place', asset: 'money', amount: 60n, expiresInMs: 60_000 },
      );
      await settle();
      const b = await handleCommand({ store: other(table), groupCommit: false }, write('b', hold('b', 60n)));
      expect(b.kind).toBe('recorded');
      a.open();
      expect((await pending).kind).toBe('rejected');
      expect((await table.head('w1', 0)).version).toBe(2);
    });

    it('a transfer: decided again, refused, no overdraw', async () => {
      const table = await funded();
      const a = gated(table, groupCommit);
      const pending = transfer(
        { store: a.store, clock: { nowMs: () => 5 }, ids: { newId: () => 't-a' } },
        {
          from: 'w1',
          to: 'w2',
          asset: 'money',
          amount: 60n,
          idempotency: { key: 'transfers#k-t', payloadHash: 'p', reference: 'k-t', legacyKey: 'k-t' },
          respond: (id) => ({ statusCode: 201, body: id }),
        },
      );
      await settle();
      const b = await handleCommand({ store: other(table), groupCommit: false }, write('b', hold('b', 60n)));
      expect(b.kind).toBe('recorded');
      a.open();
      expect((await pending).kind).toBe('rejected');
      expect((await table.head('w1', 0)).version).toBe(2);
    });
  },
);
