import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCardEventsFast } from '#adapters/dynamodb/table-layout/card-event-fast.ts';
import { readCorrectionEventsFast } from '#adapters/dynamodb/table-layout/correction-event-fast.ts';
import { fastEventAttributes, fromEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { fromEventItemSchema } from '#adapters/dynamodb/table-layout/event-item-schema.ts';
import { readPaymentEventsFast } from '#adapters/dynamodb/table-layout/payment-event-fast.ts';
import { readTransferEventsFast } from '#adapters/dynamodb/table-layout/transfer-event-fast.ts';
import { intText, junk } from '../../support/junk-values.ts';

// The fast path for payment events (composition/payment-webhook.ts and checkpoint-sweep.ts add it),
// card events (checkpoint-sweep.ts), a correction's events (composition/corrections.ts) and a
// transfer's (the log readers' compositions, transfer-event-fast.ts).
readPaymentEventsFast();
readCardEventsFast();
readCorrectionEventsFast();
readTransferEventsFast();

/** What a parse gives: the event, or that it refused (compared with toStrictEqual: key order aside). */
async function outcome(parse: (item: unknown) => unknown, item: unknown): Promise<unknown> {
  try {
    return { event: await parse(item) };
  } catch {
    return 'refused';
  }
}

/** The fast path and the schema answer the item alike. */
async function agree(item: unknown): Promise<void> {
  expect(await outcome(fromEventItem, item)).toStrictEqual(await outcome(fromEventItemSchema, item));
}

const safeText = fc.integer({ min: 0, max: 2 ** 50 }).map(String);
const base = {
  pk: fc.constant('WALLET#w1'),
  sk: fc.constant('EVENT#00#000000000001'),
  kind: fc.constant('event'),
  walletId: fc.string({ minLength: 1 }),
  lane: fc.integer({ min: 0, max: 31 }).map(String),
  version: fc.integer({ min: 1, max: 10 ** 9 }).map(String),
  eventId: fc.uuid(),
  recordedAtMs: fc.integer({ min: 0, max: 2 ** 45 }).map(String),
  idempotencyKey: fc.option(fc.string(), { nil: undefined }),
  hash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }),
  prevHash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }),
};

/** What an award says, and an adjustment too (with its cause). */
const award = {
  points: intText,
  factId: fc.string(),
  ruleId: fc.string(),
  ruleSetVersion: fc.nat().map(String),
  ruleTextHash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }),
};

const item = fc.oneof(
  fc.record({
    ...base,
    type: fc.constant('Deposited'),
    data: fc.record(
      { amountMinor: intText, occurredAtMs: safeText, factId: fc.string() },
      { requiredKeys: ['amountMinor', 'occurredAtMs'] },
    ),
  }),
  fc.record({
    ...base,
    type: fc.constant('FactRecorded'),
    data: fc.record(
      {
        factId: fc.string(),
        source: fc.string(),
        factType: fc.string(),
        occurredAtMs: safeText,
        dataJson: fc.json(),
        ruleSetVersion: fc.nat().map(String),
      },
      { requiredKeys: ['factId', 'source', 'factType', 'occurredAtMs', 'dataJson'] },
    ),
  }),
  fc.record({
    ...base,
    type: fc.constant('PointsAwarded'),
    data: fc.record(award),
  }),
  fc.record({
    ...base,
    type: fc.constant('HoldPlaced'),
    data: fc.record(
      {
        holdId: fc.string(),
        asset: fc.constantFrom('money', 'points'),
        amount: intText,
        expiresAtMs: safeText,
        occurredAtMs: safeText,
        memo: fc.string(),
        // An offer's hold (nested price): the schema's alone.
        offer: fc.record({
          price: fc.record({ asset: fc.constantFrom('money', 'points'), amount: intText }),
        }),
      },
      { requiredKeys: ['holdId', 'asset', 'amount', 'expiresAtMs', 'occurredAtMs'] },
    ),
  }),
  fc.record({
    ...base,
    type: fc.constant('PaymentRequested'),
    data: fc.record(
      {
        paymentId: fc.string(),
        purpose: fc.constantFrom('points-purchase', 'order'),
        points: intText,
        amountMinor: intText,
        currency: fc.string(),
        provider: fc.string(),
        paymentIntentId: fc.string(),
        occurredAtMs: safeText,
        order: fc.record({
          merchant: fc.string(),
          priceMinor: intText,
          pointsValueMinor: intText,
          holdId: fc.string(),
          expiresAtMs: safeText,
        }),
      },
      {
        requiredKeys: [
          'paymentId',
          'purpose',
          'points',
          'amountMinor',
          'currency',
          'provider',
          'paymentIntentId',
          'occurredAtMs',
        ],
      },
    ),
  }),
  fc.record({
    ...base,
    type: fc.constant('PaymentSucceeded'),
    data: fc.record(
      {
        paymentId: fc.string(),
        provider: fc.string(),
        providerEventId: fc.string(),
        amountMinor: intText,
        currency: fc.string(),
        points: intText,
        occurredAtMs: safeText,
        refundDue: fc.boolean(),
      },
      {
        requiredKeys: [
          'paymentId',
          'provider',
          'providerEventId',
          'amountMinor',
          'currency',
          'points',
          'occurredAtMs',
        ],
      },
    ),
  }),
  fc.record({
    ...base,
    type: fc.constant('AccountOpened'),
    data: fc.record({ creditLimit: intText, currency: fc.string(), occurredAtMs: safeText }),
  }),
  fc.record({
    ...base,
    type: fc.constant('CreditLimitChanged'),
    data: fc.record({ creditLimit: intText, previous: intText, occurredAtMs: safeText }),
  }),
  fc.record({
    ...base,
    type: fc.constant('AuthorizationDecided'),
    data: fc.record({
      authorizationId: fc.string(),
      amount: intText,
      currency: fc.string(),
      merchant: fc.record(
        { id: fc.string(), name: fc.string(), mcc: fc.string() },
        { requiredKeys: ['id', 'mcc'] },
      ),
      decision: fc.constantFrom('approved', 'declined'),
      reasons: fc.array(fc.string(), { maxLength: 3 }),
      ruleSetVersion: fc.nat().map(String),
      available: intText,
      expiresAtMs: safeText,
      occurredAtMs: safeText,
    }),
  }),
  fc.record({
    ...base,
    type: fc.constant('EventCorrected'),
    data: fc.record(
      {
        target: fc.record({
          eventId: fc.uuid(),
          lane: fc.integer({ min: 0, max: 31 }).map(String),
          version: safeText,
          type: fc.constantFrom('Deposited', 'FactRecorded'),
        }),
        action: fc.constantFrom('void', 'amend'),
        reason: fc.string(),
        deposit: fc.record({ amountMinor: intText, occurredAtMs: safeText }),
        fact: fc.record({ occurredAtMs: safeText, dataJson: fc.json() }),
      },
      { requiredKeys: ['target', 'action', 'reason'] },
    ),
  }),
  fc.record({
    ...base,
    type: fc.constant('PointsAdjusted'),
    data: fc.record({
      ...award,
      cause: fc.constantFrom('correction', 'backtest'),
      causeId: fc.string(),
    }),
  }),
  ...(['TransferredOut', 'TransferredIn'] as const).map((type) =>
    fc.record({
      ...base,
      type: fc.constant(type),
      data: fc.record(
        {
          transferId: fc.string(),
          asset: fc.constantFrom('money', 'points'),
          amount: intText,
          [type === 'TransferredOut' ? 'to' : 'from']: fc.string(),
          occurredAtMs: safeText,
          memo: fc.string(),
        },
        {
          requiredKeys: [
            'transferId',
            'asset',
            'amount',
            type === 'TransferredOut' ? 'to' : 'from',
            'occurredAtMs',
          ],
        },
      ),
    }),
  ),
  fc.record({
    ...base,
    type: fc.constant('PaymentSubmitted'),
    data: fc.record({ paymentId: fc.string(), amount: intText, occurredAtMs: safeText }),
  }),
);

describe('fromEventItem: the fast path and the schema agree', () => {
  it('on stored items as written', async () => {
    await fc.assert(
      fc.asyncProperty(item, async (stored) => {
        const fast = await outcome(fromEventItem, stored);
        expect(fast).toStrictEqual(await outcome(fromEventItemSchema, stored));
        expect(fast).not.toBe('refused');
      }),
      { numRuns: 500 },
    );
  });

  it('on items with one attribute (or one data attribute) edited, removed or added', async () => {
    await fc.assert(
      fc.asyncProperty(
        item,
        fc.boolean(),
        fc.oneof(
          fc.constantFrom(
            'amountMinor',
            'occurredAtMs',
            'points',
            'factId',
            'ruleSetVersion',
            'asset',
            'amount',
            'expiresAtMs',
            'memo',
            'offer',
            'purpose',
            'order',
            'refundDue',
            'currency',
            'creditLimit',
            'previous',
            'merchant',
            'decision',
            'reasons',
            'available',
            'target',
            'action',
            'deposit',
            'fact',
            'cause',
            'x',
          ),
          fc.string(),
        ),
        fc.constantFrom(
          'walletId',
          'lane',
          'version',
          'eventId',
          'recordedAtMs',
          'hash',
          'prevHash',
          'pk',
          'type',
          'idempotencyKey',
          'data',
        ),
        junk,
        async (stored, inData, dataKey, key, value) => {
          const edited: Record<string, unknown> = { ...stored, data: { ...stored.data } };
          if (inData) (edited.data as Record<string, unknown>)[dataKey] = value;
          else edited[key] = value;
          await agree(edited);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('on a card authorization or a correction with one nested field edited (the nested readers)', async () => {
    const authorization = fc
      .tuple(
        item.filter((stored) => stored.type === 'AuthorizationDecided'),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('id', 'name', 'mcc', 'x'),
        junk,
      )
      .map(([stored, inReasons, at, field, value]) => {
        const data = { ...(stored.data as Record<string, unknown>) };
        if (inReasons) {
          const reasons = [...(data.reasons as unknown[])];
          reasons[at % (reasons.length + 1)] = value;
          data.reasons = reasons;
        } else data.merchant = { ...(data.merchant as Record<string, unknown>), [field]: value };
        return { ...stored, data };
      });
    // A correction's target, deposit or fact (correction-event-fast.ts).
    const correction = fc
      .tuple(
        item.filter((stored) => stored.type === 'EventCorrected'),
        fc.constantFrom('target', 'deposit', 'fact'),
        fc.constantFrom('eventId', 'lane', 'version', 'type', 'amountMinor', 'occurredAtMs', 'dataJson', 'x'),
        junk,
      )
      .map(([stored, part, field, value]) => {
        const data = { ...(stored.data as Record<string, unknown>) };
        data[part] = { ...(data[part] as Record<string, unknown> | undefined), [field]: value };
        return { ...stored, data };
      });
    await fc.assert(fc.asyncProperty(fc.oneof(authorization, correction), agree), { numRuns: 1_000 });
  });

  it('from the wire form (the low-level client) as from the unmarshalled item, edited or not', async () => {
    // Numeric attributes as DynamoDB numbers (N), the rest as they are; undefined when the SDK
    // itself cannot marshal the value (an unsafe integer), which no stored item can hold.
    const wire = (stored: Record<string, unknown>): Record<string, Record<string, unknown>> | undefined => {
      let av: Record<string, Record<string, unknown>>;
      try {
        av = marshall(stored, { removeUndefinedValues: true }) as unknown as Record<
          string,
          Record<string, unknown>
        >;
      } catch {
        return undefined;
      }
      for (const key of ['lane', 'version', 'recordedAtMs']) {
        const text = stored[key];
        if (typeof text === 'string' && /^\d+$/.test(text)) av[key] = { N: text };
      }
      return av;
    };
    const viaUnmarshall = (av: Record<string, unknown>) =>
      unmarshall(av as never, { wrapNumbers: (text: string) => text });
    await fc.assert(
      fc.asyncProperty(item, fc.boolean(), fc.string(), junk, async (stored, edit, key, value) => {
        const edited: Record<string, unknown> = { ...stored, data: { ...stored.data } };
        if (edit) (edited.data as Record<string, unknown>)[key] = value;
        const av = wire(edited);
        fc.pre(av !== undefined);
        if (av === undefined) return;
        // As adapters/dynamodb/query-events.ts reads a wire item: the fast path, else the schema.
        const read = async (input: unknown) =>
          fastEventAttributes(input as never) ?? (await fromEventItem(viaUnmarshall(input as never)));
        expect(await outcome(read, av)).toStrictEqual(
          await outcome((input) => fromEventItemSchema(viaUnmarshall(input as never)), av),
        );
      }),
      { numRuns: 1_000 },
    );
  });
});
