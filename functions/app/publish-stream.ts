import type { EventBus, PublishFailure } from '#ports/event-bus.ts';
import type { EventStore } from '#ports/event-store.ts';
import { type PublishableEvent, type PublishOptions, toCloudEvent } from './publish.ts';
import { readAll } from './read-events.ts';

/**
 * The outbox relay: the table's stream says which event items were written; this reads them from
 * the store and publishes their CloudEvents. Nothing on the request path writes twice, and an
 * event that was stored is published as long as its stream record is retried.
 */

/** Where a stored event is: the key of its item, as a stream record names it. */
export interface StoredEventKey {
  walletId: string;
  lane: number;
  version: number;
  /** The item as the stream record carried it (NEW_IMAGE): readEvents decodes it instead of reading. */
  image?: unknown;
}

export interface PublishStoredOutcome {
  /** Keys whose events were not taken by the bus (or not read): retry them (partial batch response). */
  failed: StoredEventKey[];
  /**
   * Keys whose events no retry can publish (e.g. too large for the bus): report them (log, metric,
   * alarm) and let the stream move on, rather than block every later event behind them.
   */
  rejected: Array<StoredEventKey & { failure: PublishFailure }>;
  /** How many CloudEvents the bus took. */
  published: number;
}

/** Lanes at most this many versions apart are read with one ranged read; others one by one. */
const RANGE_GAP_MAX = 100;

const laneOf = (key: StoredEventKey): string => `${key.walletId}\u0000${key.lane}`;
const keyText = (key: StoredEventKey): string => `${laneOf(key)}\u0000${key.version}`;

/**
 * Publishes the events at `keys` (duplicates allowed: a key is published once per call). A key
 * whose event cannot be read, or whose event the bus did not take, is returned as failed; a key
 * whose event type is not published succeeds without publishing.
 */
export async function publishStoredEvents(
  deps: { events: EventStore; bus: EventBus } & PublishOptions,
  keys: readonly StoredEventKey[],
): Promise<PublishStoredOutcome> {
  const unique = new Map<string, StoredEventKey>();
  for (const key of keys) unique.set(keyText(key), key);
  const byLane = new Map<string, StoredEventKey[]>();
  for (const key of unique.values()) byLane.set(laneOf(key), [...(byLane.get(laneOf(key)) ?? []), key]);

  const failed: StoredEventKey[] = [];
  const found = new Map<string, PublishableEvent>();
  await Promise.all(
    // One read by key for the whole batch where the store has it (a BatchGetItem for up to 100
    // records, where ranged reads cost a Query per lane of every wallet in the batch).
    (deps.events.readEvents === undefined ? [...byLane.values()] : [[...unique.values()]]).map(
      async (laneKeys) => {
        try {
          const read = deps.events.readEvents?.(laneKeys) ?? readLaneKeys(deps.events, laneKeys);
          for (const event of await read) {
            found.set(keyText(event), event);
          }
        } catch {
          // The store did not answer for these keys: they are retried, other lanes go on.
          failed.push(...laneKeys);
        }
      },
    ),
  );

  const read: PublishableEvent[] = [];
  for (const key of unique.values()) {
    if (failed.includes(key)) continue;
    const event = found.get(keyText(key));
    // A stream record names an item the strongly consistent read does not see: try again later.
    if (event === undefined) failed.push(key);
    else read.push(event);
  }
  const outcome = await publishReadEvents(deps, read);
  return { ...outcome, failed: [...failed, ...outcome.failed] };
}

/**
 * Publishes events already read from the store: the relay's CloudEvent mapping, one bus call, and
 * its failures sorted into retryable (`failed`) and never publishable (`rejected`), by event key.
 * The relay calls it with the events its stream records name; the re-publish job
 * (app/republish.ts) with those its walk over the store found.
 */
export async function publishReadEvents(
  deps: { bus: EventBus } & PublishOptions,
  events: readonly PublishableEvent[],
): Promise<PublishStoredOutcome> {
  // In log order per wallet lane, so a bus that keeps order (Kafka, by subject) sees it.
  const ordered = [...events].sort((a, b) =>
    laneOf(a) < laneOf(b) ? -1 : laneOf(a) > laneOf(b) ? 1 : a.version - b.version,
  );
  const failed: StoredEventKey[] = [];
  const keysById = new Map<string, StoredEventKey[]>();
  const cloudEvents = [];
  for (const event of ordered) {
    const key = { walletId: event.walletId, lane: event.lane, version: event.version };
    const cloudEvent = toCloudEvent(event, deps);
    if (cloudEvent === undefined) continue;
    const sameId = keysById.get(cloudEvent.id);
    if (sameId === undefined) {
      keysById.set(cloudEvent.id, [key]);
      cloudEvents.push(cloudEvent);
    } else {
      sameId.push(key);
    }
  }
  if (cloudEvents.length === 0) return { failed, rejected: [], published: 0 };

  const outcome = await deps.bus.publish(cloudEvents);
  const rejected: PublishStoredOutcome['rejected'] = [];
  const failedIds = new Set<string>();
  for (const failure of outcome.failed) {
    failedIds.add(failure.id);
    for (const key of keysById.get(failure.id) ?? []) {
      if (failure.retryable) failed.push(key);
      else rejected.push({ ...key, failure });
    }
  }
  return { failed, rejected, published: cloudEvents.filter((event) => !failedIds.has(event.id)).length };
}

/** The events of one lane at the given versions: ranged reads over runs of close versions. */
async function readLaneKeys(store: EventStore, keys: readonly StoredEventKey[]): Promise<PublishableEvent[]> {
  const first = keys[0];
  if (first === undefined) return [];
  const versions = keys.map((key) => key.version).sort((a, b) => a - b);
  const wanted = new Set(versions);
  const runs: Array<{ fromVersion: number; toVersion: number }> = [];
  for (const version of versions) {
    const last = runs.at(-1);
    if (last !== undefined && version - last.toVersion <= RANGE_GAP_MAX) last.toVersion = version;
    else runs.push({ fromVersion: version, toVersion: version });
  }
  const events: PublishableEvent[] = [];
  for (const run of runs) {
    for (const event of await readAll(store, first.walletId, first.lane, run)) {
      if (wanted.has(event.version)) events.push(event);
    }
  }
  return events;
}

/** What a stream-triggered Lambda answers: the records to retry (Lambda's partial batch response). */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * The stream-batch core, independent of how records are parsed: `records` pairs each record's
 * identifier (its sequence number) with the key of the item it announces, or undefined for a
 * record that is not an event item (those succeed untouched). Records whose keys failed are
 * returned for retry; Lambda then retries from the earliest of them.
 */
export async function publishStreamBatch(
  deps: { events: EventStore; bus: EventBus } & PublishOptions,
  records: ReadonlyArray<{ itemIdentifier: string; key: StoredEventKey | undefined }>,
): Promise<PublishStoredOutcome & BatchResponse> {
  const keys = records.flatMap((record) => (record.key === undefined ? [] : [record.key]));
  const outcome = await publishStoredEvents(deps, keys);
  const failedKeys = new Set(outcome.failed.map(keyText));
  const batchItemFailures = records
    .filter((record) => record.key !== undefined && failedKeys.has(keyText(record.key)))
    .map((record) => ({ itemIdentifier: record.itemIdentifier }));
  return { ...outcome, batchItemFailures };
}
