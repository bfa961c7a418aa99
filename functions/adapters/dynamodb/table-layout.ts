import { z } from 'zod';
import { bucketMs, type EvictedBucket } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import { TABLE } from '#lib/wiring.ts';
import type { IdempotencyRecord } from '#ports/event-store.ts';
import type { Job, JobChange, JobParams, JobSegment } from '#ports/jobs.ts';

/**
 * The single-table layout. This module is the only code that knows key shapes and item
 * attributes; every item read back is parsed here (numbers arrive as decimal text).
 *
 * | item        | pk                  | sk                                          |
 * |-------------|---------------------|---------------------------------------------|
 * | event       | WALLET#<walletId>   | EVENT#<lane, 2 digits>#<version, 12 digits> |
 * | lanes       | WALLET#<walletId>   | LANES  (number set of lanes other than 0)   |
 * | read model  | WALLET#<walletId>   | VIEW#WALLET                                 |
 * | snapshot    | WALLET#<walletId>   | SNAPSHOT#<eventCount, 12 digits>            |
 * | idempotency | IDEMPOTENCY#<key>   | IDEMPOTENCY                                 |
 * | job         | JOB#<jobId>         | JOB                                         |
 * | job segment | JOB#<jobId>         | SEGMENT#<segment, 3 digits>                 |
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
/**
 * Snapshots have the view item's attributes. Their sort key never starts with `EVENT#`, so the
 * stream filter (new `EVENT#` items only) and the event store's queries never see one.
 */
export const SNAPSHOT_SK_PREFIX = 'SNAPSHOT#';
export const snapshotSk = (eventCount: number): string =>
  `${SNAPSHOT_SK_PREFIX}${String(eventCount).padStart(VERSION_DIGITS, '0')}`;
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
      ruleSetVersion: numberAttr.optional(),
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
  z.object({
    ...eventItemBase,
    type: z.literal('PointsAdjusted'),
    data: z.object({
      points: bigintAttr,
      factId: z.string(),
      ruleId: z.string(),
      ruleSetVersion: numberAttr,
      ruleTextHash: z.string(),
      cause: z.enum(['correction', 'backtest']),
      causeId: z.string(),
    }),
  }),
  z.object({
    ...eventItemBase,
    type: z.literal('RulesApplied'),
    data: z.object({
      ruleSetVersion: numberAttr,
      fromMs: numberAttr.optional(),
      toMs: numberAttr.optional(),
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
      deposit: z.object({ amountMinor: bigintAttr, occurredAtMs: numberAttr }).optional(),
      fact: z.object({ occurredAtMs: numberAttr, dataJson: z.string() }).optional(),
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

/**
 * The stored event. The common shapes (deposits, facts, awards, as every read of a log meets them
 * by the thousand) are checked field by field here, 5–7× faster than the schema; anything else,
 * and anything that does not check out, goes through the schema, which accepts or explains it.
 */
export function fromEventItem(item: unknown): RecordedEvent & { hash: string; prevHash: string } {
  return fastEventItem(item) ?? fromEventItemSchema(item);
}

const INT_TEXT = /^-?\d+$/;

function safeInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !INT_TEXT.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

function bigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  return typeof value === 'string' && INT_TEXT.test(value) ? BigInt(value) : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Keys the fast path knows for each type's `data`; any other key sends the item to the schema. */
const FAST_DATA_KEYS: Record<string, ReadonlySet<string>> = {
  Deposited: new Set(['amountMinor', 'occurredAtMs', 'factId']),
  FactRecorded: new Set(['factId', 'source', 'factType', 'occurredAtMs', 'dataJson', 'ruleSetVersion']),
  PointsAwarded: new Set(['points', 'factId', 'ruleId', 'ruleSetVersion', 'ruleTextHash']),
};

/** A DynamoDB AttributeValue, as the low-level client returns it. */
type Attribute = { S?: string; N?: string; M?: Record<string, Attribute> } & Record<string, unknown>;

/** S or N as text; undefined for any other kind (the item then takes the general path). */
const scalar = (value: Attribute | undefined): string | undefined => value?.S ?? value?.N;

/**
 * An event item straight from DynamoDB's wire form (the low-level client), for reads of whole
 * logs: the attributes the fast path knows are taken as text, without the generic unmarshalling.
 * Anything else (another event type, another kind of attribute) is unmarshalled in full and
 * parsed by fromEventItem, so both give the same event or the same refusal.
 */
export function fromEventAttributes(
  item: Record<string, Attribute>,
  unmarshalled: () => unknown,
): RecordedEvent & { hash: string; prevHash: string } {
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
      if (event !== undefined) return event;
    }
  }
  return fromEventItem(unmarshalled());
}

function fastEventItem(item: unknown): (RecordedEvent & { hash: string; prevHash: string }) | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  const data = record.data as Record<string, unknown> | undefined;
  const type = record.type;
  const known = typeof type === 'string' ? FAST_DATA_KEYS[type] : undefined;
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
  let event: RecordedEvent & { hash: string; prevHash: string };
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
    event = { walletId, lane, version, eventId, recordedAtMs, hash, prevHash, type, data: deposit };
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
    event = { walletId, lane, version, eventId, recordedAtMs, hash, prevHash, type, data: fact };
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
    event = {
      walletId,
      lane,
      version,
      eventId,
      recordedAtMs,
      hash,
      prevHash,
      type: 'PointsAwarded',
      data: { points, factId, ruleId, ruleSetVersion, ruleTextHash },
    };
  }
  if (idempotencyKey !== undefined) event.idempotencyKey = idempotencyKey;
  return event;
}

export function fromEventItemSchema(item: unknown): RecordedEvent & { hash: string; prevHash: string } {
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
  correctionCount: numberAttr.optional(),
  adjustmentCount: numberAttr.optional(),
  /** [lane, version, byVersion, amountMinor | null, atMs | null] per corrected deposit. */
  corrections: z
    .array(z.tuple([numberAttr, numberAttr, numberAttr, bigintAttr.nullable(), numberAttr.nullable()]))
    .optional(),
  updatedAtMs: numberAttr,
  thresholdMinor: bigintAttr,
  windowMs: numberAttr,
  breach: breachSchema.nullable().optional(),
  maxAtMs: numberAttr.nullable().optional(),
  coverFromMs: numberAttr.nullable().optional(),
  retained: z.array(windowDepositSchema),
  /**
   * [first bucket's fromMs, its sum, the next bucket's sum, …] (0 for an empty bucket between), or
   * [] — absent on views stored before it existed (see fromViewItem).
   */
  evicted: z.array(bigintAttr).nullable().optional(),
});

type WindowEntry = { atMs: number; amountMinor: bigint; lane: number; version: number };
const entryTuple = (entry: WindowEntry) => [entry.atMs, entry.amountMinor, entry.lane, entry.version];

export function toViewItem(view: WalletView): Record<string, unknown> {
  const { breach, maxAtMs, coverFromMs, retained, evicted } = view.threshold;
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
    correctionCount: view.correctionCount,
    adjustmentCount: view.adjustmentCount,
    corrections: view.corrections.map((entry) => [
      entry.lane,
      entry.version,
      entry.byVersion,
      entry.effective?.amountMinor ?? null,
      entry.effective?.atMs ?? null,
    ]),
    updatedAtMs: view.updatedAtMs,
    thresholdMinor: view.thresholdMinor,
    windowMs: view.windowMs,
    breach: breach === null ? null : { ...breach, deposits: breach.deposits.map(entryTuple) },
    maxAtMs,
    coverFromMs,
    retained: retained.map(entryTuple),
    // Always empty once breached, and read back so when absent: not written then (the item stays
    // as small as before the buckets existed).
    ...(breach !== null ? {} : { evicted: evicted === null ? null : evictedTuple(evicted, bucketMs(view)) }),
  };
}

/** The buckets as one list: the first one's start, then every bucket's sum up to the last (one item attribute, no key per bucket). */
function evictedTuple(evicted: readonly EvictedBucket[], widthMs: number): bigint[] {
  const first = evicted[0];
  if (first === undefined) return [];
  const sums: bigint[] = [BigInt(first.fromMs)];
  for (const bucket of evicted) {
    const index = 1 + (bucket.fromMs - first.fromMs) / widthMs;
    while (sums.length < index) sums.push(0n);
    sums.push(bucket.sumMinor);
  }
  return sums;
}

function evictedBuckets(tuple: readonly bigint[], widthMs: number): EvictedBucket[] {
  const [first, ...sums] = tuple;
  if (first === undefined) return [];
  return sums.flatMap((sumMinor, index) =>
    sumMinor === 0n ? [] : [{ fromMs: Number(first) + index * widthMs, sumMinor }],
  );
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
    correctionCount: parsed.correctionCount ?? 0,
    adjustmentCount: parsed.adjustmentCount ?? 0,
    corrections: (parsed.corrections ?? []).map(([lane, version, byVersion, amountMinor, atMs]) => ({
      lane,
      version,
      byVersion,
      effective: amountMinor === null || atMs === null ? null : { amountMinor, atMs },
    })),
    updatedAtMs: parsed.updatedAtMs,
    thresholdMinor: parsed.thresholdMinor,
    windowMs: parsed.windowMs,
    threshold: {
      breach: parsed.breach ?? null,
      maxAtMs: parsed.maxAtMs ?? null,
      coverFromMs: parsed.coverFromMs ?? null,
      retained: parsed.retained,
      // A view stored before the buckets existed: known empty if the cache never let a deposit
      // go or the flag is set, else unknown (decided from history, as it was, until a replay
      // rebuilds the view).
      evicted:
        parsed.evicted !== undefined
          ? parsed.evicted === null
            ? null
            : evictedBuckets(parsed.evicted, bucketMs(parsed))
          : parsed.coverFromMs == null || parsed.breach != null
            ? []
            : null,
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

export const JOB_PK_PREFIX = 'JOB#';
export const jobPk = (jobId: string): string => `${JOB_PK_PREFIX}${jobId}`;
export const JOB_SK = 'JOB';
export const jobSegmentSk = (segment: number): string => `SEGMENT#${String(segment).padStart(3, '0')}`;

const jobParamsSchema: z.ZodType<JobParams> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('replay'), dryRun: z.boolean() }),
  z.object({
    kind: z.literal('backtest'),
    ruleSetVersion: z.number().int().optional(),
    rulesText: z.string().optional(),
    fromMs: z.number().optional(),
    toMs: z.number().optional(),
    apply: z.boolean(),
  }),
]);

const jobItemSchema = z.object({
  jobId: z.string(),
  params: z.string(),
  segments: numberAttr,
  createdAtMs: numberAttr,
});

/** How long a job's items (its report) are kept: DynamoDB's TTL deletes them after that. */
export const JOB_RETENTION_DAYS = 30;

/** The TTL attribute's value (epoch seconds) for a job created at `createdAtMs`. */
const jobExpiry = (createdAtMs: number): Record<string, number> => ({
  [TABLE.timeToLiveAttribute]: Math.floor(createdAtMs / 1000) + JOB_RETENTION_DAYS * 86_400,
});

export function toJobItem(job: Job): Record<string, unknown> {
  return {
    pk: jobPk(job.jobId),
    sk: JOB_SK,
    kind: 'job',
    jobId: job.jobId,
    params: JSON.stringify(job.params),
    segments: job.segments,
    createdAtMs: job.createdAtMs,
    ...jobExpiry(job.createdAtMs),
  };
}

export function fromJobItem(item: unknown): Job {
  const parsed = jobItemSchema.parse(item);
  return {
    jobId: parsed.jobId,
    params: jobParamsSchema.parse(JSON.parse(parsed.params)),
    segments: parsed.segments,
    createdAtMs: parsed.createdAtMs,
  };
}

/** A segment before its first page: counters are added to (ADD creates them). */
export function toJobSegmentItem(job: Job, segment: number): Record<string, unknown> {
  return {
    pk: jobPk(job.jobId),
    sk: jobSegmentSk(segment),
    ...jobExpiry(job.createdAtMs),
    kind: 'job-segment',
    segment,
    page: 0,
    cursor: null,
    done: false,
    changes: '[]',
    finishedAtMs: null,
  };
}

const counterAttr = numberAttr.optional().transform((value) => value ?? 0);
const bigCounterAttr = bigintAttr.optional().transform((value) => value ?? 0n);

const jobSegmentItemSchema = z.object({
  segment: numberAttr,
  page: numberAttr,
  cursor: z.string().nullable(),
  done: z.boolean(),
  changes: z.string(),
  finishedAtMs: numberAttr.nullable().optional(),
  wallets: counterAttr,
  eventsDone: counterAttr,
  changed: counterAttr,
  written: counterAttr,
  facts: counterAttr,
  walletsWithDifference: counterAttr,
  awardedPoints: bigCounterAttr,
  candidatePoints: bigCounterAttr,
  adjustmentsAppended: counterAttr,
  ruleErrors: counterAttr,
});

export function fromJobSegmentItem(item: unknown): JobSegment {
  const parsed = jobSegmentItemSchema.parse(item);
  return {
    segment: parsed.segment,
    page: parsed.page,
    cursor: parsed.cursor,
    done: parsed.done,
    finishedAtMs: parsed.finishedAtMs ?? null,
    changes: z.array(z.record(z.string(), z.unknown())).parse(JSON.parse(parsed.changes)) as JobChange[],
    counters: {
      wallets: parsed.wallets,
      events: parsed.eventsDone,
      changed: parsed.changed,
      written: parsed.written,
      facts: parsed.facts,
      walletsWithDifference: parsed.walletsWithDifference,
      awardedPoints: parsed.awardedPoints,
      candidatePoints: parsed.candidatePoints,
      adjustmentsAppended: parsed.adjustmentsAppended,
      ruleErrors: parsed.ruleErrors,
    },
  };
}
