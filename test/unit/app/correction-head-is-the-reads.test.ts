import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctAndShow } from '#app/corrections.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { foldWallet, initialWalletState, type RecordedEvent } from '#domain/wallet.ts';
import type { StreamHead } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { correctionsOn, depositOf, laneZeroWrite, moneyHold } from '../../support/lane-zero-writes.ts';

/**
 * review6: a hold that lands right after the whole-log read went out (before the correction
 * decides) must make the correction's append fail: the append is conditioned on the head that
 * read found, not on a head read later. Fails if wholeLogState's head is read apart after the log.
 */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };

class HoldAfterRead extends InMemoryEventStore {
  afterRead: (() => Promise<void>) | undefined;
  override async walletAndHead(walletId: string): Promise<{ events: RecordedEvent[]; head: StreamHead }> {
    const read = await super.walletAndHead(walletId);
    const race = this.afterRead;
    this.afterRead = undefined;
    await race?.();
    return read;
  }
}

describe('review6: the correction is decided on the read its append is conditioned on', () => {
  it('a hold landing just after the read: refused below the floor, the floor kept', async () => {
    const store = new HoldAfterRead();
    await handleCommand({ store, groupCommit: false }, laneZeroWrite('w1', 'd1', depositOf('w1', 100n)));
    store.afterRead = async () => {
      const held = await handleCommand(
        { store, groupCommit: false },
        laneZeroWrite('w1', 'h1', moneyHold('w1', 'h1', 80n)),
      );
      expect(held.kind).toBe('recorded');
    };
    const outcome = await correctAndShow(
      { ...correctionsOn(store), readModels: store, config: CONFIG },
      { walletId: 'w1', reference: 'd1', action: 'amend', reason: 'r', amend: { amountMinor: 30n } },
    );
    expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'correction_below_floor' } });
    const { balance, held } = foldWallet(store.storedEvents('w1'), initialWalletState()).balances.money;
    expect(held).toBeLessThanOrEqual(balance);
  });
});
