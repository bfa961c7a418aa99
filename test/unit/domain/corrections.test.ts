import { describe, expect, it } from 'vitest';
import {
  adjustmentsFor,
  correctionState,
  effectiveFacts,
  findByReference,
  type HeldPoints,
  heldPoints,
  latestCorrections,
  targetOf,
  totalHeld,
} from '#domain/corrections.ts';
import type { CorrectionTarget, RecordedEvent, WalletEvent } from '#domain/wallet.ts';

type Recorded<T extends RecordedEvent['type']> = RecordedEvent & { type: T };

/** A recorded event of wallet w1; the store's fields first, the domain event after. */
function at<E extends WalletEvent>(
  lane: number,
  version: number,
  event: E,
  extra: { eventId?: string; idempotencyKey?: string } = {},
): RecordedEvent & E {
  return {
    ...event,
    walletId: 'w1',
    lane,
    version,
    eventId: extra.eventId ?? `e${lane}-${version}`,
    recordedAtMs: 1_000 + version,
    ...(extra.idempotencyKey === undefined ? {} : { idempotencyKey: extra.idempotencyKey }),
  } as RecordedEvent & E;
}

const deposit = (amountMinor: bigint, occurredAtMs: number, factId?: string) =>
  ({
    type: 'Deposited',
    data: { amountMinor, occurredAtMs, ...(factId === undefined ? {} : { factId }) },
  }) as const;

const fact = (
  factId: string,
  factType: string,
  dataJson: string,
  occurredAtMs = 5_000,
  ruleSetVersion?: number,
) =>
  ({
    type: 'FactRecorded',
    data: {
      factId,
      source: 'qa-app',
      factType,
      occurredAtMs,
      dataJson,
      ...(ruleSetVersion === undefined ? {} : { ruleSetVersion }),
    },
  }) as const;

const award = (
  factId: string,
  ruleId: string,
  points: bigint,
  ruleSetVersion = 0,
  ruleTextHash = `h-${ruleId}`,
) => ({ type: 'PointsAwarded', data: { points, factId, ruleId, ruleSetVersion, ruleTextHash } }) as const;

const adjusted = (
  factId: string,
  ruleId: string,
  points: bigint,
  ruleSetVersion = 0,
  ruleTextHash = `h-${ruleId}`,
  cause: 'correction' | 'backtest' = 'correction',
) =>
  ({
    type: 'PointsAdjusted',
    data: { points, factId, ruleId, ruleSetVersion, ruleTextHash, cause, causeId: 'c-1' },
  }) as const;

const targetFor = (event: RecordedEvent): CorrectionTarget => {
  if (event.type !== 'Deposited' && event.type !== 'FactRecorded') throw new Error('not correctable');
  return targetOf(event);
};

const corrected = (
  target: RecordedEvent,
  action: 'void' | 'amend',
  amended: {
    deposit?: { amountMinor: bigint; occurredAtMs: number };
    fact?: { occurredAtMs: number; dataJson: string };
  } = {},
) =>
  ({
    type: 'EventCorrected',
    data: { target: targetFor(target), action, reason: 'test', ...amended },
  }) as const;

describe('findByReference', () => {
  const httpDeposit = at(0, 1, deposit(800n, 1_000), { eventId: 'dep-1', idempotencyKey: 'key-1' });
  const busDeposit = at(2, 1, deposit(500n, 2_000, 'ce-dep'), { eventId: 'dep-2', idempotencyKey: 'ce-dep' });
  const liked = at(0, 2, fact('ce-like', 'answer_is_liked', '{}'), {
    eventId: 'fact-1',
    idempotencyKey: 'ce-like',
  });
  const likedAward = at(0, 3, award('ce-like', 'r-like', 250n), {
    eventId: 'fact-1-1',
    idempotencyKey: 'ce-like',
  });
  const events: RecordedEvent[] = [httpDeposit, liked, likedAward, busDeposit];

  it('finds an event by its stored event id, awards included', () => {
    expect(findByReference(events, 'dep-1')).toEqual(httpDeposit);
    expect(findByReference(events, 'fact-1')).toEqual(liked);
    expect(findByReference(events, 'fact-1-1')).toEqual(likedAward);
  });

  it('finds a deposit or fact by the CloudEvent id it came with (factId)', () => {
    expect(findByReference(events, 'ce-dep')).toEqual(busDeposit);
    // Without the idempotency key on the events, the factId alone finds them.
    const unkeyed = events.map(({ idempotencyKey: _key, ...event }) => event as RecordedEvent);
    expect(findByReference(unkeyed, 'ce-dep')?.eventId).toBe('dep-2');
    expect(findByReference(unkeyed, 'ce-like')?.eventId).toBe('fact-1');
  });

  it('finds a deposit by the Idempotency-Key of its request', () => {
    expect(findByReference(events, 'key-1')).toEqual(httpDeposit);
  });

  it('prefers the fact over the awards written with it, whatever their order in the log', () => {
    expect(findByReference(events, 'ce-like')).toEqual(liked);
    expect(findByReference([likedAward, httpDeposit, liked], 'ce-like')).toEqual(liked);
  });

  it('answers undefined for a reference nothing carries', () => {
    expect(findByReference(events, 'nope')).toBeUndefined();
    expect(findByReference([], 'dep-1')).toBeUndefined();
  });

  it('does not match an award or adjustment by the factId it names', () => {
    const awardOnly = at(0, 1, award('ce-x', 'r', 1n), { eventId: 'a-1' });
    const adjustmentOnly = at(0, 2, adjusted('ce-x', 'r', 1n), { eventId: 'a-2' });
    expect(findByReference([awardOnly, adjustmentOnly], 'ce-x')).toBeUndefined();
  });
});

describe('latestCorrections and correctionState', () => {
  const target = at(3, 1, deposit(1_000n, 10_000));
  const other = at(0, 1, deposit(200n, 20_000));
  const first = at(
    0,
    2,
    corrected(target, 'amend', { deposit: { amountMinor: 900n, occurredAtMs: 10_000 } }),
  );
  const second = at(
    0,
    4,
    corrected(target, 'amend', { deposit: { amountMinor: 700n, occurredAtMs: 11_000 } }),
  );
  const ofOther = at(0, 3, corrected(other, 'void'));

  it('keeps the highest lane-0 version per target, whatever order the events are listed in', () => {
    for (const events of [
      [target, other, first, ofOther, second],
      [second, ofOther, first, other, target],
    ]) {
      const latest = latestCorrections(events);
      expect([...latest.keys()].sort()).toEqual(['0:1', '3:1']);
      expect(latest.get('3:1')).toEqual(second);
      expect(latest.get('0:1')).toEqual(ofOther);
    }
  });

  it('is empty for a log without corrections', () => {
    expect(latestCorrections([target, other]).size).toBe(0);
  });

  it('correctionState: the latest correction in force and whether it voided', () => {
    const events = [target, other, first, ofOther, second];
    expect(correctionState(events, target)).toEqual({ target, correction: second, voided: false });
    expect(correctionState(events, other)).toEqual({ target: other, correction: ofOther, voided: true });
    expect(correctionState([target], target)).toEqual({ target, voided: false });
    // A void after an amendment is what stands.
    const voided = at(0, 5, corrected(target, 'void'));
    expect(correctionState([...events, voided], target)).toEqual({
      target,
      correction: voided,
      voided: true,
    });
  });
});

describe('effectiveFacts', () => {
  const liked = at(0, 1, fact('f-like', 'answer_is_liked', '{"answerId":"a1"}', 1_000, 0));
  const likedAward = at(0, 2, award('f-like', 'r-like', 250n, 0));
  const trade = at(1, 1, fact('f-trade', 'trade', '{"qty":12}', 2_000));
  const tradeAward = at(1, 2, award('f-trade', 'trade-volume', 60n, 3));
  const asked = at(2, 1, fact('f-ask', 'question_asked', 'null', 3_000));
  const noise = at(0, 3, deposit(100n, 4_000));

  it('lists every fact with its data and time when nothing is corrected', () => {
    const facts = effectiveFacts([liked, likedAward, trade, tradeAward, asked, noise]);
    expect(facts.map((entry) => [entry.factId, entry.factType, entry.dataJson, entry.occurredAtMs])).toEqual([
      ['f-like', 'answer_is_liked', '{"answerId":"a1"}', 1_000],
      ['f-trade', 'trade', '{"qty":12}', 2_000],
      ['f-ask', 'question_asked', 'null', 3_000],
    ]);
    expect(facts[0]?.recorded).toEqual(liked);
    expect(facts[0]?.source).toBe('qa-app');
  });

  it('names the rule set version: the fact own, else its first award, else none', () => {
    const facts = effectiveFacts([liked, likedAward, trade, tradeAward, asked]);
    expect(facts.map((entry) => entry.ruleSetVersion)).toEqual([0, 3, undefined]);
    expect('ruleSetVersion' in (facts[2] ?? {})).toBe(false);
  });

  it('excludes voided facts and applies the latest amendment of data and time', () => {
    const events = [
      liked,
      likedAward,
      trade,
      tradeAward,
      asked,
      at(0, 3, corrected(trade, 'amend', { fact: { occurredAtMs: 2_500, dataJson: '{"qty":3}' } })),
      at(0, 4, corrected(liked, 'void')),
      at(0, 5, corrected(trade, 'amend', { fact: { occurredAtMs: 2_700, dataJson: '{"qty":20}' } })),
    ];
    const facts = effectiveFacts(events);
    expect(facts.map((entry) => entry.factId)).toEqual(['f-trade', 'f-ask']);
    expect(facts[0]).toMatchObject({
      factId: 'f-trade',
      occurredAtMs: 2_700,
      dataJson: '{"qty":20}',
      ruleSetVersion: 3,
    });
    // The original stays as recorded.
    expect(facts[0]?.recorded.data).toEqual(trade.data);
  });

  it('a void of a deposit leaves the facts alone', () => {
    const events = [liked, noise, at(0, 4, corrected(noise, 'void'))];
    expect(effectiveFacts(events).map((entry) => entry.factId)).toEqual(['f-like']);
  });
});

describe('heldPoints', () => {
  it('sums awards and adjustments per fact and rule', () => {
    const events: RecordedEvent[] = [
      at(0, 1, fact('f1', 'trade', '{"qty":12}')),
      at(0, 2, award('f1', 'trade-volume', 60n, 0, 'h-old')),
      at(0, 3, award('f1', 'r-like', 5n, 0)),
      at(0, 4, fact('f2', 'answer_is_liked', '{}')),
      at(0, 5, award('f2', 'r-like', 250n, 0)),
      at(0, 6, adjusted('f1', 'trade-volume', -45n, 2, 'h-new', 'backtest')),
      at(0, 7, adjusted('f2', 'r-new', 30n, 2, 'h-r-new', 'backtest')),
      at(0, 8, deposit(100n, 1)),
    ];
    const held = heldPoints(events);
    expect([...held.keys()]).toEqual(['f1', 'f2']);
    const f1 = held.get('f1');
    expect(f1?.get('trade-volume')).toEqual({ points: 15n, ruleTextHash: 'h-new', ruleSetVersion: 2 });
    expect(f1?.get('r-like')).toEqual({ points: 5n, ruleTextHash: 'h-r-like', ruleSetVersion: 0 });
    expect(held.get('f2')?.get('r-like')).toEqual({
      points: 250n,
      ruleTextHash: 'h-r-like',
      ruleSetVersion: 0,
    });
    expect(held.get('f2')?.get('r-new')).toEqual({ points: 30n, ruleTextHash: 'h-r-new', ruleSetVersion: 2 });
    expect(totalHeld(f1)).toBe(20n);
    expect(totalHeld(held.get('f2'))).toBe(280n);
    expect(totalHeld(undefined)).toBe(0n);
  });

  it('a second award of the same rule keeps the first award hash and version', () => {
    const held = heldPoints([
      at(0, 1, award('f1', 'r', 10n, 0, 'h-a')),
      at(0, 2, award('f1', 'r', 5n, 4, 'h-b')),
    ]);
    expect(held.get('f1')?.get('r')).toEqual({ points: 15n, ruleTextHash: 'h-a', ruleSetVersion: 0 });
  });

  it('is empty without awards', () => {
    expect(heldPoints([at(0, 1, fact('f1', 'x', '{}'))]).size).toBe(0);
  });
});

describe('adjustmentsFor', () => {
  const held = new Map<string, HeldPoints>([
    ['r-like', { points: 250n, ruleTextHash: 'h-like', ruleSetVersion: 0 }],
    ['trade-volume', { points: 60n, ruleTextHash: 'h-trade', ruleSetVersion: 0 }],
  ]);
  const adjust = (
    heldPoints: ReadonlyMap<string, HeldPoints> | undefined,
    expected: { ruleId: string; ruleTextHash: string; points: bigint }[],
  ) => adjustmentsFor('f1', heldPoints, expected, 7, 'backtest', 'job-1');

  it('removes what a rule no longer gives', () => {
    expect(adjust(held, [{ ruleId: 'r-like', ruleTextHash: 'h-like', points: 250n }])).toEqual([
      {
        points: -60n,
        factId: 'f1',
        ruleId: 'trade-volume',
        ruleSetVersion: 7,
        ruleTextHash: 'h-trade',
        cause: 'backtest',
        causeId: 'job-1',
      },
    ]);
  });

  it('adds what a new rule gives, after the held rules', () => {
    expect(
      adjust(held, [
        { ruleId: 'r-new', ruleTextHash: 'h-new', points: 40n },
        { ruleId: 'r-like', ruleTextHash: 'h-like', points: 250n },
        { ruleId: 'trade-volume', ruleTextHash: 'h-trade', points: 60n },
      ]),
    ).toEqual([
      {
        points: 40n,
        factId: 'f1',
        ruleId: 'r-new',
        ruleSetVersion: 7,
        ruleTextHash: 'h-new',
        cause: 'backtest',
        causeId: 'job-1',
      },
    ]);
  });

  it('changes a rule whose points differ, naming the new rule text', () => {
    const adjustments = adjust(held, [
      { ruleId: 'r-like', ruleTextHash: 'h-like-2', points: 300n },
      { ruleId: 'trade-volume', ruleTextHash: 'h-trade', points: 60n },
    ]);
    expect(adjustments).toEqual([
      {
        points: 50n,
        factId: 'f1',
        ruleId: 'r-like',
        ruleSetVersion: 7,
        ruleTextHash: 'h-like-2',
        cause: 'backtest',
        causeId: 'job-1',
      },
    ]);
  });

  it('sums several awards of one rule before comparing', () => {
    expect(
      adjust(held, [
        { ruleId: 'r-like', ruleTextHash: 'h-like', points: 200n },
        { ruleId: 'r-like', ruleTextHash: 'h-like', points: 50n },
        { ruleId: 'trade-volume', ruleTextHash: 'h-trade', points: 60n },
      ]),
    ).toEqual([]);
  });

  it('writes nothing when nothing differs (zero is never an adjustment)', () => {
    expect(
      adjust(held, [
        { ruleId: 'trade-volume', ruleTextHash: 'h-trade', points: 60n },
        { ruleId: 'r-like', ruleTextHash: 'h-like', points: 250n },
      ]),
    ).toEqual([]);
    expect(adjust(undefined, [])).toEqual([]);
    expect(adjust(new Map([['r', { points: 0n, ruleTextHash: 'h', ruleSetVersion: 0 }]]), [])).toEqual([]);
  });

  it('takes everything back when nothing is expected (a void), in held order', () => {
    const adjustments = adjustmentsFor('f1', held, [], 0, 'correction', 'corr-1');
    expect(adjustments.map((entry) => [entry.ruleId, entry.points, entry.cause, entry.causeId])).toEqual([
      ['r-like', -250n, 'correction', 'corr-1'],
      ['trade-volume', -60n, 'correction', 'corr-1'],
    ]);
    expect(adjustments.every((entry) => entry.points !== 0n)).toBe(true);
  });

  it('gives a fact with nothing held exactly what is expected', () => {
    expect(adjust(undefined, [{ ruleId: 'r-like', ruleTextHash: 'h-like', points: 250n }])).toEqual([
      {
        points: 250n,
        factId: 'f1',
        ruleId: 'r-like',
        ruleSetVersion: 7,
        ruleTextHash: 'h-like',
        cause: 'backtest',
        causeId: 'job-1',
      },
    ]);
  });

  it('held plus adjustments equals what is expected, per rule', () => {
    const expected = [
      { ruleId: 'r-like', ruleTextHash: 'h', points: 10n },
      { ruleId: 'r-z', ruleTextHash: 'h', points: 3n },
    ];
    const after = new Map([...held].map(([ruleId, entry]) => [ruleId, entry.points]));
    for (const adjustment of adjust(held, expected)) {
      after.set(adjustment.ruleId, (after.get(adjustment.ruleId) ?? 0n) + adjustment.points);
    }
    expect(Object.fromEntries(after)).toEqual({ 'r-like': 10n, 'trade-volume': 0n, 'r-z': 3n });
  });
});

describe('targetOf', () => {
  it('names the event, its place and its type', () => {
    const event: Recorded<'Deposited'> = at(4, 9, deposit(1n, 1), { eventId: 'dep-x' });
    expect(targetOf(event)).toEqual({ eventId: 'dep-x', lane: 4, version: 9, type: 'Deposited' });
  });
});
