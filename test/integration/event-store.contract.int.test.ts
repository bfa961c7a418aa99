import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore, READ_PAGE_SIZE } from '../../functions/adapters/dynamodb/event-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { eventStoreContract } from '../contract/event-store.contract.ts';

/** The DynamoDB adapter on DynamoDB Local passes the same contract as the in-memory store (one table for this file). */
let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
const tableName = `tally-int-contract-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  store = new DynamoEventStore(documents, tableName);
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

eventStoreContract('DynamoEventStore on DynamoDB Local', { store: () => store, pageSize: READ_PAGE_SIZE });
