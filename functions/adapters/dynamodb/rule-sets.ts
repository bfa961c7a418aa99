import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PublishOutcome, RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';
import { numberAttr } from './table-layout.ts';

/**
 * | item                | pk      | sk                          |
 * |---------------------|---------|-----------------------------|
 * | active rule set     | RULESET | ACTIVE (a copy, with version) |
 * | every version       | RULESET | VERSION#<8 digits>          |
 */
const RULESET_PK = 'RULESET';
const ACTIVE_SK = 'ACTIVE';
const versionSk = (version: number): string => `VERSION#${String(version).padStart(8, '0')}`;

/** DynamoDB items stop at 400 KB; a rule set is text, so this leaves room for the attributes. */
export const RULE_SET_TEXT_BYTES_MAX = 300 * 1024;

const ruleSetItem = z.object({
  version: numberAttr,
  text: z.string(),
  textHash: z.string(),
  publishedAtMs: numberAttr,
  source: z.string().optional(),
});

function fromItem(item: unknown): StoredRuleSet {
  const parsed = ruleSetItem.parse(item);
  return {
    version: parsed.version,
    text: parsed.text,
    textHash: parsed.textHash,
    publishedAtMs: parsed.publishedAtMs,
    ...(parsed.source === undefined ? {} : { source: parsed.source }),
  };
}

export class DynamoRuleSetStore implements RuleSetStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async active(): Promise<StoredRuleSet | undefined> {
    return this.get(ACTIVE_SK);
  }

  async version(version: number): Promise<StoredRuleSet | undefined> {
    return this.get(versionSk(version));
  }

  async publish(input: Omit<StoredRuleSet, 'version'>): Promise<PublishOutcome> {
    if (Buffer.byteLength(input.text, 'utf8') > RULE_SET_TEXT_BYTES_MAX) {
      throw new Error(`publish: rule set text over ${RULE_SET_TEXT_BYTES_MAX} bytes`);
    }
    const current = await this.active();
    if (current?.textHash === input.textHash) return { kind: 'unchanged', ruleSet: current };
    const ruleSet: StoredRuleSet = { ...input, version: (current?.version ?? 0) + 1 };
    const attributes = { kind: 'ruleset', ...ruleSet };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: RULESET_PK, sk: versionSk(ruleSet.version), ...attributes },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: RULESET_PK, sk: ACTIVE_SK, ...attributes },
                // The pointer only moves from the version this publish was based on.
                ConditionExpression: current ? 'version = :previous' : 'attribute_not_exists(pk)',
                ...(current ? { ExpressionAttributeValues: { ':previous': current.version } } : {}),
              },
            },
          ],
        }),
      );
      return { kind: 'published', ruleSet };
    } catch (error) {
      if (error instanceof TransactionCanceledException) return { kind: 'conflict' };
      throw error;
    }
  }

  private async get(sk: string): Promise<StoredRuleSet | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: RULESET_PK, sk }, ConsistentRead: true }),
    );
    return result.Item === undefined ? undefined : fromItem(result.Item);
  }
}
