import { decide, initialWalletState, type RecordedEvent, type WalletEvent } from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import { type EventStore, isVersionConflict, LANES_MAX, type StoredResponse } from '#ports/event-store.ts';
import { HeadCache, type LaneHead } from './head-cache.ts';

export interface RetryPolicy {
  attemptsMax: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): jitter and lane choice. */
  random: () => number;
}

/**
 * Bounded: at most 30 attempts and 20 ms of jittered pause per lane move. 16 writers on one wallet
 * need a handful at most, but random lane choices can collide several times in a row (a 12-attempt
 * bound failed 1 deposit in ~3,000 in bench/); 30 makes that vanishingly rare.
 */
export const defaultRetryPolicy: RetryPolicy = {
  attemptsMax: 30,
  backoffBaseMs: 1,
  backoffCapMs: 20,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface DepositDeps {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  retry?: RetryPolicy;
  /** Defaults to this instance's cache; tests and benchmarks pass their own. */
  heads?: HeadCache;
}

export interface DepositInput {
  walletId: string;
  amountMinor: bigint;
  /** From the Idempotency-Key header; absent means every request is a new deposit. */
  idempotency?: { key: string; payloadHash: string };
  /** Builds the response to return and to store with the idempotency record. */
  respond: (events: RecordedEvent[]) => StoredResponse;
}

/** Anything whose events commute with a wallet's other events (deposits, facts and their points). */
export interface CommutingCommandInput {
  walletId: string;
  /** Decides the events; called once per attempt with the time the command started. */
  decide: (occurredAtMs: number) => WalletEvent[];
  idempotency?: { key: string; payloadHash: string };
  respond: (events: RecordedEvent[]) => StoredResponse;
}

export type DepositResult =
  | { kind: 'recorded'; response: StoredResponse; events: RecordedEvent[]; conflicts: number }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'key-reused' }
  /** Retries ran out while other writers kept winning (with a key: likely its own twin in flight). */
  | { kind: 'contended'; conflicts: number };

/**
 * A winner recorded this long before our deposit started was not racing us: our cached head was
 * stale. Concurrent writers start within a request's latency of each other.
 */
const STALE_HEAD_MARGIN_MS = 1_000;

/** Heads seen by this function instance; shared by every invocation a warm container serves. */
const instanceHeads = new HeadCache();

/**
 * Records a deposit: append at the next version of a lane, with the idempotency record in the same
 * transaction; retry on version conflicts only, a bounded number of times.
 *
 * Where: the lane and head this instance last used for the wallet (no read), else lane 0's head.
 * A lost race returns the winner's event. If it was written well before this deposit started, the head
 * was only stale: re-read it. Otherwise the first retry goes straight after the winner in the same
 * lane, and a second loss in a row means the lane is hot: the deposit moves to a random other lane
 * (deposits commute, so any lane will do) after a short jittered pause. Writers that keep meeting
 * spread over lanes and stop contending, instead of queueing on one version.
 */
export function recordDeposit(deps: DepositDeps, input: DepositInput): Promise<DepositResult> {
  return recordCommuting(deps, {
    walletId: input.walletId,
    decide: (occurredAtMs) =>
      decide(
        { type: 'Deposit', walletId: input.walletId, amountMinor: input.amountMinor, occurredAtMs },
        initialWalletState(),
      ),
    ...(input.idempotency ? { idempotency: input.idempotency } : {}),
    respond: input.respond,
  });
}

/** The append loop of `recordDeposit`, for any command whose events commute (see lanes). */
export async function recordCommuting(
  deps: DepositDeps,
  input: CommutingCommandInput,
): Promise<DepositResult> {
  const retry = deps.retry ?? defaultRetryPolicy;
  const heads = deps.heads ?? instanceHeads;
  const occurredAtMs = deps.clock.nowMs();
  const eventId = deps.ids.newId();
  let at: LaneHead = heads.get(input.walletId) ?? { lane: 0, head: await deps.store.head(input.walletId, 0) };
  let conflicts = 0;
  let lostInARow = 0;
  for (let attempt = 0; attempt < retry.attemptsMax; attempt++) {
    // These events need no state to be decided; debits will decide against lane 0's state.
    const events = input.decide(occurredAtMs).map((event, index) => ({
      ...event,
      eventId: index === 0 ? eventId : `${eventId}-${index}`,
      recordedAtMs: occurredAtMs,
    }));
    const lane = at.lane;
    const preview: RecordedEvent[] = events.map((event, index) => ({
      ...event,
      walletId: input.walletId,
      lane,
      version: at.head.version + 1 + index,
      ...(input.idempotency ? { idempotencyKey: input.idempotency.key } : {}),
    }));
    const response = input.respond(preview);
    try {
      const outcome = await deps.store.append({
        walletId: input.walletId,
        lane,
        expected: at.head,
        events,
        ...(input.idempotency ? { idempotency: { ...input.idempotency, response } } : {}),
      });
      switch (outcome.kind) {
        case 'appended':
          heads.remember(input.walletId, { lane, head: outcome.head });
          return { kind: 'recorded', response, events: outcome.events, conflicts };
        case 'duplicate':
          return { kind: 'replayed', response: outcome.record.response };
        case 'key-reused':
          return { kind: 'key-reused' };
      }
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      conflicts++;
      if (attempt + 1 >= retry.attemptsMax) break;
      const { taken } = error;
      if (taken !== undefined && taken.recordedAtMs < occurredAtMs - STALE_HEAD_MARGIN_MS) {
        // The winner was written before this deposit started: our head was stale (another
        // instance wrote meanwhile), not contended. Catch up in the same lane.
        at = { lane, head: await deps.store.head(input.walletId, lane) };
      } else if (taken !== undefined && ++lostInARow === 1) {
        at = { lane, head: taken };
      } else {
        // Lost to concurrent writers twice in a row: this lane is hot, take the deposit elsewhere.
        const ceilingMs = Math.min(retry.backoffCapMs, retry.backoffBaseMs * 2 ** Math.min(attempt, 16));
        await retry.sleep(retry.random() * ceilingMs);
        const otherLane = 1 + Math.floor(retry.random() * (LANES_MAX - 1));
        const nextLane = otherLane === lane ? (otherLane % (LANES_MAX - 1)) + 1 : otherLane;
        at = { lane: nextLane, head: await deps.store.head(input.walletId, nextLane) };
        lostInARow = 0;
      }
      heads.remember(input.walletId, at);
    }
  }
  if (input.idempotency) {
    const record = await deps.store.findIdempotency(input.idempotency.key);
    if (record !== undefined) {
      return record.payloadHash === input.idempotency.payloadHash
        ? { kind: 'replayed', response: record.response }
        : { kind: 'key-reused' };
    }
  }
  return { kind: 'contended', conflicts };
}
