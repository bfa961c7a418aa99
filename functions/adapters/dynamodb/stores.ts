import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventStore } from '#ports/event-store.ts';
import type { JobStore } from '#ports/jobs.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { RuleSetStore } from '#ports/rule-sets.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { DynamoEventStore } from './event-store.ts';
import { DynamoJobStore } from './jobs.ts';
import { DynamoReadModelStore } from './read-models.ts';
import { DynamoRuleSetStore } from './rule-sets.ts';
import { DynamoSnapshotStore } from './snapshots.ts';

export interface Stores {
  events: EventStore;
  readModels: ReadModelStore;
  ruleSets: RuleSetStore;
  snapshots: SnapshotStore;
  jobs: JobStore;
}

/** Every store on one document client and one table (the single-table design). */
export function createStores(client: DynamoDBDocumentClient, table: string): Stores {
  return {
    events: new DynamoEventStore(client, table),
    readModels: new DynamoReadModelStore(client, table),
    ruleSets: new DynamoRuleSetStore(client, table),
    snapshots: new DynamoSnapshotStore(client, table),
    jobs: new DynamoJobStore(client, table),
  };
}
