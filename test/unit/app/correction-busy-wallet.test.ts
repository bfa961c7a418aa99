import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctEvent } from '#app/corrections.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { correctionsOn, depositOf, moneyHold } from '../../support/lane-zero-writes.ts';
import {
  AMEND_THE_DEPOSIT,
  OneTurnStore,
  whileHoldsFlow,
  writeW1 as write,
} from '../../support/one-turn-store.ts';
import { turns } from '../../support/turns.ts';

/**
 * A correction is appended alone (app/corrections.ts: the corrections function bundles no group
 * commit). In a process that also group-commits the wallet's lane-0 commands (`npm start`, any
 * long-lived host), a wallet kept busy by clients sending back to back has a batch in flight at
 * every moment, each appending on the state the last one left without a read. A correction that
 * reads the log and then appends alone loses every race to them: on `4e54c62` it answered
 * `contended` (503) in every trial, where joining the wallet's queue (as before stop 19) it is
 * recorded. A number must stay correctable on a busy wallet.
 */

/** The first read after `hold()` waits for `release()`: a reader caught between its join check and its append. */
class GatedStore extends OneTurnStore {
  private gate: Promise<void> | undefined;
  release: () => void = () => {};
  private reach: () => void = () => {};
  /** Resolves when the held read has begun. */
  reached: Promise<void> = Promise.resolve();
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
    this.reached = new Promise((resolve) => {
      this.reach = resolve;
    });
  }
  protected override async enter(kind: 'read' | 'write'): Promise<void> {
    const gate = kind === 'read' ? this.gate : undefined;
    if (gate !== undefined) {
      this.gate = undefined;
      this.reach();
      await gate;
    }
    await super.enter(kind);
  }
}

describe('a correction on a wallet kept busy by group-committed commands in the same process', () => {
  it('is recorded, not contended, and every hold around it too', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const store = new OneTurnStore();
      enableGroupCommit(store);
      // The clients' batches are in full flow before the correction starts.
      const corrected = await whileHoldsFlow(store, () =>
        correctEvent(correctionsOn(store), AMEND_THE_DEPOSIT),
      );
      expect(corrected.kind).toBe('recorded');
      const { balance, held } = foldWallet(store.storedEvents('w1'), initialWalletState()).balances.money;
      expect(balance).toBe(90_000n);
      expect(held).toBe(
        BigInt(store.storedEvents('w1').filter((event) => event.type === 'HoldPlaced').length),
      );
      expect((await store.verify('w1')).ok).toBe(true);
    }
  });

  it('is recorded when it starts while no batch runs, and the clients’ batches start before it appends', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const store = new GatedStore();
      enableGroupCommit(store);
      await handleCommand({ store }, write('d', depositOf('w1', 100_000n)));
      // The deposit's queue has ended: nothing runs for the wallet. Counted in turns of the event
      // loop, not milliseconds: a 5 ms sleep could end before the deposit's drain took its last
      // turn on a loaded machine (CI, beside the simulations), and the correction then joined that
      // queue, never reached its held read, and the trial hung.
      await turns(20);
      let busy = true;
      let sent = 0;
      const client = async (name: string) => {
        while (busy) {
          const id = `${name}-${sent++}`;
          const outcome = await handleCommand({ store }, write(id, moneyHold('w1', id, 1n)));
          expect(outcome.kind).toBe('recorded');
        }
      };
      // The correction starts while the wallet's queue is idle (nothing to join: it goes alone) and
      // its head read is held until the clients' batches are in full flow: from its first lost
      // race on, it must join them.
      store.hold();
      const correcting = correctEvent(correctionsOn(store), AMEND_THE_DEPOSIT);
      // The trial's premise: the correction read alone (it did not join a queue and skip the read).
      const first = await Promise.race([
        store.reached.then(() => 'read' as const),
        correcting.then(() => 'answered without its read' as const),
      ]);
      expect(first).toBe('read');
      const clients = ['a', 'b', 'c', 'd'].map(client);
      await new Promise((resolve) => setTimeout(resolve, 5));
      store.release();
      const corrected = await correcting;
      busy = false;
      await Promise.all(clients);
      expect(corrected.kind).toBe('recorded');
      const { balance } = foldWallet(store.storedEvents('w1'), initialWalletState()).balances.money;
      expect(balance).toBe(90_000n);
      expect((await store.verify('w1')).ok).toBe(true);
    }
  });
});
