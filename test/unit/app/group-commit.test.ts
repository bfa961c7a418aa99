import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import {
  decide,
  foldWallet,
  initialWalletState,
  type WalletCommand,
  type WalletEvent,
} from '#domain/wallet.ts';
import type { AppendGroupRequest } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/** Group commit, case by case (the property test draws the interleavings). */

const money = async (store: InMemoryEventStore) =>
  foldWallet(store.storedEvents('w1'), initialWalletState()).balances.money;

class CountingStore extends InMemoryEventStore {
  appends = 0;
  groups: number[] = [];
  override async append(...args: Parameters<InMemoryEventStore['append']>) {
    this.appends++;
    return super.append(...args);
  }
  override async appendGroup(request: AppendGroupRequest) {
    this.groups.push(request.parts.length);
    return super.appendGroup(request);
  }
}

const write = (
  id: string,
  command: WalletCommand,
  key?: { key: string; payloadHash: string },
): WalletWrite => ({
  walletId: 'w1',
  placement: 'lane-0',
  fold: foldWallet,
  indexes: indexChangesOf,
  decide,
  command: () => command,
  stamp: (events: readonly WalletEvent[]) =>
    events.map((event) => ({ ...event, eventId: id, recordedAtMs: 1 })),
  ...(key ? { idempotency: key } : {}),
  respond: (events) => ({ statusCode: 201, body: `${id}@${events.map((event) => event.version).join(',')}` }),
});

const deposit = (amount: bigint): WalletCommand => ({
  type: 'Deposit',
  walletId: 'w1',
  amountMinor: amount,
  occurredAtMs: 1,
});
const hold = (id: string, amount: bigint): WalletCommand => ({
  type: 'PlaceHold',
  walletId: 'w1',
  asset: 'money',
  amount,
  holdId: id,
  expiresAtMs: 1e12,
  occurredAtMs: 1,
});

describe('group commit', () => {
  it('commits the commands that waited behind one transaction in ONE more, at consecutive versions', async () => {
    const store = new CountingStore();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        handleCommand(
          { store, groupCommit: true },
          write(`d${i}`, deposit(1n), { key: `k${i}`, payloadHash: 'p' }),
        ),
      ),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(10).fill('recorded'));
    // The first ran at once, in a transaction of its own; the nine that queued behind it went in one.
    expect(store.appends).toBe(0);
    expect(store.groups).toEqual([1, 9]);
    expect(store.storedEvents('w1').map((event) => [event.eventId, event.version])).toEqual(
      Array.from({ length: 10 }, (_, i) => [`d${i}`, i + 1]),
    );
    // Each key's record names its own event and the response its caller heard.
    const record = await store.findIdempotency('k4');
    expect(record).toMatchObject({ versions: [5], eventIds: ['d4'], response: { body: 'd4@5' } });
    expect((await store.verify('w1')).ok).toBe(true);
  });

  it('refuses the holds that would overdraw, as one at a time would, after the batch is decided in order', async () => {
    const store = new CountingStore();
    await handleCommand({ store }, write('seed', deposit(500n)));
    const outcomes = await Promise.all(
      ['h0', 'h1', 'h2', 'h3', 'h4'].map((id) =>
        handleCommand({ store, groupCommit: true }, write(id, hold(id, 200n))),
      ),
    );
    expect(
      outcomes.map((outcome) => (outcome.kind === 'rejected' ? outcome.error.code : outcome.kind)),
    ).toEqual(['recorded', 'recorded', 'insufficient_funds', 'insufficient_funds', 'insufficient_funds']);
    // h0 ran at once, in a transaction of its own; h1–h4 were decided as one batch (their expiry
    // entries are distinct items), whose transaction held h1 only: the others were refused against
    // the state h1 left.
    expect(store.groups).toEqual([1, 1]);
    expect(store.storedEvents('w1').map((event) => event.eventId)).toEqual(['seed', 'h0', 'h1']);
  });

  it('puts holds with distinct index entries in one transaction, and defers one touching an item already in it', async () => {
    const store = new CountingStore();
    await handleCommand({ store }, write('seed', deposit(1_000n)));
    const release = (id: string): WalletCommand => ({
      type: 'ReleaseHold',
      walletId: 'w1',
      holdId: id,
      occurredAtMs: 1,
    });
    const outcomes = await Promise.all([
      handleCommand({ store, groupCommit: true }, write('first', deposit(1n))),
      handleCommand({ store, groupCommit: true }, write('h0', hold('h0', 100n))),
      handleCommand({ store, groupCommit: true }, write('h1', hold('h1', 100n))),
      handleCommand({ store, groupCommit: true }, write('h2', hold('h2', 100n))),
      handleCommand({ store, groupCommit: true }, write('r1', release('h1'))),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(5).fill('recorded'));
    // 'first' ran at once, alone. The release's events touch no index item: it rides with the three holds.
    expect(store.groups).toEqual([1, 4]);
    const state = await money(store);
    expect(state).toMatchObject({ balance: 1_001n, held: 200n });
  });

  it('answers a twin (same key) in the batch as a replay of its first, and a key used elsewhere as a replay', async () => {
    const store = new CountingStore();
    // Another process used k-old before: its record is in the store.
    await handleCommand({ store }, write('old', deposit(5n), { key: 'k-old', payloadHash: 'p' }));
    const outcomes = await Promise.all([
      handleCommand({ store, groupCommit: true }, write('a', deposit(1n))),
      handleCommand({ store, groupCommit: true }, write('b', deposit(2n), { key: 'k-b', payloadHash: 'p' })),
      handleCommand(
        { store, groupCommit: true },
        write('b-twin', deposit(2n), { key: 'k-b', payloadHash: 'p' }),
      ),
      handleCommand(
        { store, groupCommit: true },
        write('c', deposit(3n), { key: 'k-old', payloadHash: 'p' }),
      ),
      handleCommand(
        { store, groupCommit: true },
        write('d', deposit(4n), { key: 'k-old', payloadHash: 'other' }),
      ),
      handleCommand({ store, groupCommit: true }, write('e', deposit(6n))),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'recorded',
      'recorded',
      'replayed',
      'replayed',
      'key-reused',
      'recorded',
    ]);
    expect(outcomes[2]).toEqual({ kind: 'replayed', response: { statusCode: 201, body: 'b@3' } });
    expect(outcomes[3]).toEqual({ kind: 'replayed', response: { statusCode: 201, body: 'old@1' } });
    expect(store.storedEvents('w1').map((event) => event.eventId)).toEqual(['old', 'a', 'b', 'e']);
  });

  it('is off unless asked for (or the store was enabled): each command appends alone', async () => {
    const store = new CountingStore();
    await Promise.all(
      Array.from({ length: 4 }, (_, i) => handleCommand({ store }, write(`d${i}`, deposit(1n)))),
    );
    expect(store.groups).toEqual([]);
    expect(store.appends).toBeGreaterThanOrEqual(4);
  });
});
