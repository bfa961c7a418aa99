import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../functions/local/runtime.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { responseMismatch } from './contract.ts';

/**
 * Helpers for integration and e2e tests. They all use the DynamoDB Local that test/global-setup.ts
 * started; each caller gets its own table, so test files can run in parallel against one JVM.
 */

export const dynamodbEndpoint = (): string => inject('dynamodbEndpoint');

/** A table name no other test file uses. */
export const uniqueTableName = (prefix = 'tally-test'): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export function testDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** The document client the adapters use (numbers as decimal text), on the shared endpoint. */
export function testDocumentClient(): DynamoDBDocumentClient {
  return createDocumentClient({ endpoint: dynamodbEndpoint(), region: LOCAL_REGION });
}

/**
 * The whole local runtime on a free port, against the shared DynamoDB Local and a fresh table.
 * One per test file: handlers configure themselves from process.env once per process.
 *
 * Every HTTP answer a handler gives is checked against the generated OpenAPI document
 * (test/support/contract.ts); `stop()` fails the file with each answer that does not match, so
 * the document cannot drift from what the API does.
 */
export async function startTestRuntime(options: Partial<LocalRuntimeOptions> = {}): Promise<LocalRuntime> {
  const mismatches: string[] = [];
  const inner = options.wrapHandler;
  const runtime = await startLocalRuntime({
    port: 0,
    endpoint: dynamodbEndpoint(),
    tableName: uniqueTableName('tally-e2e'),
    logRequests: false,
    ...options,
    wrapHandler: (spec, loaded) => {
      const handler = inner === undefined ? loaded : inner(spec, loaded);
      if (spec.routes === undefined) return handler;
      return async (event, context) => {
        const result = await handler(event, context);
        const routeKey = (event as { routeKey?: string }).routeKey;
        if (routeKey !== undefined) {
          const mismatch = responseMismatch(routeKey, result as { statusCode: number; body?: string });
          if (mismatch !== undefined) mismatches.push(mismatch);
        }
        return result;
      };
    },
  });
  const stop = runtime.stop.bind(runtime);
  return Object.assign(runtime, {
    stop: async () => {
      await stop();
      if (mismatches.length > 0) {
        throw new Error(`answers that do not match openapi/openapi.json:\n${mismatches.join('\n')}`);
      }
    },
  });
}

/** A fresh table on the shared DynamoDB Local, the event store over it, and the commands it sent. */
export interface CountedStoreTable {
  tableName: string;
  documents: DynamoDBDocumentClient;
  store: DynamoEventStore;
  /** How many `command`s (e.g. 'QueryCommand', 'TransactWriteCommand') the store's client has sent. */
  sent(command: string): number;
  /** Closes the clients and deletes the table. */
  drop(): Promise<void>;
}

/** For tests that show what a read or a write costs in requests, on the real store. */
export async function countedStoreTable(prefix: string): Promise<CountedStoreTable> {
  const raw = testDynamoDbClient();
  const tableName = uniqueTableName(prefix);
  await ensureTable(raw, tableName);
  const documents = testDocumentClient();
  const sent = new Map<string, number>();
  documents.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? '';
      sent.set(name, (sent.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return {
    tableName,
    documents,
    store: new DynamoEventStore(documents, tableName),
    sent: (command) => sent.get(command) ?? 0,
    drop: async () => {
      documents.destroy();
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      raw.destroy();
    },
  };
}
