import { DynamoDBClient, ThrottlingException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRuleSetStore, RULE_SET_TEXT_BYTES_MAX } from '#adapters/dynamodb/rule-sets.ts';

const TABLE = 'tally-test';
const ddbMock = mockClient(DynamoDBDocumentClient);
const ruleSets = new DynamoRuleSetStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  TABLE,
);

beforeEach(() => ddbMock.reset());

const INPUT = { text: 'rule', textHash: 'hash-2', publishedAtMs: 2_000, source: 'api' };
/** The ACTIVE item as the document client reads it back (numbers as decimal text). */
const ACTIVE_V1 = {
  pk: 'RULESET',
  sk: 'ACTIVE',
  kind: 'ruleset',
  version: '1',
  text: 'old',
  textHash: 'hash-1',
  publishedAtMs: '1000',
};

describe('DynamoRuleSetStore.publish', () => {
  it('writes the first version create-only, and ACTIVE create-only, in one transaction', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await ruleSets.publish(INPUT);
    const ruleSet = { ...INPUT, version: 1 };
    expect(outcome).toEqual({ kind: 'published', ruleSet });
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'RULESET', sk: 'ACTIVE' },
      ConsistentRead: true,
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'RULESET', sk: 'VERSION#00000001', kind: 'ruleset', ...ruleSet },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'RULESET', sk: 'ACTIVE', kind: 'ruleset', ...ruleSet },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
  });

  it('moves ACTIVE only from the version the publish was based on', async () => {
    ddbMock.on(GetCommand).resolves({ Item: ACTIVE_V1 });
    ddbMock.on(TransactWriteCommand).resolves({});
    await ruleSets.publish(INPUT);
    const [version, active] =
      ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(version?.Put).toMatchObject({ Item: { sk: 'VERSION#00000002', version: 2 } });
    expect(version?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(active?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'RULESET', sk: 'ACTIVE', kind: 'ruleset', ...INPUT, version: 2 },
      ConditionExpression: 'version = :previous',
      ExpressionAttributeValues: { ':previous': 1 },
    });
  });

  it('writes nothing when the text is the active one already', async () => {
    ddbMock.on(GetCommand).resolves({ Item: ACTIVE_V1 });
    const outcome = await ruleSets.publish({ ...INPUT, textHash: 'hash-1' });
    expect(outcome).toEqual({
      kind: 'unchanged',
      ruleSet: { version: 1, text: 'old', textHash: 'hash-1', publishedAtMs: 1000 },
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refreshes the stored form of the active text in one transaction conditioned on its text and version', async () => {
    ddbMock.on(GetCommand).resolves({ Item: ACTIVE_V1 });
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await ruleSets.publish({ ...INPUT, textHash: 'hash-1', form: '{"v":2}' });
    expect(outcome).toEqual({
      kind: 'unchanged',
      ruleSet: { version: 1, text: 'old', textHash: 'hash-1', publishedAtMs: 1000, form: '{"v":2}' },
    });
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Update?.Key)).toEqual([
      { pk: 'RULESET', sk: 'VERSION#00000001' },
      { pk: 'RULESET', sk: 'ACTIVE' },
    ]);
    for (const item of items) {
      expect(item.Update?.UpdateExpression).toBe('SET form = :form');
      expect(item.Update?.ConditionExpression).toBe('textHash = :hash AND version = :version');
      expect(item.Update?.ExpressionAttributeValues).toEqual({
        ':form': '{"v":2}',
        ':hash': 'hash-1',
        ':version': 1,
      });
    }
  });

  it('keeps the stored form when a publish of the active text raced another publish', async () => {
    ddbMock.on(GetCommand).resolves({ Item: ACTIVE_V1 });
    ddbMock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );
    await expect(ruleSets.publish({ ...INPUT, textHash: 'hash-1', form: '{"v":2}' })).resolves.toEqual({
      kind: 'unchanged',
      ruleSet: { version: 1, text: 'old', textHash: 'hash-1', publishedAtMs: 1000 },
    });
  });

  it('answers conflict when the transaction is cancelled (another publish won the version)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: ACTIVE_V1 });
    ddbMock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );
    await expect(ruleSets.publish(INPUT)).resolves.toEqual({ kind: 'conflict' });
  });

  it('lets throttling propagate', async () => {
    const throttled = new ThrottlingException({ message: 'slow down', $metadata: {} });
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).rejects(throttled);
    await expect(ruleSets.publish(INPUT)).rejects.toBe(throttled);
  });

  it('refuses text over the item budget without calling DynamoDB', async () => {
    await expect(
      ruleSets.publish({ ...INPUT, text: 'x'.repeat(RULE_SET_TEXT_BYTES_MAX + 1) }),
    ).rejects.toThrow(/over/);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('DynamoRuleSetStore.version', () => {
  it('gets the version item by its padded sort key and parses it back', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { ...ACTIVE_V1, sk: 'VERSION#00000001', source: 'file.yaml' } });
    await expect(ruleSets.version(1)).resolves.toEqual({
      version: 1,
      text: 'old',
      textHash: 'hash-1',
      publishedAtMs: 1000,
      source: 'file.yaml',
    });
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({
      pk: 'RULESET',
      sk: 'VERSION#00000001',
    });
  });
});
