import { describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * A store whose writes take a few timer ticks, as a round trip to DynamoDB takes I/O, and which
 * records how many of them were in flight at once.
 */
class SlowStore extends InMemoryEventStore {
  inFlight = 0;
  mostInFlight = 0;
  writes = 0;
  private async slow<T>(write: () => Promise<T>): Promise<T> {
    this.writes++;
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3));
      return await write();
    } finally {
      this.inFlight--;
    }
  }
  override append(...args: Parameters<InMemoryEventStore['append']>) {
    return this.slow(() => super.append(...args));
  }
  override appendGroup(...args: Parameters<InMemoryEventStore['appendGroup']>) {
    return this.slow(() => super.appendGroup(...args));
  }
}

describe('group commit: a hot wallet’s credits in one process go in two batches at once, each on its own lane', () => {
  it('keeps a second transaction in flight while one is, and loses no deposit, version or link', async () => {
    const store = new SlowStore();
    let ids = 0;
    const deps = {
      store,
      groupCommit: true,
      heads: new HeadCache(),
      clock: { nowMs: () => 1_000_000 },
      ids: { newId: () => `d${++ids}` },
    };
    const PRODUCERS = 16;
    const EACH = 10;
    const answered: string[] = [];
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        for (let i = 0; i < EACH; i++) {
          const outcome = await recordDeposit(deps, {
            walletId: 'hot',
            amountMinor: 1n,
            respond: (events) => ({ statusCode: 201, body: events.map((e) => e.eventId).join() }),
          });
          expect(outcome.kind).toBe('recorded');
          if (outcome.kind === 'recorded') answered.push(...outcome.events.map((e) => e.eventId));
        }
      }),
    );
    // With one batch at a time (before), never more than one write is in flight for the wallet.
    expect(store.mostInFlight).toBe(2);
    // Each answered deposit is stored once; versions are dense and chained in every lane.
    const stored = store.storedEvents('hot');
    expect(stored.map((event) => event.eventId).sort()).toEqual([...answered].sort());
    expect(new Set(answered).size).toBe(PRODUCERS * EACH);
    expect(foldWallet(stored, initialWalletState()).balances.money.balance).toBe(BigInt(PRODUCERS * EACH));
    for (const lane of await store.lanes('hot')) {
      const versions = stored.filter((event) => event.lane === lane).map((event) => event.version);
      expect(versions).toEqual(versions.map((_, index) => index + 1));
    }
    expect((await store.verify('hot')).ok).toBe(true);
    // Two lanes in use once the slots have found theirs, and still far fewer writes than deposits.
    expect((await store.lanes('hot')).length).toBeGreaterThanOrEqual(2);
    expect(store.writes).toBeLessThan((PRODUCERS * EACH) / 3);
  });

  it('keeps lane-0 commands one batch at a time (each decides on the state the last left)', async () => {
    const { handleCommand } = await import('#app/command-handler.ts');
    const { decide } = await import('#domain/wallet.ts');
    const store = new SlowStore();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        handleCommand(
          { store, groupCommit: true },
          {
            walletId: 'w0',
            placement: 'lane-0',
            decide,
            command: () => ({ type: 'Deposit', walletId: 'w0', amountMinor: 1n, occurredAtMs: 1 }),
            stamp: (events) => events.map((event) => ({ ...event, eventId: `e${i}`, recordedAtMs: 1 })),
            respond: () => ({ statusCode: 201, body: '' }),
          },
        ),
      ),
    );
    expect(store.mostInFlight).toBe(1);
    expect(await store.lanes('w0')).toEqual([0]);
  });
});
