import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RuleSetReader, StoredRuleSet } from '#ports/rule-sets.ts';
import { RULESET_ACTIVE_SK, RULESET_PK, ruleSetVersionSk } from './table-layout/keys.ts';
import { fromRuleSetItem } from './table-layout/rule-set-item.ts';

/**
 * The rule sets of the event-store table, read (items: table-layout/rule-set-item.ts). `pk` is
 * the partition of one family of rule sets: the points rules (RULESET), or the card decision rules
 * (DECISION_RULES_PK). Apart from the publisher (rule-sets.ts, which extends it): the functions
 * that read rule sets (ingest, the thresholds of the views, corrections, jobs, card decisions)
 * bundle no publish.
 */
export class DynamoRuleSetReader implements RuleSetReader {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
    protected readonly pk: string = RULESET_PK,
  ) {}

  async active(): Promise<StoredRuleSet | undefined> {
    return this.get(RULESET_ACTIVE_SK);
  }

  async version(version: number): Promise<StoredRuleSet | undefined> {
    return this.get(ruleSetVersionSk(version));
  }

  async versions(fromVersion: number, limit: number): Promise<StoredRuleSet[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // Version sort keys are zero-padded, so their order is the versions' order; ACTIVE sorts first.
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': this.pk,
          ':from': ruleSetVersionSk(Math.max(1, fromVersion)),
          ':to': 'VERSION#~',
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map(fromRuleSetItem);
  }

  protected async get(sk: string): Promise<StoredRuleSet | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: this.pk, sk }, ConsistentRead: true }),
    );
    return result.Item === undefined ? undefined : fromRuleSetItem(result.Item);
  }
}
