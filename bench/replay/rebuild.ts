/**
 * Where a replay's time goes, step by step, and what a snapshot saves on the long wallets.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import type { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import type { DynamoSnapshotStore } from '#adapters/dynamodb/snapshots.ts';
import { rebuildFromSnapshot } from '#app/snapshots.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { cpuSeconds, cpuSince } from '../support.ts';
import { type Bench, rawRead, timed } from './measure.ts';
import { CONFIG, EVENTS_PER_WALLET } from './seed.ts';

export interface ProfileRow {
  step: string;
  wallUs: number;
  nodeCpuUs: number;
  dynamodbLocalCpuUs: number;
}

export interface LongWalletRow {
  walletId: string;
  lanes: number;
  events: number;
  snapshotAt: number;
  fullRebuildMs: number;
  snapshotRebuildMs: number;
  eventsReadFromSnapshot: number;
}

/** A snapshot store with nothing in it: rebuildFromSnapshot then rebuilds from zero, as a replay does. */
const noSnapshots: SnapshotStore = { latest: async () => undefined, put: async () => undefined };

/**
 * A replay's steps one after another, for a sample of wallets, each with its wall time and the CPU
 * it took in node and in DynamoDB Local, in µs per event.
 */
export async function profileSteps(
  bench: Bench,
  stores: { events: DynamoEventStore; views: DynamoReadModelStore },
  profileIds: readonly string[],
): Promise<ProfileRow[]> {
  const { events, views } = stores;
  const steps = new Map<string, { wallMs: number; nodeMs: number; jvmMs: number }>();
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const cpu = await cpuSeconds(bench.jvmPid);
    const { ms, value } = await timed(work);
    const used = await cpuSince(bench.jvmPid, cpu);
    const row = steps.get(name) ?? { wallMs: 0, nodeMs: 0, jvmMs: 0 };
    row.wallMs += ms;
    row.nodeMs += used.node * 1000;
    row.jvmMs += used.jvm * 1000;
    steps.set(name, row);
    return value;
  };
  const raw = (walletId: string) => rawRead(bench.raw, bench.table, walletId);
  let profiled = 0;
  for (const [index, walletId] of profileIds.entries()) {
    // Raw first for half the wallets, last for the others: the order costs something itself.
    if (index % 2 === 0) await step('raw Query (the rate above)', () => raw(walletId));
    const parsed = await step('store read: Query, wire-form parse', () => events.readWallet(walletId));
    if (index % 2 === 1) await step('raw Query (the rate above)', () => raw(walletId));
    const folded = await step('rebuildView', async () => rebuildView(walletId, parsed, CONFIG));
    await step('view write (conditional put, alone)', () => views.putViews([folded]));
    profiled += parsed.length;
  }
  const perEvent = (ms: number) => (1000 * ms) / Math.max(1, profiled);
  const profileRows = [...steps].map(([name, row]) => ({
    step: name,
    wallUs: Math.round(perEvent(row.wallMs) * 10) / 10,
    nodeCpuUs: Math.round(perEvent(row.nodeMs) * 10) / 10,
    dynamodbLocalCpuUs: Math.round(perEvent(row.jvmMs) * 10) / 10,
  }));
  bench.log(
    `profile: ${profileIds.length} wallets of ${EVENTS_PER_WALLET} events, one step at a time, µs per event:`,
  );
  for (const row of profileRows) {
    bench.log(
      `  ${row.step.padEnd(42)} wall ${String(row.wallUs).padStart(6)}  node CPU ${String(row.nodeCpuUs).padStart(6)}  ` +
        `DynamoDB Local CPU ${String(row.dynamodbLocalCpuUs).padStart(6)}`,
    );
  }
  return profileRows;
}

/**
 * 3. snapshots: each long wallet rebuilt from zero and from its snapshot, twice each (the faster
 * counted; the first of a wallet also warms the JIT); every rebuild and the replayed view equal.
 */
export async function snapshotRebuilds(
  stores: { events: DynamoEventStore; views: DynamoReadModelStore; snapshots: DynamoSnapshotStore },
  snapshotsToTake: WalletView[],
): Promise<LongWalletRow[]> {
  const { events, views, snapshots } = stores;
  const longRows: LongWalletRow[] = [];
  for (const snapshot of snapshotsToTake.sort((a, b) => a.walletId.localeCompare(b.walletId))) {
    await snapshots.put(snapshot);
    const walletId = snapshot.walletId;
    const full = [await timed(() => rebuildFromSnapshot(events, noSnapshots, walletId, CONFIG))];
    full.push(await timed(() => rebuildFromSnapshot(events, noSnapshots, walletId, CONFIG)));
    const fromSnapshot = [await timed(() => rebuildFromSnapshot(events, snapshots, walletId, CONFIG))];
    fromSnapshot.push(await timed(() => rebuildFromSnapshot(events, snapshots, walletId, CONFIG)));
    const stored = await views.getView(walletId);
    for (const run of [...full, ...fromSnapshot]) {
      if (!isDeepStrictEqual(run.value.view, full[0]?.value.view)) {
        throw new Error(`${walletId}: a rebuild from the snapshot differs from the rebuild from zero`);
      }
    }
    if (stored !== undefined && !isDeepStrictEqual(stored, full[0]?.value.view)) {
      throw new Error(`${walletId}: the replayed view differs from the rebuild from zero`);
    }
    const used = fromSnapshot[0]?.value;
    if (used?.fromSnapshot !== snapshot.eventCount) {
      throw new Error(`${walletId}: the rebuild did not start from the snapshot (${used?.fromSnapshot})`);
    }
    longRows.push({
      walletId,
      lanes: (await events.lanes(walletId)).length,
      events: full[0]?.value.view.eventCount ?? 0,
      snapshotAt: snapshot.eventCount,
      fullRebuildMs: Math.min(...full.map((run) => run.ms)),
      snapshotRebuildMs: Math.min(...fromSnapshot.map((run) => run.ms)),
      eventsReadFromSnapshot: used.eventsRead,
    });
  }
  return longRows;
}
