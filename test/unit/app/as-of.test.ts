import { describe, expect, it } from 'vitest';
import { walletAsOf } from '#app/queries/wallet-view.ts';
import { readWallet } from '#app/read-events.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemorySnapshotStore } from '../../support/in-memory-snapshot-store.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000n, windowMs: 120_000, retainMax: 16 };
const T0 = 1_700_000_000_000;

/** Counts the events the queries read, so a test can see the snapshot was started from. */
class CountingStore extends InMemoryEventStore {
  eventsRead = 0;
  override async *read(walletId: string, lane: number, range?: { fromVersion?: number; toVersion?: number }) {
    for await (const page of super.read(walletId, lane, range)) {
      this.eventsRead += page.length;
      yield page;
    }
  }
}

/** 200 deposits, alternating between lanes 0 and 1, recorded a second apart, some crossing the threshold. */
async function wallet(store: InMemoryEventStore): Promise<RecordedEvent[]> {
  for (let i = 0; i < 200; i++) {
    const lane = i % 2;
    const head = await store.head('w', lane);
    const atMs = T0 + i * 1_000;
    await store.append({
      walletId: 'w',
      lane,
      expected: head,
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: BigInt(50 + ((i * 37) % 400)), occurredAtMs: atMs - (i % 5) * 30_000 },
          eventId: `e${i}`,
          recordedAtMs: atMs,
        },
      ],
    });
  }
  return readWallet(store, 'w');
}

describe('walletAsOf a record time (knownAt), from a snapshot', () => {
  it('equals the view rebuilt from the whole log at every time, and reads only the tail after the snapshot', async () => {
    const store = new CountingStore();
    const log = await wallet(store);
    const snapshots = new InMemorySnapshotStore(10);
    // Snapshots of the log as it stood at 10, 25 and 40 seconds: a prefix of each lane.
    for (const seconds of [10, 25, 40]) {
      await snapshots.put(
        rebuildView(
          'w',
          log.filter((event) => event.recordedAtMs <= T0 + seconds * 1_000),
          CONFIG,
        ),
      );
    }
    const plain = { stores: { events: store, readModels: store }, config: CONFIG };
    const withSnapshots = { stores: { events: store, readModels: store, snapshots }, config: CONFIG };
    for (let seconds = -1; seconds <= 201; seconds += 3) {
      const at = { knownAtMs: T0 + seconds * 1_000 };
      expect(await walletAsOf(withSnapshots, 'w', at)).toEqual(await walletAsOf(plain, 'w', at));
    }
    store.eventsRead = 0;
    const at45 = await walletAsOf(withSnapshots, 'w', { knownAtMs: T0 + 45_000 });
    expect(at45?.eventCount).toBe(46);
    // From the 41-event snapshot: each lane's tail read in one range of 16, not the 159 events after it.
    expect(store.eventsRead).toBe(32);
    store.eventsRead = 0;
    await walletAsOf(plain, 'w', { knownAtMs: T0 + 45_000 });
    expect(store.eventsRead).toBe(200);
  });
});
