import { describe, expect, it } from 'vitest';
import {
  applyDeposit,
  BREACH_DEPOSITS_LISTED,
  canDecideFromCache,
  initialThresholdState,
  type ThresholdConfig,
  type ThresholdState,
  type WindowDeposit,
} from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import {
  aboveThreshold,
  emptyView,
  projectEvents,
  rebuildView,
  type WalletView,
} from '#domain/wallet-view.ts';

/** The original service's rule: more than 10,000 (1,000,000 minor units) within 2 minutes. */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };

const deposited = (
  version: number,
  amountMinor: bigint,
  atMs: number,
  walletId = 'w1',
  lane = 0,
): RecordedEvent => ({
  type: 'Deposited',
  data: { amountMinor, occurredAtMs: atMs },
  walletId,
  lane,
  version,
  eventId: `e${lane}-${version}`,
  recordedAtMs: 1_000_000 + version,
});

/** Events from (amountMinor, atMs) pairs, versions 1, 2, … in the given order. */
const log = (...deposits: [bigint, number][]): RecordedEvent[] =>
  deposits.map(([amountMinor, atMs], index) => deposited(index + 1, amountMinor, atMs));

function project(events: RecordedEvent[], config: ThresholdConfig = CONFIG): WalletView {
  const result = projectEvents(emptyView('w1', config), events, config);
  if (result.kind !== 'projected') throw new Error(`expected projected, got ${result.kind}`);
  return result.view;
}

function fold(deposits: WindowDeposit[], config: ThresholdConfig = CONFIG): ThresholdState {
  let state = initialThresholdState();
  const applied: WindowDeposit[] = [];
  for (const deposit of deposits) {
    state = applyDeposit(state, deposit, config, applied);
    applied.push(deposit);
  }
  return state;
}

describe('threshold window (t − 120 s, t], strictly more than 10,000', () => {
  it('breaches with 8000 at t=0 and 2000.01 at t=119,999 ms', () => {
    const view = project(log([800_000n, 0], [200_001n, 119_999]));
    expect(aboveThreshold(view)).toBe(true);
    expect(view.threshold.breach).toEqual({
      atMs: 119_999,
      windowStartMs: -1,
      sumMinor: 1_000_001n,
      depositCount: 2,
      deposits: [
        { atMs: 0, amountMinor: 800_000n, lane: 0, version: 1 },
        { atMs: 119_999, amountMinor: 200_001n, lane: 0, version: 2 },
      ],
    });
  });

  it('does not breach when the second deposit is at exactly t=120,000 ms (the first has left)', () => {
    const view = project(log([800_000n, 0], [200_001n, 120_000]));
    expect(aboveThreshold(view)).toBe(false);
    expect(view.threshold.breach).toBeNull();
  });

  it('does not breach at exactly 10,000 (strictly greater), and does at 10,000.01', () => {
    expect(aboveThreshold(project(log([800_000n, 0], [200_000n, 1_000])))).toBe(false);
    expect(aboveThreshold(project(log([800_000n, 0], [200_000n, 1_000], [1n, 2_000])))).toBe(true);
  });

  it('breaches on a single deposit above the threshold', () => {
    const view = project(log([1_000_001n, 5_000]));
    expect(view.threshold.breach).toMatchObject({
      atMs: 5_000,
      windowStartMs: -115_000,
      sumMinor: 1_000_001n,
    });
  });

  it('counts all deposits at the same instant in the window that ends there', () => {
    const view = project(log([500_000n, 7_000], [500_001n, 7_000]));
    expect(view.threshold.breach).toMatchObject({ atMs: 7_000, sumMinor: 1_000_001n, depositCount: 2 });
  });

  it('is sticky: once breached it stays breached, with the first breach kept', () => {
    const first = project(log([800_000n, 0], [200_001n, 119_999]));
    const later = projectEvents(
      first,
      [deposited(3, 1n, 10_000_000), deposited(4, 1n, 20_000_000), deposited(5, 2_000_000n, 30_000_000)],
      CONFIG,
    );
    expect(later.kind).toBe('projected');
    if (later.kind !== 'projected') return;
    expect(aboveThreshold(later.view)).toBe(true);
    expect(later.view.threshold.breach).toEqual(first.threshold.breach);
  });

  it('lists at most BREACH_DEPOSITS_LISTED deposits, oldest first, but counts them all', () => {
    const many: [bigint, number][] = Array.from({ length: 60 }, (_, index) => [20_000n, 1_000 + index]);
    const view = project(log(...many));
    // 50 × 200 = 10,000 is not more than the threshold; the 51st deposit breaches.
    expect(view.threshold.breach?.atMs).toBe(1_050);
    expect(view.threshold.breach?.depositCount).toBe(51);
    expect(view.threshold.breach?.sumMinor).toBe(1_020_000n);
    expect(view.threshold.breach?.deposits).toHaveLength(BREACH_DEPOSITS_LISTED);
    expect(view.threshold.breach?.deposits[0]).toEqual({
      atMs: 1_000,
      amountMinor: 20_000n,
      lane: 0,
      version: 1,
    });
    expect(view.threshold.breach?.deposits.at(-1)?.version).toBe(BREACH_DEPOSITS_LISTED);
  });

  it('moves breach.atMs earlier when a late deposit creates an earlier breach', () => {
    const onTime = project(log([600_000n, 1_000_000], [600_000n, 1_100_000]));
    expect(onTime.threshold.breach?.atMs).toBe(1_100_000);

    // Arrives last but happened at 900,000: the window (880,000, 1,000,000] now holds 11,000.
    const late = projectEvents(onTime, [deposited(3, 500_000n, 900_000)], CONFIG);
    expect(late.kind).toBe('projected');
    if (late.kind !== 'projected') return;
    expect(late.view.threshold.breach).toEqual({
      atMs: 1_000_000,
      windowStartMs: 880_000,
      sumMinor: 1_100_000n,
      depositCount: 2,
      deposits: [
        { atMs: 900_000, amountMinor: 500_000n, lane: 0, version: 3 },
        { atMs: 1_000_000, amountMinor: 600_000n, lane: 0, version: 1 },
      ],
    });
  });

  it('keeps the breach when a late deposit would only breach later than it', () => {
    const breached = project(log([1_000_001n, 100_000]));
    const result = projectEvents(breached, [deposited(2, 1_000_001n, 500_000)], CONFIG);
    expect(result.kind === 'projected' && result.view.threshold.breach?.atMs).toBe(100_000);
  });

  it('asks for history when a late deposit is older than the cache covers, and is exact with it', () => {
    const config: ThresholdConfig = { ...CONFIG, retainMax: 200 };
    // 6000 at t=0, then a tiny deposit far later ages the first out of the cache (cover from 0).
    const before = project(log([600_000n, 0], [1n, 500_000]), config);
    expect(before.threshold.coverFromMs).toBe(0);
    expect(before.threshold.retained).toEqual([{ atMs: 500_000, amountMinor: 1n, lane: 0, version: 2 }]);

    // 5000 at t=60,000 arrives last: with the deposit at t=0 the window (−60,000, 60,000] holds 11,000.
    const late = deposited(3, 500_000n, 60_000);
    expect(projectEvents(before, [late], config)).toEqual({ kind: 'needs-history' });

    const history = [...log([600_000n, 0], [1n, 500_000]), late];
    const exact = projectEvents(before, [late], config, history);
    expect(exact.kind).toBe('projected');
    if (exact.kind !== 'projected') return;
    expect(exact.view.threshold.breach).toMatchObject({
      atMs: 60_000,
      windowStartMs: -60_000,
      sumMinor: 1_100_000n,
    });
    expect(exact.view).toEqual(rebuildView('w1', history, config));
    expect(exact.view.balanceMinor).toBe(1_100_001n);
  });

  it('asks for history once retainMax evicts deposits a late one needs', () => {
    const config: ThresholdConfig = { ...CONFIG, retainMax: 1 };
    const before = project(log([600_000n, 10_000], [1n, 20_000]), config);
    expect(before.threshold.coverFromMs).toBe(10_000);
    const late = deposited(3, 500_000n, 15_000);
    expect(projectEvents(before, [late], config)).toEqual({ kind: 'needs-history' });
    // The evicted 6000 at t=10,000 plus the late 5000 at t=15,000: the window ending at 15,000 holds 11,000.
    const exact = projectEvents(before, [late], config, [...log([600_000n, 10_000], [1n, 20_000]), late]);
    expect(exact.kind === 'projected' && exact.view.threshold.breach).toMatchObject({
      atMs: 15_000,
      sumMinor: 1_100_000n,
      depositCount: 2,
    });
  });
});

describe('threshold breach record: a function of the set of deposits', () => {
  it('counts a late deposit inside the breach window into the record', () => {
    // 10,000.01 at t=100 s breaches; 0.05 at t=50 s arrives later but lies in the same window (−20 s, 100 s].
    const view = project(log([1_000_001n, 100_000], [5n, 50_000]));
    expect(view.threshold.breach).toEqual({
      atMs: 100_000,
      windowStartMs: -20_000,
      sumMinor: 1_000_006n,
      depositCount: 2,
      deposits: [
        { atMs: 50_000, amountMinor: 5n, lane: 0, version: 2 },
        { atMs: 100_000, amountMinor: 1_000_001n, lane: 0, version: 1 },
      ],
    });
  });

  it('gives the same view whichever lane the projector saw first (what rebuildView gives)', () => {
    const lane0v1 = deposited(1, 500n, 50_000, 'w1', 0);
    const lane0v2 = deposited(2, 300n, 60_000, 'w1', 0);
    const lane1v1 = deposited(1, 1_000_001n, 100_000, 'w1', 1);
    let view = emptyView('w1', CONFIG);
    for (const page of [[lane0v1], [lane1v1], [lane0v2]]) {
      const result = projectEvents(view, page, CONFIG);
      if (result.kind !== 'projected') throw new Error('the cache covers everything here');
      view = result.view;
    }
    const rebuilt = rebuildView('w1', [lane0v1, lane0v2, lane1v1], CONFIG);
    expect(rebuilt.threshold.breach).toMatchObject({ atMs: 100_000, sumMinor: 1_000_801n, depositCount: 3 });
    expect(view).toEqual(rebuilt);
  });
});

describe('threshold cache', () => {
  it('decides from the cache exactly when the new window reaches no further back than coverFromMs', () => {
    const state: ThresholdState = { ...initialThresholdState(), coverFromMs: 1_000, maxAtMs: 500_000 };
    expect(canDecideFromCache(state, 121_000, CONFIG)).toBe(true);
    expect(canDecideFromCache(state, 120_999, CONFIG)).toBe(false);
    expect(canDecideFromCache(initialThresholdState(), -1_000_000, CONFIG)).toBe(true);
  });

  it('decides any deposit at or after the breach from the cache', () => {
    const state = fold([{ atMs: 1_000_000, amountMinor: 2_000_000n, lane: 0, version: 1 }]);
    const withCover: ThresholdState = { ...state, coverFromMs: 999_999 };
    expect(canDecideFromCache(withCover, 1_000_000, CONFIG)).toBe(true);
    expect(canDecideFromCache(withCover, 999_999, CONFIG)).toBe(false);
  });

  it('refuses to guess: applyDeposit without the history it needs throws', () => {
    const state: ThresholdState = { ...initialThresholdState(), coverFromMs: 1_000, maxAtMs: 500_000 };
    expect(() => applyDeposit(state, { atMs: 2_000, amountMinor: 1n, lane: 0, version: 9 }, CONFIG)).toThrow(
      'history is required',
    );
  });

  it('keeps the newest retainMax deposits, sorted, and covers from the newest one it let go', () => {
    const config: ThresholdConfig = { ...CONFIG, retainMax: 3 };
    const state = fold(
      [
        { atMs: 50, amountMinor: 1n, lane: 0, version: 1 },
        { atMs: 10, amountMinor: 1n, lane: 0, version: 2 },
        { atMs: 30, amountMinor: 1n, lane: 0, version: 3 },
        { atMs: 30, amountMinor: 1n, lane: 0, version: 4 },
        { atMs: 40, amountMinor: 1n, lane: 0, version: 5 },
      ],
      config,
    );
    expect(state.retained.map((entry) => entry.version)).toEqual([4, 5, 1]);
    expect(state.coverFromMs).toBe(30);
    expect(state.maxAtMs).toBe(50);
  });

  it('orders deposits at the same instant by lane, whatever order the lanes were applied in', () => {
    // threshold.ts documents `retained` as sorted by (atMs, lane, version) and a function of the set.
    const lane0 = { atMs: 10, amountMinor: 1n, lane: 0, version: 1 };
    const lane1 = { atMs: 10, amountMinor: 2n, lane: 1, version: 1 };
    expect(fold([lane0, lane1]).retained).toEqual([lane0, lane1]);
    expect(fold([lane1, lane0]).retained).toEqual([lane0, lane1]);
  });

  it('drops deposits older than two windows before the newest and records the cover', () => {
    const state = fold([
      { atMs: 0, amountMinor: 1n, lane: 0, version: 1 },
      { atMs: 240_000, amountMinor: 1n, lane: 0, version: 2 },
    ]);
    expect(state.retained).toEqual([{ atMs: 240_000, amountMinor: 1n, lane: 0, version: 2 }]);
    expect(state.coverFromMs).toBe(0);
  });
});

describe('wallet view projection', () => {
  it('folds balance, count, applied version and the last recordedAt', () => {
    const view = project(log([10n, 5], [20n, 3]));
    expect(view).toMatchObject({
      walletId: 'w1',
      lanes: [2],
      eventCount: 2,
      balanceMinor: 30n,
      depositCount: 2,
      updatedAtMs: 1_000_002,
      thresholdMinor: 1_000_000n,
      windowMs: 120_000,
    });
  });

  it('applies only the next version of each lane', () => {
    const view = project(log([10n, 5]));
    expect(() => projectEvents(view, [deposited(3, 1n, 1)], CONFIG)).toThrow(
      'lane 0 expected version 2, got 3',
    );
    expect(() => projectEvents(view, [deposited(1, 1n, 1)], CONFIG)).toThrow(
      'lane 0 expected version 2, got 1',
    );
    expect(() => projectEvents(view, [deposited(2, 1n, 1, 'w1', 3)], CONFIG)).toThrow(
      'lane 3 expected version 1, got 2',
    );
  });

  it('tracks each lane separately and counts events over all lanes', () => {
    const result = projectEvents(project(log([10n, 5])), [deposited(1, 7n, 9, 'w1', 2)], CONFIG);
    expect(result.kind === 'projected' && result.view).toMatchObject({
      lanes: [1, 0, 1],
      eventCount: 2,
      balanceMinor: 17n,
    });
  });

  it('refuses events of another wallet', () => {
    expect(() => projectEvents(emptyView('w1', CONFIG), [deposited(1, 1n, 1, 'w2')], CONFIG)).toThrow(
      'event of another wallet',
    );
  });

  it('refuses a view computed under another threshold rule', () => {
    const view = emptyView('w1', { ...CONFIG, thresholdMinor: 5n });
    expect(() => projectEvents(view, log([1n, 1]), CONFIG)).toThrow('another threshold rule');
  });

  it('rebuilds the same view as the incremental projection, one event at a time', () => {
    const events = log([600_000n, 1_000_000], [600_000n, 1_100_000], [500_000n, 900_000], [1n, 2_000_000]);
    let view = emptyView('w1', CONFIG);
    for (const event of events) {
      const result = projectEvents(view, [event], CONFIG, events);
      if (result.kind !== 'projected') throw new Error('history was given');
      view = result.view;
    }
    expect(rebuildView('w1', events, CONFIG)).toEqual(view);
  });
});
