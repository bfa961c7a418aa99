import { describe, it } from 'vitest';
import type { WalletCommand, WalletEvent } from '#domain/wallet.ts';
import {
  awarded,
  corrected,
  deposited,
  factRecorded,
  given,
  log,
  type Place,
  rejectedWith,
  target,
} from './spec.ts';

type Correct = WalletCommand & { type: 'Correct' };

const correct = (reference: string, action: 'void' | 'amend', more: Partial<Correct> = {}): Correct => ({
  type: 'Correct',
  walletId: 'w1',
  reference,
  action,
  reason: 'because',
  correctionId: 'cor-1',
  ...more,
});

const transferredOut = (asset: 'money' | 'points', amount: bigint): WalletEvent & Place => ({
  type: 'TransferredOut',
  data: { transferId: 't1', asset, amount, to: 'w2', occurredAtMs: 50 },
});

const holdPlaced = (
  asset: 'money' | 'points',
  amount: bigint,
  expiresAtMs = 10_000,
): WalletEvent & Place => ({
  type: 'HoldPlaced',
  data: { holdId: 'h1', asset, amount, expiresAtMs, occurredAtMs: 50 },
});

const accountOpened = (creditLimit: bigint): WalletEvent & Place => ({
  type: 'AccountOpened',
  data: { creditLimit, currency: 'EUR', occurredAtMs: 1 },
});

const noRules = { ruleSetVersion: 1, awards: [] };

// A correction takes back what it corrects; when that was spent or held, the wallet would end
// below its floor, and the decider refuses, as it refuses a spend (see refusedBelowFloor).
describe('wallet decider: Correct against the floor', () => {
  it('refuses voiding a deposit already spent, naming the shortfall', () => {
    given(log(deposited(1_000n, 10), deposited(500n, 20), transferredOut('money', 1_200n)))
      .when(correct('e1', 'void'))
      .thenRejects(
        rejectedWith(
          'correction_below_floor',
          /takes 1000 money .*has 300 available.*end 700 below its floor 0/,
        ),
      );
  });

  it('refuses amending a deposit down past what is available, and allows what fits', () => {
    const history = log(deposited(1_000n, 10), deposited(500n, 20), transferredOut('money', 1_200n));
    given(history)
      .when(correct('e1', 'amend', { amend: { amountMinor: 699n } }))
      .thenRejects(rejectedWith('correction_below_floor', /end 1 below/));
    given(history)
      .when(correct('e1', 'amend', { amend: { amountMinor: 700n } }))
      .then([
        corrected(target('e1', 0, 1, 'Deposited'), 'amend', {
          deposit: { amountMinor: 700n, occurredAtMs: 10 },
        }),
      ]);
  });

  it('counts what holds reserve, expired or not, as spent', () => {
    given(log(deposited(1_000n, 10), holdPlaced('money', 600n, 60)))
      .when(correct('e1', 'amend', { amend: { amountMinor: 500n } }))
      .thenRejects(rejectedWith('correction_below_floor', /balance 1000 − held 600/));
  });

  it('never refuses a correction that raises the balance', () => {
    given(log(deposited(1_000n, 10), transferredOut('money', 1_000n)))
      .when(correct('e1', 'amend', { amend: { amountMinor: 1_500n } }))
      .then([
        corrected(target('e1', 0, 1, 'Deposited'), 'amend', {
          deposit: { amountMinor: 1_500n, occurredAtMs: 10 },
        }),
      ]);
  });

  it("refuses voiding a fact whose points were transferred away, and lets the floor of a fact's points be 0", () => {
    const history = log(
      factRecorded('ce-f', { ruleSetVersion: 1 }),
      awarded('ce-f', 'volume', 60n, 1),
      factRecorded('ce-g', { ruleSetVersion: 1 }),
      awarded('ce-g', 'volume', 40n, 1),
      transferredOut('points', 70n),
    );
    given(history)
      .when(correct('ce-f', 'void', { rules: noRules }))
      .thenRejects(rejectedWith('correction_below_floor', /takes 60 points .*has 30 available/));
    given(history)
      .when(correct('ce-g', 'void', { rules: noRules }))
      .thenRejects(rejectedWith('correction_below_floor', /end 10 below its floor 0/));
  });

  it("uses a card account's floor, −creditLimit", () => {
    const history = log(accountOpened(500n), deposited(300n, 10), transferredOut('money', 700n));
    given(history)
      .when(correct('e2', 'void'))
      .thenRejects(rejectedWith('correction_below_floor', /end 200 below its floor -500/));
    given(history)
      .when(correct('e2', 'amend', { amend: { amountMinor: 200n } }))
      .then([
        corrected(target('e2', 0, 2, 'Deposited'), 'amend', {
          deposit: { amountMinor: 200n, occurredAtMs: 10 },
        }),
      ]);
  });
});
