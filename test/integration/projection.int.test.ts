import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectWallet } from '#app/wallet-projection.ts';
import { canDecideFromCache, type ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { aboveThreshold, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { readWallet } from '../../functions/app/read-events.ts';
import { ensureTable } from '../../functions/local/table.ts';

/**
 * The wallet projection against the real DynamoDB Local (one table for this file, deleted at the
 * end): the stored view must always equal a rebuild from the log, field for field.
 */

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };
const T = 1_700_000_000_000;

let endpoint: string;
let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
let views: DynamoReadModelStore;
const tableName = `tally-int-proj-${randomUUID().slice(0, 8)}`;
const extraClients: DynamoDBDocumentClient[] = [];

beforeAll(async () => {
  endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  store = new DynamoEventStore(documents, tableName);
  views = new DynamoReadModelStore(documents, tableName);
});

afterAll(async () => {
  for (const client of extraClients) client.destroy();
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

const newWallet = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/** A projector as another Lambda instance would be: its own client and stores. */
function otherProjector() {
  const client = createDocumentClient({ endpoint, region: LOCAL_REGION });
  extraClients.push(client);
  return {
    store: new DynamoEventStore(client, tableName),
    views: new DynamoReadModelStore(client, tableName),
  };
}

let idCounter = 0;
/** Appends deposits (amount in minor units, event time) at the head of one lane. */
async function deposit(
  walletId: string,
  lane: number,
  ...deposits: [amountMinor: bigint, occurredAtMs: number][]
): Promise<RecordedEvent[]> {
  const outcome = await store.append({
    walletId,
    lane,
    expected: await store.head(walletId, lane),
    events: deposits.map(([amountMinor, occurredAtMs]) => ({
      type: 'Deposited',
      data: { amountMinor, occurredAtMs },
      eventId: `p-${++idCounter}`,
      recordedAtMs: occurredAtMs + 3,
    })),
  });
  if (outcome.kind !== 'appended') throw new Error(`unexpected ${outcome.kind}`);
  return outcome.events;
}

async function rebuilt(walletId: string, config: ThresholdConfig = CONFIG): Promise<WalletView> {
  return rebuildView(walletId, await readWallet(store, walletId), config);
}

async function storedView(walletId: string): Promise<WalletView> {
  const view = await views.getView(walletId);
  if (view === undefined) throw new Error(`no view stored for ${walletId}`);
  return view;
}

describe('projectWallet against DynamoDB', () => {
  it('stores exactly the rebuild of the log across lanes; projecting again changes nothing', async () => {
    const walletId = newWallet('lanes');
    await deposit(walletId, 0, [110n, T], [220n, T + 1_000], [330n, T + 2_000]);
    await deposit(walletId, 2, [1_000n, T + 500]);
    await deposit(walletId, 5, [99_999_999_999_999n, T + 10_000], [1n, T + 600_000]);

    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 6, written: true });
    const first = await storedView(walletId);
    expect(first).toEqual(await rebuilt(walletId));
    expect(first.lanes).toEqual([3, 0, 1, 0, 0, 2]);
    expect(first.balanceMinor).toBe(100_000_000_001_660n);
    expect(first.depositCount).toBe(6);
    expect(first.updatedAtMs).toBe(T + 600_003);
    expect(aboveThreshold(first)).toBe(true);

    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 6, written: false });
    expect(await storedView(walletId)).toEqual(first);

    // More events, one of them opening a new lane that only a doorbell hint names.
    await deposit(walletId, 0, [5n, T + 700_000]);
    await deposit(walletId, 7, [7n, T + 700_001]);
    expect(await projectWallet(store, views, walletId, CONFIG, [7])).toEqual({
      eventCount: 8,
      written: true,
    });
    const second = await storedView(walletId);
    expect(second).toEqual(await rebuilt(walletId));
    expect(second.lanes).toEqual([4, 0, 1, 0, 0, 2, 0, 1]);
    expect(second.balanceMinor).toBe(100_000_000_001_672n);
    expect(await projectWallet(store, views, walletId, CONFIG, [7])).toEqual({
      eventCount: 8,
      written: false,
    });
  });

  it('concurrent projectors (with writers still appending) converge on the rebuild', async () => {
    const walletId = newWallet('race');
    const laneList = [0, 1, 4];
    // Writers and projectors interleave: each writer appends 12 events in batches of 3.
    const writers = laneList.map(async (lane) => {
      for (let batch = 0; batch < 4; batch++) {
        await deposit(
          walletId,
          lane,
          ...Array.from({ length: 3 }, (_, i): [bigint, number] => [
            BigInt(lane * 1_000 + batch * 10 + i + 1),
            T + lane * 7 + batch * 40_000 + i * 13,
          ]),
        );
      }
    });
    const projectors = Array.from({ length: 3 }, async () => {
      const mine = otherProjector();
      for (let round = 0; round < 4; round++) {
        await projectWallet(mine.store, mine.views, walletId, CONFIG).catch((error: unknown) => {
          // Losing every attempt to other projectors is allowed here; a later projection catches up.
          if (!String(error).includes('kept losing')) throw error;
        });
      }
    });
    await Promise.all([...writers, ...projectors]);

    // Writers done: two projectors at once, no tie-breaker afterwards.
    const a = otherProjector();
    const b = otherProjector();
    const [ra, rb] = await Promise.all([
      projectWallet(a.store, a.views, walletId, CONFIG),
      projectWallet(b.store, b.views, walletId, CONFIG),
    ]);
    expect(ra.eventCount).toBe(36);
    expect(rb.eventCount).toBe(36);
    const view = await storedView(walletId);
    expect(view).toEqual(await rebuilt(walletId));
    expect(view.eventCount).toBe(36);
    expect(view.lanes).toEqual([12, 12, 0, 0, 12]);
    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 36, written: false });
  });

  it('a stale projector never overwrites a view that holds events it lacks', async () => {
    const walletId = newWallet('stale');
    const lane0 = await deposit(walletId, 0, [10n, T], [20n, T + 1], [30n, T + 2]);
    const lane2 = await deposit(walletId, 2, [40n, T + 3], [50n, T + 4]);
    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 5, written: true });
    const current = await storedView(walletId);

    // Fewer events overall.
    expect(await views.putView(rebuildView(walletId, lane0, CONFIG))).toBe('stale');
    // More events in all, but lane 2 behind what is stored: must not lose lane 2's second event.
    const extra: RecordedEvent[] = [1, 2, 3].map((version) => ({
      type: 'Deposited',
      data: { amountMinor: 1n, occurredAtMs: T + 10 + version },
      walletId,
      lane: 1,
      version,
      eventId: `x-${version}`,
      recordedAtMs: T + 10 + version,
    }));
    const behindOnLane2 = rebuildView(walletId, [...lane0, lane2[0] as RecordedEvent, ...extra], CONFIG);
    expect(behindOnLane2.eventCount).toBeGreaterThan(current.eventCount);
    expect(await views.putView(behindOnLane2)).toBe('stale');
    // More events, but without lane 2 at all (a shorter lanes list).
    const noLane2 = rebuildView(walletId, [...lane0, ...extra], CONFIG);
    expect(await views.putView(noLane2)).toBe('stale');
    expect(await storedView(walletId)).toEqual(current);
  });

  it("a replay's batched reads and writes: every view found, written together unless one is stale", async () => {
    const a = newWallet('batch-a');
    const b = newWallet('batch-b');
    const c = newWallet('batch-c');
    const logs = new Map<string, RecordedEvent[]>();
    for (const walletId of [a, b, c]) {
      logs.set(walletId, [
        ...(await deposit(walletId, 0, [10n, T], [20n, T + 1])),
        ...(await deposit(walletId, 1, [5n, T + 2])),
      ]);
    }
    const whole = (walletId: string) => rebuildView(walletId, logs.get(walletId) ?? [], CONFIG);
    const partial = (walletId: string) =>
      rebuildView(walletId, (logs.get(walletId) ?? []).slice(0, 2), CONFIG);

    expect(await views.getViews([a, b, c])).toEqual(new Map());
    // All three in one transaction.
    expect(await views.putViews([partial(a), partial(b), partial(c)])).toEqual([
      'written',
      'written',
      'written',
    ]);
    expect(await views.getViews([c, a, newWallet('none')])).toEqual(
      new Map([
        [c, partial(c)],
        [a, partial(a)],
      ]),
    );
    // b moves on (a projector); a batch holding b's older view loses that one only.
    expect(await views.putView(whole(b))).toBe('written');
    expect(await views.putViews([whole(a), partial(b), whole(c)])).toEqual(['written', 'stale', 'written']);
    expect(await views.getViews([a, b, c])).toEqual(
      new Map([
        [a, whole(a)],
        [b, whole(b)],
        [c, whole(c)],
      ]),
    );
    // A repair may write a view over an equal one.
    expect(await views.putViews([whole(a), whole(b)])).toEqual(['written', 'written']);
    // A view item under a's key that names c (tampered) stands for a, as getView reads it.
    const item = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: `WALLET#${a}`, sk: 'VIEW#WALLET' } }),
    );
    await documents.send(new PutCommand({ TableName: tableName, Item: { ...item.Item, walletId: c } }));
    const read = await views.getViews([a]);
    expect([...read.keys()]).toEqual([a]);
    expect(read.get(a)).toEqual(await views.getView(a));
  });

  it('rebuilds a view stored under another threshold rule', async () => {
    const walletId = newWallet('rule');
    await deposit(walletId, 0, [600_000n, T]);
    await deposit(walletId, 3, [300_000n, T + 60_000]);
    const low: ThresholdConfig = { ...CONFIG, thresholdMinor: 500_000n };

    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 2, written: true });
    expect(aboveThreshold(await storedView(walletId))).toBe(false);

    expect(await projectWallet(store, views, walletId, low)).toEqual({ eventCount: 2, written: true });
    const underLow = await storedView(walletId);
    expect(underLow).toEqual(await rebuilt(walletId, low));
    expect(underLow.thresholdMinor).toBe(500_000n);
    expect(aboveThreshold(underLow)).toBe(true);
    expect(underLow.threshold.breach).toMatchObject({ atMs: T, sumMinor: 600_000n, depositCount: 1 });
    expect(await projectWallet(store, views, walletId, low)).toEqual({ eventCount: 2, written: false });

    // A changed window is another rule too; and back to the default rule.
    const narrow: ThresholdConfig = { ...low, windowMs: 1_000 };
    expect(await projectWallet(store, views, walletId, narrow)).toEqual({ eventCount: 2, written: true });
    expect(await storedView(walletId)).toEqual(await rebuilt(walletId, narrow));
    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 2, written: true });
    const back = await storedView(walletId);
    expect(back).toEqual(await rebuilt(walletId, CONFIG));
    expect(aboveThreshold(back)).toBe(false);
  });
});

describe('the threshold flag from the store', () => {
  it('8000 at t and 2000.01 at t + 119 999 ms are above the threshold; the edges are not', async () => {
    const inside = newWallet('inside');
    await deposit(inside, 0, [800_000n, T]);
    expect(await projectWallet(store, views, inside, CONFIG)).toMatchObject({ written: true });
    expect(aboveThreshold(await storedView(inside))).toBe(false);
    await deposit(inside, 1, [200_001n, T + 119_999]);
    await projectWallet(store, views, inside, CONFIG);
    const view = await storedView(inside);
    expect(aboveThreshold(view)).toBe(true);
    expect(view.threshold.breach).toMatchObject({
      atMs: T + 119_999,
      windowStartMs: T - 1,
      sumMinor: 1_000_001n,
      depositCount: 2,
    });
    expect(view.balanceMinor).toBe(1_000_001n);
    expect(view).toEqual(await rebuilt(inside));

    // One millisecond later, the first deposit has left the window.
    const outside = newWallet('outside');
    await deposit(outside, 0, [800_000n, T], [200_001n, T + 120_000]);
    await projectWallet(store, views, outside, CONFIG);
    expect(aboveThreshold(await storedView(outside))).toBe(false);
    expect(await storedView(outside)).toEqual(await rebuilt(outside));

    // Exactly 10,000 is not more than 10,000.
    const exact = newWallet('exact');
    await deposit(exact, 0, [800_000n, T], [200_000n, T + 119_999]);
    await projectWallet(store, views, exact, CONFIG);
    expect(aboveThreshold(await storedView(exact))).toBe(false);
  });

  it('a late deposit older than the cache covers is decided exactly from the history', async () => {
    const small: ThresholdConfig = { ...CONFIG, retainMax: 2 };
    const walletId = newWallet('late');
    await deposit(walletId, 0, [600_000n, T]);
    await projectWallet(store, views, walletId, small);
    await deposit(walletId, 0, [1n, T + 300_000], [1n, T + 301_000], [1n, T + 302_000]);
    await projectWallet(store, views, walletId, small);
    const before = await storedView(walletId);
    expect(aboveThreshold(before)).toBe(false);
    expect(before.threshold.retained).toHaveLength(2);
    const lateAtMs = T + 60_000;
    // The premise: the cache alone cannot decide this deposit.
    expect(canDecideFromCache(before.threshold, lateAtMs, small)).toBe(false);

    // Arrives late, in another lane: with the first deposit it breaches at its own event time.
    await deposit(walletId, 4, [400_001n, lateAtMs]);
    expect(await projectWallet(store, views, walletId, small, [4])).toEqual({ eventCount: 5, written: true });
    const view = await storedView(walletId);
    expect(view).toEqual(await rebuilt(walletId, small));
    expect(aboveThreshold(view)).toBe(true);
    expect(view.threshold.breach).toMatchObject({
      atMs: lateAtMs,
      windowStartMs: lateAtMs - 120_000,
      sumMinor: 1_000_001n,
      depositCount: 2,
    });
    expect(view.threshold.retained.map((entry) => entry.atMs)).toEqual([T + 301_000, T + 302_000]);

    // And a late deposit that does NOT breach leaves the flag as the rebuild has it.
    const quiet = newWallet('late-quiet');
    await deposit(quiet, 0, [600_000n, T]);
    await deposit(quiet, 0, [1n, T + 300_000], [1n, T + 301_000], [1n, T + 302_000]);
    await projectWallet(store, views, quiet, small);
    await deposit(quiet, 2, [400_000n, lateAtMs]);
    await projectWallet(store, views, quiet, small);
    expect(aboveThreshold(await storedView(quiet))).toBe(false);
    expect(await storedView(quiet)).toEqual(await rebuilt(quiet, small));
  });

  it('deposits at the same time and version in two lanes give the rebuild whatever lane is projected first', async () => {
    const walletId = newWallet('tie');
    await deposit(walletId, 3, [300n, T]);
    expect(await projectWallet(store, views, walletId, CONFIG, [3])).toEqual({
      eventCount: 1,
      written: true,
    });
    await deposit(walletId, 0, [100n, T]);
    expect(await projectWallet(store, views, walletId, CONFIG)).toEqual({ eventCount: 2, written: true });
    const view = await storedView(walletId);
    expect(view.balanceMinor).toBe(400n);
    // Guarantee 3: the rebuild from the log gives the same view, field for field.
    expect(view).toEqual(await rebuilt(walletId));
  });
});
