import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoRuleSetStore } from '#adapters/dynamodb/rule-sets.ts';
import { DECISION_RULES_PK } from '#adapters/dynamodb/table-layout/keys.ts';
import { DECISION_RULES_PARTITION, MONEY_FUNCTIONS } from '../../lib/wiring-money.ts';

/**
 * The stack holds the decision-rules function to DECISION_RULES_PARTITION (IAM LeadingKeys); this
 * checks that every key the decision rules' store reads or writes is in it, and in no other
 * family's partition (the points rules' RULESET).
 */
describe('the decision-rules function’s partition', () => {
  it('holds every key the decision rules’ store touches', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
    const mock = mockClient(client);
    mock.onAnyCommand().resolves({});
    const store = new DynamoRuleSetStore(client, 'tally', DECISION_RULES_PK);

    await store.active();
    await store.version(3);
    await store.versions(1, 10);
    await store.publish({ text: 'r: amount_minor > 1', textHash: 'h', publishedAtMs: 0, source: 'test' });

    const keys = mock.calls().flatMap((call) => {
      const input = call.args[0].input as {
        Key?: { pk: string };
        ExpressionAttributeValues?: { ':pk'?: string };
        TransactItems?: { Put?: { Item: { pk: string } } }[];
      };
      return [
        ...(input.Key === undefined ? [] : [input.Key.pk]),
        ...(input.ExpressionAttributeValues?.[':pk'] === undefined
          ? []
          : [input.ExpressionAttributeValues[':pk']]),
        ...(input.TransactItems ?? []).map((item) => item.Put?.Item.pk),
      ];
    });
    expect(keys.length).toBeGreaterThanOrEqual(5);
    expect(new Set(keys)).toEqual(new Set([DECISION_RULES_PARTITION]));
    const spec = MONEY_FUNCTIONS.find((fn) => fn.name === 'decision-rules');
    expect(spec?.tablePartitions).toEqual([DECISION_RULES_PARTITION]);
  });
});
