/**
 * The one wiring table: every function, its HTTP routes and its triggers, declared once.
 * The CDK stack (lib/tally-stack.ts) and the local runtime (functions/adapters/local) both read
 * this table, so what runs on a laptop is what deploys.
 *
 * `entry` is relative to the repository root; each entry module exports `handler`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway HTTP API path syntax, e.g. `/details/{wallet_id}`. */
  path: string;
  /** Admin routes need the admin authorizer in AWS and the bearer token locally. */
  admin?: boolean;
}

/**
 * The event-store table: the one key shape both the stack and the local runtime create. The stream
 * carries keys only: it is a doorbell, and projectors read the events from the table.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  streamViewType: 'KEYS_ONLY',
} as const;

/** Which stream records wake a table-stream trigger: new items whose sort key starts with the prefix. */
export interface StreamFilterSpec {
  eventName: 'INSERT';
  sortKeyPrefix: string;
}

/** New event items only (their sort keys are `EVENT#<lane>#<version>`). */
export const EVENT_ITEMS_FILTER: StreamFilterSpec = { eventName: 'INSERT', sortKeyPrefix: 'EVENT#' };

export type TriggerSpec =
  /** DynamoDB Streams of the event-store table, filtered. */
  {
    kind: 'table-stream';
    filter: StreamFilterSpec;
    batchSize: number;
    maxBatchingWindowSeconds: number;
    retryAttempts: number;
  };

export interface FunctionSpec {
  /** Logical name; also the CDK construct id (PascalCase is derived from it). */
  name: string;
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  routes?: RouteSpec[];
  triggers?: TriggerSpec[];
  /** What the function may do to the table; the stack grants exactly this. */
  tableAccess: 'read' | 'read-write';
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'deposit',
    entry: 'functions/handlers/deposit.ts',
    description: 'POST /deposit: record a deposit, exactly once per Idempotency-Key',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [{ method: 'POST', path: '/deposit' }],
    tableAccess: 'read-write',
  },
  {
    name: 'details',
    entry: 'functions/handlers/details.ts',
    description: 'GET /details/{wallet_id}: balance and AboveThreshold flag (original wallet service JSON)',
    memoryMb: 256,
    timeoutSeconds: 5,
    routes: [{ method: 'GET', path: '/details/{wallet_id}' }],
    tableAccess: 'read',
  },
  {
    name: 'health',
    entry: 'functions/handlers/health.ts',
    description: 'GET /health: 200 when the event store answers',
    memoryMb: 128,
    timeoutSeconds: 5,
    routes: [{ method: 'GET', path: '/health' }],
    tableAccess: 'read',
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
        maxBatchingWindowSeconds: 1,
        retryAttempts: 5,
      },
    ],
    tableAccess: 'read-write',
  },
];

/** Environment variable names shared by the stack, the local runtime and the handlers. */
export const ENV = {
  tableName: 'TALLY_TABLE_NAME',
  dynamodbEndpoint: 'TALLY_DYNAMODB_ENDPOINT',
  thresholdMajor: 'TALLY_THRESHOLD',
  windowSeconds: 'TALLY_WINDOW_SECONDS',
} as const;
