import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { createDocumentClient, tableNameFromEnv } from './client.ts';
import { DynamoEventStore } from './event-store.ts';
import { DynamoReadModelStore } from './read-models.ts';

export interface Stores {
  events: EventStore;
  readModels: ReadModelStore;
}

let fromEnv: Stores | undefined;

/** The stores for this function instance, built on first use from the environment. */
export function storesFromEnv(): Stores {
  if (fromEnv === undefined) {
    const client = createDocumentClient();
    const table = tableNameFromEnv();
    fromEnv = {
      events: new DynamoEventStore(client, table),
      readModels: new DynamoReadModelStore(client, table),
    };
  }
  return fromEnv;
}
