/**
 * The one table's shape and its reserved partitions, apart from the wiring of functions
 * (lib/wiring.ts, which re-exports them): the stack's table construct and the local table read the
 * same definition.
 */

/**
 * The event-store table: the one key shape both the stack and the local runtime create. The stream
 * carries each written item's new image: an event item is written once and never changed, so the
 * image of its INSERT is the committed event, and the projector and the outbox relay fold and
 * publish from it instead of reading it back (one round trip less per stream batch). The store is
 * still the truth: a gap, a duplicate or a record without a usable image reads the store.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  streamViewType: 'NEW_IMAGE',
  /**
   * DynamoDB's TTL attribute (epoch seconds). Only job items carry it: events, idempotency
   * records, views and rule sets never expire.
   */
  timeToLiveAttribute: 'expiresAt',
} as const;

/**
 * The partition key of rule-set items (the active rule set and every published version). The rules
 * function may touch no other partition: the stack grants it this one only (`dynamodb:LeadingKeys`).
 * Must equal the partition the DynamoDB rule-set store writes (functions/adapters/dynamodb/rule-sets.ts).
 */
export const RULE_SET_PARTITION = 'RULESET';
