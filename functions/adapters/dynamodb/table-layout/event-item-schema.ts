import * as z from 'zod/mini';
import { bigintAttr, numberAttr } from './attributes.ts';
import { cardEventItemSchemas } from './card-event-items.ts';
import type { StoredEvent } from './event-item-fast.ts';
import { paymentEventItemSchemas } from './payment-event-items.ts';

/**
 * The schema path of an event item's read (event-item.ts `fromEventItem`): every stored shape, for
 * the items the fast path (event-item-fast.ts) does not read — events other than deposits, facts
 * and awards, and anything that does not check out, which the schema accepts or explains. Loaded
 * with `import()` on the first such item, not at a cold start: a function's cold start that meets
 * only the common shapes reads neither this module nor the card and payment item schemas.
 */

/**
 * The stored event, one shape per event type. Built on its first use, not when this module loads:
 * building its ~140 schemas costs about 4 ms of CPU, which an item the schema accepts or explains
 * pays once, and importing this module (tests, the OpenAPI tooling) need not.
 */
function buildEventItemSchema() {
  const eventItemBase = {
    pk: z.string(),
    sk: z.string(),
    walletId: z.string(),
    lane: numberAttr,
    version: numberAttr,
    eventId: z.string(),
    recordedAtMs: numberAttr,
    idempotencyKey: z.optional(z.string()),
    hash: z.string(),
    prevHash: z.string(),
  };
  const asset = z.enum(['money', 'points']);
  /** What an award says, and an adjustment too (with its cause). */
  const award = {
    points: bigintAttr,
    factId: z.string(),
    ruleId: z.string(),
    ruleSetVersion: numberAttr,
    ruleTextHash: z.string(),
  };
  return z.discriminatedUnion('type', [
    z.object({
      ...eventItemBase,
      type: z.literal('Deposited'),
      data: z.object({ amountMinor: bigintAttr, occurredAtMs: numberAttr, factId: z.optional(z.string()) }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('FactRecorded'),
      data: z.object({
        factId: z.string(),
        source: z.string(),
        factType: z.string(),
        occurredAtMs: numberAttr,
        dataJson: z.string(),
        ruleSetVersion: z.optional(numberAttr),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('PointsAwarded'),
      data: z.object(award),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('PointsAdjusted'),
      data: z.object({
        ...award,
        cause: z.enum(['correction', 'backtest']),
        causeId: z.string(),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('RulesApplied'),
      data: z.object({
        ruleSetVersion: numberAttr,
        fromMs: z.optional(numberAttr),
        toMs: z.optional(numberAttr),
        causeId: z.string(),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('EventCorrected'),
      data: z.object({
        target: z.object({
          eventId: z.string(),
          lane: numberAttr,
          version: numberAttr,
          type: z.enum(['Deposited', 'FactRecorded']),
        }),
        action: z.enum(['void', 'amend']),
        reason: z.string(),
        deposit: z.optional(z.object({ amountMinor: bigintAttr, occurredAtMs: numberAttr })),
        fact: z.optional(z.object({ occurredAtMs: numberAttr, dataJson: z.string() })),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('HoldPlaced'),
      data: z.object({
        holdId: z.string(),
        asset,
        amount: bigintAttr,
        expiresAtMs: numberAttr,
        occurredAtMs: numberAttr,
        memo: z.optional(z.string()),
        offer: z.optional(z.object({ price: z.object({ asset, amount: bigintAttr }) })),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('HoldCaptured'),
      data: z.object({
        holdId: z.string(),
        asset,
        amount: bigintAttr,
        released: bigintAttr,
        occurredAtMs: numberAttr,
        counterparty: z.optional(z.string()),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('HoldReleased'),
      data: z.object({
        holdId: z.string(),
        asset,
        amount: bigintAttr,
        reason: z.enum(['released', 'expired']),
        occurredAtMs: numberAttr,
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('TransferredOut'),
      data: z.object({
        transferId: z.string(),
        asset,
        amount: bigintAttr,
        to: z.string(),
        occurredAtMs: numberAttr,
        memo: z.optional(z.string()),
      }),
    }),
    z.object({
      ...eventItemBase,
      type: z.literal('TransferredIn'),
      data: z.object({
        transferId: z.string(),
        asset,
        amount: bigintAttr,
        from: z.string(),
        occurredAtMs: numberAttr,
        memo: z.optional(z.string()),
      }),
    }),
    ...paymentEventItemSchemas(eventItemBase),
    ...cardEventItemSchemas(eventItemBase),
  ]);
}

let built: ReturnType<typeof buildEventItemSchema> | undefined;
export const eventItemSchema = (): ReturnType<typeof buildEventItemSchema> => {
  built ??= buildEventItemSchema();
  return built;
};

const optional = <T extends Record<string, unknown>>(data: T) =>
  Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));

/** The stored event as the schema reads it (throws the schema's error for an item it refuses). */
export function fromEventItemSchema(item: unknown): StoredEvent {
  const parsed = eventItemSchema().parse(item);
  const base = {
    walletId: parsed.walletId,
    lane: parsed.lane,
    version: parsed.version,
    eventId: parsed.eventId,
    recordedAtMs: parsed.recordedAtMs,
    ...(parsed.idempotencyKey === undefined ? {} : { idempotencyKey: parsed.idempotencyKey }),
    hash: parsed.hash,
    prevHash: parsed.prevHash,
  };
  switch (parsed.type) {
    case 'Deposited': {
      const { factId, ...deposit } = parsed.data;
      return {
        ...base,
        type: parsed.type,
        data: { ...deposit, ...(factId === undefined ? {} : { factId }) },
      };
    }
    case 'FactRecorded': {
      const { ruleSetVersion, ...fact } = parsed.data;
      return {
        ...base,
        type: parsed.type,
        data: { ...fact, ...(ruleSetVersion === undefined ? {} : { ruleSetVersion }) },
      };
    }
    case 'PointsAwarded':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'PointsAdjusted':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'RulesApplied': {
      const { fromMs, toMs, ...applied } = parsed.data;
      return {
        ...base,
        type: parsed.type,
        data: {
          ...applied,
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
        },
      };
    }
    case 'EventCorrected': {
      const { deposit, fact, ...rest } = parsed.data;
      return {
        ...base,
        type: parsed.type,
        data: {
          ...rest,
          ...(deposit === undefined ? {} : { deposit }),
          ...(fact === undefined ? {} : { fact }),
        },
      };
    }
    // Optional fields absent rather than undefined, as the decider made them (hashes depend on it).
    case 'HoldPlaced':
      return { ...base, type: parsed.type, data: optional(parsed.data) as typeof parsed.data };
    case 'HoldCaptured':
      return { ...base, type: parsed.type, data: optional(parsed.data) as typeof parsed.data };
    case 'HoldReleased':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'TransferredOut':
      return { ...base, type: parsed.type, data: optional(parsed.data) as typeof parsed.data };
    case 'TransferredIn':
      return { ...base, type: parsed.type, data: optional(parsed.data) as typeof parsed.data };
    case 'PaymentRequested':
      return { ...base, type: parsed.type, data: optional(parsed.data) as typeof parsed.data };
    case 'PaymentSucceeded':
      return { ...base, type: parsed.type, data: optional(parsed.data) as typeof parsed.data };
    case 'PaymentFailed':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'PaymentRefunded':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'AuthorizationDecided': {
      const { merchant, ...decided } = parsed.data;
      return {
        ...base,
        type: parsed.type,
        data: { ...decided, merchant: optional(merchant) as typeof merchant },
      };
    }
    case 'AccountOpened':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'CreditLimitChanged':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'PaymentSubmitted':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'PaymentReturned':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'PaymentReturnParked':
      return { ...base, type: parsed.type, data: parsed.data };
  }
}
