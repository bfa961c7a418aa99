import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore, READ_PAGE_SIZE } from '../../functions/adapters/dynamodb/event-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';
import type { StreamHead } from '../../functions/ports/event-store.ts';

/** verify over more than one Query page, from version 1 and from a head verified before. */
const tableName = `tally-int-verify-${randomUUID().slice(0, 8)}`;
let raw: DynamoDBClient;
let store: DynamoEventStore;
const documents = () => createDocumentClient({ endpoint: inject('dynamodbEndpoint'), region: LOCAL_REGION });

beforeAll(async () => {
  raw = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureTable(raw, tableName);
  store = new DynamoEventStore(documents(), tableName);
});
afterAll(async () => {
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

it('walks every page of a long lane, whole and from a verified head', async () => {
  const total = READ_PAGE_SIZE + 88;
  let head: StreamHead = { version: 0, hash: '' };
  let second: StreamHead | undefined;
  while (head.version < total) {
    const count = Math.min(98, total - head.version);
    const outcome = await store.append({
      walletId: 'long',
      lane: 0,
      expected: head,
      events: Array.from({ length: count }, (_, i) => ({
        type: 'Deposited' as const,
        data: { amountMinor: 1n, occurredAtMs: 1_700_000_000_000 + head.version + i },
        eventId: `e-${head.version + i + 1}`,
        recordedAtMs: 1_700_000_000_000 + head.version + i,
      })),
    });
    if (outcome.kind !== 'appended') throw new Error(outcome.kind);
    head = outcome.head;
    second ??= outcome.head;
  }
  expect(await store.verify('long')).toEqual({
    ok: true,
    lanes: 1,
    events: total,
    heads: new Map([[0, head]]),
  });
  if (second === undefined) throw new Error('no first append');
  expect(await store.verify('long', new Map([[0, second]]))).toEqual({
    ok: true,
    lanes: 1,
    events: total - second.version + 1,
    heads: new Map([[0, head]]),
  });
});
