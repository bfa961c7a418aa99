import type { RecordedEvent } from '#domain/wallet.ts';
import { bigInt, safeInt, text } from './fast-attributes.ts';

/**
 * The fast path of the event item's parse: the common shapes (deposits, facts, awards, holds),
 * which every read of a log meets by the thousand, checked field by field without the schema. A
 * hold is here because one is enough to send a cold start's first read down the schema path
 * (its lazy chunk and ~140 schemas built, 5-7 ms CPU): every wallet that places orders has them.
 * `undefined` means "not checked here": the caller then takes the schema path (event-item.ts).
 */

export type StoredEvent = RecordedEvent & { hash: string; prevHash: string };

/** Keys the fast path knows for each type's `data`; any other key sends the item to the schema. */
export const FAST_DATA_KEYS: Record<string, ReadonlySet<string>> = {
  Deposited: new Set(['amountMinor', 'occurredAtMs', 'factId']),
  FactRecorded: new Set(['factId', 'source', 'factType', 'occurredAtMs', 'dataJson', 'ruleSetVersion']),
  PointsAwarded: new Set(['points', 'factId', 'ruleId', 'ruleSetVersion', 'ruleTextHash']),
  // A hold without an offer (an offer's hold, nested price, takes the schema).
  HoldPlaced: new Set(['holdId', 'asset', 'amount', 'expiresAtMs', 'occurredAtMs', 'memo']),
};

/**
 * Readers of more types' `data` (`undefined`: not checked here), which the functions that meet
 * them at a cold start add with their FAST_DATA_KEYS (payment-event-fast.ts): not in every bundle.
 */
// Without a prototype: a type named `constructor` or `toString` must find no reader here.
export const FAST_READERS: Record<string, (data: Record<string, unknown>) => object | undefined> =
  Object.create(null);

/** A DynamoDB AttributeValue, as the low-level client returns it. */
export type Attribute = { S?: string; N?: string; M?: Record<string, Attribute> } & Record<string, unknown>;

/** S or N as text; undefined for any other kind (the item then takes the general path). */
export const scalar = (value: Attribute | undefined): string | undefined => value?.S ?? value?.N;

export function fastEventItem(item: unknown): StoredEvent | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  const data = record.data as Record<string, unknown> | undefined;
  const type = record.type;
  // Own keys only: a type named `constructor` or `toString` is no type the fast path knows.
  const known =
    typeof type === 'string' && Object.hasOwn(FAST_DATA_KEYS, type) ? FAST_DATA_KEYS[type] : undefined;
  if (known === undefined || typeof data !== 'object' || data === null) return undefined;
  for (const key in data) if (!known.has(key)) return undefined;
  const walletId = text(record.walletId);
  const lane = safeInt(record.lane);
  const version = safeInt(record.version);
  const eventId = text(record.eventId);
  const recordedAtMs = safeInt(record.recordedAtMs);
  const hash = text(record.hash);
  const prevHash = text(record.prevHash);
  const idempotencyKey = record.idempotencyKey;
  if (
    text(record.pk) === undefined ||
    text(record.sk) === undefined ||
    walletId === undefined ||
    lane === undefined ||
    version === undefined ||
    eventId === undefined ||
    recordedAtMs === undefined ||
    hash === undefined ||
    prevHash === undefined ||
    (idempotencyKey !== undefined && typeof idempotencyKey !== 'string')
  ) {
    return undefined;
  }
  // Built without object spread: V8's spread of a fresh object costs microseconds here, ten times
  // the rest of the parse (measured), and a log read parses every event.
  // The event's `data` by its type; the event is built once, below, for all of them.
  let read: object | undefined;
  if (type === 'Deposited') {
    const amountMinor = bigInt(data.amountMinor);
    const occurredAtMs = safeInt(data.occurredAtMs);
    const factId = data.factId;
    if (amountMinor === undefined || occurredAtMs === undefined) return undefined;
    if (factId !== undefined && typeof factId !== 'string') return undefined;
    const deposit: { amountMinor: bigint; occurredAtMs: number; factId?: string } = {
      amountMinor,
      occurredAtMs,
    };
    if (factId !== undefined) deposit.factId = factId;
    read = deposit;
  } else if (type === 'FactRecorded') {
    const factId = text(data.factId);
    const source = text(data.source);
    const factType = text(data.factType);
    const occurredAtMs = safeInt(data.occurredAtMs);
    const dataJson = text(data.dataJson);
    const ruleSetVersion = data.ruleSetVersion === undefined ? undefined : safeInt(data.ruleSetVersion);
    if (
      factId === undefined ||
      source === undefined ||
      factType === undefined ||
      occurredAtMs === undefined ||
      dataJson === undefined ||
      (data.ruleSetVersion !== undefined && ruleSetVersion === undefined)
    ) {
      return undefined;
    }
    const fact: Extract<RecordedEvent, { type: 'FactRecorded' }>['data'] = {
      factId,
      source,
      factType,
      occurredAtMs,
      dataJson,
    };
    if (ruleSetVersion !== undefined) fact.ruleSetVersion = ruleSetVersion;
    read = fact;
  } else if (type === 'HoldPlaced') {
    const holdId = text(data.holdId);
    const asset = data.asset;
    const amount = bigInt(data.amount);
    const expiresAtMs = safeInt(data.expiresAtMs);
    const occurredAtMs = safeInt(data.occurredAtMs);
    const memo = data.memo;
    if (
      holdId === undefined ||
      (asset !== 'money' && asset !== 'points') ||
      amount === undefined ||
      expiresAtMs === undefined ||
      occurredAtMs === undefined ||
      (memo !== undefined && typeof memo !== 'string')
    ) {
      return undefined;
    }
    const hold: Extract<RecordedEvent, { type: 'HoldPlaced' }>['data'] = {
      holdId,
      asset,
      amount,
      expiresAtMs,
      occurredAtMs,
    };
    if (memo !== undefined) hold.memo = memo;
    read = hold;
  } else if (type !== 'PointsAwarded') {
    read = FAST_READERS[type as string]?.(data);
  } else {
    const points = bigInt(data.points);
    const factId = text(data.factId);
    const ruleId = text(data.ruleId);
    const ruleSetVersion = safeInt(data.ruleSetVersion);
    const ruleTextHash = text(data.ruleTextHash);
    if (
      points === undefined ||
      factId === undefined ||
      ruleId === undefined ||
      ruleSetVersion === undefined ||
      ruleTextHash === undefined
    ) {
      return undefined;
    }
    read = { points, factId, ruleId, ruleSetVersion, ruleTextHash };
  }
  if (read === undefined) return undefined;
  const event = {
    walletId,
    lane,
    version,
    eventId,
    recordedAtMs,
    hash,
    prevHash,
    type,
    data: read,
  } as StoredEvent;
  if (idempotencyKey !== undefined) event.idempotencyKey = idempotencyKey;
  return event;
}
