import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cardAction } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { readWallet } from '#app/read-events.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { expiryBucket, expiryPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { DynamoTradingIndex } from '../../functions/adapters/dynamodb/trading-index.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';

/**
 * Card approvals batched by group commit on DynamoDB Local share expiry items (holdIds), and the
 * sweep through the DynamoDB expiry index ends each approval once, leaving captured ones alone.
 */

let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
const tableName = `tally-int-card-expiry-${randomUUID().slice(0, 8)}`;
const T0 = Date.now();
const TTL = 60_000;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

describe('batched card approvals expire through the DynamoDB expiry index', () => {
  it('fewer expiry items than approvals; the sweep ends each uncaptured approval once', async () => {
    const store = new DynamoEventStore(documents, tableName);
    enableGroupCommit(store);
    const index = new DynamoTradingIndex(documents, tableName);
    const clock = { now: T0, nowMs: () => clock.now };
    let ids = 0;
    const deps = {
      store,
      clock,
      ids: { newId: () => `x${++ids}-${randomUUID().slice(0, 6)}` },
      decisionRules: builtInDecisionRules,
      authorizationTtlMs: TTL,
    };
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    const act = async (action: Parameters<typeof cardAction>[2]) => {
      const key = randomUUID();
      const outcome = await cardAction(
        deps,
        {
          accountId,
          idempotency: { key, payloadHash: key },
          respond: (_events, { authorizationId }) => ({ statusCode: 201, body: authorizationId ?? '' }),
        },
        action,
      );
      if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${outcome.kind}`);
      return outcome.response.body;
    };
    await act({ kind: 'open', creditLimit: 1_000_000n, currency: 'EUR' });
    const approved = await Promise.all(
      Array.from({ length: 8 }, () =>
        act({ kind: 'authorize', amount: 100n, merchant: { id: 'm', mcc: '5942' } }),
      ),
    );
    await act({ kind: 'capture', authorizationId: approved[0] as string });
    const items = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': expiryPk(expiryBucket(T0 + TTL)) },
        ConsistentRead: true,
      }),
    );
    const listed = (items.Items ?? []).filter((item) => item.walletId === accountId);
    expect(listed.length).toBeLessThan(approved.length);
    expect(listed.flatMap((item) => (item.holdIds as string[] | undefined) ?? [item.holdId]).sort()).toEqual(
      [...approved].sort(),
    );
    clock.now = T0 + TTL + 1_000;
    const sweep = () => sweepExpiries({ store, expiries: index, clock, ids: deps.ids });
    expect(await sweep()).toEqual({ expired: approved.length - 1, ended: 1, left: 0 });
    expect(await sweep()).toEqual({ expired: 0, ended: 0, left: 0 });
    const log = await readWallet(store, accountId);
    const expired = log.flatMap((event) =>
      event.type === 'HoldReleased' && event.data.reason === 'expired' ? [event.data.holdId] : [],
    );
    expect(expired.sort()).toEqual(approved.slice(1).sort());
    expect(foldWallet(log, initialWalletState()).balances.money.held).toBe(0n);
  });
});
