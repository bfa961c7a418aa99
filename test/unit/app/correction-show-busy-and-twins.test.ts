import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctAndShow, type ShownCorrection } from '#app/corrections.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { sameView, viewDiff } from '../../sim/ops.ts';
import type { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { correctionsOn, depositOf } from '../../support/lane-zero-writes.ts';
import {
  AMEND_THE_DEPOSIT,
  OneTurnStore,
  whileHoldsFlow,
  writeW1 as write,
} from '../../support/one-turn-store.ts';

/** review6: correctAndShow on a busy wallet (group commit join) and two identical corrections at once. */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };

const shown = (store: InMemoryEventStore) => ({ ...correctionsOn(store), readModels: store, config: CONFIG });

function expectFolds(store: InMemoryEventStore, outcome: ShownCorrection) {
  if (outcome.kind !== 'recorded' && outcome.kind !== 'unchanged') return;
  const log = store.storedEvents('w1');
  for (const view of [outcome.before, outcome.after] as WalletView[]) {
    const fold = rebuildView(
      'w1',
      log.filter((e) => e.version <= (view.lanes[e.lane] ?? 0)),
      CONFIG,
    );
    if (!sameView(view, fold)) throw new Error(viewDiff(view, fold));
  }
}

describe('review6: correctAndShow', () => {
  it('on a busy wallet (group commit in the process): recorded, views are folds', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const store = new OneTurnStore();
      enableGroupCommit(store);
      const corrected = await whileHoldsFlow(store, () => correctAndShow(shown(store), AMEND_THE_DEPOSIT));
      expect(corrected.kind).toBe('recorded');
      expectFolds(store, corrected);
      const { balance } = foldWallet(store.storedEvents('w1'), initialWalletState()).balances.money;
      expect(balance).toBe(90_000n);
      expect((await store.verify('w1')).ok).toBe(true);
    }
  });

  it('two identical corrections at once: one recorded, one unchanged, one EventCorrected', async () => {
    for (const group of [false, true]) {
      const store = new OneTurnStore();
      if (group) enableGroupCommit(store);
      await handleCommand({ store, groupCommit: false }, write('d', depositOf('w1', 100_000n)));
      const input = { walletId: 'w1', reference: 'd', action: 'void' as const, reason: 'x' };
      const [a, b] = await Promise.all([
        correctAndShow(shown(store), input),
        correctAndShow(shown(store), input),
      ]);
      expect([a.kind, b.kind].sort()).toEqual(['recorded', 'unchanged']);
      expectFolds(store, a);
      expectFolds(store, b);
      expect(store.storedEvents('w1').filter((e) => e.type === 'EventCorrected')).toHaveLength(1);
    }
  });
});
