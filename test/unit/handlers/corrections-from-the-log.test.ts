import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctEvent } from '#app/corrections.ts';
import { viewSummaryJson } from '#app/replay.ts';
import { currentView } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { WalletCommand } from '#domain/wallet.ts';
import { makeCorrectionsHandler } from '#handlers/corrections.ts';
import { problemErrors } from '#http/middleware.ts';
import type { EventStore, NewEvent } from '#ports/event-store.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { correctionsOn, depositOf, laneZeroWrite, moneyHold } from '../../support/lane-zero-writes.ts';

/**
 * The corrections route answers from the wallet's log it decided on (app/corrections.ts
 * correctAndShow, stop 23): one read (the whole log with lane 0's head) and the append, where it
 * read the view, lane 0's head, the log, appended, and read the view again (6 waits on DynamoDB).
 * The views it shows must still be the fold of the log, and a write that lands between its read
 * and its append must still make it decide again and show what that write did.
 */

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
/** More than 10,000.00 within 2 minutes. */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TOKEN = 'corrections-s3cret';
const WALLET = 'w1';

/** The store methods the handler called, in order (a look-up of a method counts as its call). */
let calls: string[];
/** Run once, just before the correction's first append goes to the table. */
let beforeAppend: (() => Promise<void>) | undefined;
let store: InMemoryEventStore;

beforeEach(() => {
  store = new InMemoryEventStore({ pageSize: 3 });
  calls = [];
  beforeAppend = undefined;
});

function watched(table: InMemoryEventStore): EventStore {
  return new Proxy(table, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      calls.push(String(property));
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (property !== 'append') return method;
      return async (...args: unknown[]) => {
        const race = beforeAppend;
        beforeAppend = undefined;
        await race?.();
        return method(...args);
      };
    },
  });
}

let ids = 0;
const handler = middy(
  makeCorrectionsHandler(
    async () => {
      const events = watched(store);
      return {
        stores: { events, readModels: store },
        ruleSets: { get: async () => undefined },
        activeVersion: async () => 0,
        config: CONFIG,
        clock: { nowMs: () => T0 + 600_000 },
        ids: { newId: () => `c${++ids}` },
      };
    },
    () => TOKEN,
  ),
).use(problemErrors(logger));

function correct(body: unknown) {
  return handler(
    apiRequest({
      method: 'POST',
      route: '/wallets/{wallet_id}/corrections',
      path: `/wallets/${WALLET}/corrections`,
      pathParameters: { wallet_id: WALLET },
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    }),
    lambdaContext,
  );
}

/** A deposit of `amountMinor` at `atMs`, appended to `lane` as a writer there would. */
async function depositIn(lane: number, eventId: string, amountMinor: bigint, atMs: number) {
  const event: NewEvent = {
    type: 'Deposited',
    data: { amountMinor, occurredAtMs: atMs },
    eventId,
    recordedAtMs: atMs,
  };
  const outcome = await store.append({
    walletId: WALLET,
    lane,
    expected: await store.head(WALLET, lane),
    events: [event],
  });
  expect(outcome.kind).toBe('appended');
}

const lane0 = (id: string, command: WalletCommand) =>
  handleCommand({ store, groupCommit: false }, laneZeroWrite(WALLET, id, command));

/** The wallet as a read of it answers now (GET /wallets/{id}): the stored view, else the fold of the log. */
const now = async () => viewSummaryJson(await currentView(store, store, WALLET, CONFIG));

const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

/** Deposit d1 of `depositMinor`, then amend it to `amount`: a hold of `holdMinor` lands between the correction's read and its append. */
async function amendWithAHoldBetween(depositMinor: bigint, holdMinor: bigint, amount: number) {
  await lane0('d1', depositOf(WALLET, depositMinor));
  beforeAppend = async () => {
    expect((await lane0('h1', moneyHold(WALLET, 'h1', holdMinor))).kind).toBe('recorded');
  };
  return correct({ eventId: 'd1', action: 'amend', reason: `was ${amount}`, data: { amount } });
}

/** 8,000.00 in lane 0 and 3,000.00 a minute later in hot lane 33: the flag is on. */
async function overTheThresholdInTwoLanes() {
  await depositIn(0, 'd1', 800_000n, T0);
  await depositIn(33, 'd2', 300_000n, T0 + 60_000);
}

describe('POST /wallets/{id}/corrections answers from the log it decided on', () => {
  it('reads the log once and appends: nothing is read after, and before/after are the fold of the log', async () => {
    await overTheThresholdInTwoLanes();
    const before = await now();
    expect(before).toMatchObject({ balance: 11000, aboveThreshold: true });

    // Voiding a deposit the view has folded needs the wallet's history (the flag's window): the
    // log in hand is that history.
    const response = await correct({ eventId: 'd1', action: 'void', reason: 'keyed twice' });

    expect(response.statusCode, response.body).toBe(201);
    expect(calls).toEqual(['walletAndHead', 'append']);
    expect(body(response).before).toEqual(before);
    expect(body(response).after).toEqual(await now());
    expect(body(response).after).toMatchObject({ balance: 3000, aboveThreshold: false, version: 3 });
  });

  it('the same correction again: one read, no append, and the wallet as it is now before and after', async () => {
    await overTheThresholdInTwoLanes();
    expect((await correct({ eventId: 'd1', action: 'void', reason: 'keyed twice' })).statusCode).toBe(201);
    calls = [];
    const count = store.eventCount();

    const again = await correct({ eventId: 'd1', action: 'void', reason: 'clicked twice' });

    expect(again.statusCode, again.body).toBe(200);
    expect(calls).toEqual(['walletAndHead']);
    expect(store.eventCount()).toBe(count);
    expect(body(again)).toMatchObject({ changed: false, before: await now(), after: await now() });
  });

  it('a hold that lands between the read and the append: the correction decides again and is refused below the floor', async () => {
    // Read on 100 free; by its append 80 of it is held, and amending the deposit to 30 would leave
    // −50 available.
    const response = await amendWithAHoldBetween(100n, 80n, 0.3);

    expect(response.statusCode, response.body).toBe(409);
    expect(body(response)).toMatchObject({ type: 'https://tally.dev/problems/correction-below-floor' });
    expect(store.storedEvents(WALLET).map((event) => event.type)).toEqual(['Deposited', 'HoldPlaced']);
  });

  it('a hold that lands between the read and the append: the answer after shows the hold and the correction', async () => {
    const response = await amendWithAHoldBetween(10_000n, 1_000n, 50);

    expect(response.statusCode, response.body).toBe(201);
    // Lost lane 0's race at version 2 (the hold's), decided again on version 2: the correction is version 3.
    expect(body(response)).toMatchObject({ correction: { lane: 0, version: 3 } });
    expect(body(response).after).toEqual(await now());
    expect(body(response).after).toMatchObject({ balance: 50, version: 3 });
  });

  it('a twin correction that lands between the read and the append: 200 unchanged, with the wallet as it is now', async () => {
    await overTheThresholdInTwoLanes();
    beforeAppend = async () => {
      const twin = await correctEvent(correctionsOn(store), {
        walletId: WALLET,
        reference: 'd1',
        action: 'void',
        reason: 'the twin',
      });
      expect(twin.kind).toBe('recorded');
    };

    const response = await correct({ eventId: 'd1', action: 'void', reason: 'keyed twice' });

    expect(response.statusCode, response.body).toBe(200);
    expect(store.storedEvents(WALLET).filter((event) => event.type === 'EventCorrected')).toHaveLength(1);
    expect(body(response)).toMatchObject({ changed: false, before: await now(), after: await now() });
    expect(await now()).toMatchObject({ balance: 3000, aboveThreshold: false, version: 3 });
  });

  it('a deposit another lane takes between the read and the append is in the next read, not in after − before', async () => {
    await overTheThresholdInTwoLanes();
    beforeAppend = () => depositIn(34, 'd3', 100_000n, T0 + 61_000);

    const response = await correct({ eventId: 'd1', action: 'void', reason: 'keyed twice' });

    expect(response.statusCode, response.body).toBe(201);
    expect(body(response)).toMatchObject({
      before: { balance: 11000, aboveThreshold: true, version: 2 },
      after: { balance: 3000, aboveThreshold: false, version: 3 },
    });
    expect(await now()).toMatchObject({ balance: 4000, aboveThreshold: false, version: 4 });
  });
});
