import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { storedEventKeyFromStreamKeys } from '../../functions/adapters/dynamodb/stream-keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { LocalEventBus } from '../../functions/adapters/local/event-bus.ts';
import { readAll } from '../../functions/app/read-events.ts';
import { makePublishEventsHandler } from '../../functions/handlers/publish-events.ts';
import type { LambdaHandler } from '../../functions/local/lambda.ts';
import { StreamPoller } from '../../functions/local/stream-poller.ts';
import { ensureTable } from '../../functions/local/table.ts';
import type { EventBus, PublishedEvent } from '../../functions/ports/event-bus.ts';
import { type NewEvent, VersionConflictError } from '../../functions/ports/event-store.ts';
import { EVENT_ITEMS_FILTER, type FunctionSpec } from '../../lib/wiring.ts';

/**
 * The outbox end to end on DynamoDB Local: events appended to the real store reach the bus through
 * the table's real stream (NEW_IMAGE: published from the images), each exactly once per id, also
 * when the bus fails some the first time and when the stream is read again from its beginning.
 */

let raw: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
let streamArn: string;
const tableName = `tally-int-pub-${randomUUID().slice(0, 8)}`;
const pollers: StreamPoller[] = [];

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  streams = new DynamoDBStreamsClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  streamArn = (await ensureTable(raw, tableName)).streamArn;
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  store = new DynamoEventStore(documents, tableName);
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
  streams?.destroy();
});

const publisherSpec: FunctionSpec = {
  name: 'publish-events',
  entry: 'functions/handlers/publish-events.ts',
  description: 'under test',
  memoryMb: 256,
  timeoutSeconds: 60,
  tableAccess: 'read',
};

function startPublisher(bus: EventBus): StreamPoller {
  const handler = makePublishEventsHandler(async () => ({
    events: store,
    bus,
    source: 'tally/int',
    keyOf: storedEventKeyFromStreamKeys,
  }));
  const poller = new StreamPoller({
    client: streams,
    streamArn,
    region: LOCAL_REGION,
    retryBackoffMs: 5,
    log: () => undefined,
    consumers: [
      {
        spec: publisherSpec,
        trigger: {
          kind: 'table-stream',
          filter: EVENT_ITEMS_FILTER,
          batchSize: 100,
          maxBatchingWindowSeconds: 1,
          retryAttempts: 5,
        },
        handler: ((event: Parameters<typeof handler>[0]) => handler(event)) as LambdaHandler,
      },
    ],
  });
  poller.start();
  pollers.push(poller);
  return poller;
}

/** Appends one deposit to lane 0, retrying on a lost race (several writers per wallet). */
async function deposit(walletId: string, amountMinor: bigint, eventId: string): Promise<void> {
  const event: NewEvent = {
    type: 'Deposited',
    data: { amountMinor, occurredAtMs: 1_700_000_000_000 },
    eventId,
    recordedAtMs: 1_700_000_000_007,
  };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      await store.append({ walletId, lane: 0, expected: await store.head(walletId, 0), events: [event] });
      return;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
  throw new Error(`deposit ${eventId} lost 50 races`);
}

/** A bus that fails each id the first time it sees it, then forwards to the local bus. */
class FailsFirstTime implements EventBus {
  private readonly seen = new Set<string>();
  constructor(private readonly next: LocalEventBus) {}
  async publish(events: readonly PublishedEvent[]) {
    const fresh = events.filter((event) => !this.seen.has(event.id));
    for (const event of fresh) this.seen.add(event.id);
    await this.next.publish(events.filter((event) => !fresh.includes(event)));
    return {
      failed: fresh.map((event) => ({
        id: event.id,
        code: 'ThrottlingException',
        message: 'later',
        retryable: true,
      })),
    };
  }
}

describe('the table stream as the outbox', () => {
  it('publishes every stored event exactly once per id, through failures and a full re-read', async () => {
    const wallets = ['pub-a', 'pub-b', 'pub-c'].map((name) => `${name}-${randomUUID().slice(0, 6)}`);
    const expected = new Map<string, string>();
    await Promise.all(
      wallets.flatMap((walletId, w) =>
        Array.from({ length: 8 }, async (_, n) => {
          const eventId = `${walletId}-d${n}`;
          // 2^53 + n minor units: exact only if no float is involved anywhere on the way.
          const amountMinor = 9_007_199_254_740_993n + BigInt(w * 100 + n);
          expected.set(
            eventId,
            `${amountMinor / 100n}.${String(amountMinor % 100n).padStart(2, '0')}`.replace(/\.?0+$/, ''),
          );
          await deposit(walletId, amountMinor, eventId);
        }),
      ),
    );

    const bus = new LocalEventBus();
    const poller = startPublisher(new FailsFirstTime(bus));
    await poller.whenIdle({ timeoutMs: 20_000 });
    const firstRun = bus.since(0).map((entry) => entry.event);
    expect(firstRun.map((event) => event.id).sort()).toEqual([...expected.keys()].sort());
    for (const event of firstRun) {
      expect(event.dataJson).toContain(`"amount":${expected.get(event.id)},`);
      expect(wallets).toContain(event.subject);
    }
    // Per wallet, in log order: the stream keeps a wallet's records in order, and so does the relay.
    for (const walletId of wallets) {
      const published = firstRun.filter((event) => event.subject === walletId).map((event) => event.id);
      const logged = (await readAll(store, walletId, 0)).map((event) => event.eventId);
      expect(published).toEqual(logged);
    }

    // The stream read again from its beginning (a restart): the same ids, the same bytes.
    await poller.stop();
    const again = new LocalEventBus();
    const rerun = startPublisher(again);
    await rerun.whenIdle({ timeoutMs: 20_000 });
    const byId = new Map(firstRun.map((event) => [event.id, event]));
    const secondRun = again.since(0).map((entry) => entry.event);
    expect(secondRun).toHaveLength(firstRun.length);
    for (const event of secondRun) expect(event).toEqual(byId.get(event.id));
  });
});
