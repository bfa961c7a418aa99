import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PublishOutcome, RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';
import { DynamoRuleSetReader } from './rule-set-reader.ts';
import { RULESET_ACTIVE_SK, ruleSetVersionSk } from './table-layout/keys.ts';
import { toRuleSetItem } from './table-layout/rule-set-item.ts';

/** DynamoDB items stop at 400 KB; a rule set is text, so this leaves room for the attributes. */
export const RULE_SET_TEXT_BYTES_MAX = 300 * 1024;
/**
 * The text and its stored form together stay under this; past it the form is left out (readers
 * then compile the text, lazily loading the YAML parser): a huge rule set still publishes.
 */
const RULE_SET_WITH_FORM_BYTES_MAX = 340 * 1024;

/**
 * Rule sets in the event-store table (items: table-layout/rule-set-item.ts), read (the reader it
 * extends) and published. `pk` is the partition of one family of rule sets: the points rules
 * (RULESET), or the card decision rules (DECISION_RULES_PK), versioned the same way in a partition
 * of their own.
 */
export class DynamoRuleSetStore extends DynamoRuleSetReader implements RuleSetStore {
  async publish(input: Omit<StoredRuleSet, 'version'>): Promise<PublishOutcome> {
    if (Buffer.byteLength(input.text, 'utf8') > RULE_SET_TEXT_BYTES_MAX) {
      throw new Error(`publish: rule set text over ${RULE_SET_TEXT_BYTES_MAX} bytes`);
    }
    const current = await this.active();
    const { form, ...rest } = input;
    const withForm =
      form !== undefined &&
      Buffer.byteLength(input.text, 'utf8') + Buffer.byteLength(form, 'utf8') <= RULE_SET_WITH_FORM_BYTES_MAX;
    if (current?.textHash === input.textHash) {
      if (!withForm || form === current.form) return { kind: 'unchanged', ruleSet: current };
      return { kind: 'unchanged', ruleSet: await this.refreshForm(current, form) };
    }
    const ruleSet: StoredRuleSet = {
      ...rest,
      ...(withForm ? { form } : {}),
      version: (current?.version ?? 0) + 1,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: toRuleSetItem(ruleSet, 'version', this.pk),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: toRuleSetItem(ruleSet, 'active', this.pk),
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

  /**
   * Publishing the active text again stores the form this code derives from it when the stored one
   * differs (written by an older release, or absent): the form is derived from the text, which
   * stays as it was, so this is no new version. Conditioned on the text (and, for ACTIVE, the
   * version): if another publish moved ACTIVE in between, nothing is written.
   */
  private async refreshForm(current: StoredRuleSet, form: string): Promise<StoredRuleSet> {
    const update = (sk: string, condition: string) => ({
      Update: {
        TableName: this.tableName,
        Key: { pk: this.pk, sk },
        UpdateExpression: 'SET form = :form',
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':form': form, ':hash': current.textHash, ':version': current.version },
      },
    });
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            update(ruleSetVersionSk(current.version), 'textHash = :hash AND version = :version'),
            update(RULESET_ACTIVE_SK, 'textHash = :hash AND version = :version'),
          ],
        }),
      );
      return { ...current, form };
    } catch (error) {
      if (error instanceof TransactionCanceledException) return current;
      throw error;
    }
  }
}
