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
   * Chance any other append (single, one-wallet group, two-wallet, two-wallet group) commits and
   * then fails to answer. The event ids it wrote are kept in `crashed`: its callers heard an error
   * for something that took effect, as a client does after a timeout.
   */
  crashAfterAnyCommit?: number;
  /** Chance a read (head, lanes, a page of events, a key look-up) fails throttled, reading nothing. */
  readThrottle?: number;
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
  /** The event ids of commits whose answer was lost (crashAfterAnyCommit). */
  readonly crashed = new Set<string>();

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

  /** After a commit: with crashAfterAnyCommit's chance, its answer is lost (the events stay written). */
  private afterCommit<T>(outcome: T, eventIds: () => string[]): T {
    // Drawn only when asked for: the other tests' random streams stay as they were.
    const chance = this.faults.crashAfterAnyCommit;
    if (chance === undefined || this.faults.random() >= chance) return outcome;
    for (const id of eventIds()) this.crashed.add(id);
    throw Object.assign(new Error('the answer was lost after the commit'), { name: 'TimeoutError' });
  }

  private async beforeRead(): Promise<void> {
    await this.pause();
    const chance = this.faults.readThrottle;
    if (chance !== undefined && this.faults.random() < chance) throw new Throttled('rate exceeded');
  }

  private async pause(): Promise<void> {
    const turns = Math.floor(this.faults.random() * 3);
    for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  async head(walletId: string, lane: number): Promise<StreamHead> {
    await this.beforeRead();
    return this.inner.head(walletId, lane);
  }

  async lanes(walletId: string): Promise<number[]> {
    await this.beforeRead();
    return this.inner.lanes(walletId);
  }

  async append(request: AppendRequest): Promise<AppendOutcome> {
    await this.beforeWrite(request.walletId, request.lane, request.expected);
    const outcome = await this.inner.append(request);
    if (outcome.kind !== 'appended') return outcome;
    return this.afterCommit(outcome, () => outcome.events.map((event) => event.eventId));
  }

  async appendGroup(request: AppendGroupRequest): Promise<AppendGroupOutcome> {
    // Counted before the faults: how many batches were tried, and how many commands they held.
    this.groupAppends++;
    this.groupParts += request.parts.length;
    await this.beforeWrite(request.walletId, request.lane, request.expected);
    const outcome = await this.inner.appendGroup(request);
    if (outcome.kind !== 'appended') return outcome;
    return this.afterCommit(outcome, () => outcome.parts.flat().map((event) => event.eventId));
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
    const outcome = await this.inner.appendTogether(request);
    if (outcome.kind !== 'appended') return outcome;
    return this.afterCommit(outcome, () =>
      request.appends.flatMap((one) => one.events.map((e) => e.eventId)),
    );
  }

  async appendTogetherGroup(request: AppendTogetherGroupRequest): Promise<AppendTogetherGroupOutcome> {
    if (this.inner.appendTogetherGroup === undefined)
      throw new Error('the inner store has no appendTogetherGroup');
    this.groupAppends++;
    this.groupParts += request.parts.length;
    const first = request.heads[0];
    if (first) await this.beforeWrite(first.walletId, 0, first.expected);
    const outcome = await this.inner.appendTogetherGroup(request);
    if (outcome.kind !== 'appended') return outcome;
    return this.afterCommit(outcome, () => outcome.parts.flat(2).map((event) => event.eventId));
  }

  async *read(
    walletId: string,
    lane: number,
    range?: { fromVersion?: number; toVersion?: number },
  ): AsyncGenerator<RecordedEvent[]> {
    await this.beforeRead();
    yield* this.inner.read(walletId, lane, range);
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    if (!this.faults.steadyKeyReads) await this.beforeRead();
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
