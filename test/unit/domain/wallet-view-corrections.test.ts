import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDeposit,
  BREACH_DEPOSITS_LISTED,
  type Breach,
  canDecideFromCache,
  initialThresholdState,
  type ThresholdConfig,
  thresholdFromDeposits,
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
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const NUM_RUNS = 150;

const deposited = (lane: number, version: number, amountMinor: bigint, atMs: number): RecordedEvent => ({
  type: 'Deposited',
  data: { amountMinor, occurredAtMs: atMs },
  walletId: 'w1',
  lane,
  version,
  eventId: `d${lane}-${version}`,
  recordedAtMs: 1_000 + lane * 100 + version,
});

const correction = (
  version: number,
  target: RecordedEvent,
  amend?: { amountMinor: bigint; occurredAtMs: number },
): RecordedEvent => ({
  type: 'EventCorrected',
  data: {
    target: { eventId: target.eventId, lane: target.lane, version: target.version, type: 'Deposited' },
    action: amend === undefined ? 'void' : 'amend',
    reason: 'test',
    ...(amend === undefined ? {} : { deposit: amend }),
  },
  walletId: 'w1',
  lane: 0,
  version,
  eventId: `c0-${version}`,
  recordedAtMs: 5_000 + version,
});

/** Projects pages as the projector does: without history first, with the whole log when asked. */
function projectPage(
  view: WalletView,
  page: RecordedEvent[],
  log: readonly RecordedEvent[],
  config: ThresholdConfig = CONFIG,
): WalletView {
  let result = projectEvents(view, page, config);
  if (result.kind === 'needs-history') result = projectEvents(view, page, config, log);
  if (result.kind !== 'projected') throw new Error('needs-history although the history was given');
  return result.view;
}

/** One event at a time, in the order given (each lane must stay ascending). */
const projectInOrder = (events: RecordedEvent[], log: readonly RecordedEvent[] = events, config = CONFIG) =>
  events.reduce((view, event) => projectPage(view, [event], log, config), emptyView('w1', config));

describe('voiding a deposit that made AboveThreshold true', () => {
  const d1 = deposited(0, 1, 600_000n, 0);
  const d2 = deposited(0, 2, 500_000n, 60_000);

  it('makes it false when no window breaches without it', () => {
    const before = projectInOrder([d1, d2]);
    expect(aboveThreshold(before)).toBe(true);
    expect(before.threshold.breach?.atMs).toBe(60_000);

    const voided = correction(3, d2);
    const log = [d1, d2, voided];
    // Folded on top of the projected view: the correction needs the history, and recomputes.
    expect(projectEvents(before, [voided], CONFIG)).toEqual({ kind: 'needs-history' });
    const after = projectPage(before, [voided], log);
    expect(aboveThreshold(after)).toBe(false);
    expect(after.threshold.breach).toBeNull();
    expect(after.balanceMinor).toBe(600_000n);
    expect(after.depositCount).toBe(2);
    expect(after.correctionCount).toBe(1);
    expect(after.eventCount).toBe(3);
    expect(after.corrections).toEqual([{ lane: 0, version: 2, byVersion: 3, effective: null }]);
    expect(after).toEqual(rebuildView('w1', log, CONFIG));
  });

  it('keeps it true, at the next breaching window, when another window still breaches', () => {
    const d3 = deposited(0, 3, 700_000n, 300_000);
    const d4 = deposited(0, 4, 400_000n, 350_000);
    const before = projectInOrder([d1, d2, d3, d4]);
    expect(before.threshold.breach?.atMs).toBe(60_000);

    const log = [d1, d2, d3, d4, correction(5, d2)];
    const after = projectInOrder(log);
    expect(aboveThreshold(after)).toBe(true);
    expect(after.threshold.breach).toEqual({
      atMs: 350_000,
      windowStartMs: 230_000,
      sumMinor: 1_100_000n,
      depositCount: 2,
      deposits: [
        { atMs: 300_000, amountMinor: 700_000n, lane: 0, version: 3 },
        { atMs: 350_000, amountMinor: 400_000n, lane: 0, version: 4 },
      ],
    });
    expect(after.balanceMinor).toBe(1_700_000n);
    expect(after).toEqual(rebuildView('w1', log, CONFIG));
  });

  it('voiding a deposit that was not in the breaching window changes balance only', () => {
    const d3 = deposited(0, 3, 5_000n, 900_000);
    const before = projectInOrder([d1, d2, d3]);
    const after = projectInOrder([d1, d2, d3, correction(4, d3)]);
    expect(after.threshold.breach).toEqual(before.threshold.breach);
    expect(after.balanceMinor).toBe(before.balanceMinor - 5_000n);
  });
});

describe('amending a deposit', () => {
  const d1 = deposited(0, 1, 600_000n, 0);
  const d2 = deposited(0, 2, 300_000n, 60_000);

  it('moves balance and flag with its amount', () => {
    const before = projectInOrder([d1, d2]);
    expect(aboveThreshold(before)).toBe(false);
    expect(before.balanceMinor).toBe(900_000n);

    const raised = [d1, d2, correction(3, d2, { amountMinor: 500_000n, occurredAtMs: 60_000 })];
    const after = projectInOrder(raised);
    expect(after.balanceMinor).toBe(1_100_000n);
    expect(aboveThreshold(after)).toBe(true);
    expect(after.threshold.breach?.atMs).toBe(60_000);
    expect(after.threshold.breach?.sumMinor).toBe(1_100_000n);
    expect(after.corrections).toEqual([
      { lane: 0, version: 2, byVersion: 3, effective: { amountMinor: 500_000n, atMs: 60_000 } },
    ]);
    expect(after).toEqual(rebuildView('w1', raised, CONFIG));
  });

  it('moves balance and flag with its time, and the latest amendment is the one in force', () => {
    const raised = correction(3, d2, { amountMinor: 500_000n, occurredAtMs: 60_000 });
    const moved = correction(4, d2, { amountMinor: 450_000n, occurredAtMs: 200_000 });
    const log = [d1, d2, raised, moved];
    const after = projectInOrder(log);
    // (80 s, 200 s] holds only the moved deposit; (−120 s, 0] only the first.
    expect(aboveThreshold(after)).toBe(false);
    expect(after.balanceMinor).toBe(1_050_000n);
    expect(after.threshold.maxAtMs).toBe(200_000);
    expect(after.correctionCount).toBe(2);
    expect(after.corrections).toEqual([
      { lane: 0, version: 2, byVersion: 4, effective: { amountMinor: 450_000n, atMs: 200_000 } },
    ]);
    expect(after).toEqual(rebuildView('w1', log, CONFIG));

    // Moved into the first deposit's window instead: flagged, at the moved time.
    const into = projectInOrder([
      d1,
      d2,
      correction(3, d2, { amountMinor: 450_000n, occurredAtMs: 100_000 }),
    ]);
    expect(into.threshold.breach?.atMs).toBe(100_000);
    expect(into.threshold.breach?.sumMinor).toBe(1_050_000n);
  });

  it('a void after an amendment takes the deposit out entirely', () => {
    const log = [
      d1,
      d2,
      correction(3, d2, { amountMinor: 500_000n, occurredAtMs: 60_000 }),
      correction(4, d2),
    ];
    const after = projectInOrder(log);
    expect(after.balanceMinor).toBe(600_000n);
    expect(aboveThreshold(after)).toBe(false);
    expect(after.corrections).toEqual([{ lane: 0, version: 2, byVersion: 4, effective: null }]);
  });
});

describe('a correction applied before its target (target in another lane, applied later)', () => {
  const d1 = deposited(0, 1, 600_000n, 0);
  const target = deposited(1, 1, 500_000n, 60_000);
  const later = deposited(1, 2, 100n, 70_000);

  for (const [name, fix] of [
    ['void', correction(2, target)],
    ['amend amount and time', correction(2, target, { amountMinor: 450_000n, occurredAtMs: 30_000 })],
  ] as const) {
    it(`${name}: gives the same view as applied after it`, () => {
      const log = [d1, fix, target, later];
      const correctionFirst = projectPage(
        projectPage(emptyView('w1', CONFIG), [d1, fix], log),
        [target, later],
        log,
      );
      const targetFirst = projectPage(
        projectPage(emptyView('w1', CONFIG), [target, later], log),
        [d1, fix],
        log,
      );
      // Interleaved: the deposit lands between the lane-0 events.
      const between = projectInOrder([d1, target, fix, later], log);
      expect(correctionFirst).toEqual(targetFirst);
      expect(between).toEqual(targetFirst);
      expect(correctionFirst).toEqual(rebuildView('w1', log, CONFIG));
      // A rebuild that meets the lanes in another order agrees too.
      expect(rebuildView('w1', [later, target, fix, d1], CONFIG)).toEqual(correctionFirst);
    });
  }

  it('the corrected deposit counts as corrected when it arrives (voided: counted, nothing else)', () => {
    const log = [d1, correction(2, target), target];
    const view = projectInOrder(log);
    expect(view.depositCount).toBe(2);
    expect(view.balanceMinor).toBe(600_000n);
    expect(aboveThreshold(view)).toBe(false);
    expect(view.lanes).toEqual([2, 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Brute force: the earliest breaching window over a set of deposits. */
function oracleBreach(deposits: readonly WindowDeposit[], config: ThresholdConfig): Breach | null {
  const byTime = [...deposits].sort((a, b) => a.atMs - b.atMs || a.lane - b.lane || a.version - b.version);
  for (const { atMs } of byTime) {
    const inWindow = byTime.filter((entry) => entry.atMs > atMs - config.windowMs && entry.atMs <= atMs);
    const sumMinor = inWindow.reduce((sum, entry) => sum + entry.amountMinor, 0n);
    if (sumMinor > config.thresholdMinor) {
      return {
        atMs,
        windowStartMs: atMs - config.windowMs,
        sumMinor,
        depositCount: inWindow.length,
        deposits: inWindow.slice(0, BREACH_DEPOSITS_LISTED),
      };
    }
  }
  return null;
}

const configArb = fc.record({
  windowMs: fc.constantFrom(10, 100),
  thresholdMinor: fc.bigInt({ min: 1n, max: 15_000n }),
  retainMax: fc.integer({ min: 1, max: 5 }),
});

const depositsArb = (windowMs: number) =>
  fc
    .array(
      fc.record({
        amountMinor: fc.bigInt({ min: 1n, max: 6_000n }),
        quarterWindows: fc.integer({ min: 0, max: 24 }),
        jitter: fc.constantFrom(-1, 0, 0, 1),
        lane: fc.integer({ min: 0, max: 3 }),
      }),
      { minLength: 1, maxLength: 25 },
    )
    .map((entries) => {
      const versions = new Map<number, number>();
      return entries.map(({ amountMinor, quarterWindows, jitter, lane }) => {
        const version = (versions.get(lane) ?? 0) + 1;
        versions.set(lane, version);
        return {
          atMs: Math.max(0, Math.floor((quarterWindows * windowMs) / 4) + jitter),
          amountMinor,
          lane,
          version,
        };
      });
    });

describe('thresholdFromDeposits', () => {
  it('equals folding applyDeposit over the same deposits in any order', () => {
    fc.assert(
      fc.property(
        configArb.chain((config) =>
          fc.tuple(
            fc.constant(config),
            depositsArb(config.windowMs).chain((deposits) =>
              fc.tuple(fc.constant(deposits), fc.shuffledSubarray(deposits, { minLength: deposits.length })),
            ),
          ),
        ),
        ([config, [deposits, shuffled]]) => {
          let state = initialThresholdState();
          const applied: WindowDeposit[] = [];
          for (const deposit of shuffled) {
            // The projector's way: history only when the cache cannot decide.
            const fromCache = canDecideFromCache(state, deposit.atMs, config);
            state = applyDeposit(state, deposit, config, fromCache ? undefined : [...applied]);
            applied.push(deposit);
          }
          const fromSet = thresholdFromDeposits(deposits, config);
          expect(fromSet).toEqual(state);
          expect(thresholdFromDeposits(shuffled, config)).toEqual(fromSet);
          expect(fromSet.breach).toEqual(oracleBreach(deposits, config));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('is the initial state for no deposits', () => {
    expect(thresholdFromDeposits([], CONFIG)).toEqual(initialThresholdState());
  });
});

interface CorrectedScenario {
  config: ThresholdConfig;
  /** Generation order: deposits in lanes 0–3, corrections (lane 0) of deposits generated before them. */
  log: RecordedEvent[];
  /** Lane picks and page sizes, used in a cycle, for the order a projector meets the lanes. */
  picks: number[];
  sizes: number[];
}

const correctedScenario: fc.Arbitrary<CorrectedScenario> = configArb.chain((config) =>
  fc
    .record({
      steps: fc.array(
        fc.oneof(
          {
            weight: 3,
            arbitrary: fc.record({
              kind: fc.constant('deposit' as const),
              amountMinor: fc.bigInt({ min: 1n, max: 6_000n }),
              quarterWindows: fc.integer({ min: 0, max: 24 }),
              lane: fc.integer({ min: 0, max: 3 }),
            }),
          },
          {
            weight: 1,
            arbitrary: fc.record({
              kind: fc.constant('correct' as const),
              pick: fc.nat(),
              voided: fc.boolean(),
              amountMinor: fc.bigInt({ min: 1n, max: 6_000n }),
              quarterWindows: fc.integer({ min: 0, max: 24 }),
            }),
          },
        ),
        { minLength: 1, maxLength: 30 },
      ),
      picks: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 8 }),
      sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
    })
    .map(({ steps, picks, sizes }) => {
      const versions = [0, 0, 0, 0];
      const deposits: RecordedEvent[] = [];
      const log: RecordedEvent[] = [];
      for (const step of steps) {
        if (step.kind === 'deposit') {
          const version = (versions[step.lane] ?? 0) + 1;
          versions[step.lane] = version;
          const event = deposited(
            step.lane,
            version,
            step.amountMinor,
            (step.quarterWindows * config.windowMs) / 4,
          );
          deposits.push(event);
          log.push(event);
          continue;
        }
        const target = deposits[step.pick % Math.max(1, deposits.length)];
        if (target === undefined) continue;
        const version = (versions[0] ?? 0) + 1;
        versions[0] = version;
        log.push(
          correction(
            version,
            target,
            step.voided
              ? undefined
              : { amountMinor: step.amountMinor, occurredAtMs: (step.quarterWindows * config.windowMs) / 4 },
          ),
        );
      }
      return { config, log, picks, sizes };
    }),
);

/** The lanes met in an arbitrary interleaving (each lane in order), pages of varying size. */
function projectInterleaved(s: CorrectedScenario): WalletView {
  const lanes = new Map<number, RecordedEvent[]>();
  for (const event of s.log) lanes.set(event.lane, [...(lanes.get(event.lane) ?? []), event]);
  let view = emptyView('w1', s.config);
  for (let step = 0; lanes.size > 0; step++) {
    const open = [...lanes.keys()].sort((a, b) => a - b);
    const lane = open[(s.picks[step % s.picks.length] ?? 0) % open.length] ?? 0;
    const pending = lanes.get(lane) ?? [];
    const size = s.sizes[step % s.sizes.length] ?? 1;
    view = projectPage(view, pending.slice(0, size), s.log, s.config);
    if (pending.length <= size) lanes.delete(lane);
    else lanes.set(lane, pending.slice(size));
  }
  return view;
}

/** The deposits as the latest correction of each left them. */
function effective(log: readonly RecordedEvent[]): WindowDeposit[] {
  const latest = new Map<string, RecordedEvent>();
  for (const event of log) {
    if (event.type === 'EventCorrected')
      latest.set(`${event.data.target.lane}:${event.data.target.version}`, event);
  }
  return log.flatMap((event) => {
    if (event.type !== 'Deposited') return [];
    const fix = latest.get(`${event.lane}:${event.version}`);
    if (fix?.type !== 'EventCorrected') {
      return [
        {
          atMs: event.data.occurredAtMs,
          amountMinor: event.data.amountMinor,
          lane: event.lane,
          version: event.version,
        },
      ];
    }
    const amended = fix.data.action === 'amend' ? fix.data.deposit : undefined;
    return amended === undefined
      ? []
      : [
          {
            atMs: amended.occurredAtMs,
            amountMinor: amended.amountMinor,
            lane: event.lane,
            version: event.version,
          },
        ];
  });
}

describe('corrections in any arrival order', () => {
  it('the incremental view equals rebuildView(log) and the brute-force oracle of the corrected deposits', () => {
    let correctedRuns = 0;
    fc.assert(
      fc.property(correctedScenario, (s) => {
        const view = projectInterleaved(s);
        const rebuilt = rebuildView('w1', s.log, s.config);
        expect(view).toEqual(rebuilt);
        const deposits = effective(s.log);
        expect(view.balanceMinor).toBe(deposits.reduce((sum, entry) => sum + entry.amountMinor, 0n));
        expect(view.threshold.breach).toEqual(oracleBreach(deposits, s.config));
        expect(view.eventCount).toBe(s.log.length);
        expect(view.correctionCount).toBe(s.log.filter((event) => event.type === 'EventCorrected').length);
        if (view.correctionCount > 0) correctedRuns++;
      }),
      { numRuns: NUM_RUNS },
    );
    expect(correctedRuns).toBeGreaterThan(NUM_RUNS / 3);
  });
});
