import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore, StreamHead } from '#ports/event-store.ts';

/** Reads the whole range of one lane into memory; for bounded ranges only. */
export async function readAll(
  store: EventStore,
  walletId: string,
  lane: number,
  range?: { fromVersion?: number; toVersion?: number },
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const page of store.read(walletId, lane, range)) events.push(...page);
  return events;
}

/** Every event of the wallet, lane by lane: the store's own whole-log read when it has one. */
export async function readWallet(store: EventStore, walletId: string): Promise<RecordedEvent[]> {
  if (store.readWallet !== undefined) return store.readWallet(walletId);
  const events: RecordedEvent[] = [];
  for (const lane of await store.lanes(walletId)) events.push(...(await readAll(store, walletId, lane)));
  return events;
}

/**
 * How many of lane 0's newest events a read asks for with the lane registry (lanesAndLaneZero): a
 * view or an account at most this many events behind in lane 0 is caught up without a second
 * wait. Two, not more: a deployed projector keeps views within about 100 ms of the log, so a read
 * seldom finds its view more than an event or two behind, and the read pays for every item of the
 * page whether it needs it or not. Two events and the registry stay within the 4 KB that one read
 * unit of a consistent Query buys for events up to about 1.5 KB each (a fact's data can reach
 * 64 KiB: then it costs what those events weigh); the registry's GetItem and the head's Query it
 * replaces cost 2 units at least. The review of stop 21 measured 8 events at 1, 3, 5 and 11 units
 * for deposits and for facts of 600 B, 1.5 KB and 4 KB.
 */
export const LANE_ZERO_TAIL = 2;

/**
 * The wallet's lanes, with what a read that catches up knows of lane 0 from the same wait: its
 * newest events (`tail`: ascending, ending at its head as the read found it, the whole lane when it
 * is short) where the store reads them with the registry in one request (tailAndLanes); else,
 * with `withHead`, lane 0's head, read at the same time as the registry.
 */
export async function lanesAndLaneZero(
  store: EventStore,
  walletId: string,
  options: { withHead?: boolean } = {},
): Promise<{ lanes: number[]; tail?: readonly RecordedEvent[]; head?: StreamHead }> {
  if (store.tailAndLanes !== undefined) {
    const { tail, lanes } = await store.tailAndLanes(walletId, LANE_ZERO_TAIL);
    return tail === undefined ? { lanes } : { lanes, tail };
  }
  if (options.withHead !== true) return { lanes: await store.lanes(walletId) };
  const [lanes, head] = await Promise.all([store.lanes(walletId), store.head(walletId, 0)]);
  return { lanes, head };
}

/**
 * Lane 0's events from `fromVersion` on as far as `read` (lanesAndLaneZero) tells them: the tail's,
 * when it reaches back to `fromVersion` (none when the head is below it: nothing new); none when
 * only the head was read and it is below `fromVersion`; undefined when the lane must be read.
 */
export function laneZeroFrom(
  read: { tail?: readonly RecordedEvent[]; head?: StreamHead },
  fromVersion: number,
): RecordedEvent[] | undefined {
  if (read.tail !== undefined) return knownRun(read.tail, fromVersion);
  return read.head !== undefined && read.head.version < fromVersion ? [] : undefined;
}

/**
 * The known events from `fromVersion` on, ascending, when they are dense from it (none at all is
 * dense too: nothing known is new); undefined when a version is missing in between (or the events
 * were not all found), so the caller reads the lane instead.
 */
export function knownRun(
  events: readonly RecordedEvent[] | undefined,
  fromVersion: number,
): RecordedEvent[] | undefined {
  if (events === undefined) return undefined;
  const run = events.filter((event) => event.version >= fromVersion).sort((a, b) => a.version - b.version);
  return run.every((event, index) => event.version === fromVersion + index) ? run : undefined;
}
