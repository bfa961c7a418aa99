import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { toViewItem } from '#adapters/dynamodb/table-layout/view-item.ts';
import type { WalletView } from '#domain/wallet-view.ts';

const TABLE = 'tally-test';
const ddbMock = mockClient(DynamoDBDocumentClient);
const readModels = new DynamoReadModelStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  TABLE,
);

beforeEach(() => ddbMock.reset());

const VIEW: WalletView = {
  walletId: 'w1',
  lanes: [2, 1],
  eventCount: 3,
  balanceMinor: 1_100_001n,
  depositCount: 3,
  points: 250n,
  awardCount: 1,
  factCount: 1,
  correctionCount: 2,
  adjustmentCount: 1,
  corrections: [
    { lane: 0, version: 1, byVersion: 4, effective: null },
    { lane: 1, version: 1, byVersion: 5, effective: { amountMinor: 500_000n, atMs: 60_000 } },
  ],
  moneyMovedMinor: 0n,
  moneyHeldMinor: 0n,
  pointsHeld: 0n,
  tradeCount: 0,
  activeHolds: [],
  updatedAtMs: 1_700_000_000_000,
  thresholdMinor: 1_000_000n,
  windowMs: 120_000,
  threshold: {
    breach: {
      atMs: 60_000,
      windowStartMs: -60_000,
      sumMinor: 1_100_000n,
      depositCount: 2,
      deposits: [
        { atMs: 0, amountMinor: 600_000n, lane: 0, version: 1 },
        { atMs: 60_000, amountMinor: 500_000n, lane: 1, version: 1 },
      ],
    },
    maxAtMs: 500_000,
    coverFromMs: 0,
    retained: [{ atMs: 500_000, amountMinor: 1n, lane: 0, version: 2 }],
    evicted: [], // always, once breached
  },
};

/** What the document client returns with wrapNumbers: every number as its decimal text. */
function asReturned(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(asReturned);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, asReturned(entry)]));
  }
  return value;
}

describe('DynamoReadModelStore.putView', () => {
  it('writes only a superset of the stored view (every lane as far, more events), or over another threshold rule', async () => {
    ddbMock.on(PutCommand).resolves({});
    await expect(readModels.putView(VIEW)).resolves.toBe('written');
    expect(ddbMock.calls()).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'WALLET#w1',
        sk: 'VIEW#WALLET',
        kind: 'view',
        walletId: 'w1',
        lanes: [2, 1],
        eventCount: 3,
        balanceMinor: 1_100_001n,
        depositCount: 3,
        points: 250n,
        awardCount: 1,
        factCount: 1,
        correctionCount: 2,
        adjustmentCount: 1,
        corrections: [
          [0, 1, 4, null, null],
          [1, 1, 5, 500_000n, 60_000],
        ],
        updatedAtMs: 1_700_000_000_000,
        thresholdMinor: 1_000_000n,
        windowMs: 120_000,
        breach: {
          atMs: 60_000,
          windowStartMs: -60_000,
          sumMinor: 1_100_000n,
          depositCount: 2,
          deposits: [
            [0, 600_000n, 0, 1],
            [60_000, 500_000n, 1, 1],
          ],
        },
        maxAtMs: 500_000,
        coverFromMs: 0,
        retained: [[500_000, 1n, 0, 2]],
        // no `evicted` once breached: it is empty then, and read back so
      },
      ConditionExpression:
        'attribute_not_exists(pk) OR thresholdMinor <> :threshold OR windowMs <> :window OR (eventCount < :count AND attribute_not_exists(#l[2]) AND #l[0] <= :l0 AND (attribute_not_exists(#l[1]) OR #l[1] <= :l1))',
      ExpressionAttributeNames: { '#l': 'lanes' },
      ExpressionAttributeValues: {
        ':count': 3,
        ':l0': 2,
        ':l1': 1,
        ':threshold': 1_000_000n,
        ':window': 120_000,
      },
      // A refused put answers with the stored item: one that does not read is then replaced.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('answers stale when the condition fails (another projector got there first)', async () => {
    ddbMock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    await expect(readModels.putView(VIEW)).resolves.toBe('stale');
  });

  it('answers stale when the refused put met a view that reads, and replaces one that does not, on its updatedAtMs', async () => {
    const refused = (item: Record<string, unknown>) =>
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(item, { convertClassInstanceToMap: true }),
      });
    ddbMock.on(PutCommand).rejectsOnce(refused(toViewItem(VIEW)));
    await expect(readModels.putView(VIEW)).resolves.toBe('stale');
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);

    ddbMock.reset();
    ddbMock
      .on(PutCommand)
      .rejectsOnce(refused({ pk: 'WALLET#w1', sk: 'VIEW#WALLET', lanes: 'junk', updatedAtMs: 7 }))
      .resolves({});
    await expect(readModels.putView(VIEW)).resolves.toBe('written');
    const replaced = ddbMock.commandCalls(PutCommand)[1]?.args[0].input;
    expect(replaced?.ConditionExpression).toBe('updatedAtMs = :seen');
    expect(String(replaced?.ExpressionAttributeValues?.[':seen'])).toBe('7');
  });

  it('lets any other error propagate', async () => {
    const throttled = new ThrottlingException({ message: 'slow down', $metadata: {} });
    ddbMock.on(PutCommand).rejects(throttled);
    await expect(readModels.putView(VIEW)).rejects.toBe(throttled);
  });
});

describe('DynamoReadModelStore.getView', () => {
  it('gets the view item by key and parses it back to the same view, exactly', async () => {
    ddbMock.on(GetCommand).resolves({ Item: asReturned(toViewItem(VIEW)) as Record<string, unknown> });
    await expect(readModels.getView('w1')).resolves.toEqual(VIEW);
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'WALLET#w1', sk: 'VIEW#WALLET' },
    });
  });

  it('keeps what holds and transfers moved, for a wallet that traded, and reads it back', async () => {
    const traded: WalletView = {
      ...VIEW,
      moneyMovedMinor: -100n,
      moneyHeldMinor: 7n,
      pointsHeld: 3n,
      tradeCount: 2,
    };
    expect(toViewItem(traded)).toMatchObject({
      moneyMovedMinor: -100n,
      moneyHeldMinor: 7n,
      pointsHeld: 3n,
      tradeCount: 2,
    });
    ddbMock.on(GetCommand).resolves({ Item: asReturned(toViewItem(traded)) as Record<string, unknown> });
    await expect(readModels.getView('w1')).resolves.toEqual(traded);
  });

  it('keeps the evicted buckets of a view below the threshold as one list, gaps as 0, and reads them back', async () => {
    const below: WalletView = {
      ...VIEW,
      // Buckets of 15 s (an eighth of the window); the one at 270,000 is empty.
      threshold: {
        ...VIEW.threshold,
        breach: null,
        evicted: [
          { fromMs: 255_000, sumMinor: 700n },
          { fromMs: 285_000, sumMinor: 5n },
        ],
      },
    };
    expect(toViewItem(below).evicted).toEqual([255_000n, 700n, 0n, 5n]);
    ddbMock.on(GetCommand).resolves({ Item: asReturned(toViewItem(below)) as Record<string, unknown> });
    await expect(readModels.getView('w1')).resolves.toEqual(below);
  });

  it('reads a view stored before the evicted buckets existed as unknown, unless none can matter', async () => {
    const { evicted: _evicted, ...legacy } = asReturned(toViewItem(VIEW)) as Record<string, unknown>;
    // The cache let deposits go (coverFromMs set) and no window breached: their sums are unknown,
    // so history decides.
    ddbMock.on(GetCommand).resolves({ Item: { ...legacy, breach: null } });
    expect((await readModels.getView('w1'))?.threshold.evicted).toBeNull();
    // Nothing was let go, or the flag is set (the buckets are empty then): known empty.
    ddbMock.on(GetCommand).resolves({ Item: { ...legacy, breach: null, coverFromMs: null } });
    expect((await readModels.getView('w1'))?.threshold.evicted).toEqual([]);
    ddbMock.on(GetCommand).resolves({ Item: legacy });
    expect((await readModels.getView('w1'))?.threshold.evicted).toEqual([]);
  });

  it('is undefined for a wallet without a view', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(readModels.getView('w1')).resolves.toBeUndefined();
  });

  it('answers an item that does not parse as no view (the next write replaces it)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { walletId: 'w1', lanes: [], eventCount: 'three' } });
    await expect(readModels.getView('w1')).resolves.toBeUndefined();
  });
});
