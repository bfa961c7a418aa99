import { describe, expect, it } from 'vitest';
import type { WalletCommand } from '#domain/wallet.ts';
import { deposited, given, log } from './spec.ts';

const deposit = (amountMinor: bigint, occurredAtMs: number, factId?: string): WalletCommand => ({
  type: 'Deposit',
  walletId: 'w1',
  amountMinor,
  occurredAtMs,
  ...(factId === undefined ? {} : { factId }),
});

const event = (amountMinor: bigint, occurredAtMs: number) => {
  const { type, data } = deposited(amountMinor, occurredAtMs);
  return { type, data };
};

describe('wallet decider: Deposit', () => {
  it('decides one Deposited event for a new wallet, carrying amount and event time', () => {
    given([])
      .when(deposit(800_000n, 1_000))
      .then([event(800_000n, 1_000)]);
  });

  it('decides the same event whatever the history (a deposit needs no state)', () => {
    given(log(deposited(5n, 1), deposited(7n, 2, { lane: 3 })))
      .when(deposit(10n, 3))
      .then([event(10n, 3)]);
  });

  it('takes the time from the command, not a clock', () => {
    given([])
      .when(deposit(1n, 0))
      .then([event(1n, 0)]);
    given([])
      .when(deposit(1n, 1_700_000_000_123))
      .then([event(1n, 1_700_000_000_123)]);
  });

  it('names the CloudEvent that carried it', () => {
    given([])
      .when(deposit(250n, 5, 'ce-9'))
      .then([{ type: 'Deposited', data: { amountMinor: 250n, occurredAtMs: 5, factId: 'ce-9' } }]);
  });

  it('folds the decided event into the state: version + 1, balance + amount', () => {
    given(log(deposited(10n, 1), deposited(20n, 2)))
      .when(deposit(30n, 3))
      .thenStateMatches({
        version: 3,
        lanes: { 0: 3 },
        balances: { money: { balance: 60n, held: 0n, floor: 0n } },
      });
  });

  it('rejects an unknown command variant instead of ignoring it', () => {
    const bogus = {
      type: 'Withdraw',
      walletId: 'w1',
      amountMinor: 1n,
      occurredAtMs: 0,
    } as unknown as WalletCommand;
    given([])
      .when(bogus)
      .thenThrows(Error, (error) => {
        expect(error.message).toBe('Unhandled variant: Withdraw');
      });
  });
});
