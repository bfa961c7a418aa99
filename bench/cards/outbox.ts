/**
 * What the outbox published, counted the way it runs: the table's stream (DynamoDB Local's) read
 * from its start, each record's key turned into the stored event it names (the relay's own
 * storedEventKeyFromStreamKeys), and those events published by the relay (publishStoredEvents) to
 * a bus that counts. So `decisionsPublished` is what the stream outbox would hand EventBridge.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { QUIET_LOGGER } from '#adapters/dynamodb/client.ts';
import { storedEventKeyFromStreamKeys } from '#adapters/dynamodb/stream-keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { publishStoredEvents, type StoredEventKey } from '#app/publish-stream.ts';
import type { EventBus, PublishedEvent } from '#ports/event-bus.ts';
import type { EventStore } from '#ports/event-store.ts';

/** Every event item key the table's stream announced, in stream order per shard. */
async function streamKeys(endpoint: string, streamArn: string): Promise<StoredEventKey[]> {
  const streams = new DynamoDBStreamsClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    logger: QUIET_LOGGER,
  });
  const keys: StoredEventKey[] = [];
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of described.StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    // An open shard always hands back a next iterator: stop at the first empty page.
    while (iterator !== undefined) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      for (const record of records) {
        if (record.eventName !== 'INSERT') continue;
        const key = storedEventKeyFromStreamKeys(record.dynamodb?.Keys);
        if (key !== undefined) keys.push(key);
      }
      if (records.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  streams.destroy();
  return keys;
}

export interface Published {
  /** CloudEvent ids of `tally.authorization.decided`, each as often as the bus took it. */
  decisionIds: string[];
  /** Their data, by id: what a consumer read. */
  decisionData: Map<string, string>;
}

export async function publishedDecisions(
  endpoint: string,
  streamArn: string,
  events: EventStore,
): Promise<Published> {
  const taken: PublishedEvent[] = [];
  const bus: EventBus = {
    publish: (batch) => {
      taken.push(...batch);
      return Promise.resolve({ failed: [] });
    },
  };
  const keys = await streamKeys(endpoint, streamArn);
  for (let from = 0; from < keys.length; from += 500) {
    const outcome = await publishStoredEvents(
      { events, bus, source: 'tally/bench' },
      keys.slice(from, from + 500),
    );
    if (outcome.failed.length + outcome.rejected.length > 0)
      throw new Error('bench: the relay failed events');
  }
  const decisions = taken.filter((event) => event.type === 'tally.authorization.decided');
  return {
    decisionIds: decisions.map((event) => event.id),
    decisionData: new Map(decisions.map((event) => [event.id, event.dataJson ?? ''])),
  };
}
