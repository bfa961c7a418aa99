import type { RecordedEvent } from '#domain/wallet.ts';
import {
  type Attribute,
  FAST_DATA_KEYS,
  fastEventItem,
  type StoredEvent,
  scalar,
} from './event-item-fast.ts';
import { eventSk, lanePk } from './keys.ts';

/** An event item: one per event, keyed by wallet, lane and version (see keys.ts). */

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
 * The schema path (event-item-schema.ts: every stored shape, with the card and payment items),
 * loaded with the first item the fast path does not read. Not at a cold start: the fast path
 * reads deposits, facts and awards, which are what a credit's head and a points wallet's log hold,
 * so a cold start that meets only those reads no schema (about 4.5 KB of every cold start that
 * reads events). A failed load is tried again by the next item that needs it.
 */
let schemaPath: Promise<typeof import('./event-item-schema.ts')> | undefined;
const loadSchemaPath = () => {
  schemaPath ??= import('./event-item-schema.ts').catch((error: unknown) => {
    schemaPath = undefined;
    throw error;
  });
  return schemaPath;
};

/** `event` with the trace context its item carries (both read paths). */
function traced(item: unknown, event: StoredEvent): StoredEvent {
  const { traceparent, tracestate } = (item ?? {}) as { traceparent?: unknown; tracestate?: unknown };
  return withTrace(event, traceparent, tracestate);
}

/**
 * The stored event when the fast path reads it: the common shapes (deposits, facts, awards, as
 * every read of a log meets them by the thousand), checked field by field, 5–7× faster than the
 * schema. `undefined`: anything else, and anything that does not check out; `fromEventItem` then
 * takes it through the schema, which accepts or explains it. A read of many items calls this first
 * and awaits the schema only for those it leaves (no await per common item).
 */
export function fastStoredEvent(item: unknown): StoredEvent | undefined {
  const event = fastEventItem(item);
  return event === undefined ? undefined : traced(item, event);
}

/** An item the fast path left, read by the schema (loaded with the first item that needs it). */
const viaSchema = async (item: unknown): Promise<StoredEvent> =>
  traced(item, (await loadSchemaPath()).fromEventItemSchema(item));

/** The stored event: the fast path, else the schema. */
export async function fromEventItem(item: unknown): Promise<StoredEvent> {
  return fastStoredEvent(item) ?? viaSchema(item);
}

/**
 * The stored event, or `undefined` when the schema refuses the item (an attribute edited or
 * removed): for verify, which reports such an item as a broken chain. A schema path that fails to
 * load throws instead: that says nothing about the item, and must not read as tampering.
 */
export async function parsedEventItem(item: unknown): Promise<StoredEvent | undefined> {
  const fast = fastStoredEvent(item);
  if (fast !== undefined) return fast;
  const { fromEventItemSchema } = await loadSchemaPath();
  let event: StoredEvent;
  try {
    event = fromEventItemSchema(item);
  } catch {
    return undefined;
  }
  return traced(item, event);
}

/** The stored events of `items`, in order (a page of a read): a refused item throws, as fromEventItem. */
export async function fromEventItems(items: readonly unknown[]): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (const item of items) events.push(fastStoredEvent(item) ?? (await viaSchema(item)));
  return events;
}

/**
 * The stored event of an item straight from DynamoDB's wire form (the low-level client), for reads
 * of whole logs, when the fast path reads it: the attributes it knows are taken as text, without
 * the generic unmarshalling. `undefined` for anything else (another event type, another kind of
 * attribute): the caller unmarshals the item in full and reads it with fromEventItem, so both give
 * the same event or the same refusal.
 */
export function fastEventAttributes(item: Record<string, Attribute>): StoredEvent | undefined {
  const data = item.data?.M;
  const type = scalar(item.type);
  const known = type === undefined ? undefined : FAST_DATA_KEYS[type];
  if (data === undefined || known === undefined) return undefined;
  const plainData: Record<string, string> = {};
  for (const key in data) {
    const value = scalar(data[key]);
    if (value === undefined || !known.has(key)) return undefined;
    plainData[key] = value;
  }
  const idempotencyKey = item.idempotencyKey;
  if (idempotencyKey !== undefined && idempotencyKey.S === undefined) return undefined;
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
  return event === undefined ? undefined : withTrace(event, item.traceparent?.S, item.tracestate?.S);
}
