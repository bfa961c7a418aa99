import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { awaitCommitsOn } from '#adapters/local/commit-barrier.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';

/**
 * DynamoDB Local answers a transaction before it is on disk; killed right after, it comes back
 * without it (measured: most kills lose the last one). With the barrier the local runtime installs
 * when data is kept on disk, a transaction's answer comes only once it is: every acknowledged
 * transaction is there after the emulator is killed and started again over the same files.
 * Without the barrier this fails in about three rounds of four.
 */
const TABLE = 'barrier-test';
const ROUNDS = 3;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tally-commit-barrier-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the local commit barrier', () => {
  it('keeps every acknowledged transaction when DynamoDB Local is killed right after the answer', async () => {
    const lost: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dbPath = path.join(dataDir, `round-${round}`);
      const first = await startDynamoDbLocal({ dbPath });
      const release = awaitCommitsOn(first.endpoint);
      const client = createDocumentClient({ endpoint: first.endpoint });
      await client.send(
        new CreateTableCommand({
          TableName: TABLE,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      for (let i = 0; i < 3; i++) {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: TABLE,
                  Item: { pk: 'WALLET#w', sk: `v${i}` },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              { Put: { TableName: TABLE, Item: { pk: 'KEY#w', sk: `k${i}` } } },
            ],
          }),
        );
      }
      process.kill(first.pid, 'SIGKILL');
      await first.exited;
      release();
      client.destroy();

      const second = await startDynamoDbLocal({ dbPath });
      const reader = createDocumentClient({ endpoint: second.endpoint });
      for (let i = 0; i < 3; i++) {
        const found = await reader.send(
          new GetCommand({ TableName: TABLE, Key: { pk: 'WALLET#w', sk: `v${i}` } }),
        );
        if (found.Item === undefined) lost.push(`round ${round}: v${i}`);
      }
      reader.destroy();
      await second.stop();
    }
    expect(lost).toEqual([]);
  }, 180_000);
});
