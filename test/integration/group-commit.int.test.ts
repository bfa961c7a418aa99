import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { readWallet } from '#app/read-events.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { transfer } from '#app/transfer.ts';
import { decide, foldWallet, type WalletEvent } from '#domain/wallet.ts';
import { randomIds, systemClock } from '../../functions/adapters/clock.ts';
import type { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { type NewEvent, VersionConflictError } from '../../functions/ports/event-store.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

/**
 * EventStore.appendGroup on DynamoDB Local: several commands' events and keys in one
 * TransactWriteItems — all or nothing, each key naming its own events, every used key reported,
 * a taken version a VersionConflictError; and group commit through the command handler.
 */

let table: CountedStoreTable;
let store: DynamoEventStore;
const EMPTY = { version: 0, hash: '' };

beforeAll(async () => {
  table = await countedStoreTable('tally-int-group');
  ({ store } = table);
});

afterAll(() => table?.drop());

const newWallet = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;
const deposit = (id: string, amountMinor = 1n): NewEvent => ({
  type: 'Deposited',
  data: { amountMinor, occurredAtMs: 1_700_000_000_000 },
  eventId: id,
  recordedAtMs: 1_700_000_000_000,
});
const key = (name: string, payloadHash = 'p') => ({
  key: `${name}-${randomUUID().slice(0, 8)}`,
  payloadHash,
  response: { statusCode: 201, body: name },
});

describe('appendGroup on DynamoDB Local', () => {
  it('writes every part at consecutive versions in one transaction, each key naming its own events', async () => {
    const walletId = newWallet('group');
    const [k1, k2] = [key('one'), key('two')];
    const outcome = await store.appendGroup({
      walletId,
      lane: 0,
      expected: EMPTY,
      parts: [
        { events: [deposit('a')], idempotency: k1 },
        { events: [deposit('b'), deposit('c')] },
        { events: [deposit('d')], idempotency: k2 },
      ],
    });
    expect(outcome.kind).toBe('appended');
    if (outcome.kind !== 'appended') return;
    expect(outcome.parts.map((part) => part.map((event) => event.version))).toEqual([[1], [2, 3], [4]]);
    expect(outcome.head.version).toBe(4);
    expect(await store.findIdempotency(k2.key)).toMatchObject({ versions: [4], eventIds: ['d'] });
    const stored = await readWallet(store, walletId);
    expect(stored.map((event) => [event.eventId, event.idempotencyKey])).toEqual([
      ['a', k1.key],
      ['b', undefined],
      ['c', undefined],
      ['d', k2.key],
    ]);
    expect(await store.verify(walletId)).toMatchObject({ ok: true, events: 4 });
  });

  it('reports every used key and writes nothing; a taken version is a VersionConflictError', async () => {
    const walletId = newWallet('group-keys');
    const [used1, used2, fresh] = [key('u1'), key('u2'), key('fresh')];
    await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit('x')], idempotency: used1 });
    const other = newWallet('elsewhere');
    await store.append({
      walletId: other,
      lane: 0,
      expected: EMPTY,
      events: [deposit('y')],
      idempotency: used2,
    });
    const head = await store.head(walletId, 0);
    const outcome = await store.appendGroup({
      walletId,
      lane: 0,
      expected: head,
      parts: [
        { events: [deposit('p1')], idempotency: used1 },
        { events: [deposit('p2')], idempotency: fresh },
        { events: [deposit('p3')], idempotency: { ...used2, payloadHash: 'other' } },
      ],
    });
    expect(outcome).toMatchObject({
      kind: 'keys-taken',
      taken: [
        { part: 0, record: { key: used1.key, eventIds: ['x'] } },
        { part: 2, record: { key: used2.key, payloadHash: 'p' } },
      ],
    });
    expect(await store.findIdempotency(fresh.key)).toBeUndefined();
    expect((await readWallet(store, walletId)).map((event) => event.eventId)).toEqual(['x']);
    await expect(
      store.appendGroup({
        walletId,
        lane: 0,
        expected: EMPTY,
        parts: [{ events: [deposit('late')] }, { events: [deposit('later')] }],
      }),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('opens a hot lane with its registration in the same transaction', async () => {
    const walletId = newWallet('group-lane');
    await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit('first')] });
    await store.appendGroup({
      walletId,
      lane: 40,
      expected: EMPTY,
      parts: [{ events: [deposit('l1')] }, { events: [deposit('l2')] }],
    });
    expect(await store.lanes(walletId)).toEqual([0, 40]);
    expect((await readWallet(store, walletId)).map((event) => [event.lane, event.version])).toEqual([
      [0, 1],
      [40, 1],
      [40, 2],
    ]);
  });

  it('through the command handler: 24 concurrent deposits on one wallet take far fewer transactions than deposits', async () => {
    const walletId = newWallet('group-handler');
    const deps = { store, clock: systemClock, ids: randomIds, heads: new HeadCache(), groupCommit: true };
    await recordDeposit(deps, {
      walletId,
      amountMinor: 1n,
      respond: () => ({ statusCode: 201, body: '{}' }),
    });
    const before = table.sent('TransactWriteCommand');
    const outcomes = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        recordDeposit(deps, {
          walletId,
          amountMinor: BigInt(i + 1),
          idempotency: { key: `gc-${walletId}-${i}`, payloadHash: String(i) },
          respond: () => ({ statusCode: 201, body: String(i) }),
        }),
      ),
    );
    expect(outcomes.every((outcome) => outcome.kind === 'recorded')).toBe(true);
    expect(table.sent('TransactWriteCommand') - before).toBeLessThanOrEqual(4);
    const events = await readWallet(store, walletId);
    expect(
      events.reduce((sum, event) => sum + (event.type === 'Deposited' ? event.data.amountMinor : 0n), 0n),
    ).toBe(1n + (24n * 25n) / 2n);
    expect((await store.verify(walletId)).ok).toBe(true);
    // Replayed with the same keys: nothing more is written, each caller hears its own answer.
    const again = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        handleCommand(
          { store, groupCommit: true },
          {
            walletId,
            placement: 'lane-0',
            fold: foldWallet,
            indexes: indexChangesOf,
            decide,
            command: () => ({ type: 'Deposit', walletId, amountMinor: BigInt(i + 1), occurredAtMs: 1 }),
            stamp: (decided: readonly WalletEvent[]) =>
              decided.map((event) => ({ ...event, eventId: `re-${i}`, recordedAtMs: 1 })),
            idempotency: { key: `gc-${walletId}-${i}`, payloadHash: String(i) },
            respond: () => ({ statusCode: 201, body: 'not this' }),
          },
        ),
      ),
    );
    expect(
      again.map((outcome) => (outcome.kind === 'replayed' ? outcome.response.body : outcome.kind)),
    ).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    expect((await readWallet(store, walletId)).length).toBe(25);
  });

  it('appendTogetherGroup: several transfers over three wallets in one transaction, each key its own; used keys reported', async () => {
    const [a, b, c] = [newWallet('ta'), newWallet('tb'), newWallet('tc')];
    for (const walletId of [a, b, c]) {
      await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit(`seed-${walletId}`, 100n)] });
    }
    const heads = await Promise.all(
      [a, b, c].map(async (walletId) => ({ walletId, expected: await store.head(walletId, 0) })),
    );
    const [k1, k2] = [key('t1'), key('t2')];
    const outcome = await store.appendTogetherGroup({
      heads,
      parts: [
        {
          events: [
            { walletId: a, events: [deposit('t1-out')] },
            { walletId: b, events: [deposit('t1-in')] },
          ],
          idempotency: k1,
        },
        {
          events: [
            { walletId: b, events: [deposit('t2-out')] },
            { walletId: c, events: [deposit('t2-in')] },
          ],
          idempotency: k2,
        },
      ],
    });
    expect(outcome.kind).toBe('appended');
    if (outcome.kind !== 'appended') return;
    expect(
      outcome.parts.map((part) =>
        part.map((events) => events.map((event) => [event.eventId, event.version])),
      ),
    ).toEqual([
      [[['t1-out', 2]], [['t1-in', 2]]],
      [[['t2-out', 3]], [['t2-in', 2]]],
    ]);
    expect(await store.findIdempotency(k2.key)).toMatchObject({
      versions: [3, 2],
      eventIds: ['t2-out', 't2-in'],
    });
    for (const walletId of [a, b, c]) expect((await store.verify(walletId)).ok).toBe(true);
    const again = await store.appendTogetherGroup({
      heads: [
        { walletId: a, expected: await store.head(a, 0) },
        { walletId: c, expected: await store.head(c, 0) },
      ],
      parts: [
        {
          events: [
            { walletId: a, events: [deposit('x-out')] },
            { walletId: c, events: [deposit('x-in')] },
          ],
          idempotency: key('fresh'),
        },
        {
          events: [
            { walletId: c, events: [deposit('y-out')] },
            { walletId: a, events: [deposit('y-in')] },
          ],
          idempotency: k1,
        },
      ],
    });
    expect(again).toMatchObject({ kind: 'keys-taken', taken: [{ part: 1, record: { key: k1.key } }] });
    await expect(
      store.appendTogetherGroup({
        heads: [
          { walletId: a, expected: EMPTY },
          { walletId: c, expected: await store.head(c, 0) },
        ],
        parts: [
          {
            events: [
              { walletId: a, events: [deposit('z-out')] },
              { walletId: c, events: [deposit('z-in')] },
            ],
          },
        ],
      }),
    ).rejects.toMatchObject({ name: 'VersionConflictError', walletId: a });
  });

  it('transfers through group commit: 16 concurrent between two wallets never overdraw and take few transactions', async () => {
    const [a, b] = [newWallet('ga'), newWallet('gb')];
    for (const walletId of [a, b]) {
      await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit(`seed-${walletId}`, 500n)] });
    }
    const before = table.sent('TransactWriteCommand');
    let ids = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        transfer(
          {
            store,
            clock: systemClock,
            ids: { newId: () => `gt-${a}-${++ids}` },
            groupCommit: true,
          } as Parameters<typeof transfer>[0],
          {
            from: i % 4 === 3 ? b : a,
            to: i % 4 === 3 ? a : b,
            asset: 'money',
            amount: 60n,
            idempotency: { key: `gt-${a}-${i}`, payloadHash: String(i) },
            respond: (transferId) => ({ statusCode: 201, body: transferId }),
          },
        ),
      ),
    );
    const recorded = outcomes.filter((outcome) => outcome.kind === 'recorded').length;
    expect(recorded + outcomes.filter((outcome) => outcome.kind === 'rejected').length).toBe(16);
    expect(table.sent('TransactWriteCommand') - before).toBeLessThanOrEqual(6);
    const balances = await Promise.all(
      [a, b].map(async (walletId) => {
        const events = await readWallet(store, walletId);
        return events.reduce((sum, event) => {
          if (event.type === 'Deposited') return sum + event.data.amountMinor;
          if (event.type === 'TransferredOut') return sum - event.data.amount;
          if (event.type === 'TransferredIn') return sum + event.data.amount;
          return sum;
        }, 0n);
      }),
    );
    expect(balances.every((balance) => balance >= 0n)).toBe(true);
    expect((balances[0] ?? 0n) + (balances[1] ?? 0n)).toBe(1_000n);
  });
});
