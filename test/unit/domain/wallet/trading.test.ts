import { describe, it } from 'vitest';
import type { Asset, WalletCommand } from '#domain/wallet.ts';
import { awarded, deposited, factRecorded, given, log, rejectedWith } from './spec.ts';

const placeHold = (amount: bigint, more: { holdId?: string; asset?: Asset; expiresAtMs?: number } = {}) =>
  ({
    type: 'PlaceHold',
    walletId: 'w1',
    asset: more.asset ?? 'money',
    amount,
    holdId: more.holdId ?? 'h1',
    expiresAtMs: more.expiresAtMs ?? 10_000,
    occurredAtMs: 5_000,
  }) satisfies WalletCommand;

const holdPlaced = (amount: bigint, more: { holdId?: string; asset?: Asset; expiresAtMs?: number } = {}) => ({
  type: 'HoldPlaced' as const,
  data: {
    holdId: more.holdId ?? 'h1',
    asset: more.asset ?? ('money' as Asset),
    amount,
    expiresAtMs: more.expiresAtMs ?? 10_000,
    occurredAtMs: 5_000,
  },
});

const transferOut = (amount: bigint, asset: Asset = 'money'): WalletCommand => ({
  type: 'TransferOut',
  walletId: 'w1',
  asset,
  amount,
  transferId: 't1',
  to: 'w2',
  occurredAtMs: 6_000,
});

const transferredOut = (amount: bigint, asset: Asset = 'money') => ({
  type: 'TransferredOut' as const,
  data: { transferId: 't1', asset, amount, to: 'w2', occurredAtMs: 6_000 },
});

const funded = () => log(deposited(1_000n, 1));
const withPoints = () => log(factRecorded('f1'), awarded('f1', 'volume', 50n));

describe('wallet decider: PlaceHold', () => {
  it('holds what is available: held goes up, balance stays', () => {
    given(funded())
      .when(placeHold(600n))
      .then([holdPlaced(600n)]);
    given(funded())
      .when(placeHold(600n))
      .thenStateMatches({ balances: { money: { balance: 1_000n, held: 600n, floor: 0n } } });
  });

  it('holds exactly what is available (available may reach the floor)', () => {
    given(funded())
      .when(placeHold(1_000n))
      .then([holdPlaced(1_000n)]);
  });

  it('refuses more than available, counting what other holds reserve', () => {
    given(funded())
      .when(placeHold(1_001n))
      .thenRejects(rejectedWith('insufficient_funds', /1000 money available/));
    given(log(deposited(1_000n, 1), holdPlaced(600n, { holdId: 'h0' })))
      .when(placeHold(401n))
      .thenRejects(rejectedWith('insufficient_funds'));
  });

  it('holds points against points, not money', () => {
    given(withPoints())
      .when(placeHold(50n, { asset: 'points' }))
      .then([holdPlaced(50n, { asset: 'points' })]);
    given(funded())
      .when(placeHold(1n, { asset: 'points' }))
      .thenRejects(rejectedWith('insufficient_funds'));
  });

  it('decides nothing for the same hold again; refuses another hold under a used id', () => {
    given(log(deposited(1_000n, 1), holdPlaced(600n)))
      .when(placeHold(600n))
      .thenNothing();
    given(log(deposited(1_000n, 1), holdPlaced(600n)))
      .when(placeHold(5n))
      .thenRejects(rejectedWith('hold_exists'));
  });
});

describe('wallet decider: CaptureHold', () => {
  const held = () => log(deposited(1_000n, 1), holdPlaced(600n));
  const capture = (amount?: bigint): WalletCommand => ({
    type: 'CaptureHold',
    walletId: 'w1',
    holdId: 'h1',
    ...(amount === undefined ? {} : { amount }),
    occurredAtMs: 7_000,
    counterparty: 'w2',
  });

  it('captures the whole hold: balance and held go down by it', () => {
    given(held())
      .when(capture())
      .then([
        {
          type: 'HoldCaptured',
          data: {
            holdId: 'h1',
            asset: 'money',
            amount: 600n,
            released: 0n,
            occurredAtMs: 7_000,
            counterparty: 'w2',
          },
        },
      ]);
    given(held())
      .when(capture())
      .thenStateMatches({ balances: { money: { balance: 400n, held: 0n } } });
  });

  it('captures part and releases the rest', () => {
    given(held())
      .when(capture(250n))
      .thenStateMatches({ balances: { money: { balance: 750n, held: 0n } } });
  });

  it('refuses a capture above the hold, and a hold that ended', () => {
    given(held()).when(capture(601n)).thenRejects(rejectedWith('invalid_amount'));
    given(log(deposited(1_000n, 1), holdPlaced(600n), { type: 'HoldReleased', data: released(600n) }))
      .when(capture())
      .thenRejects(rejectedWith('hold_not_active', /released/));
    given(funded()).when(capture()).thenRejects(rejectedWith('hold_not_found'));
  });
});

const released = (amount: bigint, reason: 'released' | 'expired' = 'released', occurredAtMs = 8_000) => ({
  holdId: 'h1',
  asset: 'money' as Asset,
  amount,
  reason,
  occurredAtMs,
});

describe('wallet decider: ReleaseHold and ExpireHold', () => {
  const held = () => log(deposited(1_000n, 1), holdPlaced(600n));
  const release: WalletCommand = { type: 'ReleaseHold', walletId: 'w1', holdId: 'h1', occurredAtMs: 8_000 };
  const expire = (nowMs: number): WalletCommand => ({
    type: 'ExpireHold',
    walletId: 'w1',
    holdId: 'h1',
    nowMs,
  });

  it('releases the hold: available again, balance unchanged', () => {
    given(held())
      .when(release)
      .then([{ type: 'HoldReleased', data: released(600n) }]);
    given(held())
      .when(release)
      .thenStateMatches({ balances: { money: { balance: 1_000n, held: 0n } } });
  });

  it('ends a hold exactly once: a second end is refused, whichever it is', () => {
    const ended = log(deposited(1_000n, 1), holdPlaced(600n), { type: 'HoldReleased', data: released(600n) });
    given(ended).when(release).thenRejects(rejectedWith('hold_not_active'));
    given(ended).when(expire(20_000)).thenRejects(rejectedWith('hold_not_active'));
  });

  it('expires at or after expiresAtMs, with the time the command brings, not before', () => {
    given(held()).when(expire(9_999)).thenRejects(rejectedWith('hold_not_expired'));
    given(held())
      .when(expire(10_000))
      .then([{ type: 'HoldReleased', data: released(600n, 'expired', 10_000) }]);
  });
});

describe('wallet decider: TransferOut and TransferIn', () => {
  it('moves out what is available', () => {
    given(funded())
      .when(transferOut(1_000n))
      .then([transferredOut(1_000n)]);
    given(funded())
      .when(transferOut(300n))
      .thenStateMatches({ balances: { money: { balance: 700n, held: 0n } } });
  });

  it('refuses more than available, held amounts included, and nothing is decided', () => {
    given(funded()).when(transferOut(1_001n)).thenRejects(rejectedWith('insufficient_funds'));
    given(log(deposited(1_000n, 1), holdPlaced(600n)))
      .when(transferOut(401n))
      .thenRejects(rejectedWith('insufficient_funds'));
    given([]).when(transferOut(1n, 'points')).thenRejects(rejectedWith('insufficient_funds'));
  });

  it('counts deposits from every lane and earlier transfers out', () => {
    given(log(deposited(500n, 1), deposited(500n, 2, { lane: 3 }), transferredOut(900n)))
      .when(transferOut(101n))
      .thenRejects(rejectedWith('insufficient_funds'));
  });

  it('takes any amount in: a credit is never refused', () => {
    const transferIn: WalletCommand = {
      type: 'TransferIn',
      walletId: 'w1',
      asset: 'points',
      amount: 70n,
      transferId: 't1',
      from: 'w2',
      occurredAtMs: 6_000,
      memo: 'thanks',
    };
    given([])
      .when(transferIn)
      .then([
        {
          type: 'TransferredIn',
          data: {
            transferId: 't1',
            asset: 'points',
            amount: 70n,
            from: 'w2',
            occurredAtMs: 6_000,
            memo: 'thanks',
          },
        },
      ]);
    given(withPoints())
      .when(transferIn)
      .thenStateMatches({ balances: { points: { balance: 120n, held: 0n } } });
  });
});

describe('wallet decider: expired holds and offers', () => {
  const expired = () => log(deposited(1_000n, 1), holdPlaced(600n, { expiresAtMs: 6_000 }));

  it('a spend at or after a hold expiry ends the hold as expired and may spend what it freed', () => {
    given(expired())
      .when(transferOut(1_000n))
      .then([
        {
          type: 'HoldReleased',
          data: { holdId: 'h1', asset: 'money', amount: 600n, reason: 'expired', occurredAtMs: 6_000 },
        },
        transferredOut(1_000n),
      ]);
    given(expired())
      .when(transferOut(1_000n))
      .thenStateMatches({ balances: { money: { balance: 0n, held: 0n } } });
    // Before the expiry the hold still reserves its amount.
    given(log(deposited(1_000n, 1), holdPlaced(600n, { expiresAtMs: 6_001 })))
      .when(transferOut(401n))
      .thenRejects(rejectedWith('insufficient_funds'));
  });

  it('only holds of the asset spent lapse with it', () => {
    given(log(deposited(1_000n, 1), ...withPoints(), holdPlaced(50n, { asset: 'points', expiresAtMs: 1 })))
      .when(transferOut(10n))
      .then([transferredOut(10n)]);
  });

  it('refuses to capture a hold past its expiry', () => {
    given(log(deposited(1_000n, 1), holdPlaced(600n, { expiresAtMs: 7_000 })))
      .when({ type: 'CaptureHold', walletId: 'w1', holdId: 'h1', occurredAtMs: 7_000 })
      .thenRejects(rejectedWith('hold_not_active', /expired/));
  });

  it("keeps an offer's price on its hold, and who captured it", () => {
    const offer = { price: { asset: 'money' as Asset, amount: 500n } };
    given(withPoints())
      .when({ ...placeHold(50n, { asset: 'points' }), offer })
      .thenStateMatches({
        holds: new Map([
          [
            'h1',
            { holdId: 'h1', asset: 'points', amount: 50n, expiresAtMs: 10_000, status: 'active', offer },
          ],
        ]),
      });
    given(
      log(...withPoints(), {
        ...holdPlaced(50n, { asset: 'points' }),
        data: { ...holdPlaced(50n, { asset: 'points' }).data, offer },
      }),
    )
      .when({ type: 'CaptureHold', walletId: 'w1', holdId: 'h1', occurredAtMs: 7_000, counterparty: 'buyer' })
      .thenStateMatches({
        holds: new Map([
          [
            'h1',
            {
              holdId: 'h1',
              asset: 'points',
              amount: 50n,
              expiresAtMs: 10_000,
              status: 'captured',
              offer,
              counterparty: 'buyer',
            },
          ],
        ]),
      });
  });
});
