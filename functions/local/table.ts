import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE } from '#lib/wiring.ts';

/** The event-store table as the wiring table declares it, and the CDK stack creates it. */
export const TABLE_SPEC = TABLE;

export const DEFAULT_LOCAL_TABLE_NAME = 'tally-local';

export class TableSetupError extends Error {
  override readonly name = 'TableSetupError';
}

export interface LocalTable {
  tableName: string;
  streamArn: string;
  /** False when the table already existed (a persistent data dir). */
  created: boolean;
}

/**
 * Creates the table if it is missing and waits until it is ACTIVE with a stream. An existing table
 * must have the same keys; one without a stream (an old data dir) gets the stream turned on.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<LocalTable> {
  let created = false;
  let table = await describe(client, tableName);
  if (table === undefined) {
    try {
      await client.send(new CreateTableCommand(tableInput(tableName)));
      created = true;
    } catch (error) {
      // Another process (a parallel test file, a second `tally dev`) created it first: fine.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  } else {
    checkKeys(table);
    if (table.StreamSpecification?.StreamEnabled !== true) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_SPEC.streamViewType },
        }),
      );
    }
  }

  // DynamoDB Local makes tables ACTIVE at once; the loop is for the general case and is bounded.
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    table = await describe(client, tableName);
    if (table?.TableStatus === 'ACTIVE' && table.LatestStreamArn) {
      return { tableName, streamArn: table.LatestStreamArn, created };
    }
    if (Date.now() > deadline) {
      throw new TableSetupError(
        `table ${tableName} is not ACTIVE with a stream after ${options.timeoutMs ?? 30_000} ms (status ${table?.TableStatus ?? 'missing'})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The table's keys and billing, with its stream unless `stream: false` (a bench's stream-less table). */
export function tableInput(tableName: string, options: { stream?: boolean } = {}): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: TABLE_SPEC.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_SPEC.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_SPEC.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SPEC.sortKey, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    ...(options.stream === false
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_SPEC.streamViewType } }),
  };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const result = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return result.Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function checkKeys(table: TableDescription): void {
  const hash = table.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const range = table.KeySchema?.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (hash !== TABLE_SPEC.partitionKey || range !== TABLE_SPEC.sortKey) {
    throw new TableSetupError(
      `table ${table.TableName} has keys ${hash}/${range}, expected ${TABLE_SPEC.partitionKey}/${TABLE_SPEC.sortKey}; ` +
        'use another table name or remove the data dir',
    );
  }
}
