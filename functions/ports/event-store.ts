import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import type { ReadIndexes } from './read-indexes.ts';
import type { IndexChange } from './trading-index.ts';

/** The response an idempotent request produced, kept so a retry gets it back byte for byte. */
export interface StoredResponse {
  statusCode: number;
  body: string;
}

/** What the store keeps under an idempotency key, written in the same transaction as the events. */
export interface IdempotencyRecord {
  key: string;
  /** sha256 of the canonical command: the same key with another payload is refused. */
  payloadHash: string;
  walletId: string;
  versions: number[];
  eventIds: string[];
  response: StoredResponse;
  recordedAtMs: number;
}

/** How many lanes a wallet's log may have (lane numbers 0 … LANES_MAX − 1). */
export const LANES_MAX = 64;
/**
 * The lanes a writer moves to when a wallet is hot: HOT_LANES_FROM … LANES_MAX − 1. A store may
 * keep each of them apart (the DynamoDB store gives each its own partition key, so one wallet's
 * writes are not capped by one partition). Lanes 1 … HOT_LANES_FROM − 1 hold logs written before.
 */
export const HOT_LANES_FROM = 32;

/** A new event to append; the store gives it its lane, version and hash. */
export type NewEvent = WalletEvent & {
  eventId: string;
  recordedAtMs: number;
  /**
   * W3C trace context of the request that decided the event (ports/tracing.ts). Kept with the
   * event but outside its hash: it says how the event was traced, not what happened.
   */
  traceparent?: string;
  tracestate?: string;
};

/** The head of one lane of a wallet's log: where the next append to that lane goes. */
export interface StreamHead {
  version: number;
  /** Hash of the last event (tamper evidence); the empty string for an empty stream. */
  hash: string;
}

/** One append: events for one lane of one wallet, decided against `expected`. */
export interface AppendRequest {
  walletId: string;
  /** Lane 0 always exists; appending version 1 of another lane opens it (registers it). */
  lane: number;
  /** The head the command was decided against; the append fails if another writer moved it. */
  expected: StreamHead;
  events: NewEvent[];
  idempotency?: {
    key: string;
    payloadHash: string;
    /**
     * What the events remember as their idempotency key when `key` is scoped (app/idempotency.ts):
     * the client's own key, which corrections and the audit trail know. Defaults to `key`.
     */
    reference?: string;
    /** The response to store; it may mention the versions this append will take. */
    response: StoredResponse;
  };
  /** Offer-book and expiry entries to write in the same transaction (see trading-index.ts). */
  index?: readonly IndexChange[];
}

/**
 * Appends to lane 0 of several wallets (a transfer: two) in one transaction, each conditioned on
 * its wallet's lane-0 head, with one idempotency record for the whole: all or nothing.
 */
export interface AppendTogetherRequest {
  appends: { walletId: string; expected: StreamHead; events: NewEvent[] }[];
  idempotency?: AppendRequest['idempotency'];
  index?: readonly IndexChange[];
}

export type AppendTogetherOutcome =
  | { kind: 'appended'; appended: { walletId: string; events: RecordedEvent[]; head: StreamHead }[] }
  | { kind: 'duplicate'; record: IdempotencyRecord }
  | { kind: 'key-reused'; record: IdempotencyRecord };

/**
 * Group commit (app/group-commit.ts): the decided events of several commands on one lane of one
 * wallet, each part with its own idempotency record and index entries, in ONE transaction. The
 * parts take consecutive versions in order; each part's events remember its own key.
 */
export interface AppendGroupRequest {
  walletId: string;
  lane: number;
  expected: StreamHead;
  parts: {
    events: NewEvent[];
    idempotency?: AppendRequest['idempotency'];
    index?: readonly IndexChange[];
  }[];
}

export type AppendGroupOutcome =
  /** Every part written: `parts[i]` are part i's recorded events. */
  | { kind: 'appended'; parts: RecordedEvent[][]; head: StreamHead }
  /**
   * Nothing written: these parts' keys are used already (at least one; maybe not every used key).
   * Their callers are answered from the record; the rest are decided again without them.
   */
  | { kind: 'keys-taken'; taken: { part: number; record: IdempotencyRecord }[] };

/**
 * Group commit of two-wallet commands (app/group-commit-two.ts): lane 0 of several wallets, each
 * conditioned on its head, and several commands' parts, each with its own key, in ONE transaction.
 * Each part's events take the next versions of their wallets, in part order.
 */
export interface AppendTogetherGroupRequest {
  heads: { walletId: string; expected: StreamHead }[];
  parts: {
    events: { walletId: string; events: NewEvent[] }[];
    idempotency?: AppendRequest['idempotency'];
    index?: readonly IndexChange[];
  }[];
}

export type AppendTogetherGroupOutcome =
  /**
   * `parts[i][j]`: part i's recorded events in its j-th wallet (the order of its `events`).
   * `heads`: each written wallet's lane-0 head after the append, so group commit can decide its
   * next batch without reading it (optional: without it, the next batch reads the wallets).
   */
  | { kind: 'appended'; parts: RecordedEvent[][][]; heads?: { walletId: string; head: StreamHead }[] }
  | { kind: 'keys-taken'; taken: { part: number; record: IdempotencyRecord }[] };

/**
 * What one group of a cross-wallet group append (EventStore.appendGroups) came to:
 * - `appended`: written, as AppendGroupOutcome's `appended`;
 * - `failed`: not written, because one of its own items failed: a version taken, a key used, a
 *   transaction conflict on its items (`condition`), or the store could not say which group made
 *   its transaction fail (`unattributed`). The caller appends its parts one by one (which finds a
 *   used key, follows a moved head);
 * - `unknown`: its transaction failed with an error that is not a cancellation (throttling, a
 *   timeout): it may or may not have been written. Only keyed parts may be tried again: the key
 *   says whether they were.
 */
export type AppendGroupsResult =
  | { kind: 'appended'; parts: RecordedEvent[][]; head: StreamHead }
  | {
      kind: 'failed';
      reason: 'condition' | 'unattributed';
      /** Parts whose key was found used (a redelivery, or the id reused), with the record. */
      taken?: { part: number; record: IdempotencyRecord }[];
    }
  | { kind: 'unknown'; error: unknown };

/** What an append did: wrote the events, or found the idempotency key used before. */
export type AppendOutcome =
  | { kind: 'appended'; events: RecordedEvent[]; head: StreamHead }
  /** The key was used before with the same payload: nothing was written; here is the original result. */
  | { kind: 'duplicate'; record: IdempotencyRecord }
  /** The key was used before with another payload: nothing was written. */
  | { kind: 'key-reused'; record: IdempotencyRecord };

/** Another writer appended to the wallet first (or DynamoDB reported a transaction conflict). Retry. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly walletId: string,
    readonly lane: number,
    readonly expectedVersion: number,
    readonly reason: 'version-taken' | 'transaction-conflict',
    /** The event that took `expectedVersion + 1`, when the store could tell: retry after it without a read. */
    readonly taken?: StreamHead & { recordedAtMs: number },
    /**
     * The wallet's registered lanes, when the lost append was opening a lane (its registration
     * answers them before the write): a writer that moves on picks a lane this does not name.
     */
    readonly registered?: readonly number[],
  ) {
    super(`Wallet ${walletId} lane ${lane} moved past version ${expectedVersion} (${reason})`);
  }
}

/** True for a VersionConflictError: the one failure of an append that callers retry. */
export const isVersionConflict = (error: unknown): error is VersionConflictError =>
  error instanceof VersionConflictError;

/**
 * The event store: one append-only log per wallet, made of lanes (see RecordedEvent); each lane an
 * ordered, dense, hash-chained stream. Appends are atomic with their idempotency record; reads are
 * strongly consistent.
 */
export interface EventStore {
  /** The head of one lane (version 0 when it has no events). */
  head(walletId: string, lane: number): Promise<StreamHead>;
  /** The lanes the wallet's log has, ascending; always includes lane 0. */
  lanes(walletId: string): Promise<number[]>;
  /**
   * `head(walletId, 0)` and `lanes(walletId)` together, in one request where the store can (a
   * writer new to a wallet learns where to append: app/placement.ts). Optional: without it the
   * two are asked at once.
   */
  headAndLanes?(walletId: string): Promise<{ head: StreamHead; lanes: number[] }>;
  /**
   * `lanes(walletId)` and lane 0's last `count` events together, in one request where the store
   * can (a read that catches a view or an account up: app/read-events.ts lanesAndLaneZero).
   * `tail`: a run of lane 0's newest events, ascending, ending at its head as the read found it:
   * at most `count` of them (fewer when other items share the request's page), starting at version
   * 1 only when the lane holds no earlier event (`[]` for none); undefined when the store could not
   * tell in that request (the caller reads lane 0). A caller checks that the run reaches back as
   * far as it needs (app/read-events.ts laneZeroFrom). Optional: without it the caller reads the
   * registry and lane 0's head.
   */
  tailAndLanes?(
    walletId: string,
    count: number,
  ): Promise<{ tail: RecordedEvent[] | undefined; lanes: number[] }>;
  /**
   * `lanes` of several wallets, each in the answer, in one read where the store can (the
   * checkpoint sweep's slice of wallets). Optional: without it each wallet's `lanes` is asked.
   */
  lanesOf?(walletIds: readonly string[]): Promise<Map<string, number[]>>;
  /**
   * Appends `events` at `expected.version + 1 …` of the lane, together with the idempotency record,
   * in one transaction. Version 1 of a lane other than 0 registers the lane, in the transaction
   * or just before it (so `lanes` may name a lane with no events yet, or none ever: readers take
   * it as empty). Throws
   * VersionConflictError when the version is taken; never writes half of the events and key.
   */
  append(request: AppendRequest): Promise<AppendOutcome>;
  /**
   * Appends to lane 0 of 2+ distinct wallets atomically (see AppendTogetherRequest). Throws
   * VersionConflictError naming the first wallet whose head moved; writes nothing then. The
   * idempotency record names the first wallet, and every version and event id, in order.
   */
  appendTogether(request: AppendTogetherRequest): Promise<AppendTogetherOutcome>;
  /**
   * Several commands' events on one lane in one transaction (see AppendGroupRequest), at most
   * 100 items in all (events, index items, keys, lane registration). Throws VersionConflictError
   * like `append`; writes nothing then. Optional: without it, commands commit one at a time.
   */
  appendGroup?(request: AppendGroupRequest): Promise<AppendGroupOutcome>;
  /**
   * Cross-wallet group append (app/ingest-batch.ts): one-wallet groups (each as `appendGroup`'s
   * request: its lane, expected head, parts with keys and index items) of distinct wallets, packed
   * in order into as few transactions as fit (at most 100 items each; a group is never split).
   * A cancelled transaction fails only the groups whose own items failed; the others go again
   * in the next transaction. One result per request, in order. Never throws for one group's
   * failure; throws for a request that can never be written (bad lane, one wallet or key twice,
   * a group over 100 items). Optional: without it, ingest appends message by message.
   */
  appendGroups?(requests: readonly AppendGroupRequest[]): Promise<AppendGroupsResult[]>;
  /**
   * The records under several keys (strongly consistent), in one round trip where the store can:
   * a map of the keys that are used. Optional: callers fall back to findIdempotency per key.
   */
  findIdempotencies?(keys: readonly string[]): Promise<Map<string, IdempotencyRecord>>;
  /**
   * Lane 0 of several wallets, several commands' parts, in one transaction (see
   * AppendTogetherGroupRequest). Throws VersionConflictError naming a wallet whose head moved.
   * Optional: without it, two-wallet commands commit one at a time.
   */
  appendTogetherGroup?(request: AppendTogetherGroupRequest): Promise<AppendTogetherGroupOutcome>;
  /**
   * Events of one lane with `fromVersion <= version <= toVersion`, ascending, one page at a time.
   * Every page is complete and in order; the iteration ends at the end of the range.
   */
  read(
    walletId: string,
    lane: number,
    range?: { fromVersion?: number; toVersion?: number },
  ): AsyncGenerator<RecordedEvent[]>;
  /**
   * The events at these exact places (strongly consistent), in no particular order; a place that
   * holds no event is left out. For a projector that knows from its doorbells which events to
   * fold: several wallets' events in one request instead of a `read` per wallet and lane.
   * Optional: callers then `read`.
   */
  readEvents?(refs: readonly EventRef[]): Promise<RecordedEvent[]>;
  /** The record kept under an idempotency key (strongly consistent), or undefined if the key is unused. */
  findIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Checks the wallet's log against its hash chains: in every lane, versions dense from 1, each
   * event's `prevHash` the hash of the one before, and its `hash` recomputed from what is stored.
   * Reports the first broken place of the first broken lane.
   *
   * `from` (lane → a head verified before, e.g. a signed checkpoint) makes the walk incremental:
   * that lane is read only after `version`, its next event chained to `hash`. A lane's head below
   * `version` is reported broken (its tail was removed). `events` counts the events read.
   * `lanes`: the wallet's lanes as the caller has just read them (`lanes()`), walked instead of
   * reading the registry again (or a part of them, walked while the caller reads the rest).
   * An intact walk reports each walked lane's head as it reached it (its last event read), so a
   * caller that signs heads (queries/verify.ts) signs exactly what was walked, and reads no head.
   */
  verify(
    walletId: string,
    from?: ReadonlyMap<number, StreamHead>,
    lanes?: readonly number[],
  ): Promise<ChainWalk>;
  /**
   * One page of the wallets in the store (those with an event in lane 0), for jobs over every
   * wallet: `segment` of `segments` parallel parts, continuing at `cursor` (null to start). Each
   * wallet is in exactly one segment; `nextCursor` is null after the segment's last page.
   */
  walletIds(page: WalletPageRequest): Promise<{ walletIds: string[]; nextCursor: string | null }>;
  /**
   * Every event of the wallet, lane by lane, each lane dense from version 1, when the store can
   * read them all at once (fewer round trips than `lanes` + `read` per lane). Optional: readWallet
   * falls back to lanes + read.
   */
  readWallet?(walletId: string): Promise<RecordedEvent[]>;
  /**
   * `readWallet` and lane 0's head as that read found it (its last event's version and hash;
   * version 0 when lane 0 has none), from the same requests: a lane-0 decision folded from nothing
   * (app/exact-state.ts) reads once, not lane 0's head first and then the log. Optional: callers
   * then read the head, then the log.
   */
  walletAndHead?(walletId: string): Promise<{ events: RecordedEvent[]; head: StreamHead }>;
  /** The award and correction indexes written with the events (read-indexes.ts); optional: listings then read the log. */
  readonly indexes?: ReadIndexes;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
}

/** Which page of the store's wallets `walletIds` answers. */
/** One event's place in the log. */
export interface EventRef {
  walletId: string;
  lane: number;
  version: number;
  /**
   * The stored item as the stream record that named it carried it (a NEW_IMAGE stream), opaque to
   * callers: a store that can check and decode it (readEvents) uses it instead of reading the item.
   */
  image?: unknown;
}

export interface WalletPageRequest {
  segment: number;
  segments: number;
  cursor: string | null;
}

/**
 * The events of the store found by recording time (the re-publish job): a port of its own, not an
 * EventStore method, so only the function that re-publishes carries its adapter.
 */
export interface RecordedEvents {
  /**
   * One page of the events recorded in [`fromMs`, `toMs`) (their `recordedAtMs`), for re-publishing
   * them: `segment` of `segments` parallel parts of a walk over every item of the store (no index
   * orders events by recording time), continuing at `cursor` (null to start). Each event is in
   * exactly one segment; `nextCursor` is null after the segment's last page. The events come
   * decoded as every read decodes them (with the trace context the store keeps with them).
   * `scanned` counts the items the page read, matched or not: what the walk costs.
   */
  recordedBetween(page: RecordedPageRequest): Promise<RecordedPage>;
}

/** Which page of the events recorded in a window `recordedBetween` answers. */
export interface RecordedPageRequest extends WalletPageRequest {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

/** One page of `recordedBetween`: the events, in no particular order. */
export interface RecordedPage {
  events: RecordedEvent[];
  scanned: number;
  nextCursor: string | null;
}

/** What `verify` found: the whole log intact, or the first broken place. */
export type VerifyResult =
  | { ok: true; lanes: number; events: number }
  | { ok: false; lane: number; version: number; reason: string; eventsChecked: number };

/**
 * EventStore.verify's answer: a VerifyResult, and when intact the head each walked lane ended at
 * (version 0 and hash '' for an empty lane).
 */
export type ChainWalk =
  | Extract<VerifyResult, { ok: false }>
  | { ok: true; lanes: number; events: number; heads: ReadonlyMap<number, StreamHead> };
