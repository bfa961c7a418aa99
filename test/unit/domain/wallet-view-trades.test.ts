import { describe, expect, it } from 'vitest';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { heldAt } from '#domain/wallet-view-trades.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };

/** Events in the lanes given (lane 0 unless said), each at the next version of its lane. */
function log(...entries: (WalletEvent & { lane?: number })[]): RecordedEvent[] {
  const heads = new Map<number, number>();
  return entries.map((entry, index) => {
    const lane = entry.lane ?? 0;
    const version = (heads.get(lane) ?? 0) + 1;
    heads.set(lane, version);
    return {
      ...entry,
      walletId: 'w1',
      lane,
      version,
      eventId: `e${index}`,
      recordedAtMs: index,
    } as RecordedEvent;
  });
}

const history = log(
  { type: 'Deposited', data: { amountMinor: 10_000n, occurredAtMs: 1 }, lane: 2 },
  {
    type: 'TransferredOut',
    data: { transferId: 't1', asset: 'money', amount: 2_500n, to: 'w2', occurredAtMs: 2 },
  },
  {
    type: 'TransferredIn',
    data: { transferId: 't2', asset: 'points', amount: 70n, from: 'w3', occurredAtMs: 3 },
  },
  {
    type: 'HoldPlaced',
    data: { holdId: 'h1', asset: 'points', amount: 50n, expiresAtMs: 9, occurredAtMs: 4 },
  },
  {
    type: 'HoldPlaced',
    data: { holdId: 'h2', asset: 'money', amount: 1_000n, expiresAtMs: 9, occurredAtMs: 5 },
  },
  {
    type: 'HoldCaptured',
    data: { holdId: 'h2', asset: 'money', amount: 400n, released: 600n, occurredAtMs: 6 },
  },
);

describe('the wallet view folds holds and transfers', () => {
  it('moves balance and held per asset; the money balance counts deposits and transfers', () => {
    const view = rebuildView('w1', history, CONFIG);
    expect(view).toMatchObject({
      balanceMinor: 7_100n,
      moneyMovedMinor: -2_900n,
      moneyHeldMinor: 0n,
      points: 70n,
      pointsHeld: 50n,
      tradeCount: 5,
      depositCount: 1,
    });
  });

  it('keeps the holds still active, and releases those past their expiry at read time (heldAt)', () => {
    const view = rebuildView('w1', history, CONFIG);
    expect(view.activeHolds).toEqual([{ holdId: 'h1', asset: 'points', amount: 50n, expiresAtMs: 9 }]);
    expect(heldAt(view, 8)).toEqual({ moneyHeldMinor: 0n, pointsHeld: 50n });
    expect(heldAt(view, 9)).toEqual({ moneyHeldMinor: 0n, pointsHeld: 0n });
    const released = rebuildView(
      'w1',
      [
        ...history,
        ...log(...history.filter((event) => event.lane === 0), {
          type: 'HoldReleased',
          data: { holdId: 'h1', asset: 'points', amount: 50n, reason: 'expired', occurredAtMs: 9 },
        }).slice(-1),
      ],
      CONFIG,
    );
    expect(released.activeHolds).toEqual([]);
    expect(heldAt(released, 9)).toEqual(heldAt(view, 9));
  });

  it('gives the same view whatever order the lanes come in', () => {
    const lane2 = history.filter((event) => event.lane === 2);
    const lane0 = history.filter((event) => event.lane === 0);
    expect(rebuildView('w1', [...lane2, ...lane0], CONFIG)).toEqual(rebuildView('w1', history, CONFIG));
  });

  it('keeps transfers in the balance when a correction recomputes it from the deposits', () => {
    const corrected = [
      ...history,
      ...log(...history.filter((event) => event.lane === 0), {
        type: 'EventCorrected',
        data: {
          target: { eventId: 'e0', lane: 2, version: 1, type: 'Deposited' },
          action: 'amend',
          reason: 'typo',
          deposit: { amountMinor: 20_000n, occurredAtMs: 1 },
        },
      }).slice(-1),
    ];
    expect(rebuildView('w1', corrected, CONFIG).balanceMinor).toBe(20_000n - 2_900n);
  });
});
