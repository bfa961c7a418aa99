import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoRuleSetStore } from '#adapters/dynamodb/rule-sets.ts';
import { RULE_SET_PARTITION } from '../../lib/wiring.ts';

/**
 * The stack holds the rules function to RULE_SET_PARTITION (IAM dynamodb:LeadingKeys). This checks
 * the other side: every key the rule-set store reads or writes is in that partition, so the grant
 * is enough and a change of the store's layout fails here, not with AccessDenied in AWS.
 */
describe('the rules function’s partition', () => {
  it('holds every key the rule-set store touches', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
    const mock = mockClient(client);
    mock.onAnyCommand().resolves({});
    const store = new DynamoRuleSetStore(client, 'tally');

    await store.active();
    await store.version(3);
    await store.publish({ text: 'rule r { }', textHash: 'h', publishedAtMs: 0, source: 'test' });

    const keys = mock.calls().flatMap((call) => {
      const input = call.args[0].input as {
        Key?: { pk: string };
        TransactItems?: { Put?: { Item: { pk: string } } }[];
      };
      return [
        ...(input.Key === undefined ? [] : [input.Key.pk]),
        ...(input.TransactItems ?? []).map((item) => item.Put?.Item.pk),
      ];
    });
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(new Set(keys)).toEqual(new Set([RULE_SET_PARTITION]));
  });
});
