import { describe, expect, it } from 'vitest';
import type { CardCommand } from '#domain/card/commands.ts';
import type { CardEvent } from '#domain/card/events.ts';
import { positionOf } from '#domain/card/state.ts';
import { foldWallet, initialWalletState, type WalletCommand, type WalletState } from '#domain/wallet.ts';
import { deposited, given, log, rejectedWith } from '../wallet/spec.ts';

/** The account's position, failing the test when the wallet is no account. */
function position(state: WalletState) {
  if (state.account === undefined) throw new Error('the wallet is no card account');
  return positionOf(state.account, state.balances.money);
}

const merchant = { id: 'm-42', name: 'Book Shop', mcc: '5942' };

const opened = (creditLimit = 100_000n): CardEvent => ({
  type: 'AccountOpened',
  data: { creditLimit, currency: 'EUR', occurredAtMs: 1_000 },
});

const authorize = (
  amount: bigint,
  more: Partial<Extract<CardCommand, { type: 'Authorize' }>> = {},
): WalletCommand => ({
  type: 'Authorize',
  walletId: 'w1',
  authorizationId: 'a1',
  amount,
  currency: 'EUR',
  merchant,
  occurredAtMs: 5_000,
  expiresAtMs: 10_000,
  ruleSetVersion: 7,
  ruleDeclines: [],
  ...more,
});

const decided = (
  amount: bigint,
  decision: 'approved' | 'declined',
  available: bigint,
  more: { authorizationId?: string; reasons?: string[]; expiresAtMs?: number; occurredAtMs?: number } = {},
): CardEvent => ({
  type: 'AuthorizationDecided',
  data: {
    authorizationId: more.authorizationId ?? 'a1',
    amount,
    currency: 'EUR',
    merchant,
    decision,
    reasons: more.reasons ?? [],
    ruleSetVersion: 7,
    available,
    expiresAtMs: more.expiresAtMs ?? 10_000,
    occurredAtMs: more.occurredAtMs ?? 5_000,
  },
});

const account = (...events: CardEvent[]) => log(opened(), ...events);

describe('card decider: OpenAccount and ChangeCreditLimit', () => {
  it('opens an account: the money floor becomes −creditLimit', () => {
    const open: WalletCommand = {
      type: 'OpenAccount',
      walletId: 'w1',
      creditLimit: 100_000n,
      currency: 'EUR',
      occurredAtMs: 1_000,
    };
    given([]).when(open).then([opened()]);
    given([])
      .when(open)
      .thenStateMatches({ balances: { money: { balance: 0n, held: 0n, floor: -100_000n } } });
    given(account()).when(open).thenNothing();
    given(account())
      .when({ ...open, creditLimit: 5n })
      .thenRejects(rejectedWith('account_exists'));
    given([])
      .when({ ...open, creditLimit: -1n })
      .thenRejects(rejectedWith('invalid_credit_limit'));
  });

  it('changes the limit from now on; the same limit again decides nothing', () => {
    const change = (creditLimit: bigint): WalletCommand => ({
      type: 'ChangeCreditLimit',
      walletId: 'w1',
      creditLimit,
      occurredAtMs: 2_000,
    });
    given(account())
      .when(change(150_000n))
      .then([
        {
          type: 'CreditLimitChanged',
          data: { creditLimit: 150_000n, previous: 100_000n, occurredAtMs: 2_000 },
        },
      ]);
    given(account()).when(change(100_000n)).thenNothing();
    given([]).when(change(1n)).thenRejects(rejectedWith('account_not_found'));
  });

  it('a lower limit never cancels what is approved: available may go below zero', () => {
    const events = account(decided(80_000n, 'approved', 20_000n), {
      type: 'CreditLimitChanged',
      data: { creditLimit: 50_000n, previous: 100_000n, occurredAtMs: 6_000 },
    });
    const state = foldWallet(events, initialWalletState());
    expect(state.holds.get('a1')?.status).toBe('active');
    expect(position(state)).toEqual({
      creditLimit: 50_000n,
      owed: 0n,
      pending: 80_000n,
      available: -30_000n,
    });
    given(events)
      .when(authorize(1n, { authorizationId: 'a2' }))
      .then([decided(1n, 'declined', -30_000n, { authorizationId: 'a2', reasons: ['insufficient-credit'] })]);
  });
});

describe('card decider: Authorize', () => {
  it('approves within available credit and holds the amount as pending', () => {
    given(account())
      .when(authorize(12_050n))
      .then([decided(12_050n, 'approved', 87_950n)]);
    given(account())
      .when(authorize(12_050n))
      .thenStateMatches({ balances: { money: { balance: 0n, held: 12_050n, floor: -100_000n } } });
  });

  it('approves exactly the available credit, declines a minor unit more', () => {
    given(account())
      .when(authorize(100_000n))
      .then([decided(100_000n, 'approved', 0n)]);
    given(account())
      .when(authorize(100_001n))
      .then([decided(100_001n, 'declined', 100_000n, { reasons: ['insufficient-credit'] })]);
  });

  it('declines with every rule that declined, and the credit reason too when it applies', () => {
    given(account())
      .when(authorize(200_000n, { ruleDeclines: ['single-purchase-max', 'blocked-mcc'] }))
      .then([
        decided(200_000n, 'declined', 100_000n, {
          reasons: ['single-purchase-max', 'blocked-mcc', 'insufficient-credit'],
        }),
      ]);
    // A purchase in another currency is a decline (a business answer), not an error.
    given(account())
      .when(authorize(100n, { currency: 'USD' }))
      .then([
        {
          ...decided(100n, 'declined', 100_000n, { reasons: ['currency-mismatch'] }),
          data: {
            ...(decided(100n, 'declined', 100_000n, { reasons: ['currency-mismatch'] }).data as object),
            currency: 'USD',
          },
        } as CardEvent,
      ]);
  });

  it('a declined authorization holds nothing', () => {
    given(account())
      .when(authorize(5n, { ruleDeclines: ['velocity'] }))
      .thenStateMatches({ balances: { money: { held: 0n } } });
  });

  it('an account that was never opened is not found, even when the wallet exists', () => {
    given(log(deposited(500n, 1)))
      .when(authorize(5n))
      .thenRejects(rejectedWith('account_not_found'));
  });

  it('the same authorization again decides nothing; other terms under its id are refused', () => {
    const events = account(decided(5_000n, 'approved', 95_000n));
    given(events).when(authorize(5_000n)).thenNothing();
    given(events).when(authorize(5_001n)).thenRejects(rejectedWith('authorization_exists'));
    given(account()).when(authorize(0n)).thenRejects(rejectedWith('invalid_amount'));
  });

  it('releases expired authorizations in the same decision, so their credit counts', () => {
    const events = account(decided(100_000n, 'approved', 0n, { expiresAtMs: 4_000, occurredAtMs: 2_000 }));
    given(events)
      .when(authorize(30_000n, { authorizationId: 'a2' }))
      .then([
        {
          type: 'HoldReleased',
          data: { holdId: 'a1', asset: 'money', amount: 100_000n, reason: 'expired', occurredAtMs: 5_000 },
        },
        decided(30_000n, 'approved', 70_000n, { authorizationId: 'a2' }),
      ]);
  });

  it('posted purchases and payments move available: limit − owed − pending', () => {
    // Captured 600 of an 800 authorization, then paid 250.
    const events = account(
      decided(800n, 'approved', 99_200n),
      {
        type: 'HoldCaptured',
        data: { holdId: 'a1', asset: 'money', amount: 600n, released: 200n, occurredAtMs: 6_000 },
      } as never,
      { type: 'PaymentSubmitted', data: { paymentId: 'p1', amount: 250n, occurredAtMs: 7_000 } },
    );
    const state = foldWallet(events, initialWalletState());
    expect(position(state)).toEqual({
      creditLimit: 100_000n,
      owed: 350n,
      pending: 0n,
      available: 99_650n,
    });
  });
});

describe('card decider: capture and void are the hold commands', () => {
  const approved = () => account(decided(800n, 'approved', 99_200n));
  it('captures in part: the rest is released; a second capture is refused', () => {
    given(approved())
      .when({ type: 'CaptureHold', walletId: 'w1', holdId: 'a1', amount: 500n, occurredAtMs: 6_000 })
      .then([
        {
          type: 'HoldCaptured',
          data: { holdId: 'a1', asset: 'money', amount: 500n, released: 300n, occurredAtMs: 6_000 },
        },
      ]);
    given(
      log(opened(), decided(800n, 'approved', 99_200n), {
        type: 'HoldReleased',
        data: { holdId: 'a1', asset: 'money', amount: 800n, reason: 'released', occurredAtMs: 6_000 },
      }),
    )
      .when({ type: 'CaptureHold', walletId: 'w1', holdId: 'a1', occurredAtMs: 7_000 })
      .thenRejects(rejectedWith('hold_not_active'));
  });
});

describe('card decider: payments', () => {
  const submit = (amount: bigint, paymentId = 'p1'): WalletCommand => ({
    type: 'SubmitPayment',
    walletId: 'w1',
    paymentId,
    amount,
    occurredAtMs: 8_000,
  });
  const returnIt = (paymentId = 'p1'): WalletCommand => ({
    type: 'ReturnPayment',
    walletId: 'w1',
    paymentId,
    reason: 'insufficient funds',
    occurredAtMs: 9_000,
  });
  const submitted = (amount: bigint): CardEvent => ({
    type: 'PaymentSubmitted',
    data: { paymentId: 'p1', amount, occurredAtMs: 8_000 },
  });

  it('a payment lowers what is owed; the same payment again decides nothing', () => {
    given(account())
      .when(submit(30_000n))
      .then([submitted(30_000n)]);
    given(account(submitted(30_000n)))
      .when(submit(30_000n))
      .thenNothing();
    given(account(submitted(30_000n)))
      .when(submit(1n))
      .thenRejects(rejectedWith('payment_exists'));
  });

  it('a return reverses its payment once', () => {
    given(account(submitted(30_000n)))
      .when(returnIt())
      .then([
        {
          type: 'PaymentReturned',
          data: { paymentId: 'p1', amount: 30_000n, reason: 'insufficient funds', occurredAtMs: 9_000 },
        },
      ]);
    const returned = account(submitted(30_000n), {
      type: 'PaymentReturned',
      data: { paymentId: 'p1', amount: 30_000n, reason: 'insufficient funds', occurredAtMs: 9_000 },
    });
    given(returned).when(returnIt()).thenRejects(rejectedWith('payment_returned'));
    const state = foldWallet(returned, initialWalletState());
    expect(state.balances.money.balance).toBe(0n);
  });

  it('a return before its payment is parked, and applied when the payment arrives', () => {
    const parked: CardEvent = {
      type: 'PaymentReturnParked',
      data: { paymentId: 'p1', reason: 'insufficient funds', occurredAtMs: 9_000 },
    };
    given(account()).when(returnIt()).then([parked]);
    given(account(parked))
      .when(submit(30_000n))
      .then([
        submitted(30_000n),
        {
          type: 'PaymentReturned',
          data: { paymentId: 'p1', amount: 30_000n, reason: 'insufficient funds', occurredAtMs: 8_000 },
        },
      ]);
    given(account(parked)).when(returnIt()).thenRejects(rejectedWith('payment_returned'));
  });
});
