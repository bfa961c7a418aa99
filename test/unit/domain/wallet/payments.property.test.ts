/**
 * However the provider's webhooks arrive — duplicated, reordered, interleaved by concurrent
 * deliveries deciding against stale state — a payment's points are credited at most once, and
 * exactly once when any success arrived; an order is never both captured and released, and its
 * points reach the merchant at most once. Each delivery is decided against the state it read and
 * appended only if lane 0 has not moved since (else read and decided again), as the command
 * handler does; the idempotency record by provider event id is left OUT, so the decider alone is
 * shown to be enough (the record is a second guard in the store).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '#domain/errors.ts';
import {
  decide,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
} from '#domain/wallet.ts';

type Outcome = 'succeeded' | 'failed' | 'canceled';

function record(log: RecordedEvent[], events: readonly WalletEvent[]): void {
  for (const event of events) {
    log.push({
      ...event,
      walletId: 'w1',
      lane: 0,
      version: log.length + 1,
      eventId: `e${log.length + 1}`,
      recordedAtMs: 1_000,
    } as RecordedEvent);
  }
}

const settle = (outcome: Outcome, providerEventId: string, atMs: number): WalletCommand => ({
  type: 'SettlePayment',
  walletId: 'w1',
  paymentId: 'p1',
  outcome,
  provider: 'sandbox',
  providerEventId,
  paymentIntentId: 'pi_1',
  amountMinor: 700n,
  currency: 'EUR',
  occurredAtMs: atMs,
});

/** A provider's events for one intent: each has an id and an outcome; deliveries repeat and reorder them. */
const deliveries = fc
  .array(fc.constantFrom<Outcome>('succeeded', 'failed', 'canceled'), { minLength: 1, maxLength: 4 })
  .chain((outcomes) =>
    fc.record({
      outcomes: fc.constant(outcomes),
      // Each delivery: which event, how stale the state it decided against was, and its time.
      sends: fc.array(
        fc.record({
          event: fc.nat(outcomes.length - 1),
          staleness: fc.nat(3),
          atMs: fc.integer({ min: 5_000, max: 120_000 }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    }),
  );

type DeliveryPlan = {
  outcomes: Outcome[];
  sends: { event: number; staleness: number; atMs: number }[];
};

/** Delivers every send; a send decided against a stale log loses its append and decides again. */
function deliver(log: RecordedEvent[], input: DeliveryPlan): void {
  // Reads are stale by concurrent deliveries only: the payment itself was recorded before any.
  const recorded = log.length;
  for (const send of input.sends) {
    const outcome = input.outcomes[send.event] as Outcome;
    const command = settle(outcome, `evt_${send.event}`, send.atMs);
    let readAt = Math.max(recorded, log.length - send.staleness);
    for (let attempt = 0; attempt < 10; attempt++) {
      const decided = decide(command, foldWallet(log.slice(0, readAt), initialWalletState()));
      if (isDomainError(decided)) break;
      if (readAt !== log.length) {
        // The conditional append fails: lane 0 moved since the read. Read again.
        readAt = log.length;
        continue;
      }
      record(log, decided);
      break;
    }
  }
}

const count = (log: readonly RecordedEvent[], type: string) =>
  log.filter((event) => event.type === type).length;

describe('payment webhooks, duplicated, reordered and concurrent', () => {
  it('credit a purchase at most once, and once exactly when a success arrived', () => {
    fc.assert(
      fc.property(deliveries, (input) => {
        const log: RecordedEvent[] = [];
        record(log, [
          {
            type: 'PaymentRequested',
            data: {
              paymentId: 'p1',
              purpose: 'points-purchase',
              points: 1_000n,
              amountMinor: 700n,
              currency: 'EUR',
              provider: 'sandbox',
              paymentIntentId: 'pi_1',
              occurredAtMs: 1_000,
            },
          },
        ]);
        deliver(log, input);
        const state = foldWallet(log, initialWalletState());
        const anySuccess = input.sends.some((send) => input.outcomes[send.event] === 'succeeded');
        expect(count(log, 'PaymentSucceeded')).toBe(anySuccess ? 1 : 0);
        expect(state.balances.points.balance).toBe(anySuccess ? 1_000n : 0n);
        expect(state.payments.get('p1')?.status === 'succeeded').toBe(anySuccess);
      }),
      { numRuns: 500 },
    );
  });

  it('never leave an order both captured and released, and capture its points at most once', () => {
    fc.assert(
      fc.property(deliveries, (input) => {
        const log: RecordedEvent[] = [];
        record(log, [
          { type: 'Deposited', data: { amountMinor: 1n, occurredAtMs: 1 } },
          {
            type: 'PointsAwarded',
            data: { points: 800n, factId: 'f1', ruleId: 'r', ruleSetVersion: 1, ruleTextHash: 'h' },
          },
        ]);
        const decided = decide(
          {
            type: 'RequestPayment',
            walletId: 'w1',
            paymentId: 'p1',
            purpose: 'order',
            points: 500n,
            amountMinor: 700n,
            currency: 'EUR',
            provider: 'sandbox',
            paymentIntentId: 'pi_1',
            occurredAtMs: 1_000,
            order: {
              merchant: 'm1',
              priceMinor: 1_200n,
              pointsValueMinor: 500n,
              holdId: 'p1',
              expiresAtMs: 60_000,
            },
          },
          foldWallet(log, initialWalletState()),
        );
        if (isDomainError(decided)) throw decided;
        record(log, decided);
        deliver(log, input);
        const captured = count(log, 'HoldCaptured');
        const released = count(log, 'HoldReleased');
        expect(captured + released).toBeLessThanOrEqual(1);
        expect(captured).toBeLessThanOrEqual(1);
        expect(count(log, 'PaymentSucceeded')).toBeLessThanOrEqual(1);
        const state = foldWallet(log, initialWalletState());
        const payment = state.payments.get('p1');
        // Paid means captured; cash taken without a capture is marked as owed back.
        if (payment?.status === 'succeeded') expect(captured === 1 || payment.refundDue === true).toBe(true);
        if (released === 1) expect(payment?.status === 'succeeded' ? payment.refundDue : true).toBe(true);
        expect(state.balances.points.balance).toBe(captured === 1 ? 300n : 800n);
        expect(state.balances.points.held).toBe(captured + released === 0 ? 500n : 0n);
      }),
      { numRuns: 500 },
    );
  });
});
