import * as z from 'zod';

/**
 * The JSON bodies the handlers write, as zod schemas. The handlers build their JSON as text (an
 * amount is an exact decimal from bigint minor units, which JSON.stringify cannot write), so these
 * describe that text; test/support/contract.ts checks every end-to-end response against them.
 * Objects are loose where a body carries more than a client needs to rely on.
 */

const isoTime = z.string().describe('ISO 8601 / RFC 3339 time, UTC');
/** Money as an exact decimal JSON number (up to 2 places) in the original service's routes. */
const decimalNumber = z.number().describe('exact decimal, at most 2 places');
/** Trading answers write money as exact decimal text ("30.50") and points as whole numbers. */
const tradeAmount = z.union([z.string(), z.number()]).describe('money: decimal text; points: whole number');
const asset = z.enum(['money', 'points']);
const cursor = z
  .string()
  .nullable()
  .describe('opaque; pass it back as `cursor` for the next page; null on the last');

export const problemSchema = z
  .looseObject({
    type: z.string().describe('absolute URI `<base>/problems/<code>`; the code never changes'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.unknown()).optional().describe('per field or per event, when there are several'),
  })
  .meta({ id: 'Problem' });

export const depositCreated = z.strictObject({
  WalletID: z.string(),
  Amount: decimalNumber,
  Lane: z.number().int(),
  Version: z.number().int(),
  EventID: z.string(),
  RecordedAt: isoTime,
});

export const details = z.strictObject({
  WalletID: z.string(),
  Balance: decimalNumber,
  AboveThreshold: z.boolean(),
});

const assetBalance = (amount: z.ZodType) =>
  z.strictObject({ balance: amount, held: amount, available: amount });

export const wallet = z
  .strictObject({
    walletId: z.string(),
    balance: decimalNumber,
    points: z.number().int(),
    aboveThreshold: z.boolean(),
    version: z.number().int().describe('events in the wallet (counted up to asOf)'),
    updatedAt: isoTime,
    asOf: z.string().optional(),
    knownAt: z.string().optional(),
    assets: z.strictObject({ money: assetBalance(decimalNumber), points: assetBalance(z.number().int()) }),
    breach: z
      .strictObject({
        at: isoTime.describe('end of the first window over the threshold (a deposit’s event time)'),
        windowStart: isoTime.describe('start of that window, exclusive'),
        sum: decimalNumber,
        depositCount: z.number().int(),
        deposits: z
          .array(
            z.strictObject({
              time: isoTime,
              amount: decimalNumber,
              lane: z.number().int(),
              version: z.number().int(),
            }),
          )
          .describe('the deposits in the window, oldest first (at most 10)'),
      })
      .optional()
      .describe('only while aboveThreshold: the window that set the flag'),
  })
  .meta({ id: 'Wallet' });

export const awards = z.strictObject({
  walletId: z.string(),
  awards: z.array(
    z.looseObject({
      points: z.number().int(),
      ruleId: z.string(),
      ruleSetVersion: z.number().int(),
      factId: z.string(),
      recordedAt: isoTime,
      eventId: z.string(),
    }),
  ),
  nextCursor: cursor,
});

export const auditEvent = z.looseObject({
  eventId: z.string(),
  type: z.string(),
  lane: z.number().int(),
  version: z.number().int(),
  recordedAt: isoTime,
  idempotencyKey: z.string().optional().describe('shown to service and admin callers only'),
  data: z.record(z.string(), z.unknown()),
  correctedBy: z.array(z.string()).optional(),
});

export const auditTrail = z.strictObject({
  walletId: z.string(),
  events: z.array(auditEvent),
  nextCursor: cursor,
});

export const verify = z.union([
  z.strictObject({
    walletId: z.string(),
    ok: z.literal(true),
    lanes: z.number().int(),
    events: z.number().int(),
  }),
  z.looseObject({ walletId: z.string(), ok: z.literal(false), lane: z.number().int(), reason: z.string() }),
]);

export const transactions = z.strictObject({
  walletId: z.string(),
  transactions: z.array(
    z.strictObject({
      kind: z.string(),
      asset,
      amount: tradeAmount,
      counterparty: z.string().nullable().optional(),
      eventId: z.string(),
      type: z.string(),
      lane: z.number().int(),
      version: z.number().int(),
      recordedAt: isoTime,
    }),
  ),
  nextCursor: cursor,
});

export const eventsAccepted = z.strictObject({
  accepted: z.number().int().describe('events queued (repeats within the request count once)'),
  ids: z.array(z.string()),
  duplicates: z.number().int().optional(),
  results: z
    .array(
      z.strictObject({
        index: z.number().int(),
        id: z.string(),
        status: z.enum(['queued', 'duplicate']).describe('duplicate: the same event earlier in this request'),
      }),
    )
    .describe('one per event received, in order'),
});

export const transfer = z.strictObject({
  transferId: z.string(),
  from: z.string(),
  to: z.string(),
  asset,
  amount: tradeAmount,
  status: z.literal('completed'),
});

export const hold = z.strictObject({
  holdId: z.string(),
  walletId: z.string(),
  asset,
  amount: tradeAmount,
  released: tradeAmount.optional(),
  status: z.enum(['active', 'captured', 'released']),
  expiresAt: isoTime.optional(),
  to: z.string().optional(),
});

const offerFields = {
  offerId: z.string(),
  seller: z.string(),
  asset,
  amount: tradeAmount,
  price: z.strictObject({ asset, amount: tradeAmount }),
  status: z.string(),
  expiresAt: isoTime,
  buyer: z.string().optional(),
};
export const offer = z.strictObject(offerFields);
export const offerBook = z.strictObject({
  asset,
  status: z.string(),
  offers: z.array(offer),
  nextCursor: cursor,
});
export const offerWithHistory = z.strictObject({
  ...offerFields,
  history: z.array(
    z.strictObject({ eventId: z.string(), type: z.string(), walletId: z.string(), recordedAt: isoTime }),
  ),
});

export const health = z.strictObject({ status: z.literal('ok') });

export const ruleSet = z.strictObject({
  version: z.number().int(),
  builtIn: z.boolean(),
  source: z.string().nullable(),
  textHash: z.string(),
  publishedAt: isoTime.nullable(),
  publishedBy: z.string().nullable(),
  text: z.string(),
});

export const ruleSetVersions = z.looseObject({
  versions: z.array(
    z.strictObject({
      version: z.number().int(),
      source: z.string().nullable(),
      textHash: z.string(),
      publishedAt: isoTime,
      publishedBy: z.string().nullable(),
      rules: z.number().int().nullable(),
    }),
  ),
  next: cursor,
});

export const jobStarted = z.strictObject({
  jobId: z.string(),
  kind: z.enum(['replay', 'backtest', 'republish']),
  status: z.literal('running'),
  href: z.string(),
});

export const jobReport = z.looseObject({
  jobId: z.string(),
  kind: z.enum(['replay', 'backtest', 'republish']),
  status: z.string(),
  createdAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  params: z.record(z.string(), z.unknown()),
  progress: z.strictObject({ segments: z.number(), segmentsDone: z.number(), fraction: z.number() }),
  totals: z.record(z.string(), z.number()),
});

export const replayLine = z.looseObject({
  dryRun: z.boolean(),
  walletId: z.string(),
  fromVersion: z.number().int().nullable(),
});

export const backtestReport = z.looseObject({
  dryRun: z.boolean(),
  ruleSet: z.looseObject({ textHash: z.string() }),
  from: z.string().nullable(),
  to: z.string().nullable(),
  wallets: z.array(z.record(z.string(), z.unknown())),
});

export const correction = z.looseObject({
  walletId: z.string(),
  changed: z.boolean(),
  target: z.looseObject({ eventId: z.string(), type: z.string() }),
  correction: z.looseObject({ eventId: z.string(), action: z.enum(['void', 'amend']) }).nullable(),
  compensations: z.array(z.record(z.string(), z.unknown())),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
});

export const deadLetter = z.strictObject({
  id: z.string(),
  queue: z.enum(['events', 'jobs']),
  code: z.string().nullable(),
  reason: z.string(),
  receiveCount: z.number().int(),
  parkedAt: isoTime.nullable(),
  attributes: z.record(z.string(), z.unknown()),
  body: z.string().describe('the message as it arrived'),
});

export const deadLetters = z.strictObject({
  letters: z.array(deadLetter),
});

export const redriven = z.strictObject({
  redriven: z.array(z.strictObject({ queue: z.enum(['events', 'jobs']), id: z.string() })),
});
