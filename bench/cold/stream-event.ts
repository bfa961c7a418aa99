/**
 * A table-stream record as AWS delivers it to a stream consumer: the event just appended, with its
 * NEW_IMAGE (the stack streams images: lib/table-spec.ts). A new event every cold start, so every
 * run measures a first delivery: the same record every run would measure a redelivery from the
 * second run on (the view has it; its put is refused, the view is read and folded again). Each
 * consumer (and its `--before` twin) has a wallet of its own, so one's projection does not turn
 * the other's record into a redelivery; the first run takes a wallet's first event, the next ones
 * its next event. Two or three wallets in all, so the checkpoint pass's work grows little.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { eventSk, lanePk } from '#adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { ENV } from '#lib/wiring.ts';
import type { StreamHead } from '#ports/event-store.ts';

/** Per call: the next event of the target's own wallet, appended, and the stream event announcing it. */
export function freshStreamEvents(env: NodeJS.ProcessEnv): (target: string) => Promise<string> {
  const endpoint = env[ENV.dynamodbEndpoint];
  const tableName = env[ENV.tableName];
  if (endpoint === undefined || tableName === undefined) throw new Error('the cold world sets no table');
  const store = new DynamoEventStore(createDocumentClient({ endpoint, region: LOCAL_REGION }), tableName);
  const raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const heads = new Map<string, StreamHead>();
  let sequence = 0;
  return async (target) => {
    // The stream's consumers project into different stores (a view; the bus): project-streams and
    // its twin need a wallet each, publish-events may share.
    const walletId = `coldstream-${target.startsWith('project-streams') ? target : 'publish'}`;
    const expected = heads.get(walletId) ?? { version: 0, hash: '' };
    const nowMs = Date.now();
    const head = await appendDeposit(store, walletId, expected, 100n, `${walletId}-${expected.version + 1}`);
    heads.set(walletId, head);
    const Keys = { pk: { S: lanePk(walletId, 0) }, sk: { S: eventSk(0, head.version) } };
    const { Item } = await raw.send(
      new GetItemCommand({ TableName: tableName, Key: Keys, ConsistentRead: true }),
    );
    if (Item === undefined) throw new Error(`bench: ${walletId}'s event is not in the table`);
    sequence++;
    return JSON.stringify({
      Records: [
        {
          eventID: `${walletId}-${head.version}`,
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: 'us-east-1',
          dynamodb: {
            ApproximateCreationDateTime: Math.floor(nowMs / 1000),
            Keys,
            NewImage: Item,
            SequenceNumber: String(sequence),
            SizeBytes: JSON.stringify(Item).length,
            StreamViewType: 'NEW_IMAGE',
          },
          eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${tableName}/stream/cold`,
        },
      ],
    });
  };
}

/** A deposit appended to lane 0 of `walletId` at `expected` (the bench's own writes): the new head. */
export async function appendDeposit(
  store: DynamoEventStore,
  walletId: string,
  expected: StreamHead,
  amountMinor: bigint,
  eventId: string,
): Promise<StreamHead> {
  const nowMs = Date.now();
  const outcome = await store.append({
    walletId,
    lane: 0,
    expected,
    events: [{ type: 'Deposited', data: { amountMinor, occurredAtMs: nowMs }, eventId, recordedAtMs: nowMs }],
  });
  if (outcome.kind !== 'appended') throw new Error(`bench: ${walletId}'s next event was not appended`);
  return outcome.head;
}

/** The functions whose first event is a fresh stream record (the table stream's consumers). */
export const STREAM_CONSUMERS: ReadonlySet<string> = new Set(['project-streams', 'publish-events']);
