import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BREACH_DEPOSITS_LISTED,
  type Breach,
  bucketMs,
  type ThresholdConfig,
  type WindowDeposit,
} from '#domain/threshold.ts';
import { evolve, initialWalletState, type RecordedEvent } from '#domain/wallet.ts';
import {
  aboveThreshold,
  emptyView,
  projectEvents,
  rebuildView,
  type WalletView,
} from '#domain/wallet-view.ts';

const NUM_RUNS = 200;

interface Scenario {
  config: ThresholdConfig;
  /** In the order a projector meets them: each lane ascending, lanes interleaved arbitrarily. */
  events: RecordedEvent[];
  /** Page sizes, used in a cycle, to split each run of one lane into the pages a projector would see. */
  pageSizes: number[];
}

/** Deposits of wallet w1 in the order given, each lane's versions 1, 2, … */
function depositLog(
  deposits: { amountMinor: bigint; occurredAtMs: number; lane: number }[],
): RecordedEvent[] {
  const versions = new Map<number, number>();
  return deposits.map(({ amountMinor, occurredAtMs, lane }, index) => {
    const version = (versions.get(lane) ?? 0) + 1;
    versions.set(lane, version);
    return {
      type: 'Deposited',
      data: { amountMinor, occurredAtMs },
      walletId: 'w1',
      lane,
      version,
      eventId: `e${index}`,
      recordedAtMs: 1_000 + index,
    };
  });
}

/**
 * Small windows and a small time range make equal times, exact window edges and heavy
 * out-of-order arrival common; small retainMax values force the needs-history path.
 * `lanes: 1` keeps every event in lane 0 (one stream in version order).
 */
const scenario = (lanes: number): fc.Arbitrary<Scenario> =>
  fc
    .record({
      windowMs: fc.constantFrom(1, 10, 100, 120_000),
      thresholdMinor: fc.bigInt({ min: 1n, max: 20_000n }),
      retainMax: fc.integer({ min: 1, max: 5 }),
      deposits: fc.array(
        fc.record({
          amountMinor: fc.bigInt({ min: 1n, max: 6_000n }),
          /** Event time in quarter windows (plus a jitter of one ms), so window edges are hit exactly. */
          quarterWindows: fc.integer({ min: 0, max: 40 }),
          jitter: fc.constantFrom(-1, 0, 0, 0, 1),
          lane: fc.integer({ min: 0, max: lanes - 1 }),
        }),
        { minLength: 1, maxLength: 40 },
      ),
      pageSizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
    })
    .map(({ windowMs, thresholdMinor, retainMax, deposits, pageSizes }) => {
      const events = depositLog(
        deposits.map(({ amountMinor, quarterWindows, jitter, lane }) => ({
          amountMinor,
          occurredAtMs: Math.floor((quarterWindows * windowMs) / 4) + jitter,
          lane,
        })),
      );
      return { config: { windowMs, thresholdMinor, retainMax }, events, pageSizes };
    });

function toDeposit(event: RecordedEvent): WindowDeposit {
  if (event.type !== 'Deposited') throw new Error(`not a deposit: ${event.type}`);
  return {
    atMs: event.data.occurredAtMs,
    amountMinor: event.data.amountMinor,
    lane: event.lane,
    version: event.version,
  };
}

/** The deposits in the window (t − W, t] by (atMs, lane, version), and their sum. */
function windowEndingAt(deposits: WindowDeposit[], t: number, windowMs: number) {
  const inWindow = deposits
    .filter((deposit) => deposit.atMs > t - windowMs && deposit.atMs <= t)
    .sort((a, b) => a.atMs - b.atMs || a.lane - b.lane || a.version - b.version);
  return { inWindow, sumMinor: inWindow.reduce((sum, deposit) => sum + deposit.amountMinor, 0n) };
}

/** Brute force: the earliest deposit time whose window sums to more than the threshold. */
function earliestBreachAtMs(deposits: WindowDeposit[], config: ThresholdConfig): number | null {
  let earliest: number | null = null;
  for (const { atMs } of deposits) {
    const { sumMinor } = windowEndingAt(deposits, atMs, config.windowMs);
    if (sumMinor > config.thresholdMinor && (earliest === null || atMs < earliest)) earliest = atMs;
  }
  return earliest;
}

/** Brute force of the breach as a function of the set of deposits: the earliest breaching window, in full. */
function oracleBreach(deposits: WindowDeposit[], config: ThresholdConfig): Breach | null {
  const atMs = earliestBreachAtMs(deposits, config);
  if (atMs === null) return null;
  const { inWindow, sumMinor } = windowEndingAt(deposits, atMs, config.windowMs);
  return {
    atMs,
    windowStartMs: atMs - config.windowMs,
    sumMinor,
    depositCount: inWindow.length,
    deposits: inWindow.slice(0, BREACH_DEPOSITS_LISTED),
  };
}

/**
 * What functions/app/wallet-projection.ts does: pages of one lane each; project without history,
 * and only when that answers needs-history, again with the wallet's log.
 */
function projectInPages(s: Scenario, start?: WalletView): { view: WalletView; historyLoads: number } {
  let view = start ?? emptyView('w1', s.config);
  let historyLoads = 0;
  for (let start = 0, page = 0; start < s.events.length; page++) {
    const lane = s.events[start]?.lane;
    let end = start;
    const sizeMax = s.pageSizes[page % s.pageSizes.length] ?? 1;
    while (end < s.events.length && end - start < sizeMax && s.events[end]?.lane === lane) end++;
    const slice = s.events.slice(start, end);
    let result = projectEvents(view, slice, s.config);
    if (result.kind === 'needs-history') {
      historyLoads++;
      result = projectEvents(view, slice, s.config, s.events);
    }
    if (result.kind !== 'projected') throw new Error('needs-history although the history was given');
    view = result.view;
    start = end;
  }
  return { view, historyLoads };
}

describe('wallet view properties', () => {
  it('(a) balance equals the sum of the deposits, in the decider state and the view', () => {
    fc.assert(
      fc.property(scenario(4), (s) => {
        const sum = s.events.reduce((total, event) => total + toDeposit(event).amountMinor, 0n);
        expect(s.events.reduce(evolve, initialWalletState()).balances.money.balance).toBe(sum);
        const { view } = projectInPages(s);
        expect(view.balanceMinor).toBe(sum);
        expect(view.depositCount).toBe(s.events.length);
        expect(view.eventCount).toBe(s.events.length);
        for (const event of s.events) expect(view.lanes[event.lane]).toBeGreaterThanOrEqual(event.version);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(b) the flag and breach time equal a brute-force oracle, whatever the order, lanes and paging', () => {
    let historyLoads = 0;
    let breaches = 0;
    fc.assert(
      fc.property(scenario(4), (s) => {
        const { view, historyLoads: loads } = projectInPages(s);
        historyLoads += loads;
        const earliest = earliestBreachAtMs(s.events.map(toDeposit), s.config);
        if (earliest !== null) breaches++;
        expect(aboveThreshold(view)).toBe(earliest !== null);
        expect(view.threshold.breach?.atMs ?? null).toBe(earliest);
      }),
      { numRuns: NUM_RUNS },
    );
    // The generator must reach the paths under test, or the property proves little.
    expect(historyLoads).toBeGreaterThan(0);
    expect(breaches).toBeGreaterThan(NUM_RUNS / 10);
  });

  it('(b) holds on the original defaults with deposits spread over minutes, arriving out of order', () => {
    const config: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 3 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 400_000n }), fc.integer({ min: 0, max: 600_000 })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        (deposits, pageSizes) => {
          const events: RecordedEvent[] = deposits.map(([amountMinor, atMs], index) => ({
            type: 'Deposited',
            data: { amountMinor, occurredAtMs: atMs },
            walletId: 'w1',
            lane: 0,
            version: index + 1,
            eventId: `e${index + 1}`,
            recordedAtMs: index,
          }));
          const { view } = projectInPages({ config, events, pageSizes });
          expect(view.threshold.breach?.atMs ?? null).toBe(earliestBreachAtMs(events.map(toDeposit), config));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('(b) the breach record is the full earliest window over every applied deposit', () => {
    // threshold.ts: "Every field is a function of the SET of deposits applied".
    fc.assert(
      fc.property(scenario(4), (s) => {
        const { view } = projectInPages(s);
        expect(view.threshold.breach).toEqual(oracleBreach(s.events.map(toDeposit), s.config));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(c) one lane: rebuildView(log) deep-equals the incremental view whatever the page split', () => {
    fc.assert(
      fc.property(
        scenario(1),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        (s, otherSizes) => {
          const rebuilt = rebuildView('w1', s.events, s.config);
          expect(projectInPages(s).view).toEqual(rebuilt);
          expect(projectInPages({ ...s, pageSizes: otherSizes }).view).toEqual(rebuilt);
          expect(rebuildView('w1', s.events, s.config)).toEqual(rebuilt);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('(c) lanes: rebuildView(log) deep-equals the incremental view whatever order the lanes arrive in', () => {
    fc.assert(
      fc.property(scenario(4), (s) => {
        expect(projectInPages(s).view).toEqual(rebuildView('w1', s.events, s.config));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

/**
 * Many small deposits in one window, as a busy wallet takes them: mostly in event-time order
 * (some a little late), more per window than the cache keeps, amounts that may or may not reach the
 * threshold together, over several windows (so buckets age out).
 */
const busyWallet: fc.Arbitrary<Scenario> = fc
  .record({
    windowMs: fc.constantFrom(8, 100, 120_000),
    thresholdMinor: fc.bigInt({ min: 1n, max: 3_000n }),
    retainMax: fc.integer({ min: 1, max: 4 }),
    deposits: fc.array(
      fc.record({
        amountMinor: fc.bigInt({ min: 1n, max: 100n }),
        /** Steps forward in 32nds of a window; now and then a step back (a late deposit). */
        step: fc.integer({ min: -6, max: 6 }).map((step) => (step < -3 ? step : Math.abs(step))),
        lane: fc.integer({ min: 0, max: 1 }),
      }),
      { minLength: 1, maxLength: 100, size: 'large' },
    ),
    pageSizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ windowMs, thresholdMinor, retainMax, deposits, pageSizes }) => {
    let tick = 1_000;
    const events = depositLog(
      deposits.map(({ amountMinor, step, lane }) => {
        tick += step;
        return { amountMinor, occurredAtMs: Math.floor((tick * windowMs) / 32), lane };
      }),
    );
    return { config: { windowMs, thresholdMinor, retainMax }, events, pageSizes };
  });

/** threshold.ts's definition of `evicted`, by brute force over the set of deposits. */
function oracleEvicted(view: WalletView, deposits: WindowDeposit[], config: ThresholdConfig) {
  const { maxAtMs, retained, breach } = view.threshold;
  if (maxAtMs === null || breach !== null) return [];
  const width = bucketMs(config);
  const liveFromMs = Math.floor((maxAtMs - 2 * config.windowMs) / width) * width;
  const isRetained = (deposit: WindowDeposit) =>
    retained.some((entry) => entry.lane === deposit.lane && entry.version === deposit.version);
  const sums = new Map<number, bigint>();
  for (const deposit of deposits) {
    const fromMs = Math.floor(deposit.atMs / width) * width;
    if (isRetained(deposit) || fromMs < liveFromMs) continue;
    sums.set(fromMs, (sums.get(fromMs) ?? 0n) + deposit.amountMinor);
  }
  return [...sums].map(([fromMs, sumMinor]) => ({ fromMs, sumMinor })).sort((a, b) => a.fromMs - b.fromMs);
}

describe('evicted buckets: busy wallets decide without their history, exactly', () => {
  it('the flag and breach equal the oracle, the view equals the rebuild, the buckets their definition', () => {
    let spared = 0;
    let breaches = 0;
    let agedOut = 0;
    fc.assert(
      fc.property(busyWallet, (s) => {
        const deposits = s.events.map(toDeposit);
        const { view, historyLoads } = projectInPages(s);
        expect(view.threshold.breach).toEqual(oracleBreach(deposits, s.config));
        expect(view).toEqual(rebuildView('w1', s.events, s.config));
        expect(view.threshold.evicted).toEqual(oracleEvicted(view, deposits, s.config));
        if (view.threshold.breach !== null) breaches++;
        const { maxAtMs } = view.threshold;
        if (maxAtMs !== null && deposits.some((deposit) => deposit.atMs <= maxAtMs - 2 * s.config.windowMs)) {
          agedOut++;
        }
        // A view without buckets (stored before they existed) decides from history as it did:
        // the same flag, never fewer history loads.
        const empty = emptyView('w1', s.config);
        const legacy = projectInPages(s, { ...empty, threshold: { ...empty.threshold, evicted: null } });
        expect(legacy.view.threshold.breach).toEqual(view.threshold.breach);
        // It keeps no buckets (unknown) until its flag is set; then none are kept anyway.
        expect(legacy.view.threshold.evicted).toEqual(view.threshold.breach === null ? null : []);
        expect(legacy.historyLoads).toBeGreaterThanOrEqual(historyLoads);
        spared += legacy.historyLoads - historyLoads;
      }),
      { numRuns: NUM_RUNS },
    );
    // The generator reaches every side: the bound spares history reads, windows breach, and
    // deposits age out of the buckets' range.
    expect(spared).toBeGreaterThan(NUM_RUNS);
    expect(breaches).toBeGreaterThan(NUM_RUNS / 10);
    expect(agedOut).toBeGreaterThan(NUM_RUNS / 4);
  });

  it('a busy wallet far below the threshold never reads its history, in order or a little late', () => {
    const config: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
    // 2,000 deposits of 1.00 at 3 per second (670 s), each eighth one 10 s late.
    const events: RecordedEvent[] = Array.from({ length: 2_000 }, (_, index) => ({
      type: 'Deposited',
      data: { amountMinor: 100n, occurredAtMs: 1_000_000 + index * 333 - (index % 8 === 7 ? 10_000 : 0) },
      walletId: 'w1',
      lane: 0,
      version: index + 1,
      eventId: `e${index}`,
      recordedAtMs: 1_000_000 + index * 333,
    }));
    const { view, historyLoads } = projectInPages({ config, events, pageSizes: [100] });
    expect(historyLoads).toBe(0);
    expect(view.threshold.breach).toBeNull();
    expect(view.threshold.evicted?.length).toBeLessThanOrEqual(17);
    expect(view).toEqual(rebuildView('w1', events, config));
  });
});
