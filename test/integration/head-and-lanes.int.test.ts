import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { randomIds, systemClock } from '../../functions/adapters/clock.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { walletPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { LANE_ZERO_TAIL, readAll, readWallet } from '../../functions/app/read-events.ts';
import { HOT_LANES_FROM, isVersionConflict, type NewEvent } from '../../functions/ports/event-store.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

/**
 * `headAndLanes` on DynamoDB Local: lane 0's head and the lane registry in one Query, equal to
 * `head(walletId, 0)` and `lanes(walletId)` asked apart, whatever else the wallet's partition holds;
 * `tailAndLanes`: the registry and lane 0's newest events in one Query, equal to lane 0 read apart;
 * `walletAndHead`: the whole log and lane 0's head, equal to readWallet and head asked apart;
 * and 16 separate producers new to one wallet on the real store, their lost races counted.
 */

let table: CountedStoreTable;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
let tableName: string;

beforeAll(async () => {
  table = await countedStoreTable('tally-int-heads');
  ({ documents, store, tableName } = table);
});

afterAll(() => table?.drop());

const newWallet = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;
let counter = 0;
const deposit = (): NewEvent => ({
  type: 'Deposited',
  data: { amountMinor: 100n, occurredAtMs: 1_700_000_000_000 + counter },
  eventId: `heads-${++counter}`,
  recordedAtMs: 1_700_000_000_000 + counter,
});
const append = async (walletId: string, lane: number) =>
  store.append({ walletId, lane, expected: await store.head(walletId, lane), events: [deposit()] });

/** headAndLanes, with the Queries it sent, beside head and lanes asked apart. */
async function both(walletId: string) {
  const before = table.sent('QueryCommand');
  const together = await store.headAndLanes(walletId);
  const sent = table.sent('QueryCommand') - before;
  return {
    together,
    sent,
    apart: { head: await store.head(walletId, 0), lanes: await store.lanes(walletId) },
  };
}

describe('headAndLanes', () => {
  it('answers a new wallet: lane 0 empty, no other lane, in one Query', async () => {
    const { together, sent, apart } = await both(newWallet('empty'));
    expect(together).toEqual({ head: { version: 0, hash: '' }, lanes: [0] });
    expect(together).toEqual(apart);
    expect(sent).toBe(1);
  });

  it('finds lane 0 head and the hot lanes in one Query, also past the legacy read-index marker', async () => {
    const walletId = newWallet('hot');
    for (let i = 0; i < 3; i++) await append(walletId, 0);
    let answer = await both(walletId);
    expect(answer.together).toEqual(answer.apart);
    expect(answer.together.head.version).toBe(3);
    expect(answer.sent).toBe(1);
    await append(walletId, HOT_LANES_FROM + 8);
    await append(walletId, HOT_LANES_FROM + 8);
    await append(walletId, 0);
    // The marker of wallets begun while it was an item sorts between the events and LANES.
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { pk: walletPk(walletId), sk: 'INDEXED' } }),
    );
    answer = await both(walletId);
    expect(answer.together).toEqual(answer.apart);
    expect(answer.together).toMatchObject({ head: { version: 4 }, lanes: [0, HOT_LANES_FROM + 8] });
    expect(answer.sent).toBe(1);
  });

  it('finds lane 0 head past a short lane written before shards under the wallet key, in one Query', async () => {
    const walletId = newWallet('legacy');
    await append(walletId, 0);
    await append(walletId, 0);
    await append(walletId, 5);
    const answer = await both(walletId);
    expect(answer.together).toEqual(answer.apart);
    expect(answer.together).toMatchObject({ head: { version: 2 }, lanes: [0, 5] });
    expect(answer.sent).toBe(1);
  });

  it('reads lane 0 head on its own when a lane written before shards fills the page', async () => {
    const walletId = newWallet('legacy-long');
    await append(walletId, 0);
    await append(walletId, 0);
    for (let i = 0; i < 3; i++) await append(walletId, 5);
    const answer = await both(walletId);
    expect(answer.together).toEqual(answer.apart);
    expect(answer.together).toMatchObject({ head: { version: 2 }, lanes: [0, 5] });
    expect(answer.sent).toBe(2);
  });
});

describe('tailAndLanes', () => {
  /** tailAndLanes with the Queries it sent, beside lane 0 and the registry read apart. */
  async function tail(walletId: string, count = LANE_ZERO_TAIL) {
    const before = table.sent('QueryCommand');
    const together = await store.tailAndLanes(walletId, count);
    const sent = table.sent('QueryCommand') - before;
    const lane0 = await readAll(store, walletId, 0);
    return { together, sent, lane0, lanes: await store.lanes(walletId) };
  }

  it('answers a new wallet: lane 0 empty, no other lane, in one Query', async () => {
    const { together, sent } = await tail(newWallet('tail-empty'));
    expect(together).toEqual({ tail: [], lanes: [0] });
    expect(sent).toBe(1);
  });

  it('hands a short lane 0 whole, from version 1, past the registry and the legacy marker', async () => {
    const walletId = newWallet('tail-short');
    for (let i = 0; i < LANE_ZERO_TAIL; i++) await append(walletId, 0);
    await append(walletId, HOT_LANES_FROM + 1);
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { pk: walletPk(walletId), sk: 'INDEXED' } }),
    );
    const { together, sent, lane0, lanes } = await tail(walletId);
    expect(together.lanes).toEqual(lanes);
    expect(together.tail).toEqual(lane0.map((event) => expect.objectContaining(event)));
    expect(together.tail?.map((event) => event.version)).toEqual(
      Array.from({ length: LANE_ZERO_TAIL }, (_, index) => index + 1),
    );
    expect(sent).toBe(1);
  });

  it('hands the newest events of a long lane 0, ascending, ending at its head', async () => {
    const walletId = newWallet('tail-long');
    for (let i = 0; i < LANE_ZERO_TAIL + 5; i++) await append(walletId, 0);
    const { together, sent, lane0 } = await tail(walletId);
    const versions = together.tail?.map((event) => event.version) ?? [];
    expect(versions.length).toBeGreaterThanOrEqual(LANE_ZERO_TAIL);
    expect(versions.at(-1)).toBe(LANE_ZERO_TAIL + 5);
    expect(versions).toEqual(versions.map((_, index) => (versions[0] ?? 0) + index));
    expect(together.tail).toEqual(
      lane0.slice(-versions.length).map((event) => expect.objectContaining(event)),
    );
    expect(sent).toBe(1);
  });

  it('cannot tell lane 0 when a lane written before shards fills the page: undefined, not a wrong tail', async () => {
    const walletId = newWallet('tail-legacy');
    await append(walletId, 0);
    for (let i = 0; i < 4; i++) await append(walletId, 7);
    const { together, lanes } = await tail(walletId, 2);
    expect(together).toEqual({ tail: undefined, lanes });
  });
});

describe('walletAndHead', () => {
  /** walletAndHead, with the Queries it sent, beside readWallet and lane 0's head asked apart. */
  async function read(walletId: string) {
    const before = table.sent('QueryCommand');
    const together = await store.walletAndHead(walletId);
    const sent = table.sent('QueryCommand') - before;
    return {
      together,
      sent,
      apart: { events: await readWallet(store, walletId), head: await store.head(walletId, 0) },
    };
  }

  it('answers a new wallet: no events, lane 0 at version 0, in one Query', async () => {
    const answer = await read(newWallet('empty'));
    expect(answer.together).toEqual({ events: [], head: { version: 0, hash: '' } });
    expect(answer.together).toEqual(answer.apart);
    expect(answer.sent).toBe(1);
  });

  it('reads the log and lane 0 head, hash included, in one Query: with a lane before shards, past the marker', async () => {
    const walletId = newWallet('log');
    for (let i = 0; i < 3; i++) await append(walletId, 0);
    await append(walletId, 5);
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { pk: walletPk(walletId), sk: 'INDEXED' } }),
    );
    const answer = await read(walletId);
    expect(answer.together).toEqual(answer.apart);
    expect(answer.together.head.version).toBe(3);
    expect(answer.together.events).toHaveLength(4);
    expect(answer.sent).toBe(1);
  });

  it('reads a wallet with shard lanes: lane 0 head from its own partition, each shard Queried at once', async () => {
    const walletId = newWallet('sharded');
    await append(walletId, 0);
    await append(walletId, HOT_LANES_FROM + 3);
    await append(walletId, 0);
    const answer = await read(walletId);
    expect(answer.together).toEqual(answer.apart);
    expect(answer.together.head.version).toBe(2);
    expect(answer.together.events).toHaveLength(3);
  });
});

describe('16 producers new to one wallet (separate Lambdas) on DynamoDB Local', () => {
  it('record every deposit with few lost races: 15 for the first event, a few where two moved to one lane', async () => {
    const walletId = newWallet('burst');
    const producers = 16;
    const perProducer = 5;
    let conflictsSeen = 0;
    await Promise.all(
      Array.from({ length: producers }, async () => {
        const own = createDocumentClient({ endpoint: inject('dynamodbEndpoint'), region: LOCAL_REGION });
        const deps = {
          store: new DynamoEventStore(own, tableName),
          clock: systemClock,
          ids: randomIds,
          heads: new HeadCache(),
        };
        try {
          for (let i = 0; i < perProducer; i++) {
            const result = await recordDeposit(deps, {
              walletId,
              amountMinor: 100n,
              respond: () => ({ statusCode: 201, body: '{}' }),
            });
            if (result.kind !== 'recorded') throw new Error(`not recorded: ${result.kind}`);
            conflictsSeen += result.conflicts;
          }
        } catch (error) {
          if (isVersionConflict(error)) throw new Error('a lost race escaped the command handler');
          throw error;
        } finally {
          own.destroy();
        }
      }),
    );
    const events = await readWallet(store, walletId);
    expect(events).toHaveLength(producers * perProducer);
    expect(events.every((event) => event.lane === 0 || event.lane >= HOT_LANES_FROM)).toBe(true);
    await expect(store.verify(walletId)).resolves.toMatchObject({
      ok: true,
      events: producers * perProducer,
    });
    // 15 are lost for lane 0's version 1 (17 and 19 in two runs here). Before writers new to a
    // wallet moved at their first loss, at least 29 (they followed the winner in lane 0 once, and
    // 14 lost again): 36 and 39 in two runs.
    expect(conflictsSeen).toBeGreaterThanOrEqual(1);
    expect(conflictsSeen).toBeLessThanOrEqual(26);
  });
});
