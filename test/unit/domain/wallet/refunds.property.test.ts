/**
 * Refunds never overdraw and are applied once: a points purchase is refunded by provider reports
 * (cumulative totals, each with its refund id) delivered duplicated and out of order, while the
 * wallet spends points in between. Each command is decided against the wallet's state as the
 * command handler gives it (lane 0's exact head; a lost race decides again, so against the newer
 * state), with no idempotency record: the decider alone keeps the rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '#domain/errors.ts';
import { available, pointsBackFor, type WalletCommand } from '#domain/wallet.ts';
import { walletRecorder } from '../../../support/wallet-recorder.ts';

const PAID = 1_000n; // minor units
const POINTS = 1_000n;

const recorder = () => walletRecorder();

/** w1 asks to buy POINTS points for PAID (payment p1, pending until settled). */
const REQUEST_PURCHASE: WalletCommand = {
  type: 'RequestPayment',
  walletId: 'w1',
  paymentId: 'p1',
  purpose: 'points-purchase',
  points: POINTS,
  amountMinor: PAID,
  currency: 'EUR',
  provider: 'sandbox',
  paymentIntentId: 'pi_1',
  occurredAtMs: 1,
};

/** A wallet that bought POINTS points for PAID, paid. */
function paidPurchase() {
  const wallet = recorder();
  wallet.run(REQUEST_PURCHASE);
  wallet.run({
    type: 'SettlePayment',
    walletId: 'w1',
    paymentId: 'p1',
    outcome: 'succeeded',
    provider: 'sandbox',
    providerEventId: 'evt_1',
    paymentIntentId: 'pi_1',
    amountMinor: PAID,
    currency: 'EUR',
    occurredAtMs: 2,
  });
  return wallet;
}

const refund = (refundId: string, totalMinor: bigint): WalletCommand => ({
  type: 'RefundPayment',
  walletId: 'w1',
  paymentId: 'p1',
  provider: 'sandbox',
  providerRefundId: refundId,
  paymentIntentId: 'pi_1',
  refundedTotalMinor: totalMinor,
  currency: 'EUR',
  occurredAtMs: 3,
});

const spend = (amount: bigint, n: number): WalletCommand => ({
  type: 'TransferOut',
  walletId: 'w1',
  asset: 'points',
  amount,
  transferId: `t${n}`,
  to: 'w2',
  occurredAtMs: 3,
});

/** Refunds: increasing cumulative totals, each its own refund id; then the deliveries and spends interleaved. */
const scenario = fc
  .uniqueArray(fc.integer({ min: 1, max: Number(PAID) }), { minLength: 1, maxLength: 4 })
  .map((totals) =>
    totals.sort((a, b) => a - b).map((total, index) => ({ id: `re_${index}`, total: BigInt(total) })),
  )
  .chain((refunds) =>
    fc.record({
      refunds: fc.constant(refunds),
      steps: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('refund' as const), which: fc.nat(refunds.length - 1) }),
          fc.record({ kind: fc.constant('spend' as const), amount: fc.integer({ min: 1, max: 600 }) }),
        ),
        { minLength: 1, maxLength: 14 },
      ),
    }),
  );

describe('refunds (property)', () => {
  it('never take back points that are spent, and take back each refund once', () => {
    fc.assert(
      fc.property(scenario, ({ refunds, steps }) => {
        const wallet = paidPurchase();
        steps.forEach((step, n) => {
          if (step.kind === 'spend') {
            wallet.run(spend(BigInt(step.amount), n));
          } else {
            const report = refunds[step.which];
            if (report === undefined) throw new Error('no such refund');
            const decided = wallet.run(refund(report.id, report.total));
            if (isDomainError(decided)) expect(decided.code).toBe('correction_below_floor');
          }
          // Nothing, ever, below the floor.
          expect(available(wallet.state().balances.points)).toBeGreaterThanOrEqual(0n);
        });
        const refunded = wallet.log.flatMap((event) =>
          event.type === 'PaymentRefunded' ? [event.data] : [],
        );
        // Each provider refund id at most once; the cash adds up to the last total applied.
        expect(new Set(refunded.map((one) => one.providerRefundId)).size).toBe(refunded.length);
        const total = refunded.at(-1)?.refundedTotalMinor ?? 0n;
        expect(refunded.reduce((sum, one) => sum + one.amountMinor, 0n)).toBe(total);
        // The points taken back are exactly what the refunded cash bought (rounded up), no more.
        const payment = wallet.state().payments.get('p1');
        if (payment === undefined) throw new Error('no payment');
        expect(refunded.reduce((sum, one) => sum + one.points, 0n)).toBe(pointsBackFor(payment, total));
        expect(payment.refunded?.amountMinor ?? 0n).toBe(total);
      }),
      { numRuns: 300 },
    );
  });

  it('with nothing spent, every report is applied: the largest total, once, however often it comes', () => {
    fc.assert(
      fc.property(scenario, ({ refunds, steps }) => {
        const wallet = paidPurchase();
        for (const step of steps) {
          if (step.kind !== 'refund') continue;
          const report = refunds[step.which];
          if (report === undefined) throw new Error('no such refund');
          for (let again = 0; again < 2; again++) {
            expect(isDomainError(wallet.run(refund(report.id, report.total)))).toBe(false);
          }
        }
        const delivered = steps.flatMap((step) =>
          step.kind === 'refund' ? [refunds[step.which]?.total ?? 0n] : [],
        );
        const largest = delivered.reduce((max, total) => (total > max ? total : max), 0n);
        const balance = wallet.state().balances.points.balance;
        const payment = wallet.state().payments.get('p1');
        if (payment === undefined) throw new Error('no payment');
        expect(balance).toBe(POINTS - pointsBackFor(payment, largest));
      }),
      { numRuns: 300 },
    );
  });
});

describe('refunds', () => {
  it('refuses to take back spent points, naming the shortfall, and records nothing', () => {
    const wallet = paidPurchase();
    expect(isDomainError(wallet.run(spend(700n, 1)))).toBe(false);
    const before = wallet.log.length;
    const refused = wallet.run(refund('re_1', PAID));
    expect(isDomainError(refused) && refused.code).toBe('correction_below_floor');
    expect(isDomainError(refused) && refused.message).toContain('takes back 1000 points');
    expect(isDomainError(refused) && refused.message).toContain('300 available');
    expect(isDomainError(refused) && refused.message).toContain('700 below its floor 0');
    expect(wallet.log.length).toBe(before);
  });

  it('refuses a payment that took no cash, and a total above what was paid', () => {
    const pending = recorder();
    pending.run(REQUEST_PURCHASE);
    const notPaid = pending.run(refund('re_1', PAID));
    expect(isDomainError(notPaid) && notPaid.code).toBe('payment_not_refundable');
    const tooMuch = paidPurchase().run(refund('re_1', PAID + 1n));
    expect(isDomainError(tooMuch) && tooMuch.code).toBe('payment_mismatch');
  });

  it('takes back points in proportion to a partial refund, rounded up', () => {
    const wallet = paidPurchase();
    wallet.run(refund('re_1', 333n));
    expect(wallet.state().balances.points.balance).toBe(POINTS - 333n);
    wallet.run(refund('re_2', 1_000n));
    expect(wallet.state().balances.points.balance).toBe(0n);
  });
});
