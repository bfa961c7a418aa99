import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { checkpointWallets } from '#app/checkpoint-sweep.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { DynamoCheckpointSweepStore } from '../../functions/adapters/dynamodb/checkpoint-sweep-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { verifyLanes } from '../../functions/adapters/dynamodb/verify-lanes.ts';
import { scanWalletIds } from '../../functions/adapters/dynamodb/wallet-ids.ts';
import { walletLanes } from '../../functions/adapters/dynamodb/wallet-lanes.ts';
import { HmacCheckpointSigner } from '../../functions/adapters/hmac-signer.ts';
import type { NewEvent } from '../../functions/ports/event-store.ts';
import { type CountedStoreTable, countedStoreTable } from './local.ts';

const THRESHOLD: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };

/**
 * A DynamoDB Local table per test for the checkpoint sweep's integration tests (the chain walks
 * plugged in, as composition/checkpoint-sweep.ts hands them), and what those tests do to it:
 * deposits appended straight to a lane, a wallet's view projected, a whole pass run.
 */
export function useSweepTable(name: string) {
  let table: CountedStoreTable | undefined;
  beforeEach(async () => {
    table = await countedStoreTable(name);
    table.store.plug({ scanWalletIds, verifyLanes, walletLanes });
  });
  afterEach(() => table?.drop());
  const current = (): CountedStoreTable => {
    if (table === undefined) throw new Error('useSweepTable: no table outside a test');
    return table;
  };
  let counter = 0;
  const deposit = (): NewEvent => ({
    type: 'Deposited',
    data: { amountMinor: 100n, occurredAtMs: 1_700_000_000_000 + counter },
    eventId: `${name}-${++counter}-${randomUUID().slice(0, 6)}`,
    recordedAtMs: 1_700_000_000_000 + counter,
  });
  const readModels = () => new DynamoReadModelStore(current().documents, current().tableName);
  const sweepStore = (pageLimit?: number) => {
    const store = new DynamoCheckpointSweepStore(current().documents, current().tableName);
    store.pageLimit = pageLimit;
    return store;
  };
  const signer = new HmacCheckpointSigner(Buffer.alloc(32, 3));
  return {
    table: current,
    readModels,
    sweepStore,
    /** `count` deposits appended to the wallet's lane, one after the other. */
    append: async (walletId: string, lane: number, count = 1) => {
      for (let index = 0; index < count; index++)
        await current().store.append({
          walletId,
          lane,
          expected: await current().store.head(walletId, lane),
          events: [deposit()],
        });
    },
    project: (walletId: string) => projectWallet(current().store, readModels(), walletId, THRESHOLD),
    /** An event item's key. */
    eventKey: (walletId: string, lane: number, version: number) => ({
      pk: `WALLET#${walletId}`,
      sk: `EVENT#${String(lane).padStart(2, '0')}#${String(version).padStart(12, '0')}`,
    }),
    named: (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`,
    /** A whole pass (or as much as one tick does), through `store`. */
    sweep: (store = sweepStore()) =>
      checkpointWallets(
        {
          events: current().store,
          readModels: readModels(),
          checkpoints: { store, signer },
          marks: store,
          clock: { nowMs: () => 0 },
        },
        { walletsMax: 10_000, budgetMs: 60_000 },
      ),
  };
}
