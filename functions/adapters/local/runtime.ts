import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoJobStore } from '#adapters/dynamodb/jobs.ts';
import { createSqsClient } from '#adapters/sqs/client.ts';
import { SqsJobQueue } from '#adapters/sqs/jobs-queue.ts';
import { resumeJobs } from '#app/jobs.ts';
import { ENV, FUNCTIONS, type FunctionSpec } from '#lib/wiring.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from './dynamodb-local.ts';
import { type LocalHttpServer, startHttpServer } from './http-server.ts';
import { handlerLoader, type LambdaHandler } from './lambda.ts';
import { type QueueConsumer, QueuePoller, type QueuePollerOptions } from './queue-poller.ts';
import { type EventsQueues, ensureEventsQueues, type LocalSqs, startLocalSqs } from './sqs-local.ts';
import { type StreamConsumer, StreamPoller, type StreamPollerOptions } from './stream-poller.ts';
import { DEFAULT_LOCAL_TABLE_NAME, ensureTable } from './table.ts';

/** functions/adapters/local → the repository root, which wiring `entry` paths are relative to. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

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
    'idlePollMs' | 'quietPollMs' | 'describeIntervalMs' | 'retryBackoffMs' | 'onFailure'
  >;
  /** The local events queue (fauxqs) and its pollers. */
  queues?: LocalQueuesOptions;
  /** The local jobs queue (fauxqs, never FIFO) and its pollers. */
  jobsQueue?: LocalJobsQueueOptions;
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
  /** Stops the HTTP server, the poller and the JVM (if this runtime started it). Idempotent. */
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly port: number) {
    super(`port ${port} is in use; try --port ${port + 1}`);
  }
}

/**
 * Handlers build their clients from `process.env` once per process (as a Lambda instance does), so
 * a process hosts one runtime at a time.
 */
let active = false;

/**
 * Runs the whole system on this machine: DynamoDB Local, the table, the HTTP API calling the same
 * handlers API Gateway would, a stream poller calling the projector with Lambda-shaped batches, and
 * a local SQS (fauxqs, in this process) holding the events queue and the jobs queue, each with its
 * DLQ, with queue pollers calling the ingest handler and the job runner with Lambda-shaped SQS
 * batches.
 *
 * The HTTP port is bound first, so a taken port fails in milliseconds and starts no JVM; requests
 * that arrive before the table exists wait for it.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  if (active) throw new Error('startLocalRuntime: a local runtime is already running in this process');
  active = true;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const functions = options.functions ?? FUNCTIONS;
  const tableName = options.tableName ?? (process.env[ENV.tableName] || DEFAULT_LOCAL_TABLE_NAME);
  const loadEntry = handlerLoader(options.repoRoot ?? REPO_ROOT);
  const wrapped = new Map<string, Promise<LambdaHandler>>();
  const wrap = options.wrapHandler;
  const loadHandler =
    wrap === undefined
      ? loadEntry
      : (spec: FunctionSpec): Promise<LambdaHandler> => {
          let handler = wrapped.get(spec.name);
          if (handler === undefined) {
            handler = loadEntry(spec).then((loaded) => wrap(spec, loaded));
            handler.catch(() => wrapped.delete(spec.name));
            wrapped.set(spec.name, handler);
          }
          return handler;
        };

  let markReady: () => void = () => undefined;
  let markFailed: (error: unknown) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // Requests only see this rejection through their own await; don't report it twice.
  ready.catch(() => undefined);

  let http: LocalHttpServer;
  try {
    http = await startHttpServer({
      functions,
      loadHandler,
      port: options.port ?? 8080,
      ...(options.host === undefined ? {} : { host: options.host }),
      region: LOCAL_REGION,
      ready,
      log,
      accessLog: options.logRequests !== false,
    });
  } catch (error) {
    active = false;
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(options.port ?? 8080);
    throw error;
  }

  let database: DynamoDbLocal | undefined;
  let poller: StreamPoller | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let streams: DynamoDBStreamsClient | undefined;
  let sqsStarting: Promise<LocalSqs> | undefined;
  let sqs: SQSClient | undefined;
  const queuePollers: QueuePoller[] = [];
  const jobsQueuePollers: QueuePoller[] = [];
  let stopping: Promise<void> | undefined;
  let resuming: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Outside in: no new requests; the queues drained (their emulator keeps nothing); no new
      // invocations; then the services they use.
      await http.close();
      await resuming;
      const eventsDrainMs = options.queues?.drainOnStopMs ?? 3_000;
      await Promise.all([
        drainQueues('events', queuePollers, eventsDrainMs, log),
        drainQueues('jobs', jobsQueuePollers, options.jobsQueue?.drainOnStopMs ?? eventsDrainMs, log),
      ]);
      await Promise.all([...queuePollers, ...jobsQueuePollers].map((queuePoller) => queuePoller.stop()));
      await poller?.stop();
      await sqsStarting?.then(
        (server) => server.stop(),
        () => undefined,
      );
      await database?.stop();
      dynamodb?.destroy();
      streams?.destroy();
      sqs?.destroy();
      active = false;
    })();
    return stopping;
  };

  try {
    // The local SQS starts in milliseconds, alongside the JVM.
    const sqsStarted = startLocalSqs({ host: '127.0.0.1', port: 0 });
    sqsStarting = sqsStarted;
    // Don't leave it unhandled if the JVM fails first; the await below reports it otherwise.
    sqsStarted.catch(() => undefined);
    let endpoint = options.endpoint;
    if (endpoint === undefined) {
      const dbPath =
        options.inMemory !== true && options.dataDir ? path.join(options.dataDir, 'dynamodb') : undefined;
      database = await startDynamoDbLocal({ port: 'any', ...(dbPath === undefined ? {} : { dbPath }), log });
      endpoint = database.endpoint;
    }
    const sqsEndpoint = (await sqsStarted).endpoint;
    sqs = createSqsClient({ endpoint: sqsEndpoint, region: LOCAL_REGION });
    const triggers = functions.flatMap((spec) => spec.triggers ?? []);
    const queueTrigger = triggers.find((trigger) => trigger.kind === 'events-queue');
    const queues = await ensureEventsQueues(sqs, {
      fifo: options.queues?.fifo ?? false,
      maxReceiveCount: queueTrigger?.maxReceiveCount ?? 5,
      visibilityTimeoutSeconds: options.queues?.visibilityTimeoutSeconds ?? 2,
    });
    const jobsTrigger = triggers.find((trigger) => trigger.kind === 'jobs-queue');
    const jobsQueues = await ensureEventsQueues(sqs, {
      name: 'tally-jobs',
      fifo: false,
      maxReceiveCount: jobsTrigger?.maxReceiveCount ?? 5,
      visibilityTimeoutSeconds: options.jobsQueue?.visibilityTimeoutSeconds ?? 30,
    });

    // Before any handler module loads: they read their configuration from the environment.
    Object.assign(process.env, {
      [ENV.tableName]: tableName,
      [ENV.dynamodbEndpoint]: endpoint,
      [ENV.sqsEndpoint]: sqsEndpoint,
      [ENV.eventsQueueUrl]: queues.queueUrl,
      [ENV.eventsDlqUrl]: queues.dlqUrl,
      [ENV.jobsQueueUrl]: jobsQueues.queueUrl,
      AWS_REGION: LOCAL_REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_SERVICE_NAME ??= 'tally';
    Object.assign(process.env, options.env ?? {});

    const clientConfig = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    dynamodb = new DynamoDBClient(clientConfig);
    const table = await ensureTable(dynamodb, tableName);

    // Loading every handler now surfaces an import error at start-up, not on the first request.
    const consumers: StreamConsumer[] = [];
    const queueConsumers: QueueConsumer[] = [];
    const jobsConsumers: QueueConsumer[] = [];
    for (const spec of functions) {
      const handler = await loadHandler(spec);
      for (const trigger of spec.triggers ?? []) {
        if (trigger.kind === 'table-stream') consumers.push({ spec, trigger, handler });
        if (trigger.kind === 'events-queue') queueConsumers.push({ spec, trigger, handler });
        if (trigger.kind === 'jobs-queue') jobsConsumers.push({ spec, trigger, handler });
        // 'kafka': no broker runs locally; tests feed MSK-shaped events to the handler directly.
      }
    }

    streams = new DynamoDBStreamsClient(clientConfig);
    poller = new StreamPoller({
      client: streams,
      streamArn: table.streamArn,
      consumers,
      region: LOCAL_REGION,
      log,
      ...options.poller,
    });
    poller.start();
    const client = sqs;
    const startPollers = (
      queue: EventsQueues,
      queueConsumers: readonly QueueConsumer[],
      pollerOptions: Pick<QueuePollerOptions, 'waitTimeSeconds' | 'concurrency'> | undefined,
      into: QueuePoller[],
    ): void => {
      for (const consumer of queueConsumers) {
        const queuePoller = new QueuePoller({
          client,
          queueUrl: queue.queueUrl,
          queueArn: queue.queueArn,
          consumer,
          region: LOCAL_REGION,
          log,
          ...(pollerOptions?.waitTimeSeconds === undefined
            ? {}
            : { waitTimeSeconds: pollerOptions.waitTimeSeconds }),
          ...(pollerOptions?.concurrency === undefined ? {} : { concurrency: pollerOptions.concurrency }),
        });
        queuePoller.start();
        into.push(queuePoller);
      }
    };
    startPollers(queues, queueConsumers, options.queues, queuePollers);
    startPollers(jobsQueues, jobsConsumers, options.jobsQueue, jobsQueuePollers);
    markReady();
    if (jobsConsumers.length > 0) {
      // A job that was running when the last run stopped lost its queued pages with the in-process
      // SQS: its unfinished segments are queued again (a page delivered twice counts once). In the
      // background: finding them reads the whole table.
      const documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
      resuming = resumeJobs({
        jobs: new DynamoJobStore(documents, tableName),
        queue: new SqsJobQueue(client, jobsQueues.queueUrl),
      })
        .then((queued) => {
          if (queued > 0) log(`Resumed ${queued} unfinished job segment(s) left by the last run.`);
        })
        .catch((error: unknown) => {
          log(`Could not resume unfinished jobs: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => documents.destroy());
    }

    const started = poller;
    return {
      url: http.url,
      port: http.port,
      endpoint,
      tableName,
      streamArn: table.streamArn,
      poller: started,
      sqsEndpoint,
      eventsQueueUrl: queues.queueUrl,
      eventsDlqUrl: queues.dlqUrl,
      queuePollers,
      jobsQueueUrl: jobsQueues.queueUrl,
      jobsDlqUrl: jobsQueues.dlqUrl,
      jobsQueuePollers,
      whenProjected: (waitOptions) => started.whenIdle(waitOptions),
      whenIngested: async (waitOptions) => {
        await Promise.all(queuePollers.map((queuePoller) => queuePoller.whenIdle(waitOptions)));
      },
      whenJobsIdle: async (waitOptions) => {
        await Promise.all(jobsQueuePollers.map((queuePoller) => queuePoller.whenIdle(waitOptions)));
      },
      stop,
    };
  } catch (error) {
    markFailed(error);
    await stop();
    throw error;
  }
}

/** Waits (bounded) for a queue to empty before its in-memory emulator stops; says what is lost if not. */
async function drainQueues(
  queue: string,
  pollers: readonly QueuePoller[],
  timeoutMs: number,
  log: (line: string) => void,
) {
  if (timeoutMs <= 0) return;
  try {
    await Promise.all(pollers.map((queuePoller) => queuePoller.whenIdle({ timeoutMs })));
  } catch (error) {
    log(
      `local ${queue} queue not drained before stopping; its remaining messages are lost: ${String(error)}`,
    );
  }
}
