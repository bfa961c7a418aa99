import { RULE_SET_TEXT_BYTES_MAX } from '#adapters/dynamodb/rule-sets.ts';
import type { PublishOutcome, RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';

/**
 * An in-memory RuleSetStore with the semantics of the DynamoDB adapter:
 * - versions start at 1 and are dense; every version is kept, the highest is the active one;
 * - publishing the active text (same `textHash`) writes nothing and answers `unchanged`;
 * - a publish reads the active version, then writes conditioned on it, with a turn of the event
 *   loop in between: of concurrent publishes based on the same version, one wins and the others
 *   answer `conflict`, as the adapter's transaction does;
 * - `conflictsToInject` makes the next publishes lose that race (nothing written), for the retry paths;
 * - texts over RULE_SET_TEXT_BYTES_MAX are refused with a throw, as the adapter refuses them.
 * Everything handed out is a copy, so callers cannot edit the store.
 */
export class InMemoryRuleSetStore implements RuleSetStore {
  private readonly stored: StoredRuleSet[] = [];
  /** How many of the next publishes (of a text that is not the active one) answer `conflict`. */
  conflictsToInject = 0;
  /** Every publish asked for, in order, whatever its outcome. */
  readonly publishCalls: Omit<StoredRuleSet, 'version'>[] = [];
  /** How many times `active()` was read. */
  activeReads = 0;

  async active(): Promise<StoredRuleSet | undefined> {
    this.activeReads++;
    return copy(this.stored.at(-1));
  }

  async version(version: number): Promise<StoredRuleSet | undefined> {
    return copy(this.stored.find((ruleSet) => ruleSet.version === version));
  }

  async versions(fromVersion: number, limit: number): Promise<StoredRuleSet[]> {
    return this.stored
      .filter((ruleSet) => ruleSet.version >= fromVersion)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  /** Test access: stores a version as an item written before `publishedBy` was kept would read. */
  seedLegacy(ruleSet: StoredRuleSet): void {
    this.stored.push({ ...ruleSet });
  }

  async publish(input: Omit<StoredRuleSet, 'version'>): Promise<PublishOutcome> {
    this.publishCalls.push({ ...input });
    if (Buffer.byteLength(input.text, 'utf8') > RULE_SET_TEXT_BYTES_MAX) {
      throw new Error(`publish: rule set text over ${RULE_SET_TEXT_BYTES_MAX} bytes`);
    }
    const current = this.stored.at(-1);
    if (current?.textHash === input.textHash) {
      // As the adapter: the text again refreshes a stored form that differs (no new version).
      if (input.form !== undefined && input.form !== current.form) current.form = input.form;
      return { kind: 'unchanged', ruleSet: { ...current } };
    }
    const basedOn = current?.version ?? 0;
    // The adapter's read and its conditional write are two round trips: let others run between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.conflictsToInject > 0) {
      this.conflictsToInject--;
      return { kind: 'conflict' };
    }
    if ((this.stored.at(-1)?.version ?? 0) !== basedOn) return { kind: 'conflict' };
    const ruleSet: StoredRuleSet = { ...input, version: basedOn + 1 };
    this.stored.push(ruleSet);
    return { kind: 'published', ruleSet: { ...ruleSet } };
  }

  /** Test access: every version, oldest first. */
  all(): StoredRuleSet[] {
    return this.stored.map((ruleSet) => ({ ...ruleSet }));
  }
}

const copy = (ruleSet: StoredRuleSet | undefined): StoredRuleSet | undefined =>
  ruleSet === undefined ? undefined : { ...ruleSet };
