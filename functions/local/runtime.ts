import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { awaitCommitsOn } from '#adapters/local/commit-barrier.ts';
import { watchDatabase } from '#adapters/local/database-watch.ts';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '#adapters/local/dynamodb-local.ts';
import type { LocalEventBus } from '#adapters/local/event-bus.ts';
import { startLocalTracing } from '#adapters/local/local-tracing.ts';
import { QueueJournal } from '#adapters/local/queue-journal.ts';
import { type LocalSqs, startLocalSqs } from '#adapters/local/sqs-local.ts';
import { ENV, FUNCTIONS, type FunctionSpec } from '#lib/wiring.ts';
import { deferred } from './deferred.ts';
import { EVENTS_STREAM_SPEC, serveEventsStream } from './events-stream.ts';
import { setHandlerEnvironment } from './handler-environment.ts';
import { type LocalHttpServer, startHttpServer } from './http-server.ts';
import type { LambdaHandler } from './lambda.ts';
import { type LocalAuth, setUpLocalAuth } from './local-auth.ts';
import { localHandlerLoader, type TriggerConsumers, triggerConsumers } from './local-handlers.ts';
import { resumeUnfinishedJobs } from './local-jobs.ts';
import { localEventBus, localHandlerOverrides } from './local-publisher.ts';
import { createLocalQueues, drainQueues, type LocalQueues, startQueuePollers } from './local-queues.ts';
import type { QueuePoller } from './queue-poller.ts';
import { createRateLimiter } from './rate-limit.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  PortInUseError,
  persistentDir,
} from './runtime-options.ts';
import { ScheduleTimers } from './schedule-timers.ts';
import { FileCheckpointStore } from './stream-checkpoints.ts';
import { StreamPoller } from './stream-poller.ts';
import { DEFAULT_LOCAL_TABLE_NAME, ensureTable } from './table.ts';

export {
  type LocalJobsQueueOptions,
  type LocalQueuesOptions,
  type LocalRuntime,
  type LocalRuntimeOptions,
  OpenAdminRoutesError,
  PortInUseError,
} from './runtime-options.ts';

/** functions/local → the repository root, which wiring `entry` paths are relative to. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Handlers build their clients from `process.env` once per process (as a Lambda instance does), so
 * a process hosts one runtime at a time.
 */
let active = false;

/** What a running runtime holds; each is absent until started, so stop() undoes a partial start. */
interface Services {
  http?: LocalHttpServer;
  sqs?: Promise<LocalSqs>;
  database?: DynamoDbLocal;
  queues?: LocalQueues;
  dynamodb?: DynamoDBClient;
  streams?: DynamoDBStreamsClient;
  poller?: StreamPoller;
  /** The stream the poller follows (a new one after an in-memory DynamoDB Local restarted). */
  streamArn?: string;
  eventsPollers: QueuePoller[];
  jobsPollers: QueuePoller[];
  resumingJobs?: Promise<void>;
  schedules?: ScheduleTimers;
  tracing?: { stop(): Promise<void> };
  /** Ends the commit barrier on our emulator's endpoint (commit-barrier.ts), with data on disk. */
  releaseCommitBarrier?: () => void;
}

/**
 * Runs the whole system on this machine, one service after another: the authorizer, the HTTP API
 * (bound first, so a taken port fails in milliseconds and starts no JVM; requests that arrive
 * before the table exists wait for it), the local SQS (fauxqs, in this process), DynamoDB Local,
 * the events and jobs queues with their DLQs, the handlers' environment, the table, the stream
 * poller calling the projector, the queue pollers calling the ingest handler and the job runner,
 * the jobs the last run left unfinished, and the timers of `schedule` triggers (the expiry sweep).
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  if (active) throw new Error('startLocalRuntime: a local runtime is already running in this process');
  active = true;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const functions = options.functions ?? FUNCTIONS;
  const tableName = options.tableName ?? (process.env[ENV.tableName] || DEFAULT_LOCAL_TABLE_NAME);
  const ready = deferred();
  const services: Services = { eventsPollers: [], jobsPollers: [] };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopServices(services, options, log).finally(() => {
      active = false;
    });
    return stopping;
  };
  try {
    services.tracing = await startLocalTracing(options.tracing, { ...process.env, ...options.env }, log);
    const auth = await setUpLocalAuth(options);
    // One bus for the publisher (run by the stream poller) and the HTTP server's event stream.
    const eventBus = options.eventBus ?? localEventBus({ ...process.env, ...options.env }, log);
    const overrides = localHandlerOverrides(functions, eventBus);
    const loadHandler = localHandlerLoader(options.repoRoot ?? REPO_ROOT, options.wrapHandler, overrides);
    services.http = await listen(options, functions, loadHandler, auth, ready.promise, log, eventBus);
    const journal = await openQueueJournal(options);
    services.sqs = startLocalSqs({
      host: '127.0.0.1',
      port: 0,
      ...(journal ? { journal: journal.journal } : {}),
    });
    // Don't leave it unhandled if the JVM fails first; the await below reports it otherwise.
    services.sqs.catch(() => undefined);
    const endpoint = await startDatabase(options, services, log);
    const queues = await createLocalQueues(await services.sqs, functions, options);
    services.queues = queues;
    if (journal !== undefined && journal.pending.length > 0) {
      const resent = await journal.journal.resend(queues.client, journal.pending, queueUrlsByName(queues));
      log(
        `local queues: ${resent} message(s) accepted before the last stop and not yet processed, sent again`,
      );
    }
    setHandlerEnvironment(options, { tableName, endpoint, queues });
    const clientConfig = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    services.dynamodb = new DynamoDBClient(clientConfig);
    const table = await ensureTable(services.dynamodb, tableName);
    const consumers = await triggerConsumers(functions, loadHandler);
    services.streams = new DynamoDBStreamsClient(clientConfig);
    const poller = startStreamPoller(options, services.streams, table, consumers, log);
    services.poller = poller;
    services.streamArn = table.streamArn;
    startPollers(options, services, queues, consumers, log);
    services.schedules = new ScheduleTimers(consumers.schedule, LOCAL_REGION, options.schedules ?? {}, log);
    services.schedules.start();
    restartDatabaseOnExit(
      options,
      services,
      { tableName, consumers, stopping: () => stopping !== undefined },
      log,
    );
    ready.resolve();
    if (consumers.jobsQueue.length > 0) {
      const jobs = { endpoint, tableName, sqs: queues.client, jobsQueueUrl: queues.jobs.queueUrl, log };
      services.resumingJobs = resumeUnfinishedJobs(jobs);
    }
    const started = { http: services.http, endpoint, tableName, streamArn: table.streamArn, eventBus };
    return runtimeHandle(started, { ...services, poller, queues }, auth, stop);
  } catch (error) {
    ready.reject(error);
    await stop();
    throw error;
  }
}

function runtimeHandle(
  started: {
    http: LocalHttpServer;
    endpoint: string;
    tableName: string;
    streamArn: string;
    eventBus: LocalEventBus;
  },
  services: Services & { poller: StreamPoller; queues: LocalQueues },
  auth: LocalAuth,
  stop: () => Promise<void>,
): LocalRuntime {
  const { queues, poller } = services;
  return {
    url: started.http.url,
    port: started.http.port,
    endpoint: started.endpoint,
    tableName: started.tableName,
    // After DynamoDB Local restarted in memory, the table (so its stream, so the poller) is new.
    get streamArn() {
      return services.streamArn ?? started.streamArn;
    },
    get poller() {
      return services.poller ?? poller;
    },
    eventBus: started.eventBus,
    sqsEndpoint: queues.sqsEndpoint,
    eventsQueueUrl: queues.events.queueUrl,
    eventsDlqUrl: queues.events.dlqUrl,
    queuePollers: services.eventsPollers,
    jobsQueueUrl: queues.jobs.queueUrl,
    jobsDlqUrl: queues.jobs.dlqUrl,
    jobsQueuePollers: services.jobsPollers,
    auth: auth.mode,
    adminRoutesOpen: auth.adminRoutesOpen,
    whenProjected: (waitOptions) => (services.poller ?? poller).whenIdle(waitOptions),
    whenIngested: (waitOptions) => allIdle(services.eventsPollers, waitOptions),
    whenJobsIdle: (waitOptions) => allIdle(services.jobsPollers, waitOptions),
    stop,
  };
}

/** The HTTP API, the local API Gateway: routes, the authorizer and the JWKS. */
async function listen(
  options: LocalRuntimeOptions,
  functions: readonly FunctionSpec[],
  loadHandler: (spec: FunctionSpec) => Promise<LambdaHandler>,
  auth: LocalAuth,
  ready: Promise<void>,
  log: (line: string) => void,
  eventBus: LocalEventBus,
): Promise<LocalHttpServer> {
  const port = options.port ?? 8080;
  try {
    return await startHttpServer({
      functions,
      loadHandler,
      port,
      ...(options.host === undefined ? {} : { host: options.host }),
      region: LOCAL_REGION,
      ready,
      authorizer: auth.authorizer,
      ...(options.rateLimitPerSecond === undefined
        ? {}
        : { rateLimiter: createRateLimiter({ perSecond: options.rateLimitPerSecond }) }),
      ...(auth.jwks === undefined ? {} : { jwks: auth.jwks }),
      log,
      accessLog: options.logRequests !== false,
      streams: [{ spec: EVENTS_STREAM_SPEC, serve: serveEventsStream(eventBus) }],
      site: options.site,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port);
    throw error;
  }
}

/** DynamoDB Local (unless an endpoint is given), in memory or in `<dataDir>/dynamodb`. */
async function startDatabase(
  options: LocalRuntimeOptions,
  services: Services,
  log: (line: string) => void,
): Promise<string> {
  if (options.endpoint !== undefined) return options.endpoint;
  const dbPath = persistentDir(options, 'dynamodb');
  services.database = await startDynamoDbLocal({
    port: 'any',
    ...(dbPath === undefined ? {} : { dbPath }),
    log,
  });
  if (dbPath !== undefined) services.releaseCommitBarrier = awaitCommitsOn(services.database.endpoint);
  return services.database.endpoint;
}

/** With a data dir, the local queues' journal (`<dataDir>/queues/journal.jsonl`) and what it still holds. */
async function openQueueJournal(options: LocalRuntimeOptions) {
  const dir = persistentDir(options, 'queues');
  return dir === undefined ? undefined : QueueJournal.open(path.join(dir, 'journal.jsonl'));
}

/** The runtime's queues by name, the journal's key (a queue URL names a port that changes). */
function queueUrlsByName(queues: LocalQueues): Map<string, string> {
  const urls = [queues.events.queueUrl, queues.events.dlqUrl, queues.jobs.queueUrl, queues.jobs.dlqUrl];
  return new Map(urls.map((url) => [url.split('/').at(-1) ?? url, url]));
}

/**
 * When DynamoDB Local dies under a running runtime, start it again on the same port (the
 * handlers' clients keep their endpoint) over the same data dir, make sure the table is there
 * (in memory it is not), and follow the new table's stream if it has a new one.
 */
function restartDatabaseOnExit(
  options: LocalRuntimeOptions,
  services: Services,
  context: { tableName: string; consumers: TriggerConsumers; stopping: () => boolean },
  log: (line: string) => void,
): void {
  const database = services.database;
  if (database === undefined || services.dynamodb === undefined || services.streams === undefined) return;
  const { dynamodb, streams } = services;
  const dbPath = persistentDir(options, 'dynamodb');
  watchDatabase({
    database,
    dbPath,
    log,
    stopping: context.stopping,
    restart: () =>
      startDynamoDbLocal({ port: database.port, ...(dbPath === undefined ? {} : { dbPath }), log }),
    restarted: async (next) => {
      services.database = next;
      const table = await ensureTable(dynamodb, context.tableName);
      if (services.streamArn === table.streamArn) return;
      log(`the table ${table.tableName} is new (DynamoDB Local ran in memory); following its stream`);
      await services.poller?.stop();
      services.poller = startStreamPoller(options, streams, table, context.consumers, log);
      services.streamArn = table.streamArn;
    },
  });
}

/** The stream poller, resuming from its checkpoint in the data dir when the data is kept. */
function startStreamPoller(
  options: LocalRuntimeOptions,
  client: DynamoDBStreamsClient,
  table: { tableName: string; streamArn: string },
  consumers: TriggerConsumers,
  log: (line: string) => void,
): StreamPoller {
  const checkpointDir = persistentDir(options, 'stream-checkpoints');
  const poller = new StreamPoller({
    client,
    streamArn: table.streamArn,
    consumers: consumers.stream,
    region: LOCAL_REGION,
    log,
    ...(checkpointDir === undefined
      ? {}
      : { checkpoints: new FileCheckpointStore(path.join(checkpointDir, `${table.tableName}.json`), log) }),
    ...options.poller,
  });
  poller.start();
  return poller;
}

function startPollers(
  options: LocalRuntimeOptions,
  services: Services,
  queues: LocalQueues,
  consumers: TriggerConsumers,
  log: (line: string) => void,
): void {
  services.eventsPollers.push(
    ...startQueuePollers(queues.client, queues.events, consumers.eventsQueue, options.queues, log),
  );
  services.jobsPollers.push(
    ...startQueuePollers(queues.client, queues.jobs, consumers.jobsQueue, options.jobsQueue, log),
  );
}

/**
 * Outside in: no new requests; the queues drained (in memory their emulator keeps nothing; with a
 * data dir the journal keeps what is left for the next start); no new
 * invocations; the stream checkpoint saved; then the services they use.
 */
async function stopServices(services: Services, options: LocalRuntimeOptions, log: (line: string) => void) {
  await services.http?.close();
  await services.schedules?.stop();
  await services.resumingJobs;
  const eventsDrainMs = options.queues?.drainOnStopMs ?? 3_000;
  const jobsDrainMs = options.jobsQueue?.drainOnStopMs ?? eventsDrainMs;
  await Promise.all([
    drainQueues('events', services.eventsPollers, eventsDrainMs, log),
    drainQueues('jobs', services.jobsPollers, jobsDrainMs, log),
  ]);
  await Promise.all([...services.eventsPollers, ...services.jobsPollers].map((poller) => poller.stop()));
  await services.poller?.stop();
  await services.sqs?.then(
    (server) => server.stop(),
    () => undefined,
  );
  await services.database?.stop();
  services.releaseCommitBarrier?.();
  services.dynamodb?.destroy();
  services.streams?.destroy();
  services.queues?.client.destroy();
  await services.tracing?.stop();
}

async function allIdle(pollers: readonly QueuePoller[], options?: { timeoutMs?: number }): Promise<void> {
  await Promise.all(pollers.map((poller) => poller.whenIdle(options)));
}
