/** A published rule set: the text operators wrote, versioned. Versions start at 1 and never change. */
export interface StoredRuleSet {
  version: number;
  text: string;
  /** sha256 of the text, verbatim. */
  textHash: string;
  publishedAtMs: number;
  /** Where it came from (a file name), for listings. */
  source?: string;
  /**
   * Who published it: the token's `sub` (or `client_id`), "iam:<caller>" for a signed AWS call,
   * "local" for the local runtime without auth. Versions stored before this was kept have none.
   */
  publishedBy?: string;
  /**
   * The text's rules as read (JSON, rules/stored-form.ts), stored at publish so readers compile
   * without a YAML parser. Absent on versions published before it was kept (their text is compiled).
   */
  form?: string;
}

/** What `publish` did. */
export type PublishOutcome =
  | { kind: 'published'; ruleSet: StoredRuleSet }
  /**
   * The text is the active one already: no version was written. Only the stored form may have
   * been refreshed, when the one stored differs from the one this publish derives (rule-sets.ts).
   */
  | { kind: 'unchanged'; ruleSet: StoredRuleSet }
  /** Another publish won the race for the next version: nothing was written. Retry. */
  | { kind: 'conflict' };

/**
 * The published rule sets, read: what the rules engine, the thresholds and the card decisions
 * need (they never publish).
 */
export interface RuleSetReader {
  /** The rule set in force, or undefined before the first publish. */
  active(): Promise<StoredRuleSet | undefined>;
  /** One published version, or undefined if there is no such version. */
  version(version: number): Promise<StoredRuleSet | undefined>;
  /** Up to `limit` published versions from `fromVersion` on, oldest first. */
  versions(fromVersion: number, limit: number): Promise<StoredRuleSet[]>;
}

/** Where rule sets live: the active one and every earlier version, never deleted. */
export interface RuleSetStore extends RuleSetReader {
  /**
   * Makes `text` the active rule set as version `active + 1`, writing the version item and the
   * ACTIVE pointer in one transaction.
   */
  publish(input: Omit<StoredRuleSet, 'version'>): Promise<PublishOutcome>;
}
