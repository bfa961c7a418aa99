/**
 * The first invocation of each wiring function in `npm run bench:cold`: an event as its trigger
 * delivers it, chosen so the call reaches DynamoDB Local (a cold start is import + first call, and
 * the first call is where the SDK client is built and its first request signed and sent).
 */
import type { FunctionSpec } from '#lib/wiring.ts';

export const BENCH_WALLET = 'coldbench001';
const NOW_MS = Date.UTC(2026, 0, 1);

export function http(method: string, rawPath: string, routeKey: string, extra: Record<string, unknown> = {}) {
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'localhost' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'cold',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'cold-bench',
      routeKey,
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: NOW_MS,
    },
    isBase64Encoded: false,
    ...extra,
  };
}

/** An EventBridge Scheduler tick. */
const scheduled = {
  version: '0',
  id: 'cold-bench',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
};

/**
 * The first calls that carry an id the table remembers (a CloudEvent's id, an Idempotency-Key) carry
 * a new one every cold start (`coldStart`), so every run measures a first delivery, as
 * stream-event.ts does for the stream's consumers: the same id every run would measure a
 * redelivery from the second run on (a refused write, the stored answer read and parsed), which is
 * not what a function's first call after a deploy or a scale-out usually is.
 */
const cloudEvent = (coldStart: number) => ({
  specversion: '1.0',
  id: `cold-bench-${coldStart}`,
  source: 'bench',
  type: 'wallet.deposit',
  subject: BENCH_WALLET,
  time: '2026-01-01T00:00:00Z',
  datacontenttype: 'application/json',
  data: { amount: '1.00' },
});

const sqsRecord = (body: string) => ({
  messageId: 'cold-bench-message',
  receiptHandle: 'cold-bench',
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(NOW_MS),
    SenderId: 'bench',
    ApproximateFirstReceiveTimestamp: String(NOW_MS),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tally-events',
  awsRegion: 'us-east-1',
});

const withWallet = { pathParameters: { wallet_id: BENCH_WALLET } };
/** A JSON request's headers with an Idempotency-Key. */
export const keyedHeaders = (key: string) => ({
  headers: { 'content-type': 'application/json', host: 'localhost', 'idempotency-key': key },
});
const keyed = (body: unknown, coldStart: number) => ({
  ...keyedHeaders(`cold-bench-key-${coldStart}`),
  body: JSON.stringify(body),
});

/**
 * What the first calls that read something, or act on something, are handed (bench/cold/seed.ts
 * makes them through the app's routes): ids made once, and per cold start the webhook of a payment
 * made just now, the deposit a correction voids and the job whose first page runs. {@link UNSEEDED} names nothing that exists:
 * with it those calls are refused (a 404, a 401); it serves only to check that every function has
 * a first event.
 */
export interface Seeded {
  paymentId: string;
  orderId: string;
  accountId: string;
  replayJobId: string;
  backtestJobId: string;
  /** The provider's signed delivery: its headers and the exact body they sign. */
  webhook: { body: string; headers: Record<string, string> };
  /** The event id of a deposit of {@link Seeded.correctedWallet} that no correction names yet. */
  correctionTarget: string;
  correctedWallet: string;
  /**
   * The jobs-queue message body of a job's first page of segment 0, not run yet: the message the
   * app queued for it (as the queue's consumer receives it).
   */
  runJobPage: string;
}

export const UNSEEDED: Seeded = {
  paymentId: 'cold-bench-payment',
  orderId: 'cold-bench-order',
  accountId: 'coldbench-acct',
  replayJobId: 'cold-bench-job',
  backtestJobId: 'cold-bench-job',
  webhook: { body: JSON.stringify({ id: 'evt_cold_bench', type: 'payment_intent.succeeded' }), headers: {} },
  correctionTarget: 'cold-bench-deposit',
  correctedWallet: BENCH_WALLET,
  runJobPage: JSON.stringify({ jobId: 'cold-bench-job', segment: 0, page: 0, cursor: null }),
};

/**
 * A DynamoDB stream record naming the bench wallet's first event (keys only). The bench and the
 * profiler hand the stream consumers a fresh wallet's first event with its image instead, built
 * per cold start (stream-event.ts); this stays the event `firstEvent` names for them.
 */
const streamEvent = {
  Records: [
    {
      eventID: 'cold-bench-1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        Keys: { pk: { S: `WALLET#${BENCH_WALLET}` }, sk: { S: 'EVENT#00#000000000001' } },
        SequenceNumber: '1',
        SizeBytes: 60,
        StreamViewType: 'KEYS_ONLY',
      },
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/tally/stream/cold',
    },
  ],
};

/** Per function name: its first event. A wiring function missing here fails the bench (see cold.ts). */
const firstEvents = (coldStart: number, seeded: Seeded): Record<string, unknown> => ({
  transfers: http('POST', '/transfers', 'POST /transfers', {
    ...keyed({ from: BENCH_WALLET, to: 'coldbench002', asset: 'money', amount: '1.00' }, coldStart),
  }),
  holds: http('POST', `/wallets/${BENCH_WALLET}/holds`, 'POST /wallets/{wallet_id}/holds', {
    ...withWallet,
    ...keyed({ asset: 'money', amount: '1.00' }, coldStart),
  }),
  offers: http('GET', '/offers', 'GET /offers'),
  transactions: http(
    'GET',
    `/wallets/${BENCH_WALLET}/transactions`,
    'GET /wallets/{wallet_id}/transactions',
    withWallet,
  ),
  openapi: http('GET', '/openapi.json', 'GET /openapi.json'),
  'dead-letters': http('GET', '/dead-letters', 'GET /dead-letters'),
  'sweep-expiries': scheduled,
  // The bench gives it a checkpoint key (TALLY_CHECKPOINT_KEY), as the local runtime does: it signs.
  'checkpoint-wallets': scheduled,
  'decision-rules': http('GET', '/decision-rules', 'GET /decision-rules'),
  'publish-events': streamEvent,
  payments: http('GET', `/payments/${seeded.paymentId}`, 'GET /payments/{payment_id}', {
    pathParameters: { payment_id: seeded.paymentId },
  }),
  orders: http('GET', `/orders/${seeded.orderId}`, 'GET /orders/{order_id}', {
    pathParameters: { order_id: seeded.orderId },
  }),
  'payment-webhook': http('POST', '/payments/webhook', 'POST /payments/webhook', {
    // As API Gateway hands headers over: names in lower case.
    headers: Object.fromEntries(
      Object.entries({ host: 'localhost', ...seeded.webhook.headers }).map(([name, value]) => [
        name.toLowerCase(),
        value,
      ]),
    ),
    body: seeded.webhook.body,
  }),
  accounts: http('GET', `/accounts/${seeded.accountId}/balance`, 'GET /accounts/{account_id}/balance', {
    pathParameters: { account_id: seeded.accountId },
  }),
  deposit: http('POST', '/deposit', 'POST /deposit', {
    body: JSON.stringify({ WalletID: BENCH_WALLET, Amount: '1.00' }),
  }),
  details: http('GET', `/details/${BENCH_WALLET}`, 'GET /details/{wallet_id}', {
    pathParameters: { wallet_id: BENCH_WALLET },
  }),
  health: http('GET', '/health', 'GET /health'),
  events: http('POST', '/events', 'POST /events', { body: JSON.stringify([cloudEvent(coldStart)]) }),
  'ingest-queue': { Records: [sqsRecord(JSON.stringify(cloudEvent(coldStart)))] },
  'ingest-kafka': {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/tally/cold-bench',
    bootstrapServers: 'localhost:9098',
    records: {
      'tally-events-0': [
        {
          topic: 'tally-events',
          partition: 0,
          offset: 1,
          timestamp: NOW_MS,
          timestampType: 'CREATE_TIME',
          key: Buffer.from(BENCH_WALLET).toString('base64'),
          value: Buffer.from(
            JSON.stringify({ ...cloudEvent(coldStart), id: `cold-bench-kafka-${coldStart}` }),
          ).toString('base64'),
          headers: [{ 'content-type': [...Buffer.from('application/cloudevents+json')] }],
        },
      ],
    },
  },
  rules: http('GET', '/rules', 'GET /rules'),
  wallets: http('GET', `/wallets/${BENCH_WALLET}`, 'GET /wallets/{wallet_id}', {
    pathParameters: { wallet_id: BENCH_WALLET },
  }),
  replay: http('GET', `/replay/${seeded.replayJobId}`, 'GET /replay/{jobId}', {
    pathParameters: { jobId: seeded.replayJobId },
  }),
  // A real correction (the API has no dry run): a deposit recorded in error, voided.
  corrections: http(
    'POST',
    `/wallets/${seeded.correctedWallet}/corrections`,
    'POST /wallets/{wallet_id}/corrections',
    {
      pathParameters: { wallet_id: seeded.correctedWallet },
      body: JSON.stringify({
        eventId: seeded.correctionTarget,
        action: 'void',
        reason: 'deposited to the wrong wallet',
      }),
    },
  ),
  backtest: http('GET', `/rules/backtest/${seeded.backtestJobId}`, 'GET /rules/backtest/{jobId}', {
    pathParameters: { jobId: seeded.backtestJobId },
  }),
  'run-jobs': {
    Records: [sqsRecord(seeded.runJobPage)],
  },
  'project-streams': streamEvent,
});

/**
 * A function's first event for the cold start numbered `coldStart` (each cold start its own
 * number), naming what the world seeded (`seeded`; see {@link Seeded}).
 */
export function firstEvent(spec: Pick<FunctionSpec, 'name'>, coldStart = 0, seeded = UNSEEDED): unknown {
  const event = firstEvents(coldStart, seeded)[spec.name];
  if (event === undefined) throw new Error(`bench:cold has no first event for the function "${spec.name}"`);
  return event;
}
