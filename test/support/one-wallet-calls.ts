import fc from 'fast-check';
import { indexChangesOf } from '#app/trading-index.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import { decide, foldWallet, type WalletCommand } from '#domain/wallet.ts';

/**
 * The calls of the one-wallet group-commit properties (group-commit.property.test.ts,
 * group-commit-faults.property.test.ts): deposits (lane 0, or any lane), holds and releases of
 * money, facts with many awards; each call's events take ids e<index>, e<index>-1, ….
 */

export type CallOp =
  | { kind: 'deposit'; amount: number; anyLane: boolean }
  | { kind: 'hold'; amount: number }
  /** Releases the hold that `releaseOf` names for `of`. */
  | { kind: 'release'; of: number }
  /** A fact and `awards` PointsAwarded events. */
  | { kind: 'fact'; awards: number };

export interface Call {
  op: CallOp;
  /** The Idempotency-Key and the payload it stands for (same key + other payload: reuse). */
  key?: string;
  payload: string;
}

export const depositArb = fc.record({
  kind: fc.constant('deposit' as const),
  amount: fc.integer({ min: 1, max: 300 }),
  anyLane: fc.boolean(),
});

export const holdArb = fc.record({
  kind: fc.constant('hold' as const),
  amount: fc.integer({ min: 1, max: 400 }),
});

export const releaseArb = (of: number) =>
  fc.record({ kind: fc.constant('release' as const), of: fc.nat(of) });

/** The command of `op` on `walletId`: a hold takes `holdId`, a release ends `releaseOf(op.of)`. */
export function commandOfOp(
  walletId: string,
  op: CallOp,
  holdId: string,
  releaseOf: (of: number) => string,
): WalletCommand {
  switch (op.kind) {
    case 'deposit':
      return { type: 'Deposit', walletId, amountMinor: BigInt(op.amount), occurredAtMs: 10 };
    case 'hold':
      return {
        type: 'PlaceHold',
        walletId,
        asset: 'money',
        amount: BigInt(op.amount),
        holdId,
        expiresAtMs: 10_000_000,
        occurredAtMs: 10,
      };
    case 'release':
      return { type: 'ReleaseHold', walletId, holdId: releaseOf(op.of), occurredAtMs: 10 };
    case 'fact':
      return {
        type: 'RecordFact',
        walletId,
        fact: { id: `f-${holdId}`, source: 's', type: 't', occurredAtMs: 10, dataJson: '{}' },
        ruleSetVersion: 1,
        awards: Array.from({ length: op.awards }, (_, i) => ({
          ruleId: `r${i}`,
          ruleTextHash: 'h',
          points: 1n,
        })),
      };
  }
}

/** The write of `call` (events e<index>, …), keyed when the call is; a deposit to any lane when asked. */
export function writeOfCall(
  walletId: string,
  call: Call,
  index: number,
  command: () => WalletCommand,
): WalletWrite {
  const eventId = `e${index}`;
  const { op } = call;
  return {
    walletId,
    ...(op.kind === 'deposit' && op.anyLane
      ? { placement: 'any-lane' as const, startedAtMs: Date.now() }
      : { placement: 'lane-0' as const, fold: foldWallet }),
    indexes: indexChangesOf,
    decide,
    command,
    stamp: (events) =>
      events.map((event, offset) => ({
        ...event,
        eventId: offset === 0 ? eventId : `${eventId}-${offset}`,
        recordedAtMs: 10,
      })),
    ...(call.key === undefined ? {} : { idempotency: { key: call.key, payloadHash: call.payload } }),
    respond: (events) => ({
      statusCode: 201,
      body: JSON.stringify({ id: eventId, at: events.map((e) => [e.lane, e.version]) }),
    }),
  };
}
