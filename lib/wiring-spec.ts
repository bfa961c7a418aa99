/**
 * The shapes of the wiring table (lib/wiring.ts): routes and who may call them, triggers, functions.
 * Kept apart so the table itself reads as the list of functions it is.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The scopes a caller's token must carry. API Gateway's authorizer enforces them in AWS (JWT
 * `authorizationScopes`, or IAM for service-to-service deployments); the local runtime enforces the
 * same table with `--auth`.
 */
export const SCOPES = [
  'wallets:read',
  'wallets:write',
  'events:write',
  'rules:read',
  'transfers:write',
  'accounts:authorize',
  /** Open card accounts and change their limits (the account service; also as CloudEvents). */
  'accounts:write',
  'payments:write',
  'events:read',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Who may call a route: a token with ANY of the listed scopes (API Gateway's semantics for
 * `authorizationScopes`), or nobody's token at all — public — with the reason written down.
 */
export type RouteAuth = { scopes: readonly [Scope, ...Scope[]] } | { public: string };

/**
 * API Gateway's token bucket for one route, across all callers: `rateLimit` requests per second in
 * the steady state, bursts up to `burstLimit`. Above it API Gateway answers 429 before any Lambda runs.
 */
export interface RouteThrottle {
  rateLimit: number;
  burstLimit: number;
}

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway HTTP API path syntax, e.g. `/details/{wallet_id}`. */
  path: string;
  auth: RouteAuth;
  /** @default by kind of route: see `DEFAULT_ROUTE_THROTTLE` in lib/constructs/api.ts */
  throttle?: RouteThrottle;
}

/** True when the route needs the admin scope (IAM in AWS with `-c auth=iam`, TALLY_ADMIN_TOKEN locally). */
export function isAdminRoute(route: RouteSpec): boolean {
  return 'scopes' in route.auth && route.auth.scopes.includes('admin');
}

/** Which stream records wake a table-stream trigger: new items whose sort key starts with the prefix. */
export interface StreamFilterSpec {
  eventName: 'INSERT';
  sortKeyPrefix: string;
}

/** New event items only (their sort keys are `EVENT#<lane>#<version>`). */
export const EVENT_ITEMS_FILTER: StreamFilterSpec = { eventName: 'INSERT', sortKeyPrefix: 'EVENT#' };

export type TriggerSpec =
  /** DynamoDB Streams of the event-store table, filtered. */
  | {
      kind: 'table-stream';
      filter: StreamFilterSpec;
      batchSize: number;
      maxBatchingWindowSeconds: number;
      retryAttempts: number;
      /**
       * Concurrent batches per stream shard (1–10; Lambda's default 1). Records of one partition
       * key stay in order within one of them. Only for consumers that are safe run concurrently.
       */
      parallelizationFactor?: number;
    }
  /**
   * The events queue (SQS, with a dead-letter queue). A message that fails `maxReceiveCount`
   * times moves to the DLQ; partial batch responses keep the rest of a batch.
   */
  | {
      kind: 'events-queue';
      batchSize: number;
      maxBatchingWindowSeconds: number;
      /** Lambda's maximum concurrency for the SQS event source (2–1000). */
      maxConcurrency: number;
      maxReceiveCount: number;
    }
  /**
   * An MSK (Kafka) topic of CloudEvents. Off unless the stack is given a cluster ARN and topic;
   * locally, MSK-shaped events are fed to the same handler by tests.
   */
  /**
   * The jobs queue (SQS, with a dead-letter queue): one message is one page of a long admin job
   * (replaying or backtesting every wallet), so a job is not bound by API Gateway's 30 s or one
   * Lambda's 15 minutes. The runner sends the next page itself.
   */
  | {
      kind: 'jobs-queue';
      batchSize: number;
      /** Lambda's maximum concurrency for the SQS event source (2–1000). */
      maxConcurrency: number;
      maxReceiveCount: number;
    }
  | {
      kind: 'kafka';
      batchSize: number;
      maxBatchingWindowSeconds: number;
    }
  /**
   * A clock: the function is invoked every `everyMinutes` minutes with an EventBridge scheduled
   * event (an EventBridge rule in AWS, a timer in the local runtime). For work no request starts,
   * such as ending holds and offers whose expiry has come.
   */
  | { kind: 'schedule'; everyMinutes: number };

export interface FunctionSpec {
  /** Logical name; also the CDK construct id (PascalCase is derived from it). */
  name: string;
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  routes?: RouteSpec[];
  triggers?: TriggerSpec[];
  /**
   * What the function may do to the table; the stack grants exactly this. `none`: no grant and no
   * table name in its environment (a function that only talks to a queue).
   */
  tableAccess: 'none' | 'read' | 'read-write';
  /**
   * The only partition keys the function may read or write (IAM `dynamodb:LeadingKeys`); Scan is not
   * granted then, since a Scan names no partition. @default every partition
   */
  tablePartitions?: readonly [string, ...string[]];
  /**
   * Lambda reserved concurrency: a ceiling for this function and a floor taken from the account's
   * pool. Off by default (a new account's pool is small); set per deployment with the stack's
   * `reservedConcurrency` prop or `-c reservedConcurrency=deposit=50,events=20`.
   */
  reservedConcurrency?: number;
  /** Sends to the events queue (the queue URL is in ENV.eventsQueueUrl); the stack grants SendMessage. */
  sendsToEventsQueue?: boolean;
  /** Sends failed messages straight to the events DLQ with their reason (ENV.eventsDlqUrl). */
  sendsToEventsDlq?: boolean;
  /**
   * Lists and redrives the events and jobs DLQs: gets both DLQ and source queue URLs, may receive,
   * delete and re-show DLQ messages and send to the source queues.
   */
  redrivesDeadLetters?: boolean;
  /** Starts or continues admin jobs on the jobs queue (ENV.jobsQueueUrl); the stack grants SendMessage. */
  sendsToJobsQueue?: boolean;
  /**
   * Publishes stored events: gets the stack's event bus (ENV.eventBusName, ENV.eventsSource) and
   * `events:PutEvents` on it; with `-c mskClusterArn` + `-c decisionsTopic`, also the decisions topic.
   */
  publishesEvents?: boolean;
  /**
   * Re-publishes stored events through the same publisher (the re-publish job, app/republish.ts):
   * gets what `publishesEvents` gets (the bus, its source, PutEvents, the decisions topic), but no
   * stream trigger; the local runtime hands it its in-process bus.
   */
  republishesEvents?: boolean;
  /**
   * Talks to the payment provider: gets ENV.paymentProvider and, with `-c paymentProvider=stripe`,
   * ENV.stripeSecretArn and read access to that secret.
   */
  takesPayments?: boolean;
  /**
   * Uses /verify's checkpoint key: gets ENV.checkpointKeySecretArn and read access to that secret
   * (lib/constructs/checkpoint-key.ts); with `tableAccess: 'read'` it checks checkpoints and signs none.
   */
  checkpointKey?: boolean;
}
