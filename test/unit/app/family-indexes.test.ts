/**
 * A write names the index changes of its family (WalletWrite.indexes), as it names its decider:
 * the ledger's writes ledgerIndexChanges (none), a payment's own writes paymentListingChangesOf
 * (its listing), a card account's cardIndexChangesOf (an approval's expiry), the rest indexChangesOf
 * (offer book, expiries, listings). A narrower one refuses
 * an event whose index entries it would leave out, rather than append the event without them.
 */
import { describe, expect, it } from 'vitest';
import { ledgerIndexChanges } from '#app/ledger-indexes.ts';
import { paymentIndexChangesOf, paymentListingChangesOf } from '#app/payment-index.ts';
import { cardIndexChangesOf, indexChangesOf } from '#app/trading-index.ts';
import { type AccountCommand, decideAccount } from '#domain/card/decide.ts';
import { isDomainError } from '#domain/errors.ts';
import { foldWallet, initialWalletState, type WalletEvent } from '#domain/wallet.ts';
import { deposited, log } from '../domain/wallet/spec.ts';

const T = 1_000;
const placed = (holdId: string, offer?: boolean): WalletEvent => ({
  type: 'HoldPlaced',
  data: {
    holdId,
    asset: 'points',
    amount: 5n,
    expiresAtMs: T + 60_000,
    occurredAtMs: T,
    ...(offer ? { offer: { price: { asset: 'money', amount: 100n } } } : {}),
  },
});
const requested: WalletEvent = {
  type: 'PaymentRequested',
  data: {
    paymentId: 'p1',
    purpose: 'points-purchase',
    points: 10n,
    amountMinor: 100n,
    currency: 'EUR',
    provider: 'sandbox',
    paymentIntentId: 'pi-1',
    occurredAtMs: T,
  },
};
const released = (holdId: string): WalletEvent => ({
  type: 'HoldReleased',
  data: { holdId, asset: 'points', amount: 5n, reason: 'released', occurredAtMs: T + 1 },
});

const state = foldWallet(
  log(deposited(500n, T, { eventId: 'd-1' }), placed('offer-1', true), placed('hold-1')),
  initialWalletState(),
);

describe('ledgerIndexChanges', () => {
  it('changes nothing for the ledger’s events', () => {
    const events: WalletEvent[] = [{ type: 'Deposited', data: { amountMinor: 5n, occurredAtMs: T } }];
    expect(ledgerIndexChanges('w1', state, events)).toEqual([]);
  });

  it.each([
    ['a hold', placed('h2')],
    ['a payment', requested],
  ])('refuses %s, whose index entries it would leave out', (_what, event) => {
    expect(() => ledgerIndexChanges('w1', state, [event])).toThrow(/not the ledger/);
  });
});

describe('paymentListingChangesOf', () => {
  it('is the payment listing’s changes for a payment’s own events, and all indexChangesOf finds', () => {
    const events = [requested, released('hold-1')];
    const changes = paymentListingChangesOf('w1', state, events);
    expect(changes).toEqual(paymentIndexChangesOf('w1', state, events));
    expect(changes).toEqual(indexChangesOf('w1', state, events));
    expect(changes.map((change) => change.kind)).toEqual(['payment']);
  });

  it.each([
    ['a hold placed (its expiry entry)', [placed('h3')]],
    ['an offer’s hold ended (its place in the book)', [released('offer-1')]],
  ])('refuses %s', (_what, events) => {
    expect(indexChangesOf('w1', state, events).length).toBeGreaterThan(0);
    expect(() => paymentListingChangesOf('w1', state, events)).toThrow(/trading index/);
  });
});

describe('cardIndexChangesOf', () => {
  it('is all indexChangesOf finds for every write of a card account (an approval’s expiry entry)', () => {
    let account = initialWalletState();
    const kinds: string[] = [];
    const write = (command: AccountCommand) => {
      const events = decideAccount(command, account);
      if (isDomainError(events)) throw events;
      const changes = cardIndexChangesOf('a1', account, events);
      expect(changes).toEqual(indexChangesOf('a1', account, events));
      kinds.push(...changes.map((change) => change.kind));
      account = foldWallet(log(...events), account);
    };
    const at = { walletId: 'a1', occurredAtMs: T };
    const authorize = (authorizationId: string, amount: bigint) =>
      write({
        type: 'Authorize',
        ...at,
        authorizationId,
        amount,
        currency: 'EUR',
        merchant: { id: 'm', mcc: '5942' },
        expiresAtMs: T + 60_000,
        ruleSetVersion: 0,
        ruleDeclines: [],
      });
    write({ type: 'OpenAccount', ...at, creditLimit: 10_000n, currency: 'EUR' });
    authorize('x1', 2_500n);
    authorize('x2', 2_500n);
    authorize('x3', 50_000n); // declined: over the limit
    write({ type: 'CaptureHold', ...at, holdId: 'x1', amount: 1_000n });
    write({ type: 'ReleaseHold', ...at, holdId: 'x2' });
    write({ type: 'SubmitPayment', ...at, paymentId: 'p1', amount: 700n });
    write({ type: 'ReturnPayment', ...at, paymentId: 'p1', reason: 'nsf' });
    write({ type: 'ChangeCreditLimit', ...at, creditLimit: 5_000n });
    expect(kinds).toEqual(['expiry', 'expiry']);
  });

  it.each([
    ['a hold placed (its expiry entry)', [placed('h3')]],
    ['an offer’s hold ended (its place in the book)', [released('offer-1')]],
    ['a payment’s own event (its listing)', [requested]],
  ])('refuses %s', (_what, events) => {
    expect(indexChangesOf('w1', state, events).length).toBeGreaterThan(0);
    expect(() => cardIndexChangesOf('w1', state, events)).toThrow(/changes a listing/);
  });
});
