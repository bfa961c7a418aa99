import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedEvent } from '#domain/wallet.ts';
import {
  type AppendGroupOutcome,
  type AppendGroupRequest,
  type AppendGroupsResult,
  type AppendOutcome,
  type AppendRequest,
  type AppendTogetherGroupOutcome,
  type AppendTogetherGroupRequest,
  type AppendTogetherOutcome,
  type AppendTogetherRequest,
  type ChainWalk,
  type EventRef,
  type EventStore,
  type IdempotencyRecord,
  LANES_MAX,
  type StreamHead,
  VersionConflictError,
  type WalletPageRequest,
} from '#ports/event-store.ts';
import type { IndexChange } from '#ports/trading-index.ts';
import type { AppendKinds } from './append-kinds.ts';
import { usedKeyRecord, versionTaken } from './cancellation.ts';
import { type IndexItems, type IndexItemWriter, indexItemCount, indexTransactItems } from './index-items.ts';
import { queryEvents, READ_PAGE_SIZE } from './query-events.ts';
import { DynamoReadIndexes, markIndexed } from './read-indexes.ts';
import { fromEventItem, fromEventItems } from './table-layout/event-item.ts';
import { fromIdempotencyItem } from './table-layout/idempotency-item.ts';
import {
  eventSk,
  IDEMPOTENCY_SK,
  idempotencyPk,
  isShardLane,
  LANES_SK,
  lanePk,
  laneSkPrefix,
  VERSION_MAX,
  walletPk,
} from './table-layout/keys.ts';
import { fromLanesItem, registerLane } from './table-layout/lanes-item.ts';
import { chainEvents, keyPut, keyReference, type TransactItems } from './transact-puts.ts';
import { writeItems } from './write-items.ts';

/** DynamoDB allows 100 items per transaction; two slots are the idempotency record and the lane registration (append-group.ts). */
export const EVENTS_PER_APPEND_MAX = 98;
export { READ_PAGE_SIZE };

/**
 * The DynamoDB event store with the single-lane append and every read. The other append kinds
 * (two wallets together, group commit, cross-wallet groups) live in modules of their own and are
 * handed in (`kinds`, or later `plug`): a function bundles only the kinds its composition names.
 * An optional kind not handed in is absent, as the port allows (its callers then append alone);
 * `appendTogether`, which the port requires, throws when missing — a composition bug the bundle
 * test (test/unit/bench/append-kinds-bundled.test.ts) catches. event-store.ts is the store with
 * every kind (tests, benches, the CLI).
 */
export class DynamoEventStoreBase implements EventStore {
  readonly indexes: DynamoReadIndexes;
  /** Several commands' events on one lane in one TransactWriteItems (see append-group.ts). */
  appendGroup?: (request: AppendGroupRequest) => Promise<AppendGroupOutcome>;
  /** One-wallet groups of distinct wallets in as few TransactWriteItems as fit (see append-groups.ts). */
  appendGroups?: (requests: readonly AppendGroupRequest[]) => Promise<AppendGroupsResult[]>;
  /** Several keys' records in BatchGetItem requests (see append-groups.ts). */
  findIdempotencies?: (keys: readonly string[]) => Promise<Map<string, IdempotencyRecord>>;
  /** Two-wallet commands' parts on lane 0 of several wallets in one transaction. */
  appendTogetherGroup?: (request: AppendTogetherGroupRequest) => Promise<AppendTogetherGroupOutcome>;
  /** Events by their exact keys, in BatchGetItem requests (see read-event-refs.ts). */
  readEvents?: (refs: readonly EventRef[]) => Promise<RecordedEvent[]>;
  /** Several wallets' lane registries in BatchGetItem requests (wallet-lanes.ts), when handed in. */
  lanesOf?: (walletIds: readonly string[]) => Promise<Map<string, number[]>>;
  /** Lane 0's head and the lane registry in one Query (head-and-lanes.ts), when handed in. */
  headAndLanes?: (walletId: string) => Promise<{ head: StreamHead; lanes: number[] }>;
  /** The lane registry and lane 0's last events in one Query (head-and-lanes.ts), when handed in. */
  tailAndLanes?: (
    walletId: string,
    count: number,
  ) => Promise<{ tail: RecordedEvent[] | undefined; lanes: number[] }>;
  /** A lane's registration before its version 1 (register-first.ts), when handed in. */
  private registerFirst: AppendKinds['registerFirst'];
  private together: AppendKinds['appendTogether'];
  /** The wallet listing and the chain walk, when handed in; else loaded on first use (below). */
  private scanWalletIds: AppendKinds['scanWalletIds'];
  private verifyLanes: AppendKinds['verifyLanes'];
  /** The offer, expiry and payment item writer the kinds handed in name (index-items.ts). */
  private indexWriter: IndexItemWriter | undefined;
  /** Every append's index items: the read indexes', and the trading kinds' through indexWriter. */
  private readonly indexItems: IndexItems = (changes) =>
    indexTransactItems(this.tableName, changes, this.indexWriter);

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    kinds: AppendKinds = {},
  ) {
    this.indexes = new DynamoReadIndexes(client, tableName);
    this.plug(kinds);
  }

  /** Adds append kinds (one process may host several functions: the local runtime). */
  plug(kinds: AppendKinds): void {
    const { client, tableName, indexItems } = this;
    const find = (key: string) => this.findIdempotency(key);
    const writer = kinds.indexItems;
    const before = this.indexWriter;
    // Kinds add up (the local runtime): a change the new writer does not take goes to the one before.
    if (writer !== undefined)
      this.indexWriter =
        before === undefined
          ? writer
          : (table: string, change: IndexChange) => writer(table, change) ?? before(table, change);
    const { appendGroup, appendGroups, findIdempotencies, appendTogetherGroup, readEvents } = kinds;
    if (kinds.appendTogether !== undefined) this.together = kinds.appendTogether;
    if (kinds.scanWalletIds !== undefined) this.scanWalletIds = kinds.scanWalletIds;
    if (kinds.verifyLanes !== undefined) this.verifyLanes = kinds.verifyLanes;
    if (appendGroup !== undefined)
      this.appendGroup = (request) => appendGroup(client, tableName, request, find, indexItems);
    if (appendGroups !== undefined)
      this.appendGroups = (requests) => appendGroups(client, tableName, requests, indexItems);
    if (findIdempotencies !== undefined)
      this.findIdempotencies = (keys) => findIdempotencies(client, tableName, keys);
    if (appendTogetherGroup !== undefined)
      this.appendTogetherGroup = (request) =>
        appendTogetherGroup(client, tableName, request, find, indexItems);
    if (readEvents !== undefined) this.readEvents = (refs) => readEvents(client, tableName, refs);
    const { walletLanes } = kinds;
    if (walletLanes !== undefined) this.lanesOf = (walletIds) => walletLanes(client, tableName, walletIds);
    const { headAndLanes } = kinds;
    if (headAndLanes !== undefined)
      this.headAndLanes = (walletId) =>
        headAndLanes(client, tableName, walletId, () => this.head(walletId, 0));
    const { tailAndLanes } = kinds;
    if (tailAndLanes !== undefined)
      this.tailAndLanes = (walletId, count) => tailAndLanes(client, tableName, walletId, count);
    this.registerFirst = kinds.registerFirst ?? this.registerFirst;
  }

  async head(walletId: string, lane: number): Promise<StreamHead> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': lanePk(walletId, lane), ':prefix': laneSkPrefix(lane) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = result.Items?.[0];
    if (item === undefined) return { version: 0, hash: '' };
    const last = await fromEventItem(item);
    return { version: last.version, hash: last.hash };
  }

  async lanes(walletId: string): Promise<number[]> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: walletPk(walletId), sk: LANES_SK },
        ConsistentRead: true,
      }),
    );
    return fromLanesItem(result.Item);
  }

  async append(request: AppendRequest): Promise<AppendOutcome> {
    const { walletId, lane, expected, events, idempotency } = request;
    if (events.length === 0 || events.length > EVENTS_PER_APPEND_MAX) {
      throw new Error(`append: 1 to ${EVENTS_PER_APPEND_MAX} events per call, got ${events.length}`);
    }
    if (events.length + indexItemCount(request.index) > EVENTS_PER_APPEND_MAX) {
      throw new Error(`append: ${EVENTS_PER_APPEND_MAX} events and index items at most per call`);
    }
    if (!Number.isInteger(lane) || lane < 0 || lane >= LANES_MAX) throw new Error(`append: no lane ${lane}`);
    // The version lock is the event item itself: its sort key is the version, and it may only be
    // created (transact-puts.ts). The idempotency record rides in the same transaction, so it exists
    // iff the events do. On a lost race the winner's event comes back, so the retry can follow it.
    const transactItems: TransactItems = [];
    const { recorded, head } = chainEvents(
      this.tableName,
      transactItems,
      walletId,
      lane,
      expected,
      events,
      keyReference(idempotency),
    );
    // Index items after the events (a lost race reports the first event) and before the key (last).
    transactItems.push(...this.indexItems(request.index));
    markIndexed(transactItems, request.index);
    // Opening a lane registers it, so readers know to look there: before the append, outside the
    // transaction, when the composition hands in registerFirst (a lost race then comes back with
    // the registry); else in the transaction (ADD to a set commutes with writers opening others).
    let registered: number[] | undefined;
    if (lane > 0 && expected.version === 0) {
      registered = await this.registerFirst?.(this.client, this.tableName, walletId, lane);
      if (!registered)
        transactItems.push({ Update: { TableName: this.tableName, ...registerLane(walletId, lane) } });
    }
    if (idempotency) transactItems.push(keyPut(this.tableName, idempotency, walletId, recorded));

    try {
      await writeItems(this.client, transactItems);
      return { kind: 'appended', events: recorded, head };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const keyReason = idempotency ? reasons[transactItems.length - 1] : undefined;
      if (idempotency && keyReason?.Code === 'ConditionalCheckFailed') {
        const record = await usedKeyRecord(
          keyReason,
          idempotency.key,
          (key) => this.findIdempotency(key),
          'append',
        );
        return record.payloadHash === idempotency.payloadHash
          ? { kind: 'duplicate', record }
          : { kind: 'key-reused', record };
      }
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        const winner = reasons[0]?.Code === 'ConditionalCheckFailed' ? reasons[0].Item : undefined;
        throw await versionTaken(walletId, lane, expected.version, winner, registered);
      }
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
        throw new VersionConflictError(walletId, lane, expected.version, 'transaction-conflict');
      }
      throw error;
    }
  }

  /** Lane 0 of several wallets in one TransactWriteItems (see append-together.ts). */
  appendTogether(request: AppendTogetherRequest): Promise<AppendTogetherOutcome> {
    if (this.together === undefined) {
      throw new Error('appendTogether: this event store was built without it (composition/adapters.ts)');
    }
    return this.together(
      this.client,
      this.tableName,
      request,
      (key) => this.findIdempotency(key),
      this.indexItems,
    );
  }

  async *read(
    walletId: string,
    lane: number,
    range: { fromVersion?: number; toVersion?: number } = {},
  ): AsyncGenerator<RecordedEvent[]> {
    const fromVersion = Math.max(1, range.fromVersion ?? 1);
    const toVersion = Math.min(range.toVersion ?? VERSION_MAX, VERSION_MAX);
    if (toVersion < fromVersion) return;
    let startKey: Record<string, unknown> | undefined;
    let expectedVersion = fromVersion;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': lanePk(walletId, lane),
            ':from': eventSk(lane, fromVersion),
            ':to': eventSk(lane, toVersion),
          },
          ConsistentRead: true,
          Limit: READ_PAGE_SIZE,
          ExclusiveStartKey: startKey,
        }),
      );
      const page = await fromEventItems(result.Items ?? []);
      for (const event of page) {
        // Versions are dense by construction (each append claims the next sort key); a hole
        // here means the table was edited by hand.
        if (event.version !== expectedVersion) {
          throw new Error(
            `read: wallet ${walletId} has no version ${expectedVersion} (found ${event.version})`,
          );
        }
        expectedVersion++;
      }
      if (page.length > 0) yield page;
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /**
   * The whole log: one paged Query over the wallet's own partition (lane 0 and the lanes 1–31,
   * every lane in lane and version order), which also returns the lane registry (its sort key,
   * LANES, sorts after every EVENT#), so no request is added for it. Only a wallet whose registry
   * names shard lanes (keys.ts, LANE_SHARDS_FROM) pays one more Query per shard, all at once.
   * Each lane must be dense from version 1.
   */
  async readWallet(walletId: string): Promise<RecordedEvent[]> {
    const own = await queryEvents(this.client, this.tableName, walletId, walletPk(walletId), LANES_SK);
    const shards = fromLanesItem(own.registry).filter(isShardLane);
    if (shards.length === 0) return own.events;
    const sharded = await Promise.all(
      shards.map((lane) =>
        queryEvents(this.client, this.tableName, walletId, lanePk(walletId, lane), laneSkPrefix(lane + 1)),
      ),
    );
    return [...own.events, ...sharded.flatMap((shard) => shard.events)];
  }

  /**
   * Loaded on first use unless handed in (the checkpoint sweep: AppendKinds): only the verify
   * route, the checkpoint sweep and the jobs verify walk chains, so every writer's bundle leaves
   * the chain walk out (its first call in a container loads ~1.4 KB).
   */
  async verify(
    walletId: string,
    from?: ReadonlyMap<number, StreamHead>,
    known?: readonly number[],
  ): Promise<ChainWalk> {
    const [verifyLanes, lanes] = await Promise.all([
      this.verifyLanes ?? import('./verify-lanes.ts').then((module) => module.verifyLanes),
      known ?? this.lanes(walletId),
    ]);
    return verifyLanes(this.client, this.tableName, walletId, lanes, from);
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: idempotencyPk(key), sk: IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    );
    return result.Item === undefined ? undefined : fromIdempotencyItem(result.Item);
  }

  /** Loaded on first use unless handed in, as verify is: only the replay jobs and the checkpoint sweep list wallets. */
  async walletIds(page: WalletPageRequest): Promise<{ walletIds: string[]; nextCursor: string | null }> {
    const scan = this.scanWalletIds ?? (await import('./wallet-ids.ts')).scanWalletIds;
    return scan(this.client, this.tableName, page);
  }

  async ping(): Promise<void> {
    await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }),
    );
  }
}
