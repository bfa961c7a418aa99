import { describe, it } from 'vitest';
import type { OrderTerms, WalletCommand } from '#domain/wallet.ts';
import { awarded, factRecorded, given, log, rejectedWith } from './spec.ts';

const ORDER: OrderTerms = {
  merchant: 'm1',
  priceMinor: 1_200n,
  pointsValueMinor: 500n,
  holdId: 'p1',
  expiresAtMs: 100_000,
};

const request = (more: { purpose?: 'order'; points?: bigint; amountMinor?: bigint } = {}) =>
  ({
    type: 'RequestPayment',
    walletId: 'w1',
    paymentId: 'p1',
    purpose: more.purpose ?? 'points-purchase',
    points: more.points ?? 1_000n,
    amountMinor: more.amountMinor ?? 1_000n,
    currency: 'EUR',
    provider: 'sandbox',
    paymentIntentId: 'pi_1',
    occurredAtMs: 5_000,
    ...(more.purpose === 'order' ? { order: ORDER } : {}),
  }) satisfies WalletCommand;

const requested = (more: { purpose?: 'order'; points?: bigint; amountMinor?: bigint } = {}) => {
  const { type: _, walletId: __, ...data } = request(more);
  return { type: 'PaymentRequested' as const, data };
};

const settle = (
  outcome: 'succeeded' | 'failed' | 'canceled',
  more: { eventId?: string; amountMinor?: bigint; intent?: string; atMs?: number } = {},
) =>
  ({
    type: 'SettlePayment',
    walletId: 'w1',
    paymentId: 'p1',
    outcome,
    provider: 'sandbox',
    providerEventId: more.eventId ?? 'evt_1',
    paymentIntentId: more.intent ?? 'pi_1',
    amountMinor: more.amountMinor ?? 1_000n,
    currency: 'EUR',
    occurredAtMs: more.atMs ?? 6_000,
  }) satisfies WalletCommand;

const succeeded = (
  points: bigint,
  more: { eventId?: string; amountMinor?: bigint; refundDue?: true; atMs?: number } = {},
) => ({
  type: 'PaymentSucceeded' as const,
  data: {
    paymentId: 'p1',
    provider: 'sandbox',
    providerEventId: more.eventId ?? 'evt_1',
    amountMinor: more.amountMinor ?? 1_000n,
    currency: 'EUR',
    points,
    occurredAtMs: more.atMs ?? 6_000,
    ...(more.refundDue ? { refundDue: true } : {}),
  },
});

const failed = (reason: 'failed' | 'canceled' = 'failed', eventId = 'evt_1') => ({
  type: 'PaymentFailed' as const,
  data: { paymentId: 'p1', provider: 'sandbox', providerEventId: eventId, reason, occurredAtMs: 6_000 },
});

const orderHold = () => ({
  type: 'HoldPlaced' as const,
  data: {
    holdId: 'p1',
    asset: 'points' as const,
    amount: 500n,
    expiresAtMs: 100_000,
    occurredAtMs: 5_000,
    memo: 'order p1',
  },
});

const withPoints = () => [factRecorded('f1'), awarded('f1', 'volume', 800n)];

describe('wallet decider: RequestPayment', () => {
  it('records a points purchase as pending: nothing credited yet', () => {
    given([]).when(request()).then([requested()]);
    given([])
      .when(request())
      .thenStateMatches({ balances: { points: { balance: 0n, held: 0n, floor: 0n } } });
  });

  it('holds the points of an order in the same decision', () => {
    given(log(...withPoints()))
      .when(request({ purpose: 'order', points: 500n, amountMinor: 700n }))
      .then([orderHold(), requested({ purpose: 'order', points: 500n, amountMinor: 700n })]);
  });

  it('refuses an order whose points are not available, and records nothing', () => {
    given(log(...withPoints(), orderHold()))
      .when({
        ...request({ purpose: 'order', points: 500n, amountMinor: 700n }),
        paymentId: 'p2',
        order: { ...ORDER, holdId: 'p2' },
      })
      .thenRejects(rejectedWith('insufficient_funds'));
    // Nor may a new order lean on a hold that exists already.
    given(log(...withPoints(), orderHold()))
      .when({ ...request({ purpose: 'order', points: 500n, amountMinor: 700n }), paymentId: 'p2' })
      .thenRejects(rejectedWith('hold_exists'));
  });

  it('decides nothing for the same request again, and refuses other terms under its id', () => {
    given(log(requested())).when(request()).then([]);
    given(log(requested()))
      .when(request({ points: 2_000n }))
      .thenRejects(rejectedWith('payment_mismatch'));
  });
});

describe('wallet decider: SettlePayment', () => {
  it('credits the points bought when the provider confirms', () => {
    given(log(requested()))
      .when(settle('succeeded'))
      .then([succeeded(1_000n)]);
    given(log(requested()))
      .when(settle('succeeded'))
      .thenStateMatches({ balances: { points: { balance: 1_000n, held: 0n, floor: 0n } } });
  });

  it('credits nothing more for a redelivered event, or for another success event of a paid payment', () => {
    given(log(requested(), succeeded(1_000n)))
      .when(settle('succeeded'))
      .then([]);
    given(log(requested(), succeeded(1_000n)))
      .when(settle('succeeded', { eventId: 'evt_2' }))
      .then([]);
  });

  it('ignores a failure that arrives after the success (reordered delivery)', () => {
    given(log(requested(), succeeded(1_000n)))
      .when(settle('failed', { eventId: 'evt_0' }))
      .then([]);
  });

  it('records a failure, credits nothing, and still credits a later success (the buyer paid after all)', () => {
    given(log(requested())).when(settle('failed')).then([failed()]);
    given(log(requested(), failed()))
      .when(settle('succeeded', { eventId: 'evt_2' }))
      .then([succeeded(1_000n, { eventId: 'evt_2' })]);
  });

  it('refuses an event for another intent or another amount, and an unknown payment', () => {
    given(log(requested()))
      .when(settle('succeeded', { intent: 'pi_other' }))
      .thenRejects(rejectedWith('payment_mismatch'));
    given(log(requested()))
      .when(settle('succeeded', { amountMinor: 999n }))
      .thenRejects(rejectedWith('payment_mismatch'));
    given([]).when(settle('succeeded')).thenRejects(rejectedWith('payment_not_found'));
  });

  const order = () =>
    log(...withPoints(), orderHold(), requested({ purpose: 'order', points: 500n, amountMinor: 700n }));

  it("captures an order's held points to the merchant on success", () => {
    given(order())
      .when(settle('succeeded', { amountMinor: 700n }))
      .then([
        succeeded(0n, { amountMinor: 700n }),
        {
          type: 'HoldCaptured',
          data: {
            holdId: 'p1',
            asset: 'points',
            amount: 500n,
            released: 0n,
            occurredAtMs: 6_000,
            counterparty: 'm1',
          },
        },
      ]);
    given(order())
      .when(settle('succeeded', { amountMinor: 700n }))
      .thenStateMatches({ balances: { points: { balance: 300n, held: 0n, floor: 0n } } });
  });

  it("releases an order's points when its cash fails", () => {
    given(order())
      .when(settle('canceled'))
      .then([
        failed('canceled'),
        {
          type: 'HoldReleased',
          data: { holdId: 'p1', asset: 'points', amount: 500n, reason: 'released', occurredAtMs: 6_000 },
        },
      ]);
  });

  it('never pays an order whose hold expired: the cash is owed back, nothing captured', () => {
    given(order())
      .when(settle('succeeded', { amountMinor: 700n, atMs: 100_000 }))
      .then([succeeded(0n, { amountMinor: 700n, refundDue: true, atMs: 100_000 })]);
  });
});
