import { describe, expect, it, vi } from 'vitest';

// A pass-through spy: the real zod/mini, its discriminatedUnion counted. The event item schema is
// the one discriminated union event-item-schema.ts (and what it imports) builds; event-item.ts
// loads that module with the first item its fast path does not read.
vi.mock('zod/mini', async (importOriginal) => {
  const original = await importOriginal<typeof import('zod/mini')>();
  return { ...original, discriminatedUnion: vi.fn(original.discriminatedUnion) };
});
const z = await import('zod/mini');
const { fromEventItem } = await import('#adapters/dynamodb/table-layout/event-item.ts');
const { readPaymentEventsFast } = await import('#adapters/dynamodb/table-layout/payment-event-fast.ts');
const { readCardEventsFast } = await import('#adapters/dynamodb/table-layout/card-event-fast.ts');
const { readCorrectionEventsFast } = await import('#adapters/dynamodb/table-layout/correction-event-fast.ts');

const unionsBuilt = () => vi.mocked(z.discriminatedUnion).mock.calls.length;

/** An event item as the document client reads it back (numbers as their decimal text). */
const item = (version: number, type: string, data: Record<string, unknown>) => ({
  pk: 'WALLET#w1',
  sk: `EVENT#0#${version}`,
  kind: 'event',
  walletId: 'w1',
  lane: '0',
  version: String(version),
  eventId: `e${version}`,
  type,
  data,
  recordedAtMs: '5',
  prevHash: version === 1 ? '' : `h${version - 1}`,
  hash: `h${version}`,
});

describe('the event item schema', () => {
  it('is built on the first item the fast path does not read, not at import, and then once', async () => {
    // Importing event-item.ts (every function with an event store does) built nothing.
    expect(unionsBuilt()).toBe(0);
    const deposit = item(1, 'Deposited', { amountMinor: '100', occurredAtMs: '1' });
    expect(await fromEventItem(deposit)).toMatchObject({ type: 'Deposited', data: { amountMinor: 100n } });
    expect(unionsBuilt()).toBe(0);
    // A hold (any wallet that places orders has them) is a common shape too: no schema for it.
    const hold = item(2, 'HoldPlaced', {
      holdId: 'h',
      asset: 'points',
      amount: '5',
      expiresAtMs: '9',
      occurredAtMs: '2',
      memo: 'm',
    });
    expect(await fromEventItem(hold)).toStrictEqual({
      walletId: 'w1',
      lane: 0,
      version: 2,
      eventId: 'e2',
      recordedAtMs: 5,
      hash: 'h2',
      prevHash: 'h1',
      type: 'HoldPlaced',
      data: { holdId: 'h', asset: 'points', amount: 5n, expiresAtMs: 9, occurredAtMs: 2, memo: 'm' },
    });
    expect(unionsBuilt()).toBe(0);
    // The payment webhook adds the payment events (a payment's wallet holds them): no schema either.
    readPaymentEventsFast();
    const order = {
      merchant: 'm',
      priceMinor: '900',
      pointsValueMinor: '400',
      holdId: 'p',
      expiresAtMs: '9',
    };
    const requested = item(3, 'PaymentRequested', {
      paymentId: 'p',
      purpose: 'order',
      points: '40',
      amountMinor: '500',
      currency: 'EUR',
      provider: 'sandbox',
      paymentIntentId: 'pi',
      occurredAtMs: '3',
      order,
    });
    expect(await fromEventItem(requested)).toStrictEqual({
      walletId: 'w1',
      lane: 0,
      version: 3,
      eventId: 'e3',
      recordedAtMs: 5,
      hash: 'h3',
      prevHash: 'h2',
      type: 'PaymentRequested',
      data: {
        paymentId: 'p',
        purpose: 'order',
        points: 40n,
        amountMinor: 500n,
        currency: 'EUR',
        provider: 'sandbox',
        paymentIntentId: 'pi',
        occurredAtMs: 3,
        order: { merchant: 'm', priceMinor: 900n, pointsValueMinor: 400n, holdId: 'p', expiresAtMs: 9 },
      },
    });
    const succeeded = item(4, 'PaymentSucceeded', {
      paymentId: 'p',
      provider: 'sandbox',
      providerEventId: 'ev',
      amountMinor: '500',
      currency: 'EUR',
      points: '0',
      occurredAtMs: '4',
      refundDue: false,
    });
    expect(await fromEventItem(succeeded)).toMatchObject({
      type: 'PaymentSucceeded',
      data: { amountMinor: 500n, points: 0n, refundDue: false },
    });
    expect(unionsBuilt()).toBe(0);
    // The checkpoint pass adds the card events (a card account's head is usually one): no schema.
    readCardEventsFast();
    const card = [
      item(5, 'AccountOpened', { creditLimit: '10000', currency: 'EUR', occurredAtMs: '5' }),
      item(6, 'CreditLimitChanged', { creditLimit: '20000', previous: '10000', occurredAtMs: '6' }),
      item(7, 'AuthorizationDecided', {
        authorizationId: 'a',
        amount: '3000',
        currency: 'EUR',
        merchant: { id: 'm', mcc: '5411' },
        decision: 'approved',
        reasons: [],
        ruleSetVersion: '0',
        available: '17000',
        expiresAtMs: '9',
        occurredAtMs: '7',
      }),
      item(8, 'PaymentSubmitted', { paymentId: 'cp', amount: '3000', occurredAtMs: '8' }),
    ];
    expect((await Promise.all(card.map(fromEventItem))).map((event) => event.type)).toEqual([
      'AccountOpened',
      'CreditLimitChanged',
      'AuthorizationDecided',
      'PaymentSubmitted',
    ]);
    expect(unionsBuilt()).toBe(0);
    // The corrections function adds a correction's events (a corrected wallet holds them): no schema.
    readCorrectionEventsFast();
    const corrections = [
      item(9, 'EventCorrected', {
        target: { eventId: 'e1', lane: '0', version: '1', type: 'Deposited' },
        action: 'void',
        reason: 'wrong wallet',
      }),
      item(10, 'EventCorrected', {
        target: { eventId: 'e1', lane: '0', version: '1', type: 'Deposited' },
        action: 'amend',
        reason: 'typo',
        deposit: { amountMinor: '90', occurredAtMs: '1' },
      }),
      item(11, 'PointsAdjusted', {
        points: '-5',
        factId: 'f',
        ruleId: 'r',
        ruleSetVersion: '1',
        ruleTextHash: 'ab',
        cause: 'correction',
        causeId: 'c',
      }),
    ];
    const read = await Promise.all(corrections.map(fromEventItem));
    expect(read.map((event) => event.data)).toStrictEqual([
      {
        target: { eventId: 'e1', lane: 0, version: 1, type: 'Deposited' },
        action: 'void',
        reason: 'wrong wallet',
      },
      {
        target: { eventId: 'e1', lane: 0, version: 1, type: 'Deposited' },
        action: 'amend',
        reason: 'typo',
        deposit: { amountMinor: 90n, occurredAtMs: 1 },
      },
      {
        points: -5n,
        factId: 'f',
        ruleId: 'r',
        ruleSetVersion: 1,
        ruleTextHash: 'ab',
        cause: 'correction',
        causeId: 'c',
      },
    ]);
    expect(unionsBuilt()).toBe(0);
    const released = item(2, 'HoldReleased', {
      holdId: 'h',
      asset: 'money',
      amount: '5',
      reason: 'released',
      occurredAtMs: '2',
    });
    expect(await fromEventItem(released)).toMatchObject({ type: 'HoldReleased', data: { amount: 5n } });
    expect(unionsBuilt()).toBe(1);
    // Refusals come from the same schema, built once.
    await expect(fromEventItem({ ...released, data: { holdId: 'h' } })).rejects.toThrow();
    expect(unionsBuilt()).toBe(1);
  });
});

describe("the fast path's readers", () => {
  it("answer nothing for a type named like an Object's own property (the schema refuses it)", async () => {
    const { fastStoredEvent } = await import('#adapters/dynamodb/table-layout/event-item.ts');
    for (const type of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
      for (const data of [{}, { amountMinor: '5' }]) {
        // Never a TypeError from the fast path: verify reports such an item as broken, not as an error.
        expect(fastStoredEvent(item(1, type, data))).toBeUndefined();
        await expect(fromEventItem(item(1, type, data))).rejects.toThrow(/./);
      }
    }
  });

  it('are added once: a composition that asks again per request (walletReadDeps, holdDeps) builds nothing', async () => {
    const { FAST_READERS, FAST_DATA_KEYS } = await import(
      '#adapters/dynamodb/table-layout/event-item-fast.ts'
    );
    const { readTransferEventsFast } = await import('#adapters/dynamodb/table-layout/transfer-event-fast.ts');
    readTransferEventsFast();
    const [reader, keys] = [FAST_READERS.TransferredOut, FAST_DATA_KEYS.TransferredOut];
    expect(reader).toBeDefined();
    readTransferEventsFast();
    expect(FAST_READERS.TransferredOut).toBe(reader);
    expect(FAST_DATA_KEYS.TransferredOut).toBe(keys);
  });
});
