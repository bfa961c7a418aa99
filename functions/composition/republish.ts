/**
 * The re-publish job's page work (app/republish.ts) as run-jobs runs it: loaded with the first
 * re-publish page (composition/jobs.ts imports this module with `import()`), so replay and
 * backtest pages load neither the EventBridge client nor the relay's code. The bus and source are
 * the outbox relay's (publisherFromEnv, the same environment the stack gives publish-events).
 */
import { DynamoRecordedEvents } from '#adapters/dynamodb/recorded-events.ts';
import { publisherFromEnv } from '#adapters/eventbridge/publisher-from-env.ts';
import { republishPage } from '#app/republish.ts';
import type { EventBus } from '#ports/event-bus.ts';
import type { WalletPageRequest } from '#ports/event-store.ts';
import type { RepublishJobParams } from '#ports/jobs.ts';
import { perTable } from './adapters.ts';

/** Where re-published events go: the relay's publisher, or (local runtime) the local bus. */
export type Publisher = () => { bus: EventBus; source: string };

/** The table's events found by recording time (a Scan: adapters/dynamodb/recorded-events.ts). */
const recordedEventsFromEnv = perTable((client, tableName) => new DynamoRecordedEvents(client, tableName));

export function republishWork(publisher: Publisher = publisherFromEnv) {
  return (params: RepublishJobParams, page: WalletPageRequest) =>
    republishPage({ events: recordedEventsFromEnv(), ...publisher() }, params, page);
}
