import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ENV, FUNCTIONS, type FunctionSpec } from '#lib/wiring.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from './dynamodb-local.ts';
import { type LocalHttpServer, startHttpServer } from './http-server.ts';
import { handlerLoader, type LambdaHandler } from './lambda.ts';
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
  /** Resolves once every stream record written before the call has been delivered to the projector. */
  whenProjected(options?: { timeoutMs?: number }): Promise<void>;
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
 * handlers API Gateway would, and a stream poller calling the projector with Lambda-shaped batches.
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
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Outside in: no new requests, no new invocations, then the database they use.
      await http.close();
      await poller?.stop();
      await database?.stop();
      dynamodb?.destroy();
      streams?.destroy();
      active = false;
    })();
    return stopping;
  };

  try {
    let endpoint = options.endpoint;
    if (endpoint === undefined) {
      const dbPath =
        options.inMemory !== true && options.dataDir ? path.join(options.dataDir, 'dynamodb') : undefined;
      database = await startDynamoDbLocal({ port: 'any', ...(dbPath === undefined ? {} : { dbPath }), log });
      endpoint = database.endpoint;
    }

    // Before any handler module loads: they read their configuration from the environment.
    Object.assign(process.env, {
      [ENV.tableName]: tableName,
      [ENV.dynamodbEndpoint]: endpoint,
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
    for (const spec of functions) {
      const handler = await loadHandler(spec);
      for (const trigger of spec.triggers ?? []) {
        if (trigger.kind === 'table-stream') consumers.push({ spec, trigger, handler });
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
    markReady();

    const started = poller;
    return {
      url: http.url,
      port: http.port,
      endpoint,
      tableName,
      streamArn: table.streamArn,
      poller: started,
      whenProjected: (waitOptions) => started.whenIdle(waitOptions),
      stop,
    };
  } catch (error) {
    markFailed(error);
    await stop();
    throw error;
  }
}
