import * as path from 'node:path';
import type { LocalEventBus } from '#adapters/local/event-bus.ts';
import type { LocalTracingOptions } from '#adapters/local/local-tracing.ts';
import type { FunctionSpec } from '#lib/wiring.ts';
import type { StaticSite } from './console-assets.ts';
import type { LambdaHandler } from './lambda.ts';
import type { LocalAuthMode } from './local-authorizer.ts';
import type { QueuePoller, QueuePollerOptions } from './queue-poller.ts';
import type { ScheduleTimersOptions } from './schedule-timers.ts';
import type { StreamPoller, StreamPollerOptions } from './stream-poller.ts';

/** What `startLocalRuntime` takes and gives back. */

export interface LocalRuntimeOptions {
  /** HTTP port; 0 picks a free one (tests). @default 8080 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Keep DynamoDB's data in memory only. @default true when dataDir is absent */
  inMemory?: boolean;
  /** Keep DynamoDB's data in `<dataDir>/dynamodb`, across restarts. */
  dataDir?: string;
  /** Use this DynamoDB (Local) endpoint instead of starting one (tests share one JVM). */
  endpoint?: string;
  /** @default $TALLY_TABLE_NAME or 'tally-local' */
  tableName?: string;
  /** Extra environment for the handlers, e.g. `{ TALLY_THRESHOLD: '100' }`. */
  env?: Record<string, string>;
  /** @default FUNCTIONS from lib/wiring.ts */
  functions?: readonly FunctionSpec[];
  /** Directory that `entry` paths are relative to. @default the repository root */
  repoRoot?: string;
  /**
   * Who may call the routes: `off` checks no token (admin routes need TALLY_ADMIN_TOKEN when it is
   * set); `jwt` is API Gateway's JWT authorizer against the local dev issuer, whose keys are in
   * `dataDir` (which it then needs). @default 'off'
   */
  auth?: LocalAuthMode;
  /** Requests per second per client (`--rate-limit`; bursts of twice that), 429 past it. @default no limit */
  rateLimitPerSecond?: number;
  /** Static pages served at their own path without a token (`tally dev`: the console). @default none */
  site?: StaticSite;
  /** Progress and failures. @default stderr */
  log?: (line: string) => void;
  /** One log line per HTTP request. @default true */
  logRequests?: boolean;
  /**
   * Wraps each loaded handler, e.g. to record the events a function receives (tests) or time its
   * invocations (benchmarks). Called once per function.
   */
  wrapHandler?: (spec: FunctionSpec, handler: LambdaHandler) => LambdaHandler;
  poller?: Pick<
    StreamPollerOptions,
    | 'idlePollMs'
    | 'quietPollMs'
    | 'describeIntervalMs'
    | 'retryBackoffMs'
    | 'onFailure'
    | 'checkpointIntervalMs'
  >;
  /** The local events queue (fauxqs) and its pollers. */
  queues?: LocalQueuesOptions;
  /** The local jobs queue (fauxqs, never FIFO) and its pollers. */
  jobsQueue?: LocalJobsQueueOptions;
  /** The timers of `schedule` triggers (the expiry sweep). @default the wiring's intervals */
  schedules?: ScheduleTimersOptions;
  /**
   * The in-process bus the publisher publishes to and `GET /events/stream` serves. Pass one to keep
   * it across restarts (tests of re-delivery). @default a new one (TALLY_EVENTS_WEBHOOK forwards)
   */
  eventBus?: LocalEventBus;
  /**
   * Traces (OpenTelemetry): `otlpUrl` exports OTLP/HTTP (`tally dev --otel`), `exporters` take the
   * spans too (tests), `summary` logs one line per trace. @default summary when the log level is DEBUG
   */
  tracing?: LocalTracingOptions;
}

export interface LocalQueuesOptions extends Pick<QueuePollerOptions, 'waitTimeSeconds' | 'concurrency'> {
  /** A FIFO events queue (`MessageGroupId` = wallet), as the stack can deploy. @default false */
  fifo?: boolean;
  /**
   * How long a failed message stays hidden before it is delivered again. Short locally, so a
   * retry (and a poison message's way to the DLQ) takes seconds, not minutes. @default 2
   */
  visibilityTimeoutSeconds?: number;
  /**
   * On stop, wait up to this long for the queue to empty: the local SQS keeps nothing across
   * restarts, so events accepted with 202 are ingested before it goes. @default 3000
   */
  drainOnStopMs?: number;
}

export interface LocalJobsQueueOptions extends Pick<QueuePollerOptions, 'waitTimeSeconds' | 'concurrency'> {
  /**
   * How long a received page stays hidden. A page still running after this is delivered again
   * (the job store counts it once, but the work is done twice), and a failed page comes back after
   * it; in AWS it is six times the runner's timeout. @default 30
   */
  visibilityTimeoutSeconds?: number;
  /**
   * On stop, wait up to this long for the jobs queue to empty. A job whose pages are lost with the
   * emulator stays `running`. @default queues.drainOnStopMs, else 3000
   */
  drainOnStopMs?: number;
}

export interface LocalRuntime {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** The DynamoDB endpoint the handlers use. */
  endpoint: string;
  tableName: string;
  streamArn: string;
  poller: StreamPoller;
  /** Where the publish-events function publishes (what `GET /events/stream` serves). */
  eventBus: LocalEventBus;
  /** The local SQS endpoint the handlers use (ENV.sqsEndpoint). */
  sqsEndpoint: string;
  /** The events queue (ENV.eventsQueueUrl) and its DLQ (ENV.eventsDlqUrl). */
  eventsQueueUrl: string;
  eventsDlqUrl: string;
  /** One per `events-queue` trigger in the wiring table. */
  queuePollers: QueuePoller[];
  /** The jobs queue (ENV.jobsQueueUrl) and its DLQ. */
  jobsQueueUrl: string;
  jobsDlqUrl: string;
  /** One per `jobs-queue` trigger in the wiring table. */
  jobsQueuePollers: QueuePoller[];
  /** Resolves once every stream record written before the call has been delivered to the projector. */
  whenProjected(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Resolves once the events queue is empty and no batch is being handled: every event accepted
   * before the call has been ingested or dead-lettered.
   */
  whenIngested(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Resolves once the jobs queue is empty and no page is being handled: every page queued before
   * the call (and every page those pages queued) has run, or been dead-lettered.
   */
  whenJobsIdle(options?: { timeoutMs?: number }): Promise<void>;
  /** `jwt` when routes check tokens (`--auth`). */
  auth: LocalAuthMode;
  /** True when admin routes answer anyone: no TALLY_ADMIN_TOKEN and no `--auth`. */
  adminRoutesOpen: boolean;
  /** Stops the HTTP server, the poller and the JVM (if this runtime started it). Idempotent. */
  stop(): Promise<void>;
}

/** Listening beyond this machine while admin routes answer anyone would open them to the network. */
export class OpenAdminRoutesError extends Error {
  override readonly name = 'OpenAdminRoutesError';
  constructor(readonly host: string) {
    super(
      `refusing to listen on ${host} with admin routes open to anyone: set TALLY_ADMIN_TOKEN or start with --auth, ` +
        'or listen on 127.0.0.1',
    );
  }
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly port: number) {
    super(`port ${port} is in use; try --port ${port + 1}`);
  }
}

/** `<dataDir>/<name>` when the data is kept across runs; undefined in memory. */
export function persistentDir(options: LocalRuntimeOptions, name: string): string | undefined {
  return options.inMemory !== true && options.dataDir ? path.join(options.dataDir, name) : undefined;
}
