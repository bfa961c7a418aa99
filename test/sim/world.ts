import { canonicalJson } from '#adapters/dynamodb/event-hash.ts';
import type { cardAction } from '#app/cards.ts';
import type { IdGenerator } from '#ports/clock.ts';
import type { JobMessage } from '#ports/jobs.ts';
import type { StoredEvent } from '../support/in-memory-event-store.ts';
import { InMemoryGroupStore } from '../support/in-memory-group-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../support/in-memory-rule-set-store.ts';
import {
  Channel,
  Faults,
  type FaultyEventStore,
  FaultyJobQueue,
  FaultyReadModels,
  type StreamRecord,
} from './faults.ts';
import { FaultyGroupEventStore } from './faults-group.ts';
import { TradingModel } from './model-trading.ts';
import { mixSeed, Rng } from './rng.ts';
import { type CloudEvent, makeSystem, type System, type SystemDeps, type WalletView } from './system.ts';

/** A deposit the model knows took effect (acknowledged, or committed with its answer lost). */
export interface DepositEffect {
  eventId: string;
  walletId: string;
  amountMinor: bigint;
  /** The amount as corrections leave it; null once voided. */
  effective: bigint | null;
  key?: string;
  factId?: string;
}

/** A CloudEvent id that took effect: which payload won, and what it is worth now. */
export interface FactEffect {
  id: string;
  walletId: string;
  payload: string;
  type: string;
  dataJson: string;
  /** Points the default rules give it now (0 once voided); deposits carry none. */
  points: bigint;
  voided: boolean;
  depositEventId?: string;
}

export interface KeyEffect {
  walletId: string;
  payload: string;
  amountMinor: bigint;
  body?: string;
  eventId: string;
}

/** The model: what the clients were told (or what the environment saw commit), never read from the store. */
export interface Model {
  deposits: Map<string, DepositEffect>;
  keys: Map<string, KeyEffect>;
  facts: Map<string, FactEffect>;
  /** Every CloudEvent sent to the ingest queue, by id (a producer may send one id with two payloads). */
  sent: Map<string, CloudEvent[]>;
  /** CloudEvents the DLQ took, with why. */
  deadLetters: { event: CloudEvent; code: string }[];
  mintedMinor: bigint;
  burnedMinor: bigint;
  mintedPoints: bigint;
  burnedPoints: bigint;
  /** A balance may not go below its floor (0 today; credit lines and holds set others). */
  floors: Map<string, bigint>;
}

export interface IngestMessage {
  event: CloudEvent;
}

/** Something the next checks must look at. */
export interface Violation {
  invariant: string;
  detail: string;
}

/**
 * Invariants the system is known to break today, with the issue that fixes it: reported as known
 * (with a count and an example) and not failing the run, unless `strict` (`--strict`). Remove an
 * entry when its fix lands, so the sim guards it from then on.
 */
export const KNOWN_ISSUES: Record<string, string> = {};

export interface WorldOptions {
  /** Known issues fail the run too. */
  strict?: boolean;
  /** Planted bugs, for the sim's own tests. */
  bugs?: {
    dropAppends?: number;
    projector?: Projector;
    transfer?: SystemDeps['transfer'];
    /** A planted card use case (test/sim/planted-authorize.ts) in place of app/cards.ts'. */
    cardAction?: typeof cardAction;
  };
  /** Store page size (reads and job pages); small, so paging is exercised. */
  pageSize?: number;
  /** Concurrent commands of one process commit in groups (system.ts, processStores). */
  groupCommit?: boolean;
  /** How often a store call's answer is held back past a later one's (faults-hold.ts); else DEFAULT_RATES'. */
  holdRate?: number;
}

/** The projector Lambda: one wallet's doorbells. Replaceable, so a test can plant a broken one. */
export type Projector = (
  world: World,
  instance: number,
  walletId: string,
  records: StreamRecord[],
) => Promise<void>;

export const API_INSTANCES = 3;
export const PROJECTOR_INSTANCES = 2;

export class World {
  readonly faults = new Faults();
  readonly inner: InMemoryGroupStore;
  readonly store: FaultyEventStore;
  readonly readModels: FaultyReadModels;
  readonly jobs = new InMemoryJobStore();
  readonly jobQueue = new InMemoryJobQueue();
  readonly stream: Channel<StreamRecord>;
  readonly queue: Channel<IngestMessage>;
  /** A payment provider's webhooks (at-least-once, late): no producer yet; payments will add one. */
  readonly webhooks: Channel<unknown>;
  readonly jobMessages: { message: JobMessage; redelivered: boolean }[] = [];
  readonly model: Model = {
    deposits: new Map(),
    keys: new Map(),
    facts: new Map(),
    sent: new Map(),
    deadLetters: [],
    mintedMinor: 0n,
    burnedMinor: 0n,
    mintedPoints: 0n,
    burnedPoints: 0n,
    floors: new Map(),
  };
  /** Transfers, holds and offers: what took effect (model-trading.ts). */
  readonly trading = new TradingModel();
  /** Trading answers by kind (and refusals by code): a run that was never refused tested less. */
  readonly answers = new Map<string, number>();
  readonly walletIds: string[];
  /** Wallets the current op touched: the per-step checks look at these. */
  readonly touched = new Set<string>();
  readonly violations: Violation[] = [];
  /** Violations of KNOWN_ISSUES: counted and reported, not failing the run (unless strict). */
  readonly known = new Map<string, { count: number; example: string }>();
  readonly strict: boolean;
  /** Whether each process's writes commit in groups (processStores), the card ops' too. */
  readonly groupCommit: boolean;
  nowMs = Date.UTC(2026, 0, 1);
  system!: System;
  projector: Projector;
  /** The op being applied (its index in the episode's list): ids are unique per op. */
  opIndex = 0;
  /** Calls within the current op (ids stay unique when an op calls several times). */
  callCount = 0;
  lastProjectionError: string | undefined;
  /** The planted bugs this world runs with (ops that call a use case directly read theirs here). */
  readonly bugs: NonNullable<WorldOptions['bugs']>;
  /** Room for a planted bug's own state (test/sim/planted.ts). */
  readonly scratch: Record<string, unknown> = {};
  readonly rng: Rng;
  /** Commits per wallet: a wallet's log changed iff its generation did (the checks cache by it). */
  readonly generations = new Map<string, number>();
  /** What a check last passed on, per check and wallet (see `unchanged`). */
  private readonly passed = new Map<string, string>();
  private readonly logs = new Map<string, { generation: number; log: StoredEvent[] }>();
  private readonly storedViews = new Map<string, Promise<WalletView | undefined>>();
  private readonly folds = new WeakMap<StoredEvent[], WalletView>();

  private constructor(
    readonly seed: number,
    options: WorldOptions,
  ) {
    this.rng = new Rng(mixSeed(seed, 0xa11ce));
    this.strict = options.strict ?? false;
    this.groupCommit = options.groupCommit ?? false;
    this.bugs = options.bugs ?? {};
    this.inner = new InMemoryGroupStore({ pageSize: options.pageSize ?? 32 });
    this.stream = new Channel('stream', this.faults);
    this.queue = new Channel('queue', this.faults);
    this.webhooks = new Channel('webhook', this.faults);
    this.store = new FaultyGroupEventStore(this.inner, this.faults, (events) => {
      for (const event of events) {
        this.touched.add(event.walletId);
        this.generations.set(event.walletId, (this.generations.get(event.walletId) ?? 0) + 1);
        this.stream.publish({ walletId: event.walletId, lane: event.lane, version: event.version });
      }
    });
    this.store.dropAppends = options.bugs?.dropAppends ?? 0;
    this.readModels = new FaultyReadModels(this.inner, this.faults);
    const walletCount = new Rng(seed).int(2, 8);
    this.walletIds = Array.from({ length: walletCount }, (_, index) => `w${index}`);
    this.projector =
      options.bugs?.projector ??
      ((world, instance, walletId, records) => world.system.project(instance, walletId, records));
  }

  static async create(seed: number, options: WorldOptions = {}): Promise<World> {
    const world = new World(seed, options);
    world.system = await makeSystem({
      store: world.store,
      readModels: world.readModels,
      ruleSets: new InMemoryRuleSetStore(),
      jobs: world.jobs,
      jobQueue: new FaultyJobQueue(world.jobQueue, world.faults),
      clock: { nowMs: () => world.nowMs },
      rng: world.rng,
      ...(options.bugs?.transfer === undefined ? {} : { transfer: options.bugs.transfer }),
      ...(options.groupCommit ? { groupCommit: true } : {}),
    });
    return world;
  }

  /** Ids for one call of one op: `o<op>.<call>-<n>`, unique in the episode whatever ops are left out. */
  ids(call: string | number): IdGenerator {
    let count = 0;
    return { newId: () => `o${this.opIndex}.${call}-${++count}` };
  }

  /** The wallet's log as the store holds it (read past the faults, for the checks). */
  log(walletId: string): StoredEvent[] {
    const generation = this.generations.get(walletId) ?? 0;
    const cached = this.logs.get(walletId);
    if (cached?.generation === generation) return cached.log;
    const log = this.inner.storedEvents(walletId);
    this.logs.set(walletId, { generation, log });
    return log;
  }

  /** The stored view, read once per step (the checks share it). */
  stored(walletId: string): Promise<WalletView | undefined> {
    let view = this.storedViews.get(walletId);
    if (view === undefined) {
      view = this.inner.getView(walletId);
      this.storedViews.set(walletId, view);
    }
    return view;
  }

  /** A new step: nothing touched yet. */
  newStep(): void {
    this.freshReads();
    this.touched.clear();
  }

  /** Views are read again (the op may have written them). */
  freshReads(): void {
    this.storedViews.clear();
  }

  /** The fold of a log from zero, once per log read. */
  fold(walletId: string, log: StoredEvent[]): WalletView {
    let fold = this.folds.get(log);
    if (fold === undefined) {
      fold = this.system.fold(walletId, log);
      this.folds.set(log, fold);
    }
    return fold;
  }

  /**
   * True when check `name` passed on `walletId` with the same `key` (what its answer depends on)
   * before: checks are pure functions of the log and the stored view, so it would pass again.
   */
  unchanged(name: string, walletId: string, key: string): boolean {
    return this.passed.get(`${name}\u0000${walletId}`) === key;
  }

  /** What check `name` last remembered for `walletId`. */
  checked(name: string, walletId: string): string | undefined {
    return this.passed.get(`${name}\u0000${walletId}`);
  }

  remember(name: string, walletId: string, key: string): void {
    this.passed.set(`${name}\u0000${walletId}`, key);
  }

  /** Wallets the model or the store knows. */
  knownWallets(): string[] {
    return this.walletIds;
  }

  expectedBalance(walletId: string): bigint {
    let total = 0n;
    for (const deposit of this.model.deposits.values()) {
      if (deposit.walletId === walletId) total += deposit.effective ?? 0n;
    }
    return total + this.trading.movedOf(walletId, 'money');
  }

  expectedPoints(walletId: string): bigint {
    let total = 0n;
    for (const fact of this.model.facts.values()) if (fact.walletId === walletId) total += fact.points;
    return total + this.trading.movedOf(walletId, 'points');
  }

  violation(invariant: string, detail: string): void {
    if (KNOWN_ISSUES[invariant] !== undefined && !this.strict) {
      this.known.set(invariant, {
        count: (this.known.get(invariant)?.count ?? 0) + 1,
        example: this.known.get(invariant)?.example ?? detail,
      });
      return;
    }
    this.violations.push({ invariant, detail });
  }
}

/** What identifies a CloudEvent's payload for idempotency (the fields ingest hashes). */
export const payloadOf = (event: CloudEvent): string =>
  canonicalJson({
    source: event.source,
    type: event.type,
    subject: event.subject,
    time: event.time ?? null,
    data: event.data ?? null,
  });

/** The sim's own oracle of the default rules (rules/tally.rules.yaml): 250 a like, 5 a unit of a trade ≥ 10. */
export function pointsOf(type: string, dataJson: string): bigint {
  const data = JSON.parse(dataJson) as { qty?: unknown };
  if (type === 'answer_is_liked') return 250n;
  if (type === 'trade' && typeof data?.qty === 'number' && data.qty >= 10) return BigInt(data.qty) * 5n;
  return 0n;
}
