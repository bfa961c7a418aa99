import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { type TransferInput, transfer } from '#app/transfer.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { type AppendTogetherRequest, VersionConflictError } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { appendDeposit } from '../../support/lane-zero-writes.ts';

let ids = 0;
const deps = (store: InMemoryEventStore) => ({
  store,
  clock: { nowMs: () => 1_000 },
  ids: { newId: () => `t${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
});

const funded = (store: InMemoryEventStore, walletId: string, amountMinor: bigint) =>
  appendDeposit(store, walletId, amountMinor, { eventId: `d-${walletId}`, occurredAtMs: 1 });

const balance = (store: InMemoryEventStore, walletId: string) =>
  foldWallet(store.storedEvents(walletId), initialWalletState()).balances.money.balance;

const input = (amount: bigint, key: string, to = 'w2'): TransferInput => ({
  from: 'w1',
  to,
  asset: 'money',
  amount,
  idempotency: { key, payloadHash: `hash-${amount}-${to}` },
  respond: (transferId) => ({ statusCode: 201, body: transferId }),
});

describe('transfer', () => {
  it('appends TransferredOut and TransferredIn together; refuses more than available, writing nothing', async () => {
    const store = new InMemoryEventStore();
    await funded(store, 'w1', 100n);
    expect(await transfer(deps(store), input(60n, 'k1'))).toMatchObject({ kind: 'recorded' });
    expect([balance(store, 'w1'), balance(store, 'w2')]).toEqual([40n, 60n]);
    const refused = await transfer(deps(store), input(41n, 'k2'));
    expect(refused).toMatchObject({ kind: 'rejected', error: { code: 'insufficient_funds' } });
    expect(store.eventCount()).toBe(3);
    expect(await store.findIdempotency('k2')).toBeUndefined();
  });

  it('answers a used key before deciding: the original answer even once the funds are spent', async () => {
    const store = new InMemoryEventStore();
    await funded(store, 'w1', 100n);
    const first = await transfer(deps(store), input(100n, 'k1'));
    expect(await transfer(deps(store), input(100n, 'k1'))).toEqual({
      kind: 'replayed',
      response: first.kind === 'recorded' ? first.response : undefined,
    });
    expect(await transfer(deps(store), input(5n, 'k1'))).toEqual({ kind: 'key-reused' });
    expect(store.eventCount()).toBe(3);
  });

  it('refuses from == to without reading anything', async () => {
    const store = new InMemoryEventStore();
    const outcome = await transfer(deps(store), { ...input(1n, 'k'), to: 'w1' });
    expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'invalid_transfer' } });
  });

  it('decides again when either head moved; of 32 concurrent transfers only what the payer can afford succeeds', async () => {
    const store = new InMemoryEventStore();
    await funded(store, 'w1', 100n);
    const outcomes = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        transfer(deps(store), input(10n, `c${index}`, `p${index % 3}`)),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'recorded')).toHaveLength(10);
    expect(outcomes.filter((o) => o.kind === 'rejected')).toHaveLength(22);
    expect(balance(store, 'w1')).toBe(0n);
    expect(balance(store, 'p0') + balance(store, 'p1') + balance(store, 'p2')).toBe(100n);
  });

  it('gives up after a bounded number of lost races: contended, nothing written', async () => {
    const store = new InMemoryEventStore();
    await funded(store, 'w1', 100n);
    store.appendTogether = async (request: AppendTogetherRequest) => {
      throw new VersionConflictError(request.appends[1]?.walletId ?? '', 0, 0, 'transaction-conflict');
    };
    expect(await transfer(deps(store), input(1n, 'k'))).toMatchObject({ kind: 'contended' });
    expect(store.eventCount()).toBe(1);
  });
});
