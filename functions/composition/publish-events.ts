import { storedEventKeyFromStreamKeys } from '#adapters/dynamodb/stream-keys.ts';
import { publisherFromEnv } from '#adapters/eventbridge/publisher-from-env.ts';
import { eventStoreFromEnv, STREAM_READS } from './adapters.ts';

/** What the publish-events function runs with: the event store, the bus(es) and the stream key layout. */
export function publishEventsDepsFromEnv() {
  return {
    events: eventStoreFromEnv(STREAM_READS),
    ...publisherFromEnv(),
    keyOf: storedEventKeyFromStreamKeys,
  };
}
