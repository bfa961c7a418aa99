import { z } from 'zod';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import type { IdempotencyRecord } from '#ports/event-store.ts';

/**
 * The single-table layout. This module is the only code that knows key shapes and item
 * attributes; every item read back is parsed here (numbers arrive as decimal text).
 *
 * | item        | pk                  | sk                                          |
 * |-------------|---------------------|---------------------------------------------|
 * | event       | WALLET#<walletId>   | EVENT#<lane, 2 digits>#<version, 12 digits> |
 * | lanes       | WALLET#<walletId>   | LANES  (number set of lanes other than 0)   |
 * | read model  | WALLET#<walletId>   | VIEW#WALLET                                 |
 * | idempotency | IDEMPOTENCY#<key>   | IDEMPOTENCY                                 |
 */
export const VERSION_DIGITS = 12;
export const VERSION_MAX = 10 ** VERSION_DIGITS - 1;
export const walletPk = (walletId: string): string => `WALLET#${walletId}`;
export const laneSkPrefix = (lane: number): string => `EVENT#${String(lane).padStart(2, '0')}#`;
export const eventSk = (lane: number, version: number): string =>
  `${laneSkPrefix(lane)}${String(version).padStart(VERSION_DIGITS, '0')}`;
export const EVENT_SK_PREFIX = 'EVENT#';
export const LANES_SK = 'LANES';
export const VIEW_SK = 'VIEW#WALLET';
export const idempotencyPk = (key: string): string => `IDEMPOTENCY#${key}`;
export const IDEMPOTENCY_SK = 'IDEMPOTENCY';

/** The lane of an event item's sort key, or undefined for any other item. */
export function laneFromEventSk(sk: string): number | undefined {
  const match = /^EVENT#(\d{2})#\d+$/.exec(sk);
  return match ? Number(match[1]) : undefined;
}

export const walletIdFromPk = (pk: string): string | undefined =>
  pk.startsWith('WALLET#') ? pk.slice('WALLET#'.length) : undefined;

const intText = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
const bigintAttr = intText.transform((value) => BigInt(value));
/** A DynamoDB number (read back as decimal text) that must be a safe integer. */
export const numberAttr = intText.transform((value, ctx) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'not a safe integer' });
    return z.NEVER;
  }
  return parsed;
});

const eventItemBase = {
  pk: z.string(),
  sk: z.string(),
  walletId: z.string(),
  lane: numberAttr,
  version: numberAttr,
  eventId: z.string(),
  recordedAtMs: numberAttr,
  idempotencyKey: z.string().optional(),
  hash: z.string(),
  prevHash: z.string(),
};

/** The stored event, one shape per event type. */
export const eventItemSchema = z.discriminatedUnion('type', [
  z.object({
    ...eventItemBase,
    type: z.literal('Deposited'),
    data: z.object({ amountMinor: bigintAttr, occurredAtMs: numberAttr, factId: z.string().optional() }),
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
    }),
  }),
  z.object({
    ...eventItemBase,
    type: z.literal('PointsAwarded'),
    data: z.object({
      points: bigintAttr,
      factId: z.string(),
      ruleId: z.string(),
      ruleSetVersion: numberAttr,
      ruleTextHash: z.string(),
    }),
  }),
]);

export function toEventItem(event: RecordedEvent, prevHash: string, hash: string): Record<string, unknown> {
  return {
    pk: walletPk(event.walletId),
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
  };
}

export function fromEventItem(item: unknown): RecordedEvent & { hash: string; prevHash: string } {
  const parsed = eventItemSchema.parse(item);
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
    case 'FactRecorded':
      return { ...base, type: parsed.type, data: parsed.data };
    case 'PointsAwarded':
      return { ...base, type: parsed.type, data: parsed.data };
  }
}

const idempotencyItemSchema = z.object({
  key: z.string(),
  payloadHash: z.string(),
  walletId: z.string(),
  versions: z.array(numberAttr),
  eventIds: z.array(z.string()),
  statusCode: numberAttr,
  body: z.string(),
  recordedAtMs: numberAttr,
});

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
  const parsed = idempotencyItemSchema.parse(item);
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

const windowDepositSchema = z
  .tuple([numberAttr, bigintAttr, numberAttr, numberAttr])
  .transform(([atMs, amountMinor, lane, version]) => ({ atMs, amountMinor, lane, version }));

const breachSchema = z.object({
  atMs: numberAttr,
  windowStartMs: numberAttr,
  sumMinor: bigintAttr,
  depositCount: numberAttr,
  deposits: z.array(windowDepositSchema),
});

const viewItemSchema = z.object({
  walletId: z.string(),
  lanes: z.array(numberAttr).min(1),
  eventCount: numberAttr,
  balanceMinor: bigintAttr,
  depositCount: numberAttr,
  points: bigintAttr,
  awardCount: numberAttr,
  factCount: numberAttr,
  updatedAtMs: numberAttr,
  thresholdMinor: bigintAttr,
  windowMs: numberAttr,
  breach: breachSchema.nullable().optional(),
  maxAtMs: numberAttr.nullable().optional(),
  coverFromMs: numberAttr.nullable().optional(),
  retained: z.array(windowDepositSchema),
});

type WindowEntry = { atMs: number; amountMinor: bigint; lane: number; version: number };
const entryTuple = (entry: WindowEntry) => [entry.atMs, entry.amountMinor, entry.lane, entry.version];

export function toViewItem(view: WalletView): Record<string, unknown> {
  const { breach, maxAtMs, coverFromMs, retained } = view.threshold;
  return {
    pk: walletPk(view.walletId),
    sk: VIEW_SK,
    kind: 'view',
    walletId: view.walletId,
    lanes: view.lanes,
    eventCount: view.eventCount,
    balanceMinor: view.balanceMinor,
    depositCount: view.depositCount,
    points: view.points,
    awardCount: view.awardCount,
    factCount: view.factCount,
    updatedAtMs: view.updatedAtMs,
    thresholdMinor: view.thresholdMinor,
    windowMs: view.windowMs,
    breach: breach === null ? null : { ...breach, deposits: breach.deposits.map(entryTuple) },
    maxAtMs,
    coverFromMs,
    retained: retained.map(entryTuple),
  };
}

export function fromViewItem(item: unknown): WalletView {
  const parsed = viewItemSchema.parse(item);
  return {
    walletId: parsed.walletId,
    lanes: parsed.lanes,
    eventCount: parsed.eventCount,
    balanceMinor: parsed.balanceMinor,
    depositCount: parsed.depositCount,
    points: parsed.points,
    awardCount: parsed.awardCount,
    factCount: parsed.factCount,
    updatedAtMs: parsed.updatedAtMs,
    thresholdMinor: parsed.thresholdMinor,
    windowMs: parsed.windowMs,
    threshold: {
      breach: parsed.breach ?? null,
      maxAtMs: parsed.maxAtMs ?? null,
      coverFromMs: parsed.coverFromMs ?? null,
      retained: parsed.retained,
    },
  };
}

const lanesItemSchema = z.object({ lanes: z.union([z.set(intText), z.array(intText)]).optional() });

/** Lane 0 plus the lanes registered in the LANES item, ascending. */
export function fromLanesItem(item: unknown): number[] {
  const parsed = item === undefined ? {} : lanesItemSchema.parse(item);
  const lanes = new Set<number>([0]);
  for (const lane of parsed.lanes ?? []) lanes.add(Number(lane));
  return [...lanes].sort((a, b) => a - b);
}
