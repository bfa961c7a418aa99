import { describe, it } from 'vitest';
import type { AwardInput, WalletCommand, WalletEvent } from '#domain/wallet.ts';
import {
  adjusted,
  awarded,
  corrected,
  factRecorded,
  given,
  log,
  type Place,
  rulesApplied,
  target,
} from './spec.ts';

const applyRules = (
  awards: Record<string, [string, bigint][]>,
  more: { range?: { fromMs?: number; toMs?: number }; eventsMax?: number } = {},
): WalletCommand => ({
  type: 'ApplyRules',
  walletId: 'w1',
  ruleSetVersion: 2,
  range: more.range ?? {},
  causeId: 'backtest:job-1',
  awards: new Map(
    Object.entries(awards).map(([factId, rules]): [string, AwardInput[]] => [
      factId,
      rules.map(([ruleId, points]) => ({ ruleId, points, ruleTextHash: `${ruleId}@2` })),
    ]),
  ),
  eventsMax: more.eventsMax ?? 50,
});

const bare = <E extends WalletEvent>({ type, data }: E & Place) => ({ type, data }) as E;
const backtest = { cause: 'backtest' as const, causeId: 'backtest:job-1' };
/** Taking back what version 1's rule gave names version 1's text. */
const takeBack = { ...backtest, ruleTextHash: 'volume@1' };

// Three facts at event times 100, 200, 300, each holding 10 points from rule `volume` (version 1).
const history = () =>
  log(
    factRecorded('f1', { occurredAtMs: 100, ruleSetVersion: 1 }),
    awarded('f1', 'volume', 10n),
    factRecorded('f2', { occurredAtMs: 200, ruleSetVersion: 1 }),
    awarded('f2', 'volume', 10n),
    factRecorded('f3', { occurredAtMs: 300, ruleSetVersion: 1 }),
    awarded('f3', 'volume', 10n),
  );

describe('wallet decider: ApplyRules', () => {
  it('adjusts every fact in range to what the version gives it, per rule, in log order', () => {
    given(history())
      .when(applyRules({ f2: [['volume', 15n]], f3: [['bonus', 1n]] }, { range: { fromMs: 200 } }))
      .then([
        bare(adjusted('f2', 'volume', 5n, 2, backtest)),
        bare(adjusted('f3', 'volume', -10n, 2, takeBack)),
        bare(adjusted('f3', 'bonus', 1n, 2, backtest)),
      ]);
  });

  it('decides at most eventsMax adjustments at once (one transaction); the rest on the next decision', () => {
    // f1 needs two adjustments (volume taken back, bonus given), f2 and f3 one each.
    const verdict = { f1: [['bonus', 1n]], f2: [], f3: [] } satisfies Record<string, [string, bigint][]>;
    given(history())
      .when(applyRules(verdict, { eventsMax: 3 }))
      .then([
        bare(adjusted('f1', 'volume', -10n, 2, takeBack)),
        bare(adjusted('f1', 'bonus', 1n, 2, backtest)),
        bare(adjusted('f2', 'volume', -10n, 2, takeBack)),
      ]);
    given(history())
      .when(applyRules(verdict, { eventsMax: 1 }))
      .then([bare(adjusted('f1', 'volume', -10n, 2, takeBack))]);
  });

  it('once nothing differs, marks the facts in range as governed by the version', () => {
    given(history())
      .when(applyRules({ f1: [['volume', 10n]], f2: [['volume', 10n]] }, { range: { toMs: 300 } }))
      .then([{ type: 'RulesApplied', data: { ruleSetVersion: 2, toMs: 300, causeId: 'backtest:job-1' } }]);
  });

  it('leaves a fact a rule failed on (missing from the verdict) as it is, but still marks the range', () => {
    given(history())
      .when(applyRules({}, { range: { fromMs: 300 } }))
      .then([{ type: 'RulesApplied', data: { ruleSetVersion: 2, fromMs: 300, causeId: 'backtest:job-1' } }]);
  });

  it('decides nothing when applied again: the latest application is this one', () => {
    given(log(...history(), rulesApplied(2, 'backtest:job-0', { fromMs: 300 })))
      .when(applyRules({ f3: [['volume', 10n]] }, { range: { fromMs: 300 } }))
      .thenNothing();
  });

  it('marks again when another application came after it', () => {
    given(
      log(
        ...history(),
        rulesApplied(2, 'backtest:job-0', { fromMs: 300 }),
        rulesApplied(3, 'backtest:job-9'),
      ),
    )
      .when(applyRules({ f3: [['volume', 10n]] }, { range: { fromMs: 300 } }))
      .then([{ type: 'RulesApplied', data: { ruleSetVersion: 2, fromMs: 300, causeId: 'backtest:job-1' } }]);
  });

  it('decides nothing for a range without facts, and leaves voided facts out', () => {
    given(history())
      .when(applyRules({}, { range: { fromMs: 1_000 } }))
      .thenNothing();
    given(log(...history(), corrected(target('e5', 0, 5, 'FactRecorded'), 'void')))
      .when(applyRules({ f3: [] }, { range: { fromMs: 300 } }))
      .thenNothing();
  });

  it('folds the adjustments into the points balance', () => {
    given(history())
      .when(applyRules({ f1: [], f2: [['volume', 40n]], f3: [['volume', 10n]] }))
      .thenStateMatches({ balances: { points: { balance: 50n, held: 0n, floor: 0n } } });
  });
});
