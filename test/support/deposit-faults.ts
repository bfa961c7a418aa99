/** The deposit tests' store with faults injected into `append`, and their fixtures (test/unit/app/deposit*.test.ts). */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { DepositInput, RetryPolicy } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import {
  type AppendOutcome,
  type AppendRequest,
  type AppendTogetherOutcome,
  type AppendTogetherRequest,
  type ChainWalk,
  type EventStore,
  type IdempotencyRecord,
  type StreamHead,
  VersionConflictError,
  type WalletPageRequest,
} from '#ports/event-store.ts';
import { InMemoryEventStore } from './in-memory-event-store.ts';

/** What the wrapped store does on an append before (or instead of) the real one. */
export type Fault =
  /** Another writer appends first, so the real append loses the version. */
  | 'rival'
  /** A rival written long before the deposit started: the head was stale, not contended. */
  | 'old-rival'
  /** DynamoDB cancels the transaction for a conflict; nothing is written. */
  | 'transaction-conflict'
  /** DynamoDB throttles; nothing is written. */
  | 'throttle'
  /** The same request with the same key commits first (a client retry racing its original). */
  | 'twin'
  /** Another request with the same key but another payload commits first. */
  | 'twin-other-payload'
  /** The twin commits, and this append is cancelled for the conflict with it. */
  | 'twin-then-conflict';

/** The in-memory store with faults injected into `append`, one per call, in order. */
export class FaultyStore implements EventStore {
  readonly appends: AppendRequest[] = [];
  readonly headReads: number[] = [];
  readonly throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });

  constructor(
    readonly inner: InMemoryEventStore,
    private readonly faults: Fault[],
  ) {}

  head(walletId: string, lane: number): Promise<StreamHead> {
    this.headReads.push(lane);
    return this.inner.head(walletId, lane);
  }

  /** As deposit's store has it (LANE_DISCOVERY): lane 0's head, counted as a head read, with the registry. */
  headAndLanes(walletId: string): Promise<{ head: StreamHead; lanes: number[] }> {
    this.headReads.push(0);
    return this.inner.headAndLanes(walletId);
  }

  lanes(walletId: string): Promise<number[]> {
    return this.inner.lanes(walletId);
  }

  appendTogether(request: AppendTogetherRequest): Promise<AppendTogetherOutcome> {
    return this.inner.appendTogether(request);
  }

  walletIds(page: WalletPageRequest) {
    return this.inner.walletIds(page);
  }

  async append(request: AppendRequest): Promise<AppendOutcome> {
    this.appends.push(request);
    const fault = this.faults.shift();
    const twin = (payloadHash: string) =>
      this.inner.append({
        ...request,
        events: request.events.map((event) => ({ ...event, eventId: 'twin-event' })),
        ...(request.idempotency
          ? {
              idempotency: {
                ...request.idempotency,
                payloadHash,
                response: { statusCode: 201, body: 'twin' },
              },
            }
          : {}),
      });
    switch (fault) {
      case undefined:
        break;
      case 'rival':
      case 'old-rival': {
        // A concurrent rival is recorded as the deposit starts; an old one a day before.
        const recordedAtMs = fault === 'rival' ? 1_700_000_000_000 : 1_700_000_000_000 - 86_400_000;
        await this.inner.append({
          walletId: request.walletId,
          lane: request.lane,
          expected: await this.inner.head(request.walletId, request.lane),
          events: [
            {
              type: 'Deposited',
              data: { amountMinor: 1n, occurredAtMs: recordedAtMs },
              eventId: 'rival',
              recordedAtMs,
            },
          ],
        });
        break;
      }
      case 'transaction-conflict':
        throw new VersionConflictError(
          request.walletId,
          request.lane,
          request.expected.version,
          'transaction-conflict',
        );
      case 'throttle':
        throw this.throttled;
      case 'twin':
        await twin(request.idempotency?.payloadHash ?? '');
        break;
      case 'twin-other-payload':
        await twin('another-payload');
        break;
      case 'twin-then-conflict':
        await twin(request.idempotency?.payloadHash ?? '');
        throw new VersionConflictError(
          request.walletId,
          request.lane,
          request.expected.version,
          'transaction-conflict',
        );
    }
    return this.inner.append(request);
  }

  read(
    walletId: string,
    lane: number,
    range?: { fromVersion?: number; toVersion?: number },
  ): AsyncGenerator<RecordedEvent[]> {
    return this.inner.read(walletId, lane, range);
  }

  findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    return this.inner.findIdempotency(key);
  }

  verify(walletId: string): Promise<ChainWalk> {
    return this.inner.verify(walletId);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}

export function setup(faults: Fault[], retry: Partial<RetryPolicy> = {}) {
  const inner = new InMemoryEventStore();
  const store = new FaultyStore(inner, faults);
  const sleeps: number[] = [];
  let clockCalls = 0;
  let idCalls = 0;
  const clock: Clock = {
    nowMs: () => {
      clockCalls++;
      return 1_700_000_000_000 + clockCalls;
    },
  };
  const ids: IdGenerator = {
    newId: () => {
      idCalls++;
      return `id-${idCalls}`;
    },
  };
  const policy: RetryPolicy = {
    attemptsMax: 10,
    backoffBaseMs: 2,
    backoffCapMs: 80,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...retry,
  };
  const deps = { store, clock, ids, retry: policy, heads: new HeadCache() };
  return { inner, store, deps, sleeps, calls: () => ({ clock: clockCalls, ids: idCalls }) };
}

export const input = (overrides: Partial<DepositInput> = {}): DepositInput => ({
  walletId: 'w1',
  amountMinor: 800_000n,
  respond: (events) => ({
    statusCode: 201,
    body: JSON.stringify({ lane: events[0]?.lane, version: events[0]?.version, eventId: events[0]?.eventId }),
  }),
  ...overrides,
});

export const KEY = { key: 'k1', payloadHash: 'ph-1' };
/** A deposit another writer recorded long before (not a concurrent rival). */
export const oneDeposit = (eventId: string) => ({
  type: 'Deposited' as const,
  data: { amountMinor: 1n, occurredAtMs: 0 },
  eventId,
  recordedAtMs: 1_700_000_000_000,
});
export const ours = (inner: InMemoryEventStore) =>
  inner.storedEvents('w1').filter((event) => event.eventId === 'id-1');
export const times = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);
