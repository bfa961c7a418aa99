import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CardDeps, cardAction } from '#app/cards.ts';
import { handleCommand } from '#app/command-handler.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { recordDeposit } from '#app/deposit.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { CARRY_MS } from '#app/group-commit-carry.ts';
import { HeadCache } from '#app/head-cache.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import { accountBalance } from '#domain/card/statement.ts';
import {
  decide,
  foldWallet,
  initialWalletState,
  type WalletCommand,
  type WalletEvent,
} from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { processStores } from '../../sim/process-stores.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * The state a wallet's last lane-0 batch left is carried by its process (group-commit-carry.ts)
 * and decided on without reading. Each case here fails if a carried state is decided on after a
 * write it does not hold: another process's lane-0 append, or a credit in another lane.
 */

const READS = new Set(['head', 'lanes', 'read', 'readWallet']);

/** A process's handle on the shared store (group commit on), counting its reads of the log. */
function processOf(stores: (instance: number) => EventStore, instance: number) {
  const store = stores(instance);
  const counted = { reads: 0 };
  const handle = new Proxy(store, {
    get(target, property) {
      if (typeof property === 'string' && READS.has(property)) counted.reads++;
      return Reflect.get(target, property);
    },
  });
  // Group commit queues (and carries) per store object, as composition enables the process's.
  enableGroupCommit(handle);
  return { store, counted, handle };
}

const merchant = { id: 'm-1', mcc: '5942' };

function cardDeps(store: EventStore): CardDeps {
  let ids = 0;
  return {
    store,
    clock: { nowMs: () => 1_000 },
    ids: { newId: () => `${String(Math.random()).slice(2)}-${++ids}` },
    decisionRules: builtInDecisionRules,
  };
}

const authorize = (deps: CardDeps, key: string, amount: bigint) =>
  cardAction(
    deps,
    {
      accountId: 'a1',
      idempotency: { key, payloadHash: key },
      respond: (events) => ({ statusCode: 201, body: JSON.stringify({ version: events[0]?.version }) }),
    },
    { kind: 'authorize', amount, merchant },
  );

const decisionOf = (store: InMemoryEventStore, key: string) => {
  const event = store.storedEvents('a1').find((one) => one.idempotencyKey === key);
  return event?.type === 'AuthorizationDecided' ? event.data.decision : undefined;
};

/** A lane-0 write of wallet w1 whose events take the id given (the wallet cases below). */
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
const deposit: WalletCommand = { type: 'Deposit', walletId: 'w1', amountMinor: 100n, occurredAtMs: 1 };
/** 550 of money held: more than the first deposit alone covers. */
const hold: WalletCommand = {
  type: 'PlaceHold',
  walletId: 'w1',
  asset: 'money',
  amount: 550n,
  holdId: 'h1',
  expiresAtMs: 1e12,
  occurredAtMs: 1,
};

describe('group commit: the carried lane-0 state', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('decides on the carried state without reading, and reads the tail once another process appended to lane 0', async () => {
    const shared = new InMemoryEventStore();
    const stores = processStores(shared, true);
    const a = processOf(stores, 0);
    const b = processOf(stores, 1);
    const opened = await cardAction(
      cardDeps(a.handle),
      {
        accountId: 'a1',
        idempotency: { key: 'open', payloadHash: 'o' },
        respond: () => ({ statusCode: 201, body: '' }),
      },
      { kind: 'open', creditLimit: 10_000n, currency: 'EUR' },
    );
    expect(opened.kind).toBe('recorded');
    // Process A approves 60.00: it now carries the state its batch left.
    expect((await authorize(cardDeps(a.handle), 'a-1', 6_000n)).kind).toBe('recorded');
    const readsBefore = a.counted.reads;
    expect((await authorize(cardDeps(a.handle), 'a-2', 1_000n)).kind).toBe('recorded');
    // Decided on the carried state: not one read of the log.
    expect(a.counted.reads).toBe(readsBefore);
    // Process B approves 30.00: lane 0 moved past what A carries (available is now 0).
    expect((await authorize(cardDeps(b.handle), 'b-1', 3_000n)).kind).toBe('recorded');
    expect(decisionOf(shared, 'b-1')).toBe('approved');
    // A's carried state still shows 30.00 available; deciding on it would approve past the limit.
    expect((await authorize(cardDeps(a.handle), 'a-3', 3_000n)).kind).toBe('recorded');
    expect(decisionOf(shared, 'a-3')).toBe('declined');
    expect(a.counted.reads).toBeGreaterThan(readsBefore);
    const balance = accountBalance(foldWallet(shared.storedEvents('a1'), initialWalletState()), 1_000);
    expect(balance?.available).toBe(0n);
    expect((await shared.verify('a1')).ok).toBe(true);
  });

  it('sees a credit this process wrote to another lane in the next lane-0 decision (deposit, then spend)', async () => {
    const shared = new InMemoryEventStore();
    const stores = processStores(shared, true);
    const { handle } = processOf(stores, 0);
    expect((await handleCommand({ store: handle }, write('seed', deposit))).kind).toBe('recorded');
    // The deposit goes to lane 3 (this instance's head cache says so), not lane 0.
    const heads = new HeadCache();
    heads.remember('w1', { lane: 3, head: { version: 0, hash: '' } });
    let ids = 0;
    const credited = await recordDeposit(
      { store: handle, heads, clock: { nowMs: () => 1 }, ids: { newId: () => `d${++ids}` } },
      { walletId: 'w1', amountMinor: 500n, respond: () => ({ statusCode: 201, body: '' }) },
    );
    expect(credited.kind).toBe('recorded');
    expect(shared.storedEvents('w1').map((event) => event.lane)).toEqual([0, 3]);
    // 550 needs the deposit: a state carried from before it holds 100 only.
    const outcome = await handleCommand({ store: handle }, write('h1', hold));
    expect(outcome.kind).toBe('recorded');
  });

  it(`reads again once the carried state is ${CARRY_MS} ms old, so another process's credit in another lane is seen`, async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const shared = new InMemoryEventStore();
    const stores = processStores(shared, true);
    const a = processOf(stores, 0);
    expect((await handleCommand({ store: a.handle }, write('seed', deposit))).kind).toBe('recorded');
    // Another process (in another Lambda instance: nothing of it runs in this one) credits lane 3.
    const heads = new HeadCache();
    heads.remember('w1', { lane: 3, head: { version: 0, hash: '' } });
    const credited = await recordDeposit(
      { store: shared, groupCommit: false, heads, clock: { nowMs: () => 1 }, ids: { newId: () => 'other' } },
      { walletId: 'w1', amountMinor: 500n, respond: () => ({ statusCode: 201, body: '' }) },
    );
    expect(credited.kind).toBe('recorded');
    vi.advanceTimersByTime(CARRY_MS + 1);
    const readsBefore = a.counted.reads;
    expect((await handleCommand({ store: a.handle }, write('h1', hold))).kind).toBe('recorded');
    expect(a.counted.reads).toBeGreaterThan(readsBefore);
  });
  it(`checks a carry older than ${CARRY_MS} ms with one read of the lane registry, and carries on while lane 0 is all`, async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const shared = new InMemoryEventStore();
    const a = processOf(processStores(shared, true), 0);
    const names: string[] = [];
    const watched = new Proxy(a.handle, {
      get(target, property) {
        if (typeof property === 'string' && READS.has(property)) names.push(property);
        return Reflect.get(target, property);
      },
    });
    enableGroupCommit(watched);
    expect((await handleCommand({ store: watched }, write('seed', deposit))).kind).toBe('recorded');
    vi.advanceTimersByTime(CARRY_MS + 1);
    names.length = 0;
    expect((await handleCommand({ store: watched }, write('again', deposit))).kind).toBe('recorded');
    expect(names).toEqual(['lanes']);
    expect(shared.storedEvents('w1').map((event) => [event.lane, event.version])).toEqual([
      [0, 1],
      [0, 2],
    ]);
  });
  it('reads afresh before refusing on a carried state: another process may have made the command good', async () => {
    const shared = new InMemoryEventStore();
    const stores = processStores(shared, true);
    const a = processOf(stores, 0);
    const b = processOf(stores, 1);
    expect((await handleCommand({ store: a.handle }, write('seed', deposit))).kind).toBe('recorded');
    // Process B adds 500 in lane 0; A carries the state with 100.
    const more: WalletCommand = { type: 'Deposit', walletId: 'w1', amountMinor: 500n, occurredAtMs: 1 };
    expect((await handleCommand({ store: b.handle }, write('more', more))).kind).toBe('recorded');
    // Refused on the carried state (100 < 550), which nothing written would have proved current.
    const outcome = await handleCommand({ store: a.handle }, write('h1', hold));
    expect(outcome.kind).toBe('recorded');
  });
});
