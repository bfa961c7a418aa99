/**
 * The one wiring table: every function, its HTTP routes and its triggers, declared once.
 * The CDK stack (lib/tally-stack.ts) and the local runtime (functions/local) both read
 * this table, so what runs on a laptop is what deploys.
 *
 * `entry` is relative to the repository root; each entry module exports `handler`.
 */
export * from './table-spec.ts';
export * from './wiring-spec.ts';

import { RULE_SET_PARTITION } from './table-spec.ts';
import { MONEY_FUNCTIONS } from './wiring-money.ts';
import type { FunctionSpec } from './wiring-spec.ts';
import { EVENT_ITEMS_FILTER } from './wiring-spec.ts';

// Built in a pure-annotated call: the spread of MONEY_FUNCTIONS alone would make esbuild keep the
// whole table in every bundle that imports ENV or TABLE from here (12 KB that no function reads).
export const FUNCTIONS: readonly FunctionSpec[] = /* @__PURE__ */ ((): FunctionSpec[] => [
  {
    name: 'deposit',
    entry: 'functions/handlers/deposit.ts',
    description: 'POST /deposit: record a deposit, exactly once per Idempotency-Key',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [{ method: 'POST', path: '/deposit', auth: { scopes: ['wallets:write'] } }],
    tableAccess: 'read-write',
  },
  {
    name: 'transfers',
    entry: 'functions/handlers/transfers.ts',
    description:
      'POST /transfers: move money or points between two wallets in one transaction, exactly once per Idempotency-Key',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [{ method: 'POST', path: '/transfers', auth: { scopes: ['transfers:write'] } }],
    tableAccess: 'read-write',
  },
  {
    name: 'holds',
    entry: 'functions/handlers/holds.ts',
    description:
      'POST /wallets/{wallet_id}/holds and …/holds/{hold_id}/capture|release: reserve, spend or free part of a wallet',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [
      { method: 'POST', path: '/wallets/{wallet_id}/holds', auth: { scopes: ['transfers:write'] } },
      {
        method: 'POST',
        path: '/wallets/{wallet_id}/holds/{hold_id}/capture',
        auth: { scopes: ['transfers:write'] },
      },
      {
        method: 'POST',
        path: '/wallets/{wallet_id}/holds/{hold_id}/release',
        auth: { scopes: ['transfers:write'] },
      },
    ],
    tableAccess: 'read-write',
  },
  {
    name: 'offers',
    entry: 'functions/handlers/offers.ts',
    description:
      "POST /offers (the seller's lot held), POST /offers/{offer_id}/accept|cancel, GET /offers (the open book), GET /offers/{offer_id}: the offer book",
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [
      { method: 'POST', path: '/offers', auth: { scopes: ['transfers:write'] } },
      { method: 'GET', path: '/offers', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/offers/{offer_id}', auth: { scopes: ['wallets:read'] } },
      { method: 'POST', path: '/offers/{offer_id}/accept', auth: { scopes: ['transfers:write'] } },
      { method: 'POST', path: '/offers/{offer_id}/cancel', auth: { scopes: ['transfers:write'] } },
    ],
    tableAccess: 'read-write',
  },
  ...MONEY_FUNCTIONS,
  {
    name: 'transactions',
    entry: 'functions/handlers/transactions.ts',
    description: 'GET /wallets/{wallet_id}/transactions: money and points movements, newest first, paginated',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [
      { method: 'GET', path: '/wallets/{wallet_id}/transactions', auth: { scopes: ['wallets:read'] } },
    ],
    tableAccess: 'read',
  },
  {
    name: 'details',
    entry: 'functions/handlers/details.ts',
    description: 'GET /details/{wallet_id}: balance and AboveThreshold flag (original wallet service JSON)',
    memoryMb: 256,
    timeoutSeconds: 5,
    routes: [{ method: 'GET', path: '/details/{wallet_id}', auth: { scopes: ['wallets:read'] } }],
    tableAccess: 'read',
  },
  {
    name: 'health',
    entry: 'functions/handlers/health.ts',
    description: 'GET /health: 200 when the event store answers',
    memoryMb: 128,
    timeoutSeconds: 5,
    routes: [
      {
        method: 'GET',
        path: '/health',
        auth: { public: 'liveness probe for load balancers and uptime checks; reveals no data' },
      },
    ],
    tableAccess: 'read',
  },
  {
    name: 'openapi',
    entry: 'functions/handlers/openapi.ts',
    description: 'GET /openapi.json (the generated OpenAPI 3.1 contract) and GET /docs (its reference page)',
    memoryMb: 128,
    timeoutSeconds: 5,
    routes: [
      {
        method: 'GET',
        path: '/openapi.json',
        auth: {
          public: 'the API contract integrators and tools read before they hold a token; reveals no data',
        },
      },
      {
        method: 'GET',
        path: '/docs',
        auth: { public: 'the reference page rendered from /openapi.json; reveals no data' },
      },
    ],
    tableAccess: 'none',
  },
  {
    name: 'events',
    entry: 'functions/handlers/events.ts',
    description: 'POST /events: validate CloudEvents (one or up to 100) and put them on the events queue',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [{ method: 'POST', path: '/events', auth: { scopes: ['events:write'] } }],
    // It validates and enqueues; the ingest function reads and writes the table.
    tableAccess: 'none',
    sendsToEventsQueue: true,
  },
  {
    name: 'ingest-queue',
    entry: 'functions/handlers/ingest-queue.ts',
    description: 'Events queue → deposits and rule-awarded points, exactly once per CloudEvent id',
    memoryMb: 512,
    timeoutSeconds: 30,
    triggers: [
      {
        kind: 'events-queue',
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxConcurrency: 20,
        maxReceiveCount: 5,
      },
    ],
    tableAccess: 'read-write',
    sendsToEventsDlq: true,
  },
  {
    name: 'ingest-kafka',
    entry: 'functions/handlers/ingest-kafka.ts',
    description: 'MSK topic → the same ingest core (JSON or protobuf CloudEvents)',
    memoryMb: 512,
    timeoutSeconds: 60,
    triggers: [{ kind: 'kafka', batchSize: 100, maxBatchingWindowSeconds: 1 }],
    tableAccess: 'read-write',
    sendsToEventsDlq: true,
  },
  {
    name: 'rules',
    entry: 'functions/handlers/rules.ts',
    description:
      'GET /rules (the active rule set, or ?version=N), PUT /rules (publish a new version; admin), GET /rules/versions[/{version}] (history), POST /rules/check (compile a candidate, try a sample fact)',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [
      { method: 'GET', path: '/rules', auth: { scopes: ['rules:read'] } },
      { method: 'PUT', path: '/rules', auth: { scopes: ['admin'] } },
      { method: 'GET', path: '/rules/versions', auth: { scopes: ['rules:read'] } },
      { method: 'GET', path: '/rules/versions/{version}', auth: { scopes: ['rules:read'] } },
      { method: 'POST', path: '/rules/check', auth: { scopes: ['rules:read'] } },
    ],
    tableAccess: 'read-write',
    tablePartitions: [RULE_SET_PARTITION],
  },
  {
    name: 'wallets',
    entry: 'functions/handlers/wallets.ts',
    description:
      'GET /wallets/{wallet_id} (also as of a time or version), its explained points awards, its audit trail, and verify',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [
      { method: 'GET', path: '/wallets/{wallet_id}', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/wallets/{wallet_id}/points', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/wallets/{wallet_id}/events', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/wallets/{wallet_id}/verify', auth: { scopes: ['wallets:read'] } },
    ],
    tableAccess: 'read',
    checkpointKey: true,
  },
  {
    name: 'replay',
    entry: 'functions/handlers/replay.ts',
    description:
      'POST /replay (admin): rebuild one wallet read model from the event store, or start a job for all; GET /replay/{jobId}; POST /republish, GET /republish/{jobId}: a job publishing again the events of a window',
    memoryMb: 1024,
    timeoutSeconds: 29,
    routes: [
      { method: 'POST', path: '/replay', auth: { scopes: ['admin'] } },
      { method: 'GET', path: '/replay/{jobId}', auth: { scopes: ['admin'] } },
      { method: 'POST', path: '/republish', auth: { scopes: ['admin'] } },
      { method: 'GET', path: '/republish/{jobId}', auth: { scopes: ['admin'] } },
    ],
    tableAccess: 'read-write',
    sendsToJobsQueue: true,
  },
  {
    name: 'dead-letters',
    entry: 'functions/handlers/dead-letters.ts',
    description:
      'GET /dead-letters[/{id}], POST /dead-letters/{id}/redrive, POST /dead-letters/redrive (admin): list or show parked messages with their reason, and send them back to their queue',
    memoryMb: 512,
    timeoutSeconds: 29,
    routes: [
      { method: 'GET', path: '/dead-letters', auth: { scopes: ['admin'] } },
      { method: 'GET', path: '/dead-letters/{id}', auth: { scopes: ['admin'] } },
      { method: 'POST', path: '/dead-letters/redrive', auth: { scopes: ['admin'] } },
      { method: 'POST', path: '/dead-letters/{id}/redrive', auth: { scopes: ['admin'] } },
    ],
    tableAccess: 'none',
    redrivesDeadLetters: true,
  },
  {
    name: 'corrections',
    entry: 'functions/handlers/corrections.ts',
    description:
      'POST /wallets/{wallet_id}/corrections (admin): void or amend an event with a correction and compensating events',
    memoryMb: 1024,
    timeoutSeconds: 29,
    routes: [{ method: 'POST', path: '/wallets/{wallet_id}/corrections', auth: { scopes: ['admin'] } }],
    tableAccess: 'read-write',
  },
  {
    name: 'backtest',
    entry: 'functions/handlers/backtest.ts',
    description:
      'POST /rules/backtest (admin): a candidate rule set over stored facts, dry run or applied; GET /rules/backtest/{jobId}',
    memoryMb: 1024,
    timeoutSeconds: 29,
    routes: [
      { method: 'POST', path: '/rules/backtest', auth: { scopes: ['admin'] } },
      { method: 'GET', path: '/rules/backtest/{jobId}', auth: { scopes: ['admin'] } },
    ],
    tableAccess: 'read-write',
    sendsToJobsQueue: true,
  },
  {
    name: 'run-jobs',
    entry: 'functions/handlers/run-jobs.ts',
    description:
      'Jobs queue → one page of a replay or backtest of every wallet, or of a re-publish of a window, then the next page',
    memoryMb: 1024,
    timeoutSeconds: 300,
    triggers: [{ kind: 'jobs-queue', batchSize: 1, maxConcurrency: 8, maxReceiveCount: 5 }],
    tableAccess: 'read-write',
    sendsToJobsQueue: true,
    republishesEvents: true,
  },
  {
    name: 'sweep-expiries',
    entry: 'functions/handlers/sweep-expiries.ts',
    description:
      'Every minute: end holds and offers whose expiry has come (ExpireHold through the decider), found in the expiry index',
    memoryMb: 512,
    timeoutSeconds: 60,
    triggers: [{ kind: 'schedule', everyMinutes: 1 }],
    tableAccess: 'read-write',
  },
  {
    name: 'checkpoint-wallets',
    entry: 'functions/handlers/checkpoint-wallets.ts',
    description:
      'Every hour: verify the next wallets and sign their heads (the checkpoints /verify starts from)',
    memoryMb: 512,
    timeoutSeconds: 300,
    triggers: [{ kind: 'schedule', everyMinutes: 60 }],
    tableAccess: 'read-write',
    checkpointKey: true,
  },
  {
    name: 'project-streams',
    entry: 'functions/handlers/project-streams.ts',
    description: 'DynamoDB Streams doorbell: bring wallet read models up to date from the event store',
    memoryMb: 512,
    timeoutSeconds: 60,
    triggers: [
      {
        kind: 'table-stream',
        filter: EVENT_ITEMS_FILTER,
        batchSize: 100,
        // No wait for a fuller batch: lag, not view writes, is what saturation costs (a batch
        // already folds each wallet into one view write). 4 batches at once per shard: views are
        // conditional writes of the whole fold, safe for concurrent projectors (wallet-projection.ts).
        maxBatchingWindowSeconds: 0,
        parallelizationFactor: 4,
        retryAttempts: 5,
      },
    ],
    tableAccess: 'read-write',
  },
  {
    name: 'publish-events',
    entry: 'functions/handlers/publish-events.ts',
    description:
      'DynamoDB Streams outbox: publish each new stored event as a CloudEvent (EventBridge; MSK decisions topic when configured)',
    memoryMb: 256,
    timeoutSeconds: 60,
    triggers: [
      {
        kind: 'table-stream',
        filter: EVENT_ITEMS_FILTER,
        batchSize: 100,
        maxBatchingWindowSeconds: 1,
        // Far more than the projector: a bus outage must not drop an answered decision. Records that
        // still fail land in its stream-failures queue (the store still holds the events).
        retryAttempts: 100,
      },
    ],
    // It reads events and publishes them; it never writes the table.
    tableAccess: 'read',
    publishesEvents: true,
  },
])();

/**
 * Environment variable names shared by the stack, the local runtime and the handlers. An enum, not
 * an object, so that esbuild writes each name a handler reads into its bundle and leaves the table
 * out (an object literal is kept whole wherever one of its names is read: ~770 bytes per bundle).
 */
export enum ENV {
  tableName = 'TALLY_TABLE_NAME',
  dynamodbEndpoint = 'TALLY_DYNAMODB_ENDPOINT',
  eventsQueueUrl = 'TALLY_EVENTS_QUEUE_URL',
  eventsDlqUrl = 'TALLY_EVENTS_DLQ_URL',
  sqsEndpoint = 'TALLY_SQS_ENDPOINT',
  adminToken = 'TALLY_ADMIN_TOKEN',
  jobsQueueUrl = 'TALLY_JOBS_QUEUE_URL',
  /** The jobs DLQ: only the dead-letters function reads it (to list and redrive). */
  jobsDlqUrl = 'TALLY_JOBS_DLQ_URL',
  /** Snapshot a wallet's view every N events (0: never). */
  snapshotEvery = 'TALLY_SNAPSHOT_EVERY',
  /**
   * Set in AWS when the issuer namespaces scopes (Cognito resource servers: `tally/wallets:write`):
   * the prefix (`tally/`) code strips from the token's scopes before comparing them with SCOPES.
   */
  scopePrefix = 'TALLY_SCOPE_PREFIX',
  /** The EventBridge bus the stack creates (same names as PUBLISHER_ENV in the publisher's adapter). */
  eventBusName = 'TALLY_EVENT_BUS_NAME',
  /** The CloudEvent `source` of published events, e.g. `tally/prod`. */
  eventsSource = 'TALLY_EVENTS_SOURCE',
  /** With the decisions topic, decision events also go to this MSK cluster. */
  mskClusterArn = 'TALLY_MSK_CLUSTER_ARN',
  decisionsTopic = 'TALLY_DECISIONS_TOPIC',
  /** Local runtime only: POST each published event here (application/cloudevents+json). */
  eventsWebhook = 'TALLY_EVENTS_WEBHOOK',
  /** `sandbox` (default) or `stripe` (the stack's `-c paymentProvider=stripe`); see adapters/payments/config.ts. */
  paymentProvider = 'TALLY_PAYMENT_PROVIDER',
  /** With Stripe: the Secrets Manager secret holding its keys. */
  stripeSecretArn = 'TALLY_STRIPE_SECRET_ARN',
  /** The Secrets Manager secret holding /verify's checkpoint key (64 hex characters; lib/constructs/checkpoint-key.ts). */
  checkpointKeySecretArn = 'TALLY_CHECKPOINT_KEY_SECRET_ARN',
  /** `verify` (check stored checkpoints, sign none: a read-only function) or `sign` (default). */
  checkpointMode = 'TALLY_CHECKPOINT_MODE',
  /** Local runtime only: the data dir, where the sandbox provider keeps intents `tally pay` settles. */
  dataDir = 'TALLY_DATA_DIR',
  /**
   * `off`: each command commits alone (app/group-commit.ts). Tests that charge every write to the
   * request that sent it set it; a shared transaction is sent by one request for several.
   */
  groupCommit = 'TALLY_GROUP_COMMIT',
}
