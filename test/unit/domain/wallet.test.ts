import { describe, expect, it } from 'vitest';
import {
  decide,
  evolve,
  initialWalletState,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import { DeciderSpecification } from '../../support/given-when-then.ts';

const given = DeciderSpecification.for<WalletCommand, WalletEvent, WalletState>({
  decide,
  evolve,
  initialState: initialWalletState,
});

const deposited = (amountMinor: bigint, occurredAtMs: number): WalletEvent => ({
  type: 'Deposited',
  data: { amountMinor, occurredAtMs },
});

const deposit = (amountMinor: bigint, occurredAtMs: number): WalletCommand => ({
  type: 'Deposit',
  walletId: 'w1',
  amountMinor,
  occurredAtMs,
});

describe('wallet decider: Deposit', () => {
  it('decides one Deposited event for a new wallet, carrying amount and event time', () => {
    given([])
      .when(deposit(800_000n, 1_000))
      .then([deposited(800_000n, 1_000)]);
  });

  it('decides the same event whatever the history (a deposit needs no state)', () => {
    given([deposited(5n, 1), deposited(7n, 2)])
      .when(deposit(10n, 3))
      .then([deposited(10n, 3)]);
  });

  it('takes the time from the command, not a clock', () => {
    given([])
      .when(deposit(1n, 0))
      .then([deposited(1n, 0)]);
    given([])
      .when(deposit(1n, 1_700_000_000_123))
      .then([deposited(1n, 1_700_000_000_123)]);
  });

  it('folds the decided event into the state: version + 1, balance + amount', () => {
    given([deposited(10n, 1), deposited(20n, 2)])
      .when(deposit(30n, 3))
      .thenState({ version: 3, balanceMinor: 60n });
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

describe('wallet evolve', () => {
  it('starts at version 0 with a zero balance', () => {
    expect(initialWalletState()).toEqual({ version: 0, balanceMinor: 0n });
  });

  it('adds exactly the minor amount: 0.1 + 0.2 deposited is 30 minor units', () => {
    const state = [deposited(10n, 1), deposited(20n, 2)].reduce(evolve, initialWalletState());
    expect(state).toEqual({ version: 2, balanceMinor: 30n });
  });

  it('is pure: the input state is not modified', () => {
    const before = initialWalletState();
    evolve(before, deposited(5n, 1));
    expect(before).toEqual({ version: 0, balanceMinor: 0n });
  });

  it('rejects an unknown event variant', () => {
    const bogus = { type: 'Withdrawn', data: { amountMinor: 1n, occurredAtMs: 0 } } as unknown as WalletEvent;
    expect(() => evolve(initialWalletState(), bogus)).toThrow('Unhandled variant: Withdrawn');
  });
});
