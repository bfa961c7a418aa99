import { chainProblem } from '#adapters/dynamodb/chain-check.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import {
  type AppendGroupOutcome,
  type AppendGroupRequest,
  type AppendOutcome,
  type AppendRequest,
  type AppendTogetherOutcome,
  type AppendTogetherRequest,
  type ChainWalk,
  type EventRef,
  type EventStore,
  type IdempotencyRecord,
  LANES_MAX,
  type RecordedPage,
  type RecordedPageRequest,
  type StreamHead,
  VersionConflictError,
  type WalletPageRequest,
} from '#ports/event-store.ts';
import type { PutViewOptions, ReadModelStore } from '#ports/read-models.ts';
import { appendGroupsInTurn, findEach } from './in-memory-append-groups.ts';
import { InMemoryReadIndexes } from './in-memory-read-indexes.ts';
import { InMemoryTradingIndex } from './in-memory-trading-index.ts';

/** Same bound as the DynamoDB adapter: 100 items per transaction, two of them key and lane registration. */
const EVENTS_PER_APPEND_MAX = 98;

export type StoredEvent = RecordedEvent & { hash: string; prevHash: string };

/**
 * An in-memory EventStore and ReadModelStore with the semantics of the DynamoDB adapter:
 * - each lane of a wallet is a dense, hash-chained stream whose versions are claimed by create-only
 *   puts; a lost version reports the event that took it (`taken`, like ALL_OLD on the first put);
 * - the idempotency record is written atomically with the events, and a used key wins over a taken
 *   version (the adapter reads the key's cancellation reason first);
 * - appending version 1 of a lane other than 0 registers it first, so `lanes()` lists it even if
 *   nothing is written after (a key already used, a lost race), as on DynamoDB; a lost race there
 *   reports the registered lanes (`registered`);
 * - reads are paged (`pageSize`) and each page sees the store as it is when the page is asked for;
 * - a view is written only if it holds more events than the stored one, or another threshold rule.
 * Everything handed out is a copy, so callers cannot edit the store.
 */
export class InMemoryEventStore implements EventStore, ReadModelStore {
  protected readonly wallets = new Map<string, Map<number, StoredEvent[]>>();
  protected readonly keys = new Map<string, IdempotencyRecord>();
  private readonly views = new Map<string, WalletView>();
  /** The offer book and expiry index, written with the events that change them. */
  readonly tradingIndex = new InMemoryTradingIndex();
  /** Award ranges and correction links, written with the events they describe. */
  readonly indexes = new InMemoryReadIndexes();
  readonly pageSize: number;

  constructor(options: { pageSize?: number } = {}) {
    this.pageSize = options.pageSize ?? 500;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new Error('pageSize must be >= 1');
  }

  protected lane(walletId: string, lane: number): StoredEvent[] {
    return this.wallets.get(walletId)?.get(lane) ?? [];
  }

  async head(walletId: string, lane: number): Promise<StreamHead> {
    const last = this.lane(walletId, lane).at(-1);
    return last === undefined ? { version: 0, hash: '' } : { version: last.version, hash: last.hash };
  }

  /** As DynamoDB's with LANE_DISCOVERY (what deposit and ingest are handed): both in one call. */
  async headAndLanes(walletId: string): Promise<{ head: StreamHead; lanes: number[] }> {
    return { head: await this.head(walletId, 0), lanes: await this.lanes(walletId) };
  }

  /** As DynamoDB's with LANE_ZERO_READS (what the folding reads are handed): the registry and lane 0's last `count` events in one call. */
  async tailAndLanes(walletId: string, count: number): Promise<{ tail: RecordedEvent[]; lanes: number[] }> {
    return {
      tail: this.lane(walletId, 0).slice(-count).map(withoutHashes),
      lanes: await this.lanes(walletId),
    };
  }

  /**
   * As DynamoDB's: every lane's events and lane 0's head as this read found it. Lane by lane, each
   * a turn apart (another writer may append between them, as between DynamoDB's pages).
   */
  async walletAndHead(walletId: string): Promise<{ events: RecordedEvent[]; head: StreamHead }> {
    const events: RecordedEvent[] = [];
    let head: StreamHead = { version: 0, hash: '' };
    for (const lane of await this.lanes(walletId)) {
      await Promise.resolve();
      const stored = this.lane(walletId, lane);
      const last = stored.at(-1);
      if (lane === 0 && last !== undefined) head = { version: last.version, hash: last.hash };
      events.push(...stored.map(withoutHashes));
    }
    return { events, head };
  }

  async lanes(walletId: string): Promise<number[]> {
    const lanes = new Set([0, ...(this.wallets.get(walletId)?.keys() ?? [])]);
    return [...lanes].sort((a, b) => a - b);
  }

  async append(request: AppendRequest): Promise<AppendOutcome> {
    const { walletId, lane, expected, events, idempotency } = request;
    if (events.length === 0 || events.length > EVENTS_PER_APPEND_MAX) {
      throw new Error(`append: 1 to ${EVENTS_PER_APPEND_MAX} events per call, got ${events.length}`);
    }
    if (!Number.isInteger(lane) || lane < 0 || lane >= LANES_MAX) throw new Error(`append: no lane ${lane}`);
    const registered = lane > 0 && expected.version === 0 ? this.registerFirst(walletId, lane) : undefined;
    const stream = this.lane(walletId, lane);
    if (expected.version > stream.length) {
      // DynamoDB would accept this and leave a hole; here it is the programmer error it is.
      throw new Error(`append: expected version ${expected.version} is past the head ${stream.length}`);
    }
    if (idempotency) {
      const existing = this.keys.get(idempotency.key);
      if (existing !== undefined) {
        const record = structuredClone(existing);
        return existing.payloadHash === idempotency.payloadHash
          ? { kind: 'duplicate', record }
          : { kind: 'key-reused', record };
      }
    }
    const winner = stream[expected.version];
    if (winner !== undefined) {
      throw new VersionConflictError(
        walletId,
        lane,
        expected.version,
        'version-taken',
        { version: winner.version, hash: winner.hash, recordedAtMs: winner.recordedAtMs },
        registered,
      );
    }

    const { recorded, head } = this.write(
      walletId,
      lane,
      expected,
      events,
      idempotency && (idempotency.reference ?? idempotency.key),
    );
    if (idempotency) {
      this.keys.set(idempotency.key, {
        key: idempotency.key,
        payloadHash: idempotency.payloadHash,
        walletId,
        versions: recorded.map((event) => event.version),
        eventIds: recorded.map((event) => event.eventId),
        response: { ...idempotency.response },
        recordedAtMs: events[0]?.recordedAtMs ?? 0,
      });
    }
    this.tradingIndex.apply(request.index ?? []);
    this.indexes.apply(request.index ?? []);
    return { kind: 'appended', events: recorded.map(withoutHashes), head };
  }

  /** As the DynamoDB adapter's registerFirst: registers `lane` (if new) and answers the registered lanes. */
  private registerFirst(walletId: string, lane: number): number[] {
    const lanes = this.wallets.get(walletId) ?? new Map<number, StoredEvent[]>();
    if (!lanes.has(lane)) lanes.set(lane, []);
    this.wallets.set(walletId, lanes);
    return [...new Set([0, ...lanes.keys()])].sort((a, b) => a - b);
  }

  /** Chains `events` onto the lane after `expected` (checked by the caller). */
  protected write(
    walletId: string,
    lane: number,
    expected: StreamHead,
    events: AppendRequest['events'],
    idempotencyKey: string | undefined,
  ): { recorded: StoredEvent[]; head: StreamHead } {
    const stream = this.lane(walletId, lane);
    let prevHash = expected.hash;
    const recorded: StoredEvent[] = events.map((event, index) => {
      const stored: RecordedEvent = {
        ...structuredClone(event),
        walletId,
        lane,
        version: expected.version + 1 + index,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      };
      const hash = eventHash(prevHash, stored);
      const withHash = { ...stored, hash, prevHash };
      prevHash = hash;
      return withHash;
    });
    const lanes = this.wallets.get(walletId) ?? new Map<number, StoredEvent[]>();
    lanes.set(lane, [...stream, ...recorded]);
    this.wallets.set(walletId, lanes);
    return { recorded, head: { version: expected.version + recorded.length, hash: prevHash } };
  }

  /** As the DynamoDB adapter: one transaction, so every head is checked before anything is written. */
  async appendTogether(request: AppendTogetherRequest): Promise<AppendTogetherOutcome> {
    const { appends, idempotency } = request;
    const walletIds = appends.map((append) => append.walletId);
    if (appends.length < 2 || new Set(walletIds).size !== appends.length) {
      throw new Error('appendTogether: two or more distinct wallets');
    }
    const total = appends.reduce((sum, append) => sum + append.events.length, 0);
    if (appends.some((append) => append.events.length === 0) || total > EVENTS_PER_APPEND_MAX) {
      throw new Error(`appendTogether: 1 or more events per wallet, ${EVENTS_PER_APPEND_MAX} at most in all`);
    }
    if (idempotency) {
      const existing = this.keys.get(idempotency.key);
      if (existing !== undefined) {
        const record = structuredClone(existing);
        return existing.payloadHash === idempotency.payloadHash
          ? { kind: 'duplicate', record }
          : { kind: 'key-reused', record };
      }
    }
    for (const { walletId, expected } of appends) {
      const stream = this.lane(walletId, 0);
      if (expected.version > stream.length) {
        throw new Error(
          `appendTogether: expected version ${expected.version} is past the head ${stream.length}`,
        );
      }
      const winner = stream[expected.version];
      if (winner !== undefined) {
        throw new VersionConflictError(walletId, 0, expected.version, 'version-taken', {
          version: winner.version,
          hash: winner.hash,
          recordedAtMs: winner.recordedAtMs,
        });
      }
    }
    // Nothing below awaits or throws: all of it lands, or (above) none of it.
    const appended: { walletId: string; events: RecordedEvent[]; head: StreamHead }[] = [];
    for (const { walletId, expected, events } of appends) {
      const { recorded, head } = this.write(
        walletId,
        0,
        expected,
        events,
        idempotency && (idempotency.reference ?? idempotency.key),
      );
      appended.push({ walletId, events: recorded.map(withoutHashes), head });
    }
    if (idempotency) {
      const all = appended.flatMap((append) => append.events);
      this.keys.set(idempotency.key, {
        key: idempotency.key,
        payloadHash: idempotency.payloadHash,
        walletId: walletIds[0] as string,
        versions: all.map((event) => event.version),
        eventIds: all.map((event) => event.eventId),
        response: { ...idempotency.response },
        recordedAtMs: all[0]?.recordedAtMs ?? 0,
      });
    }
    this.tradingIndex.apply(request.index ?? []);
    this.indexes.apply(request.index ?? []);
    return { kind: 'appended', appended };
  }

  /** As the DynamoDB adapter (append-group.ts): every used key reported, else the version checked. */
  async appendGroup(request: AppendGroupRequest): Promise<AppendGroupOutcome> {
    const { walletId, lane, expected, parts } = request;
    if (!Number.isInteger(lane) || lane < 0 || lane >= LANES_MAX)
      throw new Error(`appendGroup: no lane ${lane}`);
    if (parts.length === 0 || parts.some((part) => part.events.length === 0)) {
      throw new Error('appendGroup: one or more parts, each with one or more events');
    }
    const keys = parts.flatMap((part) => (part.idempotency ? [part.idempotency.key] : []));
    const items = parts.reduce((sum, part) => sum + part.events.length + (part.index?.length ?? 0), 0);
    // DynamoDB refuses two operations on one item, and more than 100 items, in one transaction.
    if (new Set(keys).size !== keys.length) throw new Error('appendGroup: one key twice in a transaction');
    if (items + keys.length + 1 > 100) throw new Error('appendGroup: more than 100 items');
    const taken = parts.flatMap((part, index) => {
      const record = part.idempotency && this.keys.get(part.idempotency.key);
      return record ? [{ part: index, record: structuredClone(record) }] : [];
    });
    if (taken.length > 0) return { kind: 'keys-taken', taken };
    const stream = this.lane(walletId, lane);
    if (expected.version > stream.length) {
      throw new Error(`appendGroup: expected version ${expected.version} is past the head ${stream.length}`);
    }
    const winner = stream[expected.version];
    if (winner !== undefined) {
      throw new VersionConflictError(walletId, lane, expected.version, 'version-taken', {
        version: winner.version,
        hash: winner.hash,
        recordedAtMs: winner.recordedAtMs,
      });
    }
    // Nothing below awaits or throws: all of it lands, or (above) none of it.
    let head = expected;
    const recordedParts = parts.map((part) => {
      const written = this.write(
        walletId,
        lane,
        head,
        part.events,
        part.idempotency && (part.idempotency.reference ?? part.idempotency.key),
      );
      head = written.head;
      if (part.idempotency) {
        this.keys.set(part.idempotency.key, {
          key: part.idempotency.key,
          payloadHash: part.idempotency.payloadHash,
          walletId,
          versions: written.recorded.map((event) => event.version),
          eventIds: written.recorded.map((event) => event.eventId),
          response: { ...part.idempotency.response },
          recordedAtMs: part.events[0]?.recordedAtMs ?? 0,
        });
      }
      this.tradingIndex.apply(part.index ?? []);
      this.indexes.apply(part.index ?? []);
      return written.recorded.map(withoutHashes);
    });
    return { kind: 'appended', parts: recordedParts, head };
  }

  /** As append-groups.ts, group after group (in-memory-append-groups.ts); and a look-up per key. */
  appendGroups = (requests: readonly AppendGroupRequest[]) => appendGroupsInTurn(this, requests);
  findIdempotencies = (keys: readonly string[]) => findEach(this.keys, keys);

  async *read(
    walletId: string,
    lane: number,
    range: { fromVersion?: number; toVersion?: number } = {},
  ): AsyncGenerator<RecordedEvent[]> {
    const fromVersion = Math.max(1, range.fromVersion ?? 1);
    const toVersion = range.toVersion ?? Number.MAX_SAFE_INTEGER;
    for (let version = fromVersion; version <= toVersion; ) {
      const stream = this.lane(walletId, lane);
      const lastVersion = Math.min(toVersion, stream.length, version + this.pageSize - 1);
      if (lastVersion < version) return;
      yield stream.slice(version - 1, lastVersion).map(withoutHashes);
      version = lastVersion + 1;
    }
  }

  async readEvents(refs: readonly EventRef[]): Promise<RecordedEvent[]> {
    const found = new Map<string, RecordedEvent>();
    for (const { walletId, lane, version } of refs) {
      const event = this.lane(walletId, lane)[version - 1];
      if (event !== undefined) found.set(`${walletId}|${lane}|${version}`, withoutHashes(event));
    }
    return [...found.values()];
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const record = this.keys.get(key);
    return record === undefined ? undefined : structuredClone(record);
  }

  async ping(): Promise<void> {}

  /** Wallets in insertion order, split round-robin into segments; `pageSize` wallets a page. */
  async walletIds(page: WalletPageRequest): Promise<{ walletIds: string[]; nextCursor: string | null }> {
    const inSegment = [...this.wallets.keys()]
      .filter((walletId) => (this.wallets.get(walletId)?.get(0)?.length ?? 0) > 0)
      .filter((_walletId, index) => index % page.segments === page.segment);
    const start = page.cursor === null ? 0 : Number(page.cursor);
    const walletIds = inSegment.slice(start, start + this.pageSize);
    const next = start + walletIds.length;
    return { walletIds, nextCursor: next < inSegment.length ? String(next) : null };
  }

  /**
   * Every event of every lane in insertion order of wallets, split round-robin by wallet into
   * segments; a page reads `pageSize` events (matched or not: `scanned`), as a Scan page reads
   * items before its filter. Events as readEvents answers them.
   */
  async recordedBetween(page: RecordedPageRequest): Promise<RecordedPage> {
    const inSegment = [...this.wallets.entries()]
      .filter((_entry, index) => index % page.segments === page.segment)
      .flatMap(([, lanes]) => [...lanes.values()].flat());
    const start = page.cursor === null ? 0 : Number(page.cursor);
    const read = inSegment.slice(start, start + this.pageSize);
    const next = start + read.length;
    return {
      events: read
        .filter((event) => event.recordedAtMs >= page.fromMs && event.recordedAtMs < page.toMs)
        .map(withoutHashes),
      scanned: read.length,
      nextCursor: next < inSegment.length ? String(next) : null,
    };
  }

  /** The same checks as the DynamoDB adapter, over what this store holds. */
  async verify(
    walletId: string,
    from?: ReadonlyMap<number, StreamHead>,
    known?: readonly number[],
  ): Promise<ChainWalk> {
    const lanes = known ?? (await this.lanes(walletId));
    let events = 0;
    const heads = new Map<number, StreamHead>();
    for (const lane of lanes) {
      const start = from?.get(lane) ?? { version: 0, hash: '' };
      let prevHash: string | undefined = start.version > 0 ? undefined : '';
      const stream = this.wallets.get(walletId)?.get(lane) ?? [];
      if (stream.length < start.version) {
        return {
          ok: false,
          lane,
          version: start.version,
          reason: `version ${start.version}, verified before, is missing (the lane's tail was removed)`,
          eventsChecked: events,
        };
      }
      for (const [index, event] of stream.entries()) {
        if (index + 1 < start.version) continue;
        const broken = (reason: string): ChainWalk => ({
          ok: false,
          lane,
          version: index + 1,
          reason,
          eventsChecked: events,
        });
        if (event.version !== index + 1) return broken('version missing');
        const problem = chainProblem(event, prevHash, start);
        if (problem !== undefined) return broken(problem);
        prevHash = event.hash;
        events++;
      }
      const last = stream.at(-1);
      heads.set(
        lane,
        last === undefined ? { version: 0, hash: '' } : { version: last.version, hash: last.hash },
      );
    }
    return { ok: true, lanes: lanes.length, events, heads };
  }

  async getView(walletId: string): Promise<WalletView | undefined> {
    const view = this.views.get(walletId);
    return view === undefined ? undefined : structuredClone(view);
  }

  async putView(view: WalletView, options: PutViewOptions = {}): Promise<'written' | 'stale'> {
    const stored = this.views.get(view.walletId);
    if (options.onlyIfAbsent && stored !== undefined) return 'stale';
    // As the DynamoDB adapter: only a proper superset of the stored view (every lane at least as
    // far, more events), or a view under another threshold rule, replaces it.
    const write =
      stored === undefined ||
      stored.thresholdMinor !== view.thresholdMinor ||
      stored.windowMs !== view.windowMs ||
      ((options.replaceEqual ? stored.eventCount <= view.eventCount : stored.eventCount < view.eventCount) &&
        stored.lanes.length <= view.lanes.length &&
        stored.lanes.every((version, lane) => version <= (view.lanes[lane] ?? 0)));
    if (!write) return 'stale';
    this.views.set(view.walletId, structuredClone(view));
    return 'written';
  }

  async getViews(walletIds: readonly string[]): Promise<Map<string, WalletView>> {
    const found = new Map<string, WalletView>();
    for (const walletId of walletIds) {
      const view = await this.getView(walletId);
      if (view !== undefined) found.set(walletId, view);
    }
    return found;
  }

  async putViews(views: readonly WalletView[]): Promise<('written' | 'stale')[]> {
    const outcomes: ('written' | 'stale')[] = [];
    for (const view of views) outcomes.push(await this.putView(view, { replaceEqual: true }));
    return outcomes;
  }

  /** Test access: every event of the wallet with its hash chain, lane by lane, in version order. */
  storedEvents(walletId: string): StoredEvent[] {
    const lanes = this.wallets.get(walletId) ?? new Map<number, StoredEvent[]>();
    return [...lanes.keys()].sort((a, b) => a - b).flatMap((lane) => structuredClone(lanes.get(lane) ?? []));
  }

  /** Test access: how many events the store holds across all wallets. */
  eventCount(): number {
    return [...this.wallets.values()].flatMap((lanes) => [...lanes.values()]).flat().length;
  }
}

export function withoutHashes(event: StoredEvent): RecordedEvent {
  const { hash: _hash, prevHash: _prevHash, ...recorded } = event;
  return structuredClone(recorded);
}
