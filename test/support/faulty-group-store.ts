import type { RecordedEvent } from '#domain/wallet.ts';
import type {
  AppendGroupOutcome,
  AppendGroupRequest,
  AppendGroupsResult,
  AppendOutcome,
  AppendRequest,
  AppendTogetherGroupOutcome,
  AppendTogetherGroupRequest,
  AppendTogetherOutcome,
  AppendTogetherRequest,
  ChainWalk,
  EventStore,
  IdempotencyRecord,
  StreamHead,
  WalletPageRequest,
} from '#ports/event-store.ts';
import { VersionConflictError } from '#ports/event-store.ts';

/** A throttled request, as DynamoDB reports it once the SDK gives up retrying: nothing written. */
export class Throttled extends Error {
  override readonly name = 'ThrottlingException';
}

export interface GroupFaults {
  /** In [0, 1): drawn per call. */
  random: () => number;
  /** Chance an append (single or group) fails with a TransactionConflict, writing nothing. */
  conflict: number;
  /** Chance any write fails throttled, writing nothing. */
  throttle: number;
  /**
   * Chance a cross-wallet group append (appendGroups) commits and then fails to answer (a timeout
   * after the write): its caller cannot know what was written.
   */
  crashAfterCommit?: number;
  /**
   * Key look-ups answer without yielding first: callers that look their key up before queueing
   * (transfers) then queue in the order they were called, so a serial run in that order compares.
   */
  steadyKeyReads?: boolean;
}

/**
 * An EventStore around a real one that injects TransactionConflict and throttling on writes
 * (both write nothing, as DynamoDB's) and yields to the event loop before every call, so
 * concurrent callers interleave at every await. Counts the group appends tried.
 */
export class FaultyGroupStore implements EventStore {
  groupAppends = 0;
  groupParts = 0;

  constructor(
    private readonly inner: EventStore & Required<Pick<EventStore, 'appendGroup'>>,
    private readonly faults: GroupFaults,
  ) {}

  private async beforeWrite(walletId: string, lane: number, expected: StreamHead): Promise<void> {
    await this.pause();
    if (this.faults.random() < this.faults.throttle) throw new Throttled('rate exceeded');
    if (this.faults.random() < this.faults.conflict) {
      throw new VersionConflictError(walletId, lane, expected.version, 'transaction-conflict');
    }
  }

  private async pause(): Promise<void> {
    const turns = Math.floor(this.faults.random() * 3);
    for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  async head(walletId: string, lane: number): Promise<StreamHead> {
    await this.pause();
    return this.inner.head(walletId, lane);
  }

  async lanes(walletId: string): Promise<number[]> {
    await this.pause();
    return this.inner.lanes(walletId);
  }

  async append(request: AppendRequest): Promise<AppendOutcome> {
    await this.beforeWrite(request.walletId, request.lane, request.expected);
    return this.inner.append(request);
  }

  async appendGroup(request: AppendGroupRequest): Promise<AppendGroupOutcome> {
    // Counted before the faults: how many batches were tried, and how many commands they held.
    this.groupAppends++;
    this.groupParts += request.parts.length;
    await this.beforeWrite(request.walletId, request.lane, request.expected);
    return this.inner.appendGroup(request);
  }

  /**
   * Cross-wallet group append: a throttle fails the whole call (nothing written, as one
   * TransactWriteItems); a TransactionConflict fails one group alone (DynamoDB names the item, and
   * the adapter sends the others again); a crash after the commit writes every other group and
   * answers nothing.
   */
  async appendGroups(requests: readonly AppendGroupRequest[]): Promise<AppendGroupsResult[]> {
    if (this.inner.appendGroups === undefined) throw new Error('the inner store has no appendGroups');
    await this.pause();
    this.groupAppends++;
    this.groupParts += requests.reduce((sum, request) => sum + request.parts.length, 0);
    if (this.faults.random() < this.faults.throttle) throw new Throttled('rate exceeded');
    const conflicted = requests.map(() => this.faults.random() < this.faults.conflict);
    const inner = await this.inner.appendGroups(requests.filter((_, index) => !conflicted[index]));
    if (this.faults.random() < (this.faults.crashAfterCommit ?? 0)) {
      throw Object.assign(new Error('the answer was lost after the commit'), { name: 'TimeoutError' });
    }
    let next = 0;
    return conflicted.map((conflict): AppendGroupsResult => {
      if (conflict) return { kind: 'failed', reason: 'condition' };
      const result = inner[next++];
      if (result === undefined) throw new Error('appendGroups: a result per group');
      return result;
    });
  }

  async findIdempotencies(keys: readonly string[]): Promise<Map<string, IdempotencyRecord>> {
    await this.pause();
    if (this.faults.random() < this.faults.throttle) throw new Throttled('rate exceeded');
    if (this.inner.findIdempotencies) return this.inner.findIdempotencies(keys);
    const found = new Map<string, IdempotencyRecord>();
    for (const key of keys) {
      const record = await this.inner.findIdempotency(key);
      if (record) found.set(key, record);
    }
    return found;
  }

  async appendTogether(request: AppendTogetherRequest): Promise<AppendTogetherOutcome> {
    const first = request.appends[0];
    if (first) await this.beforeWrite(first.walletId, 0, first.expected);
    return this.inner.appendTogether(request);
  }

  async appendTogetherGroup(request: AppendTogetherGroupRequest): Promise<AppendTogetherGroupOutcome> {
    if (this.inner.appendTogetherGroup === undefined)
      throw new Error('the inner store has no appendTogetherGroup');
    this.groupAppends++;
    this.groupParts += request.parts.length;
    const first = request.heads[0];
    if (first) await this.beforeWrite(first.walletId, 0, first.expected);
    return this.inner.appendTogetherGroup(request);
  }

  async *read(
    walletId: string,
    lane: number,
    range?: { fromVersion?: number; toVersion?: number },
  ): AsyncGenerator<RecordedEvent[]> {
    await this.pause();
    yield* this.inner.read(walletId, lane, range);
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    if (!this.faults.steadyKeyReads) await this.pause();
    return this.inner.findIdempotency(key);
  }

  verify(walletId: string): Promise<ChainWalk> {
    return this.inner.verify(walletId);
  }

  walletIds(page: WalletPageRequest): Promise<{ walletIds: string[]; nextCursor: string | null }> {
    return this.inner.walletIds(page);
  }

  async ping(): Promise<void> {}
}
