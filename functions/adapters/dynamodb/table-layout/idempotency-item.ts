import * as z from 'zod/mini';
import type { IdempotencyRecord } from '#ports/event-store.ts';
import { numberAttr } from './attributes.ts';
import { IDEMPOTENCY_SK, idempotencyPk } from './keys.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * The idempotency record: one item per key, written in the same transaction as its events. Read
 * back only on a replay or a reused key, so its schema is built then (./on-first-use.ts).
 */
const idempotencyItemSchema = /* @__PURE__ */ onFirstUse(() =>
  z.object({
    key: z.string(),
    payloadHash: z.string(),
    walletId: z.string(),
    versions: z.array(numberAttr),
    eventIds: z.array(z.string()),
    statusCode: numberAttr,
    body: z.string(),
    recordedAtMs: numberAttr,
  }),
);

export function toIdempotencyItem(record: IdempotencyRecord): Record<string, unknown> {
  return {
    pk: idempotencyPk(record.key),
    sk: IDEMPOTENCY_SK,
    kind: 'idempotency',
    key: record.key,
    payloadHash: record.payloadHash,
    walletId: record.walletId,
    versions: record.versions,
    eventIds: record.eventIds,
    statusCode: record.response.statusCode,
    body: record.response.body,
    recordedAtMs: record.recordedAtMs,
  };
}

export function fromIdempotencyItem(item: unknown): IdempotencyRecord {
  const parsed = idempotencyItemSchema().parse(item);
  return {
    key: parsed.key,
    payloadHash: parsed.payloadHash,
    walletId: parsed.walletId,
    versions: parsed.versions,
    eventIds: parsed.eventIds,
    response: { statusCode: parsed.statusCode, body: parsed.body },
    recordedAtMs: parsed.recordedAtMs,
  };
}
