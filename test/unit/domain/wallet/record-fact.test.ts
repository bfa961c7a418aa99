import { describe, it } from 'vitest';
import type { WalletCommand } from '#domain/wallet.ts';
import { awarded, factRecorded, given, log } from './spec.ts';

const recordFact = (awards: { ruleId: string; points: bigint }[], ruleSetVersion = 2): WalletCommand => ({
  type: 'RecordFact',
  walletId: 'w1',
  fact: { id: 'ce-1', source: 'app', type: 'trade', occurredAtMs: 1_000, dataJson: '{"qty":12}' },
  ruleSetVersion,
  awards: awards.map((award) => ({ ...award, ruleTextHash: `${award.ruleId}@${ruleSetVersion}` })),
});

const fact = {
  type: 'FactRecorded' as const,
  data: {
    factId: 'ce-1',
    source: 'app',
    factType: 'trade',
    occurredAtMs: 1_000,
    dataJson: '{"qty":12}',
    ruleSetVersion: 2,
  },
};

const award = (ruleId: string, points: bigint) => {
  const { type, data } = awarded('ce-1', ruleId, points, 2);
  return { type, data };
};

describe('wallet decider: RecordFact', () => {
  it('keeps the fact whole, naming the rule set version that decided it', () => {
    given([]).when(recordFact([])).then([fact]);
  });

  it('gives one PointsAwarded per matching rule, in the order the rules gave them', () => {
    given([])
      .when(
        recordFact([
          { ruleId: 'volume', points: 60n },
          { ruleId: 'first-trade', points: 5n },
        ]),
      )
      .then([fact, award('volume', 60n), award('first-trade', 5n)]);
  });

  it('leaves out awards of zero points (a rule that matched and gave nothing)', () => {
    given([])
      .when(
        recordFact([
          { ruleId: 'volume', points: 0n },
          { ruleId: 'first-trade', points: 5n },
        ]),
      )
      .then([fact, award('first-trade', 5n)]);
  });

  it('needs no state: the same events whatever the history (facts commute)', () => {
    given(log(factRecorded('ce-0'), awarded('ce-0', 'volume', 10n)))
      .when(recordFact([{ ruleId: 'volume', points: 60n }]))
      .then([fact, award('volume', 60n)]);
  });

  it('folds the awards into the points balance and the points the fact holds', () => {
    given([])
      .when(recordFact([{ ruleId: 'volume', points: 60n }]))
      .thenStateMatches({
        version: 2,
        balances: {
          money: { balance: 0n, held: 0n, floor: 0n },
          points: { balance: 60n, held: 0n, floor: 0n },
        },
        points: new Map([
          ['ce-1', new Map([['volume', { points: 60n, ruleTextHash: 'volume@2', ruleSetVersion: 2 }]])],
        ]),
      });
  });
});
