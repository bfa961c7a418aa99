import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { backtestParked } from '#app/backtest-parked.ts';
import { compileRuleSet } from '#rules/rule-set.ts';

const compiled = compileRuleSet('event_type == "trade" && int(data.qty) >= 10, 5 * int(data.qty)\n', {
  hash: sha256Hex,
});
if (!compiled.ok) throw new Error('the test rule set compiles');
const { ruleSet } = compiled;

const trade = (id: string, subject: string, qty: unknown, time = '2026-11-20T10:00:00Z') =>
  JSON.stringify({ specversion: '1.0', id, source: 'app', type: 'trade', subject, time, data: { qty } });

const letters = [
  { id: 'l1', code: 'rule-failed', body: trade('t1', 'w1', '12') },
  { id: 'l2', code: 'rule-failed', body: trade('t2', 'w2', 'ten') },
  // Parked for reasons no rule set changes: left out.
  { id: 'l3', code: 'invalid-event', body: trade('t3', 'w1', '12') },
  { id: 'l4', code: 'id-reused', body: trade('t4', 'w1', '12') },
  { id: 'l5', code: 'rule-failed', body: 'not json' },
  { id: 'l6', code: 'rule-failed', body: trade('t6', 'w1', '20', '2026-12-20T10:00:00Z') },
];

describe('a backtest of parked facts', () => {
  it('evaluates each fact parked by a failing rule with the candidate, saying which still fail', () => {
    expect(backtestParked(letters, ruleSet, {}, 0)).toEqual([
      { letterId: 'l1', eventId: 't1', source: 'app', type: 'trade', walletId: 'w1', candidatePoints: 60n },
      expect.objectContaining({
        letterId: 'l2',
        walletId: 'w2',
        candidatePoints: 0n,
        ruleError: expect.any(String),
      }),
      expect.objectContaining({ letterId: 'l6', candidatePoints: 100n }),
    ]);
  });

  it("keeps to the backtest's wallets and event-time range", () => {
    const scoped = backtestParked(
      letters,
      ruleSet,
      {
        walletIds: ['w1'],
        fromMs: Date.parse('2026-11-01T00:00:00Z'),
        toMs: Date.parse('2026-12-01T00:00:00Z'),
      },
      0,
    );
    expect(scoped.map((fact) => fact.letterId)).toEqual(['l1']);
  });
});
