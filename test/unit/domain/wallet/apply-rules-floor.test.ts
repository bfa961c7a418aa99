/**
 * A retroactive rule application (backtest --apply, replay apply) follows the corrections' floor
 * rule: it may not take back points already spent or held. Refused as a correction is
 * (`correction_below_floor`, naming the shortfall); raising points, or taking back what is still
 * available, goes through.
 */
import { describe, expect, it } from 'vitest';
import { isDomainError } from '#domain/errors.ts';
import type { AwardInput, WalletCommand } from '#domain/wallet.ts';
import { walletRecorder } from '../../../support/wallet-recorder.ts';

const wallet = () => walletRecorder();

const fact = (id: string, points: bigint): WalletCommand => ({
  type: 'RecordFact',
  walletId: 'w1',
  fact: { id, source: 'app', type: 'trade', occurredAtMs: 100, dataJson: '{}' },
  ruleSetVersion: 1,
  awards: [{ ruleId: 'volume', points, ruleTextHash: 'volume@1' }],
});

const applyRules = (points: bigint): WalletCommand => ({
  type: 'ApplyRules',
  walletId: 'w1',
  ruleSetVersion: 2,
  range: {},
  causeId: 'backtest:job-1',
  awards: new Map<string, AwardInput[]>([
    ['f1', [{ ruleId: 'volume', points, ruleTextHash: 'volume@2' }]],
    ['f2', [{ ruleId: 'volume', points, ruleTextHash: 'volume@2' }]],
  ]),
  eventsMax: 50,
});

const spend = (amount: bigint): WalletCommand => ({
  type: 'TransferOut',
  walletId: 'w1',
  asset: 'points',
  amount,
  transferId: 't1',
  to: 'w2',
  occurredAtMs: 200,
});

describe('ApplyRules and the floor', () => {
  it('refuses to take back points that were spent, naming the shortfall', () => {
    const w = wallet();
    w.run(fact('f1', 100n));
    w.run(fact('f2', 100n));
    expect(isDomainError(w.run(spend(150n)))).toBe(false);
    // Version 2 gives each fact 10: 180 taken back from a wallet with 50 available.
    const refused = w.run(applyRules(10n));
    expect(isDomainError(refused) && refused.code).toBe('correction_below_floor');
    expect(isDomainError(refused) && refused.message).toContain(
      'Applying rule set version 2 takes 180 points from wallet w1, which has 50 available',
    );
    expect(isDomainError(refused) && refused.message).toContain('130 below its floor 0');
    expect(w.state().balances.points.balance).toBe(50n);
  });

  it('takes back what is still available, and always raises', () => {
    const w = wallet();
    w.run(fact('f1', 100n));
    w.run(fact('f2', 100n));
    w.run(spend(150n));
    // 40 each: 120 taken back from 50 available is refused; 75 each (50 back) fits exactly.
    expect(isDomainError(w.run(applyRules(40n)))).toBe(true);
    expect(isDomainError(w.run(applyRules(75n)))).toBe(false);
    expect(w.state().balances.points.balance).toBe(0n);
    const raised = wallet();
    raised.run(fact('f1', 100n));
    raised.run(fact('f2', 100n));
    raised.run(spend(200n));
    expect(isDomainError(raised.run(applyRules(150n)))).toBe(false);
    expect(raised.state().balances.points.balance).toBe(100n);
  });
});
