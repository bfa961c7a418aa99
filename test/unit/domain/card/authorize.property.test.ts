/**
 * Any interleaving of concurrent card writers (authorizers, captures, voids, payments, returns,
 * limit changes), each deciding against the state it read (possibly stale) and appending to lane 0
 * only if lane 0 has not moved since (the loser reads again and decides again), never records an
 * approval that takes available credit below zero; and the account's sums are conserved: the money
 * balance is deposits + payments − returns − captures, and what is pending is the sum of the
 * approvals still active.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { positionOf } from '#domain/card/state.ts';
import { isDomainError } from '#domain/errors.ts';
import {
  decide,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';

/** The account's position, failing the test when the wallet is no account. */
function position(state: WalletState) {
  if (state.account === undefined) throw new Error('the wallet is no card account');
  return positionOf(state.account, state.balances.money);
}

type Op =
  | { kind: 'authorize'; amount: bigint }
  | { kind: 'capture'; part: bigint }
  | { kind: 'void' }
  | { kind: 'pay'; amount: bigint }
  | { kind: 'return' }
  | { kind: 'limit'; creditLimit: bigint };

class Log {
  readonly lanes: [RecordedEvent[], RecordedEvent[]] = [[], []];
  private ids = 0;
  head = () => this.lanes[0].length;
  state = (): WalletState => foldWallet([...this.lanes[0], ...this.lanes[1]], initialWalletState());
  append(lane: 0 | 1, events: readonly WalletEvent[]) {
    const stream = this.lanes[lane];
    for (const event of events) {
      stream.push({
        ...event,
        walletId: 'a1',
        lane,
        version: stream.length + 1,
        eventId: `e${++this.ids}`,
        recordedAtMs: this.ids,
      } as RecordedEvent);
    }
  }
}

const amount = fc.bigInt({ min: 1n, max: 600n });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: amount.map((a) => ({ kind: 'authorize' as const, amount: a })) },
  { weight: 1, arbitrary: amount.map((part) => ({ kind: 'capture' as const, part })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'void' as const }) },
  { weight: 1, arbitrary: amount.map((a) => ({ kind: 'pay' as const, amount: a })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'return' as const }) },
  {
    weight: 1,
    arbitrary: fc.bigInt({ min: 0n, max: 2_000n }).map((c) => ({ kind: 'limit' as const, creditLimit: c })),
  },
);

/** The command an op asks for, built from the state the writer read (ids are the writer's own). */
function commandOf(op: Op, state: WalletState, id: number): WalletCommand {
  const common = { walletId: 'a1', occurredAtMs: id };
  const active = [...state.holds.values()].find((hold) => hold.status === 'active');
  const payment = [...(state.account?.payments.values() ?? [])].find((p) => p.status === 'submitted');
  switch (op.kind) {
    case 'authorize':
      return {
        type: 'Authorize',
        ...common,
        authorizationId: `auth${id}`,
        amount: op.amount,
        currency: 'EUR',
        merchant: { id: 'm', mcc: '5942' },
        expiresAtMs: 1e12,
        ruleSetVersion: 0,
        ruleDeclines: [],
      };
    case 'capture': {
      const part = active === undefined || op.part > active.amount ? undefined : op.part;
      return {
        type: 'CaptureHold',
        ...common,
        holdId: active?.holdId ?? 'none',
        ...(part === undefined ? {} : { amount: part }),
      };
    }
    case 'void':
      return { type: 'ReleaseHold', ...common, holdId: active?.holdId ?? 'none' };
    case 'pay':
      return { type: 'SubmitPayment', ...common, paymentId: `p${id}`, amount: op.amount };
    case 'return':
      return {
        type: 'ReturnPayment',
        ...common,
        paymentId: payment?.paymentId ?? `p-unknown${id}`,
        reason: 'nsf',
      };
    case 'limit':
      return { type: 'ChangeCreditLimit', ...common, creditLimit: op.creditLimit };
  }
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), writer: fc.nat() }),
  fc.record({ kind: fc.constant('commit' as const), writer: fc.nat() }),
  fc.record({ kind: fc.constant('deposit' as const), amount: fc.bigInt({ min: 1n, max: 300n }) }),
);

interface Writer {
  op: Op;
  read?: { head: number; events: readonly WalletEvent[] } | 'done';
}

describe('card accounts: concurrent authorizers with optimistic concurrency', () => {
  it('never approve past the available credit, and the sums are conserved', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1_500n }),
        fc.array(op, { minLength: 1, maxLength: 10 }),
        fc.array(step, { maxLength: 100 }),
        (creditLimit, ops, steps) => {
          const log = new Log();
          log.append(0, [{ type: 'AccountOpened', data: { creditLimit, currency: 'EUR', occurredAtMs: 0 } }]);
          let deposits = 0n;
          let approvals = 0;
          const writers: Writer[] = ops.map((o) => ({ op: o }));
          const read = (index: number) => {
            const writer = writers[index] as Writer;
            if (writer.read !== undefined) return;
            const state = log.state();
            const decided = decide(commandOf(writer.op, state, 1_000 + index), state);
            writer.read = isDomainError(decided) ? 'done' : { head: log.head(), events: decided };
          };
          const commit = (index: number) => {
            const writer = writers[index] as Writer;
            if (writer.read === undefined || writer.read === 'done') return;
            if (log.head() !== writer.read.head) {
              writer.read = undefined; // lost the race: read again, decide again
              return;
            }
            log.append(0, writer.read.events);
            const approved = writer.read.events.some(
              (event) => event.type === 'AuthorizationDecided' && event.data.decision === 'approved',
            );
            writer.read = 'done';
            if (!approved) return;
            approvals++;
            // The approval was decided on the state it was appended to: it left available ≥ 0.
            const state = log.state();
            expect(state.account).toBeDefined();
            if (state.account === undefined) return;
            expect(positionOf(state.account, state.balances.money).available).toBeGreaterThanOrEqual(0n);
          };
          for (const s of steps) {
            if (s.kind === 'deposit') {
              // Credits take another lane without a condition: they only raise available.
              log.append(1, [{ type: 'Deposited', data: { amountMinor: s.amount, occurredAtMs: 1 } }]);
              deposits += s.amount;
            } else if (s.kind === 'read') read(s.writer % writers.length);
            else commit(s.writer % writers.length);
          }
          // Every writer still pending finishes, one at a time, as retries would.
          for (let index = 0; index < writers.length; index++) {
            for (let attempt = 0; attempt < 3 && (writers[index] as Writer).read !== 'done'; attempt++) {
              read(index);
              commit(index);
            }
          }
          const state = log.state();
          const events = [...log.lanes[0], ...log.lanes[1]];
          const sum = (type: string, pick: (event: RecordedEvent) => bigint) =>
            events.filter((event) => event.type === type).reduce((total, event) => total + pick(event), 0n);
          const data = (event: RecordedEvent) => (event.data as { amount: bigint }).amount;
          const captured = sum('HoldCaptured', data);
          const paid = sum('PaymentSubmitted', data);
          const returned = sum('PaymentReturned', data);
          expect(state.balances.money.balance).toBe(deposits + paid - returned - captured);
          const pending = [...state.holds.values()]
            .filter((hold) => hold.status === 'active')
            .reduce((total, hold) => total + hold.amount, 0n);
          expect(state.balances.money.held).toBe(pending);
          expect(
            events.filter((e) => e.type === 'AuthorizationDecided' && e.data.decision === 'approved').length,
          ).toBe(approvals);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the check can fail: writers that ignore the lane-0 head over-extend the credit', () => {
    // Two authorizers read the same fresh account and both commit without the version check.
    const log = new Log();
    log.append(0, [{ type: 'AccountOpened', data: { creditLimit: 100n, currency: 'EUR', occurredAtMs: 0 } }]);
    const state = log.state();
    const first = decide(commandOf({ kind: 'authorize', amount: 80n }, state, 1), state);
    const second = decide(commandOf({ kind: 'authorize', amount: 80n }, state, 2), state);
    if (isDomainError(first) || isDomainError(second)) throw new Error('both decide an approval');
    log.append(0, first);
    log.append(0, second);
    const after = log.state();
    expect(position(after).available).toBe(-60n);
  });
});
