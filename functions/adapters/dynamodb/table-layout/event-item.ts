import * as z from 'zod/mini';
import type { RecordedEvent } from '#domain/wallet.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import { cardEventItemSchemas } from './card-event-items.ts';
import {
  type Attribute,
  FAST_DATA_KEYS,
  fastEventItem,
  type StoredEvent,
  scalar,
} from './event-item-fast.ts';
import { eventSk, lanePk } from './keys.ts';
import { paymentEventItemSchemas } from './payment-event-items.ts';

/** An event item: one per event, keyed by wallet, lane and version (see keys.ts). */

/**
 * The stored event, one shape per event type: the schema path of fromEventItem. Built on its first
 * use, not at import: every function with an event store loads this module, but the fast path
 * (event-item-fast.ts) reads the common shapes without the schema, and building its ~140 schemas
 * costs about 4 ms of CPU, which a cold start that meets only those shapes does not need.
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

export function toEventItem(event: RecordedEvent, prevHash: string, hash: string): Record<string, unknown> {
  return {
    pk: lanePk(event.walletId, event.lane),
    sk: eventSk(event.lane, event.version),
    kind: 'event',
    walletId: event.walletId,
    lane: event.lane,
    version: event.version,
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    recordedAtMs: event.recordedAtMs,
    idempotencyKey: event.idempotencyKey,
    prevHash,
    hash,
    ...traceAttributes(event),
  };
}

/**
 * The trace context of the request that wrote the event (NewEvent.traceparent): an attribute of
 * the item, outside the hashed content (event-hash.ts hashes named fields only), so tracing on or
 * off writes the same chain, and a retried command (a new trace) would hash the same.
 */
function traceAttributes(event: RecordedEvent & { traceparent?: string; tracestate?: string }) {
  if (typeof event.traceparent !== 'string') return {};
  return {
    traceparent: event.traceparent,
    ...(typeof event.tracestate === 'string' ? { tracestate: event.tracestate } : {}),
  };
}

/** The stored event with the item's trace context, when it has one (the projector and publisher continue it). */
function withTrace<E extends StoredEvent>(event: E, traceparent: unknown, tracestate: unknown): E {
  if (typeof traceparent !== 'string') return event;
  return { ...event, traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) };
}

/**
 * The stored event. The common shapes (deposits, facts, awards, as every read of a log meets them
 * by the thousand) are checked field by field here, 5–7× faster than the schema; anything else,
 * and anything that does not check out, goes through the schema, which accepts or explains it.
 */
export function fromEventItem(item: unknown): StoredEvent {
  const event = fastEventItem(item) ?? fromEventItemSchema(item);
  const { traceparent, tracestate } = (item ?? {}) as { traceparent?: unknown; tracestate?: unknown };
  return withTrace(event, traceparent, tracestate);
}

/**
 * An event item straight from DynamoDB's wire form (the low-level client), for reads of whole
 * logs: the attributes the fast path knows are taken as text, without the generic unmarshalling.
 * Anything else (another event type, another kind of attribute) is unmarshalled in full and
 * parsed by fromEventItem, so both give the same event or the same refusal.
 */
export function fromEventAttributes(
  item: Record<string, Attribute>,
  unmarshalled: () => unknown,
): StoredEvent {
  const data = item.data?.M;
  const type = scalar(item.type);
  const known = type === undefined ? undefined : FAST_DATA_KEYS[type];
  if (data !== undefined && known !== undefined) {
    const plainData: Record<string, string> = {};
    let plain = true;
    for (const key in data) {
      const value = scalar(data[key]);
      if (value === undefined || !known.has(key)) {
        plain = false;
        break;
      }
      plainData[key] = value;
    }
    const idempotencyKey = item.idempotencyKey;
    if (plain && (idempotencyKey === undefined || idempotencyKey.S !== undefined)) {
      const event = fastEventItem({
        pk: item.pk?.S,
        sk: item.sk?.S,
        walletId: item.walletId?.S,
        lane: item.lane?.N,
        version: item.version?.N,
        eventId: item.eventId?.S,
        recordedAtMs: item.recordedAtMs?.N,
        idempotencyKey: idempotencyKey?.S,
        hash: item.hash?.S,
        prevHash: item.prevHash?.S,
        type,
        data: plainData,
      });
      if (event !== undefined) return withTrace(event, item.traceparent?.S, item.tracestate?.S);
    }
  }
  return fromEventItem(unmarshalled());
}

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
