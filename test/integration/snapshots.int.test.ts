import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rebuildFromSnapshot } from '#app/snapshots.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { makeProjectStreamsHandler } from '#handlers/project-streams.ts';
import { EVENT_ITEMS_FILTER } from '#lib/wiring.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { DynamoSnapshotStore } from '../../functions/adapters/dynamodb/snapshots.ts';
import { eventSk, snapshotSk, walletPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { readWallet } from '../../functions/app/read-events.ts';
import { matchesTableStreamFilter } from '../../functions/local/stream-poller.ts';
import { ensureTable } from '../../functions/local/table.ts';

/**
 * Snapshots against the real DynamoDB Local (one table for this file, deleted at the end): the
 * projector stores one every N events next to the wallet's events, the event store never reads
 * them as events, and a rebuild from a snapshot equals a rebuild from zero, field for field.
 */

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T = 1_700_000_000_000;

let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let events: DynamoEventStore;
let views: DynamoReadModelStore;
let snapshots: DynamoSnapshotStore;
const tableName = `tally-int-snap-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  events = new DynamoEventStore(documents, tableName);
  views = new DynamoReadModelStore(documents, tableName);
  snapshots = new DynamoSnapshotStore(documents, tableName);
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

const newWallet = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

let clockMs = T;
/** `count` events at the head of one lane, alternating deposits and facts with an award. */
async function append(walletId: string, lane: number, count: number): Promise<void> {
  for (let i = 0; i < count; ) {
    clockMs += 30_000;
    const expected = await events.head(walletId, lane);
    const id = `${walletId}-${lane}-${expected.version + 1}`;
    const fact = i % 3 === 2 && i + 2 <= count;
    const outcome = await events.append({
      walletId,
      lane,
      expected,
      events: fact
        ? [
            {
              type: 'FactRecorded',
              data: {
                factId: id,
                source: 'qa',
                factType: 'answer_is_liked',
                occurredAtMs: clockMs,
                dataJson: '{}',
              },
              eventId: `${id}-f`,
              recordedAtMs: clockMs + 1,
            },
            {
              type: 'PointsAwarded',
              data: { points: 250n, factId: id, ruleId: 'like', ruleSetVersion: 0, ruleTextHash: 'h' },
              eventId: `${id}-a`,
              recordedAtMs: clockMs + 1,
            },
          ]
        : [
            {
              type: 'Deposited',
              data: { amountMinor: 150_000n + BigInt(i), occurredAtMs: clockMs },
              eventId: id,
              recordedAtMs: clockMs + 1,
            },
          ],
      ...(fact
        ? { idempotency: { key: id, payloadHash: 'p', response: { statusCode: 202, body: '{}' } } }
        : {}),
    });
    if (outcome.kind !== 'appended') throw new Error(`unexpected ${outcome.kind}`);
    i += outcome.events.length;
  }
}

/** The sort keys of the wallet's snapshot items, ascending. */
async function snapshotKeys(walletId: string): Promise<string[]> {
  const result = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': walletPk(walletId), ':prefix': 'SNAPSHOT#' },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => String(item.sk));
}

const fromZero = async (walletId: string): Promise<WalletView> =>
  rebuildView(walletId, await readWallet(events, walletId), CONFIG);

describe('DynamoSnapshotStore', () => {
  it('keeps snapshots under SNAPSHOT#<count>, answers the newest at or below a bound, keeps the newest 3', async () => {
    const walletId = newWallet('store');
    expect(await snapshots.latest(walletId)).toBeUndefined();
    const taken: WalletView[] = [];
    for (const count of [4, 3, 5, 2]) {
      await append(walletId, 0, count);
      const view = await fromZero(walletId);
      await snapshots.put(view);
      await snapshots.put(view); // idempotent
      taken.push(view);
    }
    expect(taken.map((view) => view.eventCount)).toEqual([4, 7, 12, 14]);
    expect(await snapshotKeys(walletId)).toEqual([snapshotSk(7), snapshotSk(12), snapshotSk(14)]);
    expect(snapshotSk(12)).toBe('SNAPSHOT#000000000012');
    expect(await snapshots.latest(walletId)).toEqual(taken[3]);
    expect(await snapshots.latest(walletId, 13)).toEqual(taken[2]);
    expect(await snapshots.latest(walletId, 12)).toEqual(taken[2]);
    expect(await snapshots.latest(walletId, 7)).toEqual(taken[1]);
    expect(await snapshots.latest(walletId, 6)).toBeUndefined(); // 4 was trimmed
  });

  it('is invisible to the event store: reads, heads and verify see the events only', async () => {
    const walletId = newWallet('invisible');
    await append(walletId, 0, 6);
    await append(walletId, 1, 2);
    await snapshots.put(await fromZero(walletId));
    expect(await readWallet(events, walletId)).toHaveLength(8);
    const heads = new Map([
      [0, await events.head(walletId, 0)],
      [1, await events.head(walletId, 1)],
    ]);
    expect(heads.get(0)?.version).toBe(6);
    expect(heads.get(1)?.version).toBe(2);
    expect(await events.verify(walletId)).toEqual({ ok: true, lanes: 2, events: 8, heads });
    // The projector's stream filter lets new event items through, and no snapshot item.
    const inserted = (sk: string) => ({
      eventName: 'INSERT' as const,
      dynamodb: { Keys: { pk: { S: walletPk(walletId) }, sk: { S: sk } } },
    });
    expect(matchesTableStreamFilter(EVENT_ITEMS_FILTER, inserted(eventSk(0, 7)))).toBe(true);
    expect(matchesTableStreamFilter(EVENT_ITEMS_FILTER, inserted(snapshotSk(8)))).toBe(false);
  });
});

describe('the projector takes snapshots every N events', () => {
  it('projectWallet: a snapshot at each crossing; a rebuild from any of them equals one from zero', async () => {
    const walletId = newWallet('proj');
    const policy = { store: snapshots, every: 5 };
    const counts: number[] = [];
    for (const [lane, count] of [
      [0, 3],
      [0, 3],
      [2, 4],
      [0, 1],
      [1, 6],
      [2, 2],
      [0, 4],
    ] as const) {
      await append(walletId, lane, count);
      counts.push(
        (await projectWallet(events, views, walletId, CONFIG, undefined, undefined, policy)).eventCount,
      );
    }
    expect(counts).toEqual([3, 6, 10, 11, 17, 19, 23]);
    // Crossings: 6 (past 5), 10, 17 (past 15), 23 (past 20); the newest 3 are kept.
    expect(await snapshotKeys(walletId)).toEqual([snapshotSk(10), snapshotSk(17), snapshotSk(23)]);

    const expected = await fromZero(walletId);
    expect(await views.getView(walletId)).toEqual(expected);
    await append(walletId, 3, 2);
    await append(walletId, 0, 1);
    const log = await readWallet(events, walletId);
    const full = rebuildView(walletId, log, CONFIG);
    for (const [maxEventCount, snapshot] of [
      [undefined, 23],
      [22, 17],
      [16, 10],
      [9, 0],
    ] as const) {
      const rebuilt = await rebuildFromSnapshot(events, snapshots, walletId, CONFIG, { maxEventCount });
      expect(rebuilt.view).toEqual(full);
      expect(rebuilt.fromSnapshot).toBe(snapshot);
      // The tail; plus the whole log once when a tail deposit came (lane by lane) older in event
      // time than the window cache covers. Never the log again per page.
      expect([log.length - snapshot, 2 * log.length - snapshot]).toContain(rebuilt.eventsRead);
    }
  });

  it('project-streams handler: TALLY_SNAPSHOT_EVERY-style policy wired through the doorbell', async () => {
    const walletId = newWallet('handler');
    const handler = makeProjectStreamsHandler(async () => ({
      stores: { events, readModels: views, snapshots },
      config: CONFIG,
      snapshotEvery: 4,
    }));
    let sequence = 0;
    const doorbells = (lane: number, versions: number[]): DynamoDBStreamEvent => ({
      Records: versions.map((version) => ({
        eventID: String(++sequence),
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          Keys: { pk: { S: walletPk(walletId) }, sk: { S: eventSk(lane, version) } },
          SequenceNumber: String(sequence),
        },
      })),
    });
    const context = { functionName: 'project-streams', awsRequestId: 'test' } as Context;
    await append(walletId, 0, 5);
    expect(await handler(doorbells(0, [1, 2, 3, 4, 5]), context)).toEqual({ batchItemFailures: [] });
    await append(walletId, 1, 3);
    expect(await handler(doorbells(1, [1, 2, 3]), context)).toEqual({ batchItemFailures: [] });
    expect(await snapshotKeys(walletId)).toEqual([snapshotSk(5), snapshotSk(8)]);
    expect(await snapshots.latest(walletId)).toEqual(await fromZero(walletId));
    const rebuilt = await rebuildFromSnapshot(events, snapshots, walletId, CONFIG, { maxEventCount: 5 });
    expect(rebuilt).toEqual({ view: await fromZero(walletId), fromSnapshot: 5, eventsRead: 3 });
  });
});
