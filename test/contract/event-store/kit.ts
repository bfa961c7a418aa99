import { randomUUID } from 'node:crypto';
import { readAll } from '#app/read-events.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { AppendRequest, EventStore, NewEvent, StoredResponse, StreamHead } from '#ports/event-store.ts';

/** What one implementation of the EventStore port hands the contract suite. */
export interface EventStoreContractOptions {
  /** A store to run one test against (a fresh one, or a shared one: every test uses wallets and keys of its own). */
  store: () => EventStore | Promise<EventStore>;
  /** How many events the store reads per page, so the paging tests span several pages. */
  pageSize: number;
}

/** As many events as one append may carry (DynamoDB's 100 items less the key and the lane registration). */
export const EVENTS_PER_APPEND_MAX = 98;
export const EMPTY: StreamHead = { version: 0, hash: '' };
export const RESPONSE: StoredResponse = { statusCode: 201, body: '{"version":1,"note":"original"}' };

/** A RecordedEvent as the port defines it: a store may hand back storage fields too (DynamoDB's hashes). */
export function plain(event: RecordedEvent & { hash?: string; prevHash?: string }): RecordedEvent {
  const { hash: _hash, prevHash: _prevHash, ...recorded } = event;
  return recorded;
}

export const versionsOf = (events: readonly RecordedEvent[]) => events.map((event) => event.version);

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (error: unknown) => error,
  );
}

/** The helpers every part of the suite shares: unique names, events, appends that must succeed. */
export function contractKit(options: EventStoreContractOptions) {
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  const unique = (what: string): string => `${what}-${run}-${++counter}`;
  const event = (amountMinor: bigint, eventId = unique('e'), atMs = 1_700_000_000_000): NewEvent => ({
    type: 'Deposited',
    data: { amountMinor, occurredAtMs: atMs },
    eventId,
    recordedAtMs: atMs + 7,
  });
  const appended = async (store: EventStore, request: AppendRequest) => {
    const outcome = await store.append(request);
    if (outcome.kind !== 'appended') throw new Error(`expected appended, got ${outcome.kind}`);
    return outcome;
  };
  /**
   * Everything a reader can see of a wallet's log: its lanes, each lane's head and events. A lane
   * registered with no event in it is left out: an append that opens a lane may register it before
   * it writes (DynamoDB's registerFirst), so a refused one can leave it registered and empty, with
   * no event written.
   */
  const snapshot = async (store: EventStore, walletId: string) => {
    const perLane = (
      await Promise.all(
        (
          await store.lanes(walletId)
        ).map(async (lane) => ({
          lane,
          head: await store.head(walletId, lane),
          events: (await readAll(store, walletId, lane)).map(plain),
        })),
      )
    ).filter(({ lane, events }) => lane === 0 || events.length > 0);
    return { lanes: perLane.map(({ lane }) => lane), perLane };
  };
  return { options, unique, event, appended, snapshot };
}

export type ContractKit = ReturnType<typeof contractKit>;
