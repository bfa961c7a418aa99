import type { RecordedEvent } from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import type {
  AppendOutcome,
  AppendRequest,
  AppendTogetherOutcome,
  AppendTogetherRequest,
  ChainWalk,
  EventRef,
  EventStore,
  IdempotencyRecord,
  StreamHead,
  WalletPageRequest,
} from '#ports/event-store.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import type { JobMessage, JobQueue } from '#ports/jobs.ts';
import type { PutViewOptions, ReadModelStore } from '#ports/read-models.ts';
import { AnswerHolds, type CallKind } from './faults-hold.ts';
import type { Rng } from './rng.ts';

/** What DynamoDB answers when a table is over its capacity: nothing was done; retry later. */
export class Throttled extends Error {
  override readonly name = 'ProvisionedThroughputExceededException';
}

/** The append committed, then the process died before it could answer (the client sees a 5xx or a timeout). */
export class CrashedAfterCommit extends Error {
  override readonly name = 'CrashedAfterCommit';
}

/** The Lambda running a job page was killed (timeout, OOM, redeploy): the message is delivered again. */
export class LambdaKilled extends Error {
  override readonly name = 'LambdaKilled';
}

export const isInjected = (error: unknown): boolean =>
  error instanceof Throttled || error instanceof CrashedAfterCommit || error instanceof LambdaKilled;

/** How likely each fault is while armed; an op arms the faults with its own seed. */
export interface FaultRates {
  transactionConflict: number;
  throttle: number;
  crashAfterCommit: number;
  /** Per store call inside a job page (and per queue send of the next page). */
  lambdaKill: number;
  duplicate: number;
  reorder: number;
  delay: number;
  /** Per store call: its answer held back until a later call's (faults-hold.ts). */
  holdAnswer: number;
}

export const DEFAULT_RATES: FaultRates = {
  transactionConflict: 0.04,
  throttle: 0.02,
  crashAfterCommit: 0.03,
  lambdaKill: 0.03,
  duplicate: 0.15,
  reorder: 0.5,
  delay: 0.2,
  holdAnswer: 0.03,
};

export const NO_FAULTS: FaultRates = {
  transactionConflict: 0,
  throttle: 0,
  crashAfterCommit: 0,
  lambdaKill: 0,
  duplicate: 0,
  reorder: 0,
  delay: 0,
  holdAnswer: 0,
};

/** A commit whose answer was lost (crash after commit): the environment knows it happened. */
export interface LostAnswer {
  request: AppendRequest;
  outcome: AppendOutcome;
}

/** The same, for a two-wallet append (a transfer, an accepted offer). */
export interface LostTogetherAnswer {
  request: AppendTogetherRequest;
  outcome: AppendTogetherOutcome;
}

/** A stream record, as DynamoDB Streams gives one per event item: a doorbell naming wallet and lane. */
export interface StreamRecord {
  walletId: string;
  lane: number;
  version: number;
}

/**
 * The fault injector shared by the store, the read models, the job queue and the buses. Disarmed
 * (no faults) unless an op armed it with its own generator, so the checks read a quiet store.
 */
export class Faults {
  private rng: Rng | undefined;
  rates: FaultRates = NO_FAULTS;
  /** Inside a job page: store calls may kill the Lambda. */
  inJob = false;
  readonly counts = new Map<string, number>();
  /** Answers lost to crashes since the op started; the op reads them to learn what took effect. */
  lostAnswers: LostAnswer[] = [];
  lostTogetherAnswers: LostTogetherAnswer[] = [];
  /** Store calls counted for the report (not faults): a path a run never takes, it does not test. */
  readonly calls = new Map<string, number>();
  /** Store answers held back and handed over after later ones (faults-hold.ts). */
  readonly holds = new AnswerHolds((kind) => this.count(kind));

  /** `holdRng`: the held answers' own stream, so they move no other fault's rolls. */
  arm(rng: Rng, rates: FaultRates, holdRng?: Rng): void {
    this.rng = rng;
    this.rates = rates;
    if (holdRng !== undefined) this.holds.arm(holdRng, rates.holdAnswer);
  }

  disarm(): void {
    this.rng = undefined;
    this.rates = NO_FAULTS;
    this.inJob = false;
    this.holds.disarm();
  }

  count(kind: string, by = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + by);
  }

  /** True (and counted) when the fault `kind` happens now. */
  roll(kind: string, probability: number): boolean {
    if (this.rng === undefined || !this.rng.chance(probability)) return false;
    this.count(kind);
    return true;
  }

  /** The armed generator, for bus choices (order, delay); a fixed one when disarmed. */
  get random(): Rng | undefined {
    return this.rng;
  }

  /** Before any store call: throttling, and a kill when a job page is running. */
  beforeCall(): void {
    if (this.inJob && this.roll('lambda-killed', this.rates.lambdaKill))
      throw new LambdaKilled('killed mid-page');
    if (this.roll('throttle', this.rates.throttle)) throw new Throttled('throughput exceeded');
  }
}

/**
 * The EventStore port around a real store, with faults: throttling on any call, TransactionConflict
 * on an append (nothing written), a crash after a commit (written, no answer), a kill mid-job.
 * Every committed append rings the stream's doorbells, whatever the caller hears.
 */
export class FaultyEventStore implements EventStore {
  /** A planted bug for the sim's own tests: answer 'appended' without keeping the events. */
  dropAppends = 0;

  constructor(
    protected readonly inner: EventStore,
    protected readonly faults: Faults,
    protected readonly onCommit: (events: RecordedEvent[]) => void,
  ) {}

  async head(walletId: string, lane: number): Promise<StreamHead> {
    this.faults.beforeCall();
    return this.faults.holds.answer([walletId], lane === 0 ? 'head' : 'read', () =>
      this.inner.head(walletId, lane),
    );
  }

  async lanes(walletId: string): Promise<number[]> {
    this.faults.beforeCall();
    return this.held([walletId], () => this.inner.lanes(walletId));
  }

  async append(request: AppendRequest): Promise<AppendOutcome> {
    this.faults.beforeCall();
    if (this.faults.roll('transaction-conflict', this.faults.rates.transactionConflict)) {
      throw new VersionConflictError(
        request.walletId,
        request.lane,
        request.expected.version,
        'transaction-conflict',
      );
    }
    if (this.dropAppends > 0 && this.faults.random?.chance(this.dropAppends)) {
      const existing = request.idempotency && (await this.inner.findIdempotency(request.idempotency.key));
      if (!existing) return fakeAppend(request);
    }
    const outcome = await this.held([request.walletId], () => this.inner.append(request), 'write');
    if (outcome.kind === 'appended') this.onCommit(outcome.events);
    if (this.faults.roll('crash-after-commit', this.faults.rates.crashAfterCommit)) {
      this.faults.lostAnswers.push({ request, outcome });
      throw new CrashedAfterCommit(`append to ${request.walletId} lane ${request.lane} committed`);
    }
    return outcome;
  }

  /** The same faults as `append`: nothing written on a conflict, written but unanswered on a crash. */
  async appendTogether(request: AppendTogetherRequest): Promise<AppendTogetherOutcome> {
    this.faults.beforeCall();
    const [first] = request.appends;
    if (
      first !== undefined &&
      this.faults.roll('transaction-conflict', this.faults.rates.transactionConflict)
    ) {
      throw new VersionConflictError(first.walletId, 0, first.expected.version, 'transaction-conflict');
    }
    const wallets = request.appends.map(({ walletId }) => walletId);
    const outcome = await this.held(wallets, () => this.inner.appendTogether(request), 'write');
    if (outcome.kind === 'appended') for (const { events } of outcome.appended) this.onCommit(events);
    if (this.faults.roll('crash-after-commit', this.faults.rates.crashAfterCommit)) {
      this.faults.lostTogetherAnswers.push({ request, outcome });
      throw new CrashedAfterCommit(`append to ${wallets.join(' and ')} committed`);
    }
    return outcome;
  }

  async *read(
    walletId: string,
    lane: number,
    range?: { fromVersion?: number; toVersion?: number },
  ): AsyncGenerator<RecordedEvent[]> {
    this.faults.beforeCall();
    // Each page's answer may be held back; a reader that stops early closes the inner read.
    const pages = this.inner.read(walletId, lane, range);
    try {
      for (;;) {
        const next = await this.faults.holds.answer(
          [walletId],
          (page) => (page.done === true ? 'state' : 'read'),
          () => pages.next(),
        );
        if (next.done === true) return;
        yield next.value;
        this.faults.beforeCall();
      }
    } finally {
      await pages.return(undefined);
    }
  }

  /** As DynamoDB's (every function's store has it): a lane-0 decision folded from nothing reads once. */
  async walletAndHead(walletId: string): Promise<{ events: RecordedEvent[]; head: StreamHead }> {
    this.faults.calls.set('walletAndHead', (this.faults.calls.get('walletAndHead') ?? 0) + 1);
    this.faults.beforeCall();
    if (this.inner.walletAndHead === undefined) throw new Error('walletAndHead: the inner store has none');
    const walletAndHead = this.inner.walletAndHead.bind(this.inner);
    return this.held([walletId], () => walletAndHead(walletId), 'state');
  }

  async readEvents(refs: readonly EventRef[]): Promise<RecordedEvent[]> {
    this.faults.beforeCall();
    if (this.inner.readEvents === undefined) throw new Error('readEvents: the inner store has none');
    const readEvents = this.inner.readEvents.bind(this.inner);
    return this.held([...new Set(refs.map(({ walletId }) => walletId))], () => readEvents(refs));
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    this.faults.beforeCall();
    return this.held([], () => this.inner.findIdempotency(key));
  }

  async verify(walletId: string): Promise<ChainWalk> {
    return this.inner.verify(walletId);
  }

  async walletIds(page: WalletPageRequest): Promise<{ walletIds: string[]; nextCursor: string | null }> {
    this.faults.beforeCall();
    return this.held([], () => this.inner.walletIds(page));
  }

  async ping(): Promise<void> {}

  /** The inner store's answer to a call about `wallets`, perhaps held back (faults-hold.ts). */
  protected held<T>(wallets: readonly string[], call: () => Promise<T>, kind: CallKind = 'read'): Promise<T> {
    return this.faults.holds.answer(wallets, kind, call);
  }
}

function fakeAppend(request: AppendRequest): AppendOutcome {
  const events = request.events.map((event, index) => ({
    ...event,
    walletId: request.walletId,
    lane: request.lane,
    version: request.expected.version + 1 + index,
    ...(request.idempotency ? { idempotencyKey: request.idempotency.key } : {}),
  })) as RecordedEvent[];
  return { kind: 'appended', events, head: { version: request.expected.version + events.length, hash: 'x' } };
}

/** The ReadModelStore port with throttling (and kills inside a job). */
export class FaultyReadModels implements ReadModelStore {
  constructor(
    private readonly inner: ReadModelStore,
    private readonly faults: Faults,
  ) {}

  async getView(walletId: string): Promise<WalletView | undefined> {
    this.faults.beforeCall();
    return this.inner.getView(walletId);
  }

  async putView(view: WalletView, options?: PutViewOptions): Promise<'written' | 'stale'> {
    this.faults.beforeCall();
    return this.inner.putView(view, options);
  }

  async getViews(walletIds: readonly string[]): Promise<Map<string, WalletView>> {
    this.faults.beforeCall();
    return this.inner.getViews(walletIds);
  }

  async putViews(views: readonly WalletView[]): Promise<('written' | 'stale')[]> {
    this.faults.beforeCall();
    return this.inner.putViews(views);
  }
}

/** A job page that recorded its page may die before it queues the next one: the redelivery must. */
export class FaultyJobQueue implements JobQueue {
  constructor(
    private readonly inner: JobQueue,
    private readonly faults: Faults,
  ) {}

  async send(messages: JobMessage[]): Promise<void> {
    if (this.faults.inJob && this.faults.roll('lambda-killed', this.faults.rates.lambdaKill)) {
      throw new LambdaKilled('killed before queueing the next page');
    }
    await this.inner.send(messages);
  }
}

/**
 * An at-least-once channel (DynamoDB Streams to the projector, SQS to ingest, a provider's webhooks):
 * a batch may come out of order, with duplicates, and some records held back for a later batch.
 * Nothing is lost: a record leaves only when its consumer succeeds (`take`, then `requeue` on failure).
 */
export class Channel<T> {
  pending: T[] = [];

  constructor(
    readonly name: string,
    private readonly faults: Faults,
  ) {}

  publish(item: T): void {
    this.pending.push(item);
  }

  /** Up to `max` records for one delivery; faults decide order, duplicates and delays. */
  take(max: number): T[] {
    if (this.pending.length === 0) return [];
    const rng = this.faults.random;
    let source = this.pending;
    if (rng !== undefined && this.faults.roll(`${this.name}-reorder`, this.faults.rates.reorder)) {
      source = rng.shuffle(source);
    }
    const batch: T[] = [];
    const kept: T[] = [];
    for (const item of source) {
      if (batch.length >= max) kept.push(item);
      else if (this.faults.roll(`${this.name}-delay`, this.faults.rates.delay)) kept.push(item);
      else {
        batch.push(item);
        // A duplicate: the record is delivered now and again later.
        if (this.faults.roll(`${this.name}-duplicate`, this.faults.rates.duplicate)) kept.push(item);
      }
    }
    this.pending = kept;
    return batch;
  }

  requeue(items: readonly T[]): void {
    this.pending.push(...items);
  }
}
